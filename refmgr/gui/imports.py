"""What drops, pastes and the identifier dialog hand to the importer, and the background ops."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData

from refmgr.core.identifiers import extract_identifiers
from refmgr.core.library import Library
from refmgr.core.pdf.extract import MAX_PDF_BYTES
from refmgr.core.settings import Settings
from refmgr.core.textio import MAX_INPUT_BYTES, utf8_size
from refmgr.gui.table_model import ARTICLE_IDS_MIME
from refmgr.gui.tasks import TaskContext


@dataclass
class ImportRequest:
    """Texts (DOIs, links, pasted records) and files to import, optionally into a reading list."""

    texts: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    list_id: int | None = None
    refused: list[str] = field(default_factory=list)  # inputs turned away before the import, and why

    def __bool__(self) -> bool:
        return bool(self.paths or any(t.strip() for t in self.texts))


def request_from_mime(mime: QMimeData) -> ImportRequest:
    """Files and text carried by a drop or the clipboard (internal row drags carry nothing)."""
    request = ImportRequest()
    if mime.hasFormat(ARTICLE_IDS_MIME):
        return request
    remote: list[str] = []
    for url in mime.urls() if mime.hasUrls() else []:
        if url.isLocalFile():
            request.paths.append(Path(url.toLocalFile()))
        elif url.toString():
            remote.append(url.toString())
    text = mime.text() if mime.hasText() else ""
    if text.strip() and not (request.paths and text.strip().startswith("file:")):
        request.texts.append(text.strip())
    elif remote:
        request.texts.append("\n".join(remote))
    return request


def refuse_oversized(request: ImportRequest) -> ImportRequest:
    """The request without its texts and files over MAX_INPUT_BYTES; `refused` says why each was left out."""
    limit_mb = f"{MAX_INPUT_BYTES / 2**20:g} MB"
    refused: list[str] = []
    texts = []
    for text in request.texts:
        size = utf8_size(text)
        if size > MAX_INPUT_BYTES:
            refused.append(f"text of {size / 2**20:.1f} MB is over the {limit_mb} limit")
        else:
            texts.append(text)
    paths = []
    for path in request.paths:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # unreadable files are reported by the import itself
        limit = MAX_PDF_BYTES if path.suffix.lower() == ".pdf" else MAX_INPUT_BYTES  # PDFs: checked again by intake
        if size > limit:
            refused.append(f"{path.name} ({size / 2**20:.1f} MB) is over the {limit / 2**20:g} MB limit")
        else:
            paths.append(path)
    return ImportRequest(texts=texts, paths=paths, list_id=request.list_id, refused=request.refused + refused)


def identifiers_text(text: str) -> str:
    """Identifiers typed in "Add by identifier", one per line in plain form (DOI, PubMed link, PMCID)."""
    lines = []
    # a number alone on its line is a PMID
    text = "\n".join(f"PMID: {line.strip()}" if line.strip().isdecimal() else line for line in text.splitlines())
    for identifier in extract_identifiers(text):
        if identifier.kind == "doi":
            lines.append(identifier.value)
        elif identifier.kind == "pmid":
            lines.append(f"https://pubmed.ncbi.nlm.nih.gov/{identifier.value}/")
        else:
            lines.append(identifier.value)
    return "\n".join(lines) or text


def make_client(settings: Settings) -> Any:
    """A Crossref client for the settings' address and contact e-mail."""
    from refmgr.core.crossref.client import client_from_settings

    return client_from_settings(settings)


def make_sources(settings: Settings) -> Any:
    """PubMed and Europe PMC clients for the settings, or a do-nothing context when enrichment is turned off."""
    from contextlib import nullcontext

    from refmgr.core.sources.enrich import sources_from_settings

    return sources_from_settings(settings) if settings.enrich else nullcontext()


def import_op(request: ImportRequest, settings: Settings) -> Callable[[TaskContext], Any]:
    """Background op: import texts and files (Crossref, then PubMed and Europe PMC); returns the ImportReport."""

    def op(context: TaskContext) -> Any:
        from refmgr.core.intake import import_inputs

        with make_client(settings) as client, make_sources(settings) as sources:
            if sources is not None:
                sources.on_stage = context.item  # a str payload: the progress bar names the stage
            report = import_inputs(
                context.library,
                texts=tuple(request.texts),
                paths=tuple(request.paths),
                client=client,
                list_id=request.list_id,
                progress=context.progress,
                cancel=context.cancelled,
                on_item=context.item,
                on_batch=context.wait_for_gui,
                sources=sources,
            )
        report.unreadable[:0] = request.refused
        return report

    return op


def sync_pending_op(settings: Settings) -> Callable[[TaskContext], Any]:
    """Background op: retry the items kept pending while Crossref was unreachable."""

    def op(context: TaskContext) -> Any:
        from refmgr.core.intake import sync_pending

        with make_client(settings) as client, make_sources(settings) as sources:
            if sources is not None:
                sources.on_stage = context.item
            return sync_pending(context.library, client, context.progress, context.cancelled, context.item,
                                on_batch=context.wait_for_gui, sources=sources)  # fmt: skip

    return op


def resolve_op(article_id: int, positions: list[int] | None, settings: Settings) -> Callable[[TaskContext], Any]:
    """Background op: match an article's references to DOIs through Crossref."""

    def op(context: TaskContext) -> Any:
        from refmgr.core.crossref.resolve import resolve_references

        with make_client(settings) as client:
            return resolve_references(
                context.library,
                article_id,
                client,
                positions=positions,
                progress=context.progress,
                cancel=context.cancelled,
            )

    return op


def pending_count(library: Library) -> int:
    """How many items wait for Crossref, PubMed or Europe PMC to come back."""
    from refmgr.core.sources.enrich import pending_enrichment

    return library.pending_count() + len(pending_enrichment(library))
