"""Subcommands for PDFs: attach, attachments, detach, find-pdf, identify, fulltext; PDFs for `refmgr import`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from refmgr.cli import EXIT_OK, EXIT_SOME_FAILED, UsageError, library_option
from refmgr.cli.common import open_library, print_json, resolve_articles
from refmgr.core.importer import ImportReport
from refmgr.core.library import Library


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the PDF subcommands."""
    p = subparsers.add_parser("attach", help="attach a file (PDF) to an article; its text becomes searchable")
    p.add_argument("article", metavar="ID|DOI|PMID")
    p.add_argument("file", metavar="FILE")
    library_option(p)
    p.set_defaults(handler=cmd_attach)

    p = subparsers.add_parser("attachments", help="an article's attached files and where they are stored")
    p.add_argument("article", metavar="ID|DOI|PMID")
    p.add_argument("--json", action="store_true", help="JSON output")
    library_option(p)
    p.set_defaults(handler=cmd_attachments)

    p = subparsers.add_parser("detach", help="remove an attachment (its file too, unless another article uses it)")
    p.add_argument("attachment", type=int, metavar="ATTACHMENT_ID", help="as listed by `refmgr attachments`")
    library_option(p)
    p.set_defaults(handler=cmd_detach)

    p = subparsers.add_parser("find-pdf", help="look for an open-access PDF (Unpaywall, your e-mail) and attach it")
    p.add_argument("articles", nargs="+", metavar="ID|DOI|PMID")
    library_option(p)
    p.set_defaults(handler=cmd_find_pdf)

    p = subparsers.add_parser("identify", help="give an article kept from its PDF alone its DOI, and fetch it")
    p.add_argument("article", metavar="ID")
    p.add_argument("doi", metavar="DOI")
    library_option(p)
    p.set_defaults(handler=cmd_identify)

    p = subparsers.add_parser("fulltext", help="search the text of attached PDFs, with the matching passage")
    p.add_argument("query", nargs="+")
    p.add_argument("--limit", type=int, default=20)
    library_option(p)
    p.set_defaults(handler=cmd_fulltext)


def import_pdf_paths(library: Library, paths: list[Path]) -> ImportReport:
    """Import PDFs (files or folders) through the intake pipeline, with Crossref from the user's settings."""
    from refmgr.core.crossref.client import client_from_settings
    from refmgr.core.intake import import_inputs
    from refmgr.core.settings import Settings
    from refmgr.paths import settings_file

    with client_from_settings(Settings.load(settings_file())) as client:
        return import_inputs(library, paths=paths, client=client)


def cmd_attach(args: argparse.Namespace) -> int:
    """Copy a file beside the library, link it to the article and index its text."""
    from refmgr.core.pdf.analysis import article_and_pages, full_text
    from refmgr.core.pdf.attachments import add_pdf_findings, attach_file
    from refmgr.core.pdf.extract import PdfError, read_pdf

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    with open_library(args) as library:
        (article_id,) = resolve_articles(library, [args.article])
        text, pages, notes, figure_pages = "", None, [], {}
        try:
            pdf = read_pdf(path)
        except PdfError as error:
            notes.append(f"attached without its text: {str(error).split(': ', 1)[-1]}")
        else:
            text, pages = full_text(pdf), pdf.page_count
            found, figure_pages = article_and_pages(pdf)
            doi = library.get(article_id).doi
            if found.doi and doi and found.doi != doi.lower():
                raise UsageError(f"{path} is doi:{found.doi}, but #{article_id} is doi:{doi}; not attached")
            notes += add_pdf_findings(library, article_id, found.figures, [k.term for k in found.keywords])
        result = attach_file(library, article_id, path, text, pages, figure_pages=figure_pages)
        verb = "attached" if result.added else "already attached"
        print("; ".join([f"#{article_id}: {path.name} {verb} as {result.path}", *notes]))
    return EXIT_OK


def cmd_attachments(args: argparse.Namespace) -> int:
    """List an article's attachments."""
    from refmgr.core.pdf.attachments import attachment_path, attachments_of

    with open_library(args) as library:
        (article_id,) = resolve_articles(library, [args.article])
        rows = [(a, attachment_path(library, a)) for a in attachments_of(library, article_id)]
        if args.json:
            print_json([{"id": a.id, "name": a.original_name, "path": str(p), "pages": a.pages, "bytes": a.size,
                         "sha256": a.sha256, "added": a.added, "present": p.exists()} for a, p in rows])  # fmt: skip
            return EXIT_OK
        for attachment, path in rows:
            missing = "" if path.exists() else "  (file missing)"
            pages = f"{attachment.pages} pages" if attachment.pages is not None else "text not read"
            print(f"{attachment.id}\t{attachment.original_name}\t{pages}\t{path}{missing}")
        if not rows:
            print(f"#{article_id} has no attachments", file=sys.stderr)
    return EXIT_OK


def cmd_detach(args: argparse.Namespace) -> int:
    """Remove one attachment."""
    from refmgr.core.pdf.attachments import detach

    with open_library(args) as library:
        if not detach(library, args.attachment):
            raise UsageError(f"no attachment {args.attachment} in {library.path}")
    print(f"attachment {args.attachment} removed")
    return EXIT_OK


def cmd_find_pdf(args: argparse.Namespace) -> int:
    """Find and attach open-access PDFs, one line per article."""
    from refmgr.core.pdf.unpaywall import FindPdfError, find_pdf
    from refmgr.core.settings import Settings
    from refmgr.paths import settings_file

    settings = Settings.load(settings_file())
    failed = 0
    with open_library(args) as library:
        for article_id in resolve_articles(library, args.articles):
            try:
                print(f"#{article_id}: {find_pdf(library, article_id, settings)}")
            except FindPdfError as error:
                failed += 1
                print(f"#{article_id}: no PDF: {error}")
    return EXIT_SOME_FAILED if failed else EXIT_OK


def cmd_identify(args: argparse.Namespace) -> int:
    """Set the DOI of an article imported from a PDF alone and fetch its Crossref record."""
    from refmgr.core.crossref.client import client_from_settings
    from refmgr.core.pdf.identify import identify
    from refmgr.core.settings import Settings
    from refmgr.paths import settings_file

    with open_library(args) as library, client_from_settings(Settings.load(settings_file())) as client:
        (article_id,) = resolve_articles(library, [args.article])
        try:
            target, report = identify(library, article_id, args.doi, client)
        except ValueError as error:
            raise UsageError(str(error)) from error
        if target != article_id:
            print(f"#{article_id} merged into #{target}, which already had doi:{library.get(target).doi}")
        print(report.render())
        return EXIT_OK if report.ok else EXIT_SOME_FAILED


def cmd_fulltext(args: argparse.Namespace) -> int:
    """Print the articles whose PDFs match, best first, with a passage."""
    from refmgr.core.pdf.fulltext import search_fulltext

    with open_library(args) as library:
        hits = search_fulltext(library, " ".join(args.query), limit=args.limit)
        summaries = library.summaries([hit.article_id for hit in hits])
        for hit in hits:
            row = summaries.get(hit.article_id, {})
            print(f"{hit.article_id}\t{row.get('year') or ''}\t{row.get('title', '')}\n\t{hit.snippet}")
        print(f"{len(hits)} match(es)", file=sys.stderr)
    return EXIT_OK
