"""PDFs in the import pipeline: find each one's article (DOI, else a checked title), save it, attach the file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from refmgr.core import lists
from refmgr.core.crossref.client import CrossrefClient, CrossrefError
from refmgr.core.crossref.resolve import resolve_reference_text
from refmgr.core.importer import ItemReport
from refmgr.core.intake import _fetch_and_save, _Run, _Wanted
from refmgr.core.library import Library
from refmgr.core.model import Article
from refmgr.core.pdf.analysis import PDF_SOURCE, article_and_pages, citation_guess, full_text
from refmgr.core.pdf.attachments import add_pdf_findings, articles_with_file, attach_file, file_sha256
from refmgr.core.pdf.extract import PdfCancelled, PdfError, PdfExtractor, check_pdf_file
from refmgr.core.pdf.identify import NEEDS_IDENTIFICATION

MAX_FOLDER_PDFS = 5000


def is_pdf_path(path: Path) -> bool:
    """A folder (searched for PDFs) or a file named .pdf or starting with a PDF header."""
    if path.is_dir():
        return True
    if path.suffix.lower() == ".pdf":
        return True
    if not path.is_file():  # a pipe or device is left to the text reader, which refuses it without blocking
        return False
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"%PDF-"
    except OSError:
        return False


def split_pdfs(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """(PDFs, including those found in folders; every other path) in the order given."""
    pdfs: list[Path] = []
    others: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())
            pdfs.extend(found[:MAX_FOLDER_PDFS])
            if not found:
                others.append(path)  # reported by the text reader ("cannot read (Is a directory)")
        elif is_pdf_path(path):
            pdfs.append(path)
        else:
            others.append(path)
    return pdfs, others


def import_pdfs(
    library: Library, pdfs: Sequence[Path], client: CrossrefClient | None, list_id: int | None, run: _Run
) -> list[int]:
    """Import PDFs one at a time (rows appear as each is identified); return the article ids."""
    ids: list[int] = []
    if not pdfs:
        return ids
    run.total += len(pdfs)
    with PdfExtractor() as extractor:
        for path in pdfs:
            if run.cancelled():
                break
            article_id = _import_one(library, extractor, path, client, list_id, run)
            if article_id is not None:
                ids.append(article_id)
            run.step()
    return ids


def _import_one(
    library: Library, extractor: PdfExtractor, path: Path, client: CrossrefClient | None, list_id: int | None,
    run: _Run,
) -> int | None:  # fmt: skip
    source = str(path)
    try:
        check_pdf_file(path)  # before hashing: a pipe named .pdf must not block the import
        sha256 = file_sha256(path)
    except PdfError as error:
        run.report.unreadable.append(str(error))
        return None
    except OSError as error:
        run.report.unreadable.append(f"{path}: cannot read ({error.strerror or error})")
        return None
    known = articles_with_file(library, sha256)
    if known:
        run.add(ItemReport(path.name, "duplicate", known[0], f"this PDF is already attached to #{known[0]}", source))
        return known[0]
    try:
        pdf = extractor.extract(path, cancel=run.cancelled)
    except PdfCancelled:
        return None
    except PdfError as error:
        run.report.unreadable.append(str(error))
        return None
    text = full_text(pdf)
    if not text.strip():
        run.report.unreadable.append(
            f"{path}: no text layer (a scan or page images?); nothing imported. Import its DOI instead and attach "
            "the file with `refmgr attach`"
        )
        return None
    found, figure_pages = article_and_pages(pdf)
    doi = found.doi
    if not doi and client is not None and found.title:
        doi = _doi_from_title(citation_guess(pdf), client, run, source)
    article_id = None
    pending = False
    if doi:  # the Crossref record (or the pending entry when Crossref cannot be asked) is reported as usual
        seen = len(run.report.items)
        _fetch_and_save(library, client, [_Wanted(doi, source, list_id)], run, refresh=False)
        pending = any(item.status == "pending" for item in run.report.items[seen:])
        article_id = library.find(doi)
    if article_id is None:
        article_id = _save_from_pdf(library, found, doi, list_id, path)
        note = f"doi:{doi} is not in Crossref (yet); kept from the PDF's own metadata"
        if pending:
            note = f"kept from the PDF's own metadata until Crossref can be asked for doi:{doi} (`refmgr sync`)"
        if not doi:
            note = (f"kept from the PDF alone, tagged “{NEEDS_IDENTIFICATION}”: find its DOI, then "
                    f"`refmgr identify {article_id} DOI`")  # fmt: skip
        run.add(ItemReport(f"{path.name} “{found.title[:60] or 'untitled'}”", "added", article_id, note, source))
    attach_file(library, article_id, path, text, pdf.page_count, figure_pages=figure_pages)
    added = add_pdf_findings(library, article_id, found.figures, [k.term for k in found.keywords])
    if added:
        run.report.warnings.append(f"{path.name}: {', '.join(added)} (#{article_id})")
    return article_id


def _doi_from_title(citation: str, client: CrossrefClient, run: _Run, source: str) -> str:
    """A DOI for the PDF's title, authors and year only when Crossref's best match passes the resolver's checks."""
    try:
        status, best, _ = resolve_reference_text(citation, client)
    except CrossrefError as error:
        run.report.warnings.append(f"{source}: title lookup in Crossref failed ({error.reason})")
        return ""
    return best.doi if status == "resolved" and best is not None else ""


def _save_from_pdf(library: Library, found: Article, doi: str, list_id: int | None, path: Path) -> int:
    """Save the article the PDF describes by itself; without a DOI it is tagged as needing identification."""
    found.doi = doi
    if not found.title:
        found.title = f"{path.name} (untitled PDF)"
    with library.transaction():
        result = library.save(found, source=PDF_SOURCE)
        if not doi:
            library.set_tags(result.article_id, [*library.tags_of(result.article_id), NEEDS_IDENTIFICATION])
        if list_id is not None:
            lists.add_to_list(library, list_id, [result.article_id])
    return result.article_id
