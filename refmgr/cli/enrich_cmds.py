"""`refmgr enrich`: PubMed and Europe PMC for articles already in the library."""

from __future__ import annotations

import argparse

from refmgr.cli import EXIT_OK, EXIT_SOME_FAILED, UsageError, library_option
from refmgr.cli.common import open_library, resolve_articles


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the enrich subcommand."""
    p = subparsers.add_parser(
        "enrich", help="fill MeSH, keywords, publication types, trial numbers and figure legends from PubMed and "
        "Europe PMC (no ids: every article never looked up, and those left pending)",
    )  # fmt: skip
    p.add_argument("articles", nargs="*", metavar="ID|DOI|PMID")
    p.add_argument("--all", action="store_true", help="every article with a DOI, PMID or PMCID")
    p.add_argument("--refresh", action="store_true", help="ask the services again instead of using cached replies")
    library_option(p)
    p.set_defaults(handler=cmd_enrich)


def cmd_enrich(args: argparse.Namespace) -> int:
    """Enrich the named articles, every article (--all), or those never enriched and those pending."""
    from refmgr.cli.crossref_cmds import make_sources
    from refmgr.core.sources.enrich import enrich_articles, never_enriched, pending_enrichment

    if args.all and args.articles:
        raise UsageError("enrich takes article ids or --all, not both")
    with open_library(args) as library:
        if args.all:
            ids = library.ids_with_identifier("doi", "pmid", "pmcid")
        elif args.articles:
            ids = resolve_articles(library, args.articles)
        else:
            ids = list(dict.fromkeys([*pending_enrichment(library), *never_enriched(library)]))
        if not ids:
            print("nothing to enrich")
            return EXIT_OK
        sources = make_sources()
        if sources is None:
            raise UsageError("enrichment is turned off in the settings ('enrich': false)")
        with sources:
            report = enrich_articles(library, sources, ids, refresh=args.refresh)
    print(report.render())
    return EXIT_OK if report.ok else EXIT_SOME_FAILED
