"""Subcommands `cite` (entries, in-text citations, manuscripts), `styles` (search CSL styles) and `citekey`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from refmgr.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, UsageError, library_option
from refmgr.cli.common import open_library

MANUSCRIPT_SUFFIXES = (".docx", ".md", ".markdown", ".txt")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `cite`, `styles` and `citekey`."""
    p = subparsers.add_parser(
        "cite", help="format articles in a style, or cite a manuscript's markers ([@key], {doi:...}, {pmid:...})",
        description="refmgr cite ID... --style S prints the bibliography entries (--in-text: the citation); "
        "refmgr cite FILE.docx|FILE.md --style S -o OUT writes a copy with every marker cited and the bibliography "
        "appended or put where a [bibliography] paragraph stands.",
    )
    p.add_argument("items", nargs="+", metavar="ID|DOI|PMID|@KEY|MANUSCRIPT")
    p.add_argument("--style", help="CSL style id (european-urology) or title words (\"journal of clinical oncology\")")
    p.add_argument("--in-text", action="store_true", help="print the in-text citation of the articles instead")
    p.add_argument("--output-format", choices=("text", "markdown", "html"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="the cited manuscript (required for a manuscript)")
    p.add_argument("--strict", action="store_true", help="a marker that matches nothing is an error (exit 1)")
    library_option(p)
    p.set_defaults(handler=cmd_cite)
    p = subparsers.add_parser("styles", help="search the CSL styles by title words (recently used first)")
    p.add_argument("query", nargs="*", metavar="WORDS")
    p.add_argument("--limit", type=int, default=40, help="at most this many (default 40; 0 for all)")
    p.set_defaults(handler=cmd_styles)
    p = subparsers.add_parser("citekey", help="show an article's cite key, or set it")
    p.add_argument("article", metavar="ID|DOI|PMID")
    p.add_argument("key", nargs="?", metavar="NEW_KEY")
    library_option(p)
    p.set_defaults(handler=cmd_citekey)


def resolve_style(name: str | None) -> str:
    """The style id NAME means (several title matches: the candidates, as a usage error)."""
    from refmgr.core.export.bibliography import AmbiguousStyle, StyleError, style_spec
    from refmgr.core.export.style_prefs import default_style
    from refmgr.core.settings import Settings
    from refmgr.paths import settings_file

    name = name or default_style(Settings.load(settings_file()))
    try:
        return style_spec(name).name
    except AmbiguousStyle as error:
        shown = error.candidates[:20]
        lines = "\n".join(f"  {s.id:<50} {s.title}" for s in shown)
        more = f"\n  ... and {len(error.candidates) - len(shown)} more" if len(error.candidates) > len(shown) else ""
        raise UsageError(f"{error}:\n{lines}{more}") from error
    except StyleError as error:
        raise UsageError(f"{error} (refmgr styles WORDS lists the styles)") from error


def _remember(style: str) -> None:
    from refmgr.core.export.style_prefs import remember_style
    from refmgr.paths import settings_file

    remember_style(settings_file(), style)


def cmd_cite(args: argparse.Namespace) -> int:
    """Print formatted entries or an in-text citation, or cite a manuscript file."""
    style = resolve_style(args.style)
    first = Path(args.items[0])
    if first.suffix.lower() in MANUSCRIPT_SUFFIXES and (first.is_file() or len(args.items) == 1):
        return _cite_manuscript(args, first, style)
    from refmgr.core.export import citekeys
    from refmgr.core.export.bibliography import StyleError, format_bibliography
    from refmgr.core.export.citations import cite
    from refmgr.core.export.loading import citation_articles

    with open_library(args) as library:
        ids, missing = [], []
        keys = citekeys.find_keys(library, [t[1:] for t in args.items if t.startswith("@")])
        for token in args.items:
            article_id = keys.get(token[1:]) if token.startswith("@") else library.find(token)
            if article_id is None:
                missing.append(token)
            else:
                ids.append(article_id)
        articles = citation_articles(library, ids)
        try:
            if args.in_text:
                citation = cite([articles], style)[0] if articles else None
                text = "" if citation is None else citation.html if args.output_format == "html" else citation.text
                sys.stdout.write(text + "\n" if text else "")
            else:
                sys.stdout.write(format_bibliography(articles, style, args.output_format))
        except StyleError as error:
            print(f"refmgr: {error}", file=sys.stderr)
            return EXIT_USAGE
    for token in missing:
        print(f"not_found  {token}: no such article in {library.path}", file=sys.stderr)
    _remember(style)
    return EXIT_SOME_FAILED if missing else EXIT_OK


def _cite_manuscript(args: argparse.Namespace, source: Path, style: str) -> int:
    from refmgr.core.export import ExportError
    from refmgr.core.export.manuscript import cite_file

    if len(args.items) > 1:
        raise UsageError("cite one manuscript at a time")
    if not args.output:
        raise UsageError(f"say where the cited copy of {source} goes: -o FILE (the manuscript itself is never changed)")
    with open_library(args) as library:
        try:
            report = cite_file(source, Path(args.output), library, style, strict=args.strict)
        except ExportError as error:
            print(f"refmgr: {error}", file=sys.stderr)
            return EXIT_SOME_FAILED if args.strict and "match nothing" in str(error) else EXIT_USAGE
    for unknown in report.unknown:
        print(f"unknown  {unknown.describe()}", file=sys.stderr)
    where = "at [bibliography]" if report.bibliography_at_marker else "appended"
    print(f"cited {report.citations} citation(s) of {report.articles} article(s) in {style} to {args.output} "
          f"(bibliography {where}); {len(report.unknown)} unknown marker(s) left visible", file=sys.stderr)  # fmt: skip
    _remember(style)
    return EXIT_SOME_FAILED if report.unknown else EXIT_OK


def cmd_styles(args: argparse.Namespace) -> int:
    """List the styles whose titles hold the words."""
    from refmgr.core.export.styles import search
    from refmgr.core.settings import Settings
    from refmgr.paths import settings_file

    found = search(" ".join(args.query), limit=args.limit or None, recent=Settings.load(settings_file()).recent_styles)
    for style in found:
        parent = f"  (uses {style.parent})" if style.parent else ""
        print(f"{style.id:<55} {style.title}{parent}")
    return EXIT_OK if found else EXIT_SOME_FAILED


def cmd_citekey(args: argparse.Namespace) -> int:
    """Print an article's cite key, or change it."""
    from refmgr.core.export import citekeys

    with open_library(args) as library:
        article_id = library.find(args.article)
        if article_id is None:
            raise UsageError(f"no article {args.article!r} in {library.path}")
        if args.key is None:
            print(citekeys.key_of(library, article_id))
            return EXIT_OK
        try:
            print(citekeys.set_key(library, article_id, args.key))
        except citekeys.CiteKeyError as error:
            raise UsageError(str(error)) from error
    return EXIT_OK
