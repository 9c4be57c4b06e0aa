"""Subcommands `saved ...`: saved searches ("smart lists") with their current counts."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from refmgr.cli import EXIT_OK, UsageError, library_option
from refmgr.cli.common import open_library

if TYPE_CHECKING:  # imported by the commands that use them, like the other subcommands
    from refmgr.core.library import Library
    from refmgr.core.smartlists import SavedSearch


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `saved` with its own subcommands."""
    p = subparsers.add_parser("saved", help="saved searches: list (with counts), new, show, rename, delete")
    library_option(p)
    p.set_defaults(handler=cmd_saved)
    actions = p.add_subparsers(dest="saved_action", metavar="ACTION")

    def action(name: str, text: str) -> argparse.ArgumentParser:
        """One `saved` action's parser, taking --library too."""
        q = actions.add_parser(name, help=text)
        library_option(q)
        return q

    q = action("new", "save a query under a name (replaces the query of an existing name)")
    q.add_argument("name", metavar="NAME")
    q.add_argument("query", nargs="+", metavar="QUERY")
    q = action("show", "the articles that match a saved search now")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--json", action="store_true", help="CSL-JSON output")
    q = action("rename", "rename a saved search")
    q.add_argument("old", metavar="OLD")
    q.add_argument("new", metavar="NEW")
    q = action("delete", "delete a saved search (the articles stay)")
    q.add_argument("name", metavar="NAME")


def _require(library: Library, name: str) -> SavedSearch:
    from refmgr.core import smartlists

    try:
        return smartlists.require_saved(library, name)
    except smartlists.SavedSearchError as error:
        raise UsageError(str(error)) from error


def cmd_saved(args: argparse.Namespace) -> int:
    """Run one `saved` action; without one, list the saved searches with their counts."""
    from refmgr.cli.library_cmds import _print_rows
    from refmgr.core import smartlists

    with open_library(args) as library:
        try:
            if args.saved_action is None:
                for saved in smartlists.all_saved(library, counts=True):
                    print(f"{saved.count:>6}  {saved.name}  [{saved.query}]")
            elif args.saved_action == "new":
                smartlists.save_search(library, args.name, " ".join(args.query))
                saved = _require(library, args.name)
                print(f"saved {saved.name!r}: {len(smartlists.matching_ids(library, saved))} match(es) now")
            elif args.saved_action == "show":
                ids = smartlists.matching_ids(library, _require(library, args.name))
                _print_rows(library, ids, args.json)
                if not args.json:
                    print(f"{len(ids)} match(es)", file=sys.stderr)
            elif args.saved_action == "rename":
                smartlists.rename_saved(library, _require(library, args.old).id, args.new)
            else:
                smartlists.delete_saved(library, _require(library, args.name).id)
        except smartlists.SavedSearchError as error:
            raise UsageError(str(error)) from error
    return EXIT_OK
