"""Subcommands that talk to Crossref: add, refresh, sync, refs."""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from typing import TYPE_CHECKING

from refmgr.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, UsageError, library_option
from refmgr.cli.common import open_library, print_json, resolve_articles

# The network stack (habanero, httpx) and the import pipeline are imported by the commands that use them.
if TYPE_CHECKING:
    from refmgr.core.crossref.client import CrossrefClient
    from refmgr.core.importer import ImportReport
    from refmgr.core.library import Library
    from refmgr.core.sources.enrich import Sources


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the Crossref subcommands."""
    p = subparsers.add_parser("add", help="add articles by DOI, PMID or PMCID (or text containing them; - reads stdin)")
    p.add_argument("texts", nargs="+", metavar="TEXT", help="DOIs, doi.org links or text containing them; - for stdin")
    p.add_argument("--list", metavar="NAME", help="also put the articles on this reading list (created if needed)")
    p.add_argument("--no-enrich", action="store_true", help="skip PubMed and Europe PMC (MeSH, trials, legends)")
    library_option(p)
    p.set_defaults(handler=cmd_add)

    p = subparsers.add_parser("refresh", help="fetch articles' Crossref records again (ignores the cache)")
    p.add_argument("articles", nargs="*", metavar="ID|DOI|PMID")
    p.add_argument("--all", action="store_true", help="every article with a DOI")
    library_option(p)
    p.set_defaults(handler=cmd_refresh)

    p = subparsers.add_parser("sync", help="retry the DOIs left pending by network failures")
    library_option(p)
    p.set_defaults(handler=cmd_sync)

    p = subparsers.add_parser("refs", help="an article's references; --resolve matches them to DOIs via Crossref")
    p.add_argument("article", metavar="ID|DOI|PMID")
    p.add_argument("--resolve", action="store_true", help="match unresolved references through Crossref")
    p.add_argument("--json", action="store_true", help="JSON output")
    library_option(p)
    p.set_defaults(handler=cmd_refs)


def make_client() -> CrossrefClient:
    """A client from the user's settings (REFMGR_CROSSREF_URL and REFMGR_MAILTO override them)."""
    from refmgr.core.crossref.client import client_from_settings
    from refmgr.core.settings import Settings
    from refmgr.paths import settings_file

    try:
        return client_from_settings(Settings.load(settings_file()))
    except ValueError as error:  # a contact e-mail that cannot be sent
        raise UsageError(str(error)) from error


def make_sources(skip: bool = False) -> Sources | None:
    """PubMed and Europe PMC clients from the settings, or None when asked to skip them (or turned off there)."""
    from refmgr.core.settings import Settings
    from refmgr.core.sources.enrich import sources_from_settings
    from refmgr.paths import settings_file

    settings = Settings.load(settings_file())
    try:
        return None if skip or not settings.enrich else sources_from_settings(settings)
    except ValueError as error:  # a contact e-mail that cannot be sent
        raise UsageError(str(error)) from error


def _finish(report: ImportReport) -> int:
    print(report.render())
    if report.unreadable and not report.items:
        return EXIT_USAGE
    return EXIT_OK if report.ok else EXIT_SOME_FAILED


def read_stdin() -> str:
    """Standard input as text, read in chunks up to the input limit (a usage error past it)."""
    from refmgr.core.textio import MAX_INPUT_BYTES, InputError, decode_bytes, read_bounded

    stream = getattr(sys.stdin, "buffer", None)
    try:
        if stream is None:  # a text stream standing in for stdin: its characters, bounded all the same
            text = sys.stdin.read(MAX_INPUT_BYTES + 1)
            if len(text) > MAX_INPUT_BYTES:
                raise InputError(f"standard input: more than the {MAX_INPUT_BYTES / 2**20:g} MB limit")
            return text
        return decode_bytes(read_bounded(stream, "standard input"), "standard input").text
    except InputError as error:
        raise UsageError(str(error)) from error


def cmd_add(args: argparse.Namespace) -> int:
    """Add the DOIs found in the given texts (or stdin) and print one line per item."""
    from refmgr.core.intake import import_inputs
    from refmgr.core.lists import create_list, find_list

    texts = [read_stdin() if text == "-" else text for text in args.texts]
    texts = [f"PMID: {text.strip()}" if text.strip().isdecimal() else text for text in texts]  # `refmgr add 30779529`
    sources = make_sources(args.no_enrich)
    with open_library(args) as library, make_client() as client, sources or nullcontext():
        list_id = None
        if args.list:
            list_id = find_list(library, args.list) or create_list(library, args.list)
        report = import_inputs(library, texts=texts, client=client, list_id=list_id, sources=sources)
        return _finish(report)


def cmd_refresh(args: argparse.Namespace) -> int:
    """Fetch Crossref records again for some or all articles."""
    if not args.all and not args.articles:
        raise UsageError("refresh needs article ids, DOIs or PMIDs, or --all")
    from refmgr.core.intake import refresh_articles

    sources = make_sources()
    with open_library(args) as library, make_client() as client, sources or nullcontext():
        ids = library.ids_with_identifier("doi") if args.all else resolve_articles(library, args.articles)
        return _finish(refresh_articles(library, client, ids, sources=sources))


def cmd_sync(args: argparse.Namespace) -> int:
    """Retry every pending DOI; report what is still waiting."""
    from refmgr.core.intake import pending_dois, sync_pending
    from refmgr.core.sources.enrich import pending_enrichment

    with open_library(args) as library:
        if not pending_dois(library) and not pending_enrichment(library):
            print("nothing pending")
            return EXIT_OK
        sources = make_sources()
        with make_client() as client, sources or nullcontext():
            report = sync_pending(library, client, sources=sources)
        remaining = len(pending_dois(library))
        code = _finish(report)
        if remaining:
            print(f"{remaining} DOI(s) still pending; run `refmgr sync` again later")
        waiting = len(pending_enrichment(library))
        if waiting:
            print(f"{waiting} article(s) still wait for PubMed/Europe PMC; run `refmgr sync` again later")
        return code


def _reference_rows(library: Library, article_id: int) -> list[dict]:
    rows = []
    for position, reference in enumerate(library.references(article_id), 1):
        rows.append({
            "position": position, "text": reference.text, "doi": reference.doi, "pmid": reference.pmid,
            "status": reference.status, "confidence": reference.confidence,
            "cited_article_id": reference.cited_article_id,
            "candidates": reference.parts.get("candidates", []) if reference.status == "ambiguous" else [],
        })  # fmt: skip
    return rows


def cmd_refs(args: argparse.Namespace) -> int:
    """List an article's references, optionally resolving the unresolved ones first."""
    errors = 0
    with open_library(args) as library:
        (article_id,) = resolve_articles(library, [args.article])
        if args.resolve:
            from refmgr.core.crossref.resolve import resolve_references

            with make_client() as client:
                results = resolve_references(library, article_id, client)
            for result in results:
                if result.error:
                    errors += 1
                    print(f"reference {result.position + 1}: not resolved now: {result.error}", file=sys.stderr)
        rows = _reference_rows(library, article_id)
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            confidence = f" {row['confidence']:.2f}" if row["confidence"] is not None else ""
            doi = f" doi:{row['doi']}" if row["doi"] else ""
            in_library = f" (#{row['cited_article_id']} in library)" if row["cited_article_id"] else ""
            print(f"{row['position']:>3}. [{row['status']}{confidence}]{doi}{in_library} {row['text']}")
            for candidate in row["candidates"][:3]:
                print(f"       candidate doi:{candidate['doi']} ({candidate['confidence']:.2f}) {candidate['title']}")
    return EXIT_SOME_FAILED if errors else EXIT_OK
