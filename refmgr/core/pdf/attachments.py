"""Attached files: PDFs copied beside the library under their content hash, linked to articles, their text indexed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from refmgr.core.db import LibraryError, now_iso
from refmgr.core.library import Library
from refmgr.core.model import Figure, Keyword

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """One file attached to an article."""

    id: int
    article_id: int
    sha256: str
    stored_name: str
    original_name: str
    size: int
    pages: int | None
    added: str
    figure_pages: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AttachResult:
    """What attaching did: the attachment's id, whether it is new, and the stored file."""

    attachment_id: int
    added: bool
    path: Path


def attachments_dir(library: Library) -> Path:
    """The folder beside the library file that holds its attachments ("library-attachments")."""
    if str(library.path) == ":memory:":
        raise LibraryError("an in-memory library has no attachments folder")
    return library.path.parent / f"{library.path.stem}-attachments"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def store_file(library: Library, source: Path, sha256: str | None = None) -> tuple[str, Path]:
    """Copy a file into the attachments folder under its hash (owner-only), unless the same bytes are there."""
    sha256 = sha256 or file_sha256(source)
    folder = attachments_dir(library)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    target = folder / f"{sha256}{source.suffix.lower() or '.pdf'}"
    if target.exists() and target.stat().st_size == source.stat().st_size:
        return sha256, target
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as inp:
            shutil.copyfileobj(inp, out, _CHUNK)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    os.chmod(target, 0o600)
    return sha256, target


def attach_file(
    library: Library, article_id: int, source: Path, text: str = "", pages: int | None = None,
    original_name: str = "", figure_pages: dict[str, int] | None = None,
) -> AttachResult:  # fmt: skip
    """Attach a file to an article: copy it in, link it and index its text (one transaction for the rows)."""
    source = Path(source)
    sha256, stored = store_file(library, source)
    with library.transaction() as conn:
        row = conn.execute(
            "SELECT id FROM attachments WHERE article_id = ? AND sha256 = ?", (article_id, sha256)
        ).fetchone()
        if row:
            return AttachResult(row[0], False, stored)
        name, size = original_name or source.name, stored.stat().st_size
        cursor = conn.execute(
            "INSERT INTO attachments (article_id, sha256, stored_name, original_name, size, pages, added, "
            "figure_pages) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (article_id, sha256, stored.name, name, size, pages, now_iso(), json.dumps(figure_pages or {})),
        )
        attachment_id = int(cursor.lastrowid or 0)
        if text:
            conn.execute("INSERT INTO attachments_fts (rowid, text) VALUES (?, ?)", (attachment_id, text))
    return AttachResult(attachment_id, True, stored)


def attachments_of(library: Library, article_id: int) -> list[Attachment]:
    """An article's attachments, oldest first."""
    rows = library.conn.execute(
        "SELECT id, article_id, sha256, stored_name, original_name, size, pages, added, figure_pages "
        "FROM attachments WHERE article_id = ? ORDER BY id",
        (article_id,),
    )
    return [Attachment(*row[:-1], figure_pages=json.loads(row[-1] or "{}")) for row in rows]


def attachment_path(library: Library, attachment: Attachment) -> Path:
    """Where an attachment's file is stored."""
    return attachments_dir(library) / attachment.stored_name


def articles_with_file(library: Library, sha256: str) -> list[int]:
    """Articles that already have a file with these bytes attached."""
    rows = library.conn.execute("SELECT DISTINCT article_id FROM attachments WHERE sha256 = ?", (sha256,))
    return [row[0] for row in rows]


def detach(library: Library, attachment_id: int) -> bool:
    """Remove an attachment; its file goes too unless another article still uses the same bytes."""
    with library.transaction() as conn:
        row = conn.execute("SELECT sha256, stored_name FROM attachments WHERE id = ?", (attachment_id,)).fetchone()
        if row is None:
            return False
        conn.execute("DELETE FROM attachments WHERE id = ?", (attachment_id,))
        still_used = conn.execute("SELECT 1 FROM attachments WHERE sha256 = ?", (row[0],)).fetchone()
    if not still_used:
        (attachments_dir(library) / row[1]).unlink(missing_ok=True)
    return True


def add_pdf_findings(library: Library, article_id: int, figures: list[Figure], keywords: list[str]) -> list[str]:
    """Give an article the PDF's legends and keywords where it has none; say what was added."""
    added: list[str] = []
    with library.transaction() as conn:
        has_figures = conn.execute("SELECT 1 FROM figures WHERE article_id = ?", (article_id,)).fetchone()
        if figures and not has_figures:
            library._write_figures(article_id, figures)
            added.append(f"{len(figures)} legend{'s' if len(figures) != 1 else ''} from the PDF")
        has_keywords = conn.execute("SELECT 1 FROM keywords WHERE article_id = ?", (article_id,)).fetchone()
        if keywords and not has_keywords:
            conn.executemany(
                "INSERT INTO keywords (article_id, position, term, kind) VALUES (?, ?, ?, ?)",
                [(article_id, i, Keyword(term).term, "author") for i, term in enumerate(keywords)],
            )
            added.append(f"{len(keywords)} keyword{'s' if len(keywords) != 1 else ''} from the PDF")
        if added:
            library.reindex(article_id)
    return added
