"""Exports (no Qt): RIS, BibTeX, CSL-JSON, bibliographies and handouts, written atomically."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from refmgr.core.model import Article

FORMATS = ("ris", "bibtex", "csl-json", "bibliography", "handout-html", "handout-md")
STYLES = ("vancouver", "ama", "apa")
OUTPUT_FORMATS = ("text", "markdown", "html")
# Suggested file extensions, e.g. for a save dialog.
EXTENSIONS = {"ris": "ris", "bibtex": "bib", "csl-json": "json", "handout-html": "html", "handout-md": "md"}


class ExportError(ValueError):
    """An export that cannot be made or written (unknown format, unwritable path)."""


def export_articles(
    articles: Sequence[Article],
    format: str,
    style: str | None = None,
    list_notes: Mapping[int, str] | None = None,
    title: str | None = None,
    output_format: str = "text",
    cite_keys: Mapping[int, str] | None = None,
) -> str:
    """The articles, in the given order, as text in FORMAT (see FORMATS); ExportError if unknown."""
    # CITE_KEYS (article id -> the library's cite key) makes BibTeX use the keys [@key] markers use.
    # Imported here so that importing this package (e.g. for FORMATS in a menu) does not load citeproc-py.
    from refmgr.core.export.bibliography import StyleError, format_bibliography
    from refmgr.core.export.bibtex import write_bibtex
    from refmgr.core.export.handout import handout_html, handout_markdown
    from refmgr.core.export.ris import write_ris
    from refmgr.core.export.stream import write_csl_json

    try:
        if format == "ris":
            return write_ris(articles)
        if format == "bibtex":
            return write_bibtex(articles, cite_keys)
        if format == "csl-json":
            text = io.StringIO()
            write_csl_json(articles, text)
            return text.getvalue()
        if format == "bibliography":
            return format_bibliography(articles, style, output_format)
        if format == "handout-html":
            return handout_html(articles, list_notes, title, style)
        if format == "handout-md":
            return handout_markdown(articles, list_notes, title, style)
    except StyleError as error:
        raise ExportError(str(error)) from error
    raise ExportError(f"unknown export format {format!r}; choose from {', '.join(FORMATS)}")


def suggested_extension(format: str, output_format: str = "text") -> str:
    """File extension for an export ("ris", "bib", "json", "html", "md", "txt")."""
    if format == "bibliography":
        return {"markdown": "md", "html": "html"}.get(output_format, "txt")
    return EXTENSIONS.get(format, "txt")


def write_output(text: str, path: str | Path) -> None:
    """Write text (UTF-8) to PATH atomically: a temp file beside it, then os.replace; no partial file on error."""
    with atomic_output(path) as stream:
        stream.write(text)


@contextmanager
def atomic_output(path: str | Path, binary: bool = False) -> Iterator[IO[Any]]:
    """A UTF-8 text (or binary) stream that replaces PATH only when the block ends without error."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise ExportError(f"cannot write {target}: {error.strerror or error}") from error
    try:
        with os.fdopen(handle, "wb") if binary else os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if target.is_dir():
            raise IsADirectoryError(21, "is a folder", str(target))
        os.chmod(temp_name, target.stat().st_mode & 0o777 if target.exists() else 0o600)  # new exports: owner-only
        os.replace(temp_name, target)
    except OSError as error:
        Path(temp_name).unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {error.strerror or error}") from error
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
