"""Subcommands `lists ...` (reading lists) and `export` (RIS, BibTeX, CSL-JSON, bibliographies, handouts)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from refmgr.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, UsageError, library_option
from refmgr.cli.common import open_library, print_json
from refmgr.core import lists
from refmgr.core.export import FORMATS, OUTPUT_FORMATS, STYLES, ExportError

if TYPE_CHECKING:
    from refmgr.core.library import Library


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `lists` (with its own subcommands) and `export`."""
    p = subparsers.add_parser("lists", help="reading lists: new, add, remove, show, rename, delete, note")
    library_option(p)
    p.set_defaults(handler=cmd_lists_all)
    sub = p.add_subparsers(dest="lists_command", metavar="ACTION")

    def action(name: str, help_text: str, handler: object) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text)
        library_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    action("new", "create an empty reading list", cmd_new).add_argument("name", metavar="NAME")
    q = action("add", "add articles to a list (in this order)", cmd_add)
    q.add_argument("name", metavar="NAME")
    q.add_argument("articles", nargs="+", metavar="ID|DOI|PMID")
    q = action("remove", "take articles off a list", cmd_remove)
    q.add_argument("name", metavar="NAME")
    q.add_argument("articles", nargs="+", metavar="ID|DOI|PMID")
    q = action("show", "show a list's articles in order with their notes", cmd_show)
    q.add_argument("name", metavar="NAME")
    q.add_argument("--json", action="store_true", help="CSL-JSON items, each with its list note as list-note")
    q = action("rename", "rename a list", cmd_rename)
    q.add_argument("old", metavar="OLD")
    q.add_argument("new", metavar="NEW")
    q = action("delete", "delete a list (its articles stay in the library)", cmd_delete)
    q.add_argument("name", metavar="NAME")
    q = action("note", "set the note of one article on a list", cmd_note)
    q.add_argument("name", metavar="NAME")
    q.add_argument("article", metavar="ID|DOI|PMID")
    q.add_argument("text", metavar="TEXT", help="the note (an empty string clears it)")
    q = action("style", "show or set a list's default export style (\"\" clears it)", cmd_style)
    q.add_argument("name", metavar="NAME")
    q.add_argument("style", nargs="?", metavar="STYLE")

    p = subparsers.add_parser("export", help="export articles or a list (RIS, BibTeX, CSL-JSON, bibliography, handout)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--list", metavar="NAME", help="export a reading list, in list order")
    which.add_argument("--all", action="store_true", help="export the whole library")
    which.add_argument("--saved", metavar="NAME", help="export what a saved search matches now")
    p.add_argument("articles", nargs="*", metavar="ID|DOI|PMID")
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument("--style", help="bibliography/handout style: a CSL style id or title words (default: the list's "
                   "style, then the settings, else vancouver; `refmgr styles WORDS` lists them)")
    p.add_argument("--output-format", choices=OUTPUT_FORMATS, default="text", help="for --format bibliography")
    p.add_argument("--title", help="handout title (default: the list name)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    library_option(p)
    p.set_defaults(handler=cmd_export)


def _list_id(library: Library, name: str) -> int:
    try:
        return lists.require_list(library, name)
    except lists.ReadingListError as error:
        raise UsageError(str(error)) from error


def _resolve(library: Library, tokens: list[str]) -> tuple[list[int], list[str]]:
    """Article ids for the tokens that name one, and the tokens that do not."""
    found, missing = [], []
    for token in tokens:
        article_id = library.find(token)
        if article_id is None:
            missing.append(token)
        else:
            found.append(article_id)
    return found, missing


def _report_missing(missing: list[str], library: Library) -> None:
    for token in missing:
        print(f"{'not_found':<12} {token}: no such article in {library.path}", file=sys.stderr)


def cmd_lists_all(args: argparse.Namespace) -> int:
    """Print every list with its number of articles."""
    with open_library(args) as library:
        for reading_list in lists.all_lists(library):
            print(f"{reading_list.count:>5}  {reading_list.name}")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    """Create a list."""
    with open_library(args) as library:
        try:
            lists.create_list(library, args.name)
        except lists.ReadingListError as error:
            raise UsageError(str(error)) from error
    print(f"created reading list {args.name.strip()!r}")
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    """Append articles to a list, one report line per article."""
    with open_library(args) as library:
        list_id = _list_id(library, args.name)
        found, missing = _resolve(library, args.articles)
        on_list = {item.article_id for item in lists.list_items(library, list_id)}
        lists.add_to_list(library, list_id, found)
        for token, article_id in zip([t for t in args.articles if library.find(t) is not None], found, strict=True):
            status = "duplicate" if article_id in on_list else "added"
            on_list.add(article_id)
            print(f"{status:<12} {token} (#{article_id})")
        _report_missing(missing, library)
    return EXIT_SOME_FAILED if missing else EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    """Take articles off a list."""
    with open_library(args) as library:
        list_id = _list_id(library, args.name)
        found, missing = _resolve(library, args.articles)
        removed = lists.remove_from_list(library, list_id, found)
        print(f"removed {removed} article(s) from {args.name!r}")
        _report_missing(missing, library)
    return EXIT_SOME_FAILED if missing else EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """Print a list's articles in order, each with its note."""
    with open_library(args) as library:
        list_id = _list_id(library, args.name)
        articles, notes = lists.list_articles(library, list_id)
        name = lists.list_name(library, list_id)
        if args.json:
            from refmgr.core.model import to_csl

            items = []
            for article in articles:
                item = to_csl(article)
                item["list-note"] = notes.get(article.id or -1, "")
                items.append(item)
            print_json({"name": name, "count": len(items), "items": items})
            return EXIT_OK
        print(f"{name} ({len(articles)} article{'s' if len(articles) != 1 else ''})")
        for number, article in enumerate(articles, 1):
            year, author = article.year or "", article.first_author[:20]
            print(f"{number:>3}. #{article.id:<5} {year:>4}  {author:<20}  {article.title[:80]}")
            if note := notes.get(article.id or -1):
                print(f"       note: {note}")
    return EXIT_OK


def cmd_rename(args: argparse.Namespace) -> int:
    """Rename a list."""
    with open_library(args) as library:
        list_id = _list_id(library, args.old)
        try:
            lists.rename_list(library, list_id, args.new)
        except lists.ReadingListError as error:
            raise UsageError(str(error)) from error
    print(f"renamed {args.old!r} to {args.new.strip()!r}")
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    """Delete a list."""
    with open_library(args) as library:
        lists.delete_list(library, _list_id(library, args.name))
    print(f"deleted reading list {args.name!r}")
    return EXIT_OK


def cmd_note(args: argparse.Namespace) -> int:
    """Set one item's note."""
    with open_library(args) as library:
        list_id = _list_id(library, args.name)
        article_id = library.find(args.article)
        if article_id is None or article_id not in {i.article_id for i in lists.list_items(library, list_id)}:
            raise UsageError(f"{args.article!r} is not on the list {args.name!r}")
        lists.set_item_note(library, list_id, article_id, args.text)
    print(f"note set for #{article_id} on {args.name!r}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Export a list, the library or some articles to stdout or a file."""
    if bool(args.list) + bool(args.all) + bool(args.articles) + bool(args.saved) != 1:
        raise UsageError("export needs exactly one of --list NAME, --saved NAME, --all, or article ids/DOIs")
    with open_library(args) as library:
        notes: dict[int, str] = {}
        title = args.title
        missing: list[str] = []
        if args.list:
            list_id = _list_id(library, args.list)
            items = lists.list_items(library, list_id)
            ids = [item.article_id for item in items]
            notes = {item.article_id: item.note for item in items if item.note}
            title = title or lists.list_name(library, list_id)
        elif args.all:
            ids = library.query_ids()
        elif args.saved:
            from refmgr.cli.saved_cmds import _require
            from refmgr.core.smartlists import matching_ids

            saved = _require(library, args.saved)
            ids = matching_ids(library, saved)
            title = title or saved.name
        else:
            ids, missing = _resolve(library, args.articles)
        style = _export_style(args.style, library, list_id if args.list else None)
        try:
            if args.output:
                from refmgr.core.export import atomic_output

                with atomic_output(args.output) as stream:
                    count = _export(library, ids, args, style, notes, title, stream)
            else:
                count = _export(library, ids, args, style, notes, title, sys.stdout)
        except ExportError as error:
            print(f"refmgr: {error}", file=sys.stderr)
            return EXIT_USAGE
        _report_missing(missing, library)
    if args.output:
        print(f"exported {count} article(s) to {args.output}", file=sys.stderr)
    return EXIT_SOME_FAILED if missing else EXIT_OK


def _export(library: Library, ids: list[int], args: argparse.Namespace, style: str, notes: dict[int, str],
            title: str | None, stream: TextIO) -> int:  # fmt: skip
    """Write the export to a stream: RIS, BibTeX and CSL-JSON streamed in chunks, the others formatted whole."""
    from refmgr.core.export import export_articles
    from refmgr.core.export.stream import STREAMED_FORMATS, load_for, stream_export

    if args.format in STREAMED_FORMATS:
        return stream_export(library, ids, args.format, stream)
    articles = load_for(library, ids, args.format)  # a bibliography: only what citations print
    stream.write(export_articles(articles, args.format, style, notes, title, args.output_format))
    return len(articles)


def _export_style(given: str | None, library: Library, list_id: int | None) -> str:
    """The style asked for (resolved, ambiguous names refused), else the list's own, else the settings' default."""
    from refmgr.cli.cite_cmds import resolve_style
    from refmgr.core.export.style_prefs import list_style

    if given:
        return resolve_style(given)
    own = list_style(library, list_id) if list_id is not None else ""
    return own or _default_style()


def cmd_style(args: argparse.Namespace) -> int:
    """Print a reading list's default style, or set it."""
    from refmgr.cli.cite_cmds import resolve_style
    from refmgr.core.export.style_prefs import list_style, set_list_style

    with open_library(args) as library:
        list_id = _list_id(library, args.name)
        if args.style is None:
            print(list_style(library, list_id) or f"(none: {_default_style()} from the settings)")
            return EXIT_OK
        style = resolve_style(args.style) if args.style.strip() else ""
        set_list_style(library, list_id, style)
        print(style or "cleared")
    return EXIT_OK


def _default_style() -> str:
    """The citation style from the settings, if it is one refmgr formats; else Vancouver."""
    try:
        from refmgr.core.settings import Settings
        from refmgr.paths import settings_file

        style = str(getattr(Settings.load(settings_file()), "citation_style", "") or "").lower()
    except (OSError, ValueError):
        style = ""
    if style in STYLES:
        return style
    from refmgr.core.export.bibliography import StyleError, style_spec

    try:
        return style_spec(style).name if style else "vancouver"
    except StyleError:
        return "vancouver"
