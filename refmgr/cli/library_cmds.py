"""Subcommands over the library: import, list, show, search, delete."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from refmgr.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, UsageError, library_option
from refmgr.cli.common import escape_unsafe, open_library, print_json, resolve_articles

if TYPE_CHECKING:  # the readers and the library are imported by the commands that use them
    from refmgr.core.importer import ImportReport
    from refmgr.core.library import Library
    from refmgr.core.model import Article


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the library subcommands."""
    p = subparsers.add_parser("import", help="import PubMed pages, MEDLINE/.nbib, other reference files and PDFs")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--no-enrich", action="store_true", help="skip PubMed and Europe PMC (MeSH, trials, legends)")
    library_option(p)
    p.set_defaults(handler=cmd_import)

    p = subparsers.add_parser("list", help="list the articles in the library")
    p.add_argument("--json", action="store_true", help="CSL-JSON output")
    p.add_argument("--sort", default="date_added", help="first_author, year, title, journal, date_added, ...")
    p.add_argument("--limit", type=int)
    library_option(p)
    p.set_defaults(handler=cmd_list)

    p = subparsers.add_parser("show", help="show one article with keywords, figures and references")
    p.add_argument("article", metavar="ID|DOI|PMID")
    p.add_argument("--json", action="store_true", help="CSL-JSON output")
    library_option(p)
    p.set_defaults(handler=cmd_show)

    p = subparsers.add_parser(
        "search",
        help='search, best match first: words, "phrases", OR, -word, author:"Rini BI", type:rct, year:>2020, ...',
        description="Words must all match (plurals and British/American spellings too); see the README for fields.",
    )
    p.add_argument("query", nargs="+", help="the query; a word may start with '-' (NOT)")
    p.add_argument("--json", action="store_true", help="CSL-JSON output")
    p.add_argument("--limit", type=int)
    p.add_argument("--save", metavar="NAME", help="also save the query as a saved search called NAME")
    library_option(p)
    p.set_defaults(handler=cmd_search)

    p = subparsers.add_parser("delete", help="delete articles")
    p.add_argument("articles", nargs="+", metavar="ID|DOI|PMID")
    library_option(p)
    p.set_defaults(handler=cmd_delete)


def cmd_import(args: argparse.Namespace) -> int:
    """Import files and print the per-item report (the window's pipeline: a file of DOIs is fetched too)."""
    from refmgr.cli.crossref_cmds import make_client
    from refmgr.core.intake import import_inputs
    from refmgr.core.library import LibraryError

    with open_library(args) as library, make_client() as client:
        try:
            report = import_inputs(library, paths=[Path(f) for f in args.files], client=client)
            _enrich_import(library, report, args.no_enrich)
        except LibraryError as error:
            raise UsageError(str(error)) from error
    print(report.render())
    if report.unreadable and not report.items:
        return EXIT_USAGE
    return EXIT_OK if report.ok else EXIT_SOME_FAILED


def _enrich_import(library: Library, report: ImportReport, skip: bool) -> None:
    """PubMed and Europe PMC for the imported articles with a DOI or PMID (unless --no-enrich)."""
    from refmgr.cli.crossref_cmds import make_sources
    from refmgr.core.sources.stages import enrich_report

    if not any(item.article_id is not None for item in report.items):
        return
    sources = make_sources(skip)
    if sources is not None:
        with sources:
            enrich_report(library, sources, report)


def _print_rows(library: Library, ids: list[int], as_json: bool) -> None:
    if as_json:  # streamed: 500 articles at a time, each item encoded by the C JSON encoder as it is made
        from refmgr.core.export.stream import write_csl_json

        write_csl_json(library.iter_articles(ids), sys.stdout, escape=escape_unsafe)
        return
    for start in range(0, len(ids), 500):  # display rows a page at a time: memory flat in the library's size
        chunk = ids[start : start + 500]
        rows = library.summaries(chunk)
        for article_id in chunk:
            row = rows[article_id]
            flag = " [RETRACTED]" if row["retracted"] else ""
            print(f"{article_id:>6}  {row['year'] or '':>4}  {row['first_author'][:20]:<20}  {row['title'][:90]}{flag}")


def cmd_list(args: argparse.Namespace) -> int:
    """Print the library's articles."""
    from refmgr.core.search import ArticleQuery

    with open_library(args) as library:
        query = ArticleQuery(sort=args.sort, descending=args.sort in ("date_added", "year"), limit=args.limit)
        ids = library.query_ids(query)
        if not ids and not args.json:
            print("The library is empty: add articles with `refmgr import FILE...` or `refmgr add DOI...` "
                  f"({library.path}).", file=sys.stderr)  # fmt: skip
        _print_rows(library, ids, args.json)
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    """Print the articles matching a search."""
    from refmgr.core.querycap import cap_query
    from refmgr.core.querycompile import compile_query

    text, note = cap_query(" ".join(args.query))
    if note:
        print(f"refmgr: {note}", file=sys.stderr)
    problems = compile_query(text).problems
    if problems:
        raise UsageError("the query has a problem:\n" + "\n".join(f"  {p}" for p in problems) + f"\n  in: {text}")
    with open_library(args) as library:
        ids = library.search(text, limit=args.limit)
        _print_rows(library, ids, args.json)
        if args.save:
            from refmgr.core.smartlists import save_search

            save_search(library, args.save, text)
            print(f"saved as {args.save!r}", file=sys.stderr)
        if not args.json:
            print(f"{len(ids)} match(es)", file=sys.stderr)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """Print one article in full."""
    with open_library(args) as library:
        (article_id,) = resolve_articles(library, [args.article])
        article = library.get(article_id)
        assert article is not None
        if args.json:
            from refmgr.core.model import to_csl

            print_json(to_csl(article))
        else:
            print(format_article(article))
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    """Delete articles by id, DOI or PMID."""
    with open_library(args) as library:
        ids = resolve_articles(library, args.articles)
        deleted = library.delete(ids)
    print(f"deleted {deleted} article(s)")
    return EXIT_OK


def format_article(article: Article) -> str:
    """A readable plain-text view of an article."""
    from refmgr.core.model import citation_line

    wrap = textwrap.TextWrapper(width=100, initial_indent="  ", subsequent_indent="  ")
    lines = []
    if article.retracted:
        lines.append("*** RETRACTED: this article has a retraction notice ***")
    lines.append(article.title)
    lines.append(", ".join(a.vancouver for a in article.authors))
    lines.append(citation_line(article))
    ids = [f"doi:{article.doi}" if article.doi else "", f"PMID {article.pmid}" if article.pmid else "", article.pmcid]
    lines.append("  ".join(i for i in ids if i))
    if article.publication_types:
        lines.append("Type: " + "; ".join(article.publication_types))
    if article.trials:
        lines.append("Trials: " + ", ".join(f"{t.accession} ({t.registry or 'registry'})" for t in article.trials))
    if article.open_access_url:
        lines.append(f"Open access: {article.open_access_url}")
    if article.abstract:
        lines += ["", "Abstract:", wrap.fill(article.abstract)]
    if article.keywords:
        lines += ["", "Keywords:"] + [f"  [{k.kind}] {k.display}" for k in article.keywords]
    if article.figures:
        lines += ["", "Figures:"]
        for figure in article.figures:
            lines.append(wrap.fill(f"{figure.label}. {figure.legend}"))
    if article.references:
        lines += ["", "References:"]
        for number, ref in enumerate(article.references, 1):
            doi = f" [doi:{ref.doi}, {ref.status}]" if ref.doi else f" [{ref.status}]"
            lines.append(f"  {number}. {ref.text}{doi}")
    if article.notes:
        lines += ["", "Notes:", wrap.fill(article.notes)]
    if article.tags:
        lines.append("Tags: " + ", ".join(article.tags))
    return "\n".join(lines)
