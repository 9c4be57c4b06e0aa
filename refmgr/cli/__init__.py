"""`refmgr` command: no subcommand opens the window; subcommands script the core."""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Sequence

from refmgr import __version__
from refmgr.cli.safeout import safe_output
from refmgr.core import sqlerrors
from refmgr.core.db import LibraryError

# Each module has register(subparsers); the handler it sets returns the exit code.
COMMAND_MODULES = (
    "library_cmds", "lists_cmds", "maintenance_cmds", "crossref_cmds", "zotero_cmds", "enrich_cmds", "cite_cmds",
    "pdf_cmds", "saved_cmds",
)  # fmt: skip

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command used wrongly or given unreadable input (exit code 2)."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="refmgr",
        description="A reference manager for clinicians: PubMed and Crossref in, reading lists out.",
    )
    parser.add_argument("--version", action="version", version=f"refmgr {__version__}")
    parser.add_argument(
        "--self-test", action="store_true", help="import the bundled sample, render the window offscreen, and exit"
    )
    parser.add_argument("--library", metavar="PATH", help="library file (default: REFMGR_LIBRARY or the data folder)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"refmgr.cli.{name}").register(subparsers)
    return parser


def library_option(parser: argparse.ArgumentParser) -> None:
    """Let a subcommand take --library after its name too."""
    parser.add_argument("--library", metavar="PATH", default=argparse.SUPPRESS, help="library file")


def files_to_open(argv: list[str], parser: argparse.ArgumentParser) -> list[str] | None:
    """Files named without a subcommand (`refmgr a.ris b.nbib`, as the desktop file does), else None."""
    commands = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    files: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        if token == "--library":
            next(tokens, None)
        elif token.startswith("-") or token in commands:
            return None
        else:
            files.append(token)
    return files or None


def main(argv: Sequence[str] | None = None, exiting: bool = False) -> int:
    """Run the command line; return the exit code.

    `exiting`: the process ends after this command (the console script), so standard output may be handed
    its end-of-file before the daily backup; called as a function, output stays open for later calls.
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    files = files_to_open(argv, parser)
    if files is not None:
        from refmgr.cli.window import open_window

        library = argv[argv.index("--library") + 1] if "--library" in argv else None
        return open_window(argparse.Namespace(library=library), files)
    from refmgr.cli.query_args import protect_query

    args = parser.parse_args(protect_query(argv))
    if args.self_test:
        from refmgr.selftest import run_self_test

        return run_self_test()
    if args.command is None:
        from refmgr.cli.window import open_window

        return open_window(args)
    try:
        with safe_output():
            code = int(args.handler(args))
    except UsageError as error:
        print(f"refmgr: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("refmgr: interrupted", file=sys.stderr)
        return 130
    except (sqlite3.Error, LibraryError) as error:  # a disk, permission or damage problem met midway
        print(f"refmgr: {storage_message(args, error)}", file=sys.stderr)
        return EXIT_USAGE

    from refmgr.cli.common import run_due_backups

    run_due_backups(release_stdout=exiting)  # after the output: the backup never delays what the user asked for
    return code


def storage_message(args: argparse.Namespace, error: Exception) -> str:
    """What to tell the user about a library that failed midway: its kind, and the backup when it is damaged."""
    cause = sqlerrors.find_cause(error)
    if cause is None:
        return str(error)
    from refmgr.paths import resolve_library_path

    path = resolve_library_path(getattr(args, "library", None))
    message = f"library {path}: {sqlerrors.describe(cause)}"
    if sqlerrors.is_damage(cause):
        from refmgr.core.backup import find_newest_good_backup

        good = find_newest_good_backup(path)
        message += f"; the newest good backup is {good} (refmgr restore {good})" if good else "; no good backup found"
    return message


def run() -> None:
    """Console-script entry point; output cut short by a closed pipe (`refmgr list | head -1`) ends quietly."""
    try:
        code = main(exiting=True)
        sys.stdout.flush()
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to write to the pipe
        code = EXIT_OK
    sys.exit(code)
