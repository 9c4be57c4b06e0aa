"""Subcommands that keep a library safe: backup, restore, check."""

from __future__ import annotations

import argparse
from pathlib import Path

from refmgr.cli import EXIT_OK, EXIT_SOME_FAILED, UsageError, library_option
from refmgr.paths import resolve_library_path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add backup, restore and check."""
    p = subparsers.add_parser("backup", help="back the library up (to PATH, or to the rotating backups folder)")
    p.add_argument("path", nargs="?", metavar="PATH", help="file to write (default: the backups folder)")
    library_option(p)
    p.set_defaults(handler=cmd_backup)

    p = subparsers.add_parser("restore", help="replace the library with a backup (the current one is kept)")
    p.add_argument("path", metavar="PATH", help="backup file to restore")
    library_option(p)
    p.set_defaults(handler=cmd_restore)

    p = subparsers.add_parser("check", help="integrity check; rebuild the search index if it is inconsistent")
    library_option(p)
    p.set_defaults(handler=cmd_check)


def _library_path(args: argparse.Namespace) -> Path:
    return resolve_library_path(getattr(args, "library", None))


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a verified copy of the library."""
    from refmgr.core.backup import BackupError, copy_database, create_backup

    library = _library_path(args)
    if not library.is_file():
        raise UsageError(f"no library at {library}")
    try:
        if args.path:
            dest = Path(args.path).expanduser()
            if dest.is_dir():
                dest = dest / f"{library.stem}-backup.sqlite"
            written = copy_database(library, dest)
        else:
            written = create_backup(library, "manual")
    except BackupError as error:
        raise UsageError(str(error)) from error
    print(f"backed up {library} to {written}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the library with a sound backup, keeping the current file."""
    from refmgr.core.backup import BackupError, restore

    library = _library_path(args)
    try:
        result = restore(Path(args.path).expanduser(), library)
    except BackupError as error:
        raise UsageError(f"refusing to restore {error}") from error
    print(f"restored {library} from {result.restored_from}")
    if result.previous_copy:
        print(f"the library it replaced was kept as {result.previous_copy}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Report integrity and index consistency; repair the index; exit 1 when the file is damaged."""
    from refmgr.core.backup import find_newest_good_backup
    from refmgr.core.library import LibraryError
    from refmgr.core.maintenance import check_library

    library = _library_path(args)
    if not library.is_file():
        raise UsageError(f"no library at {library}")
    try:
        report = check_library(library)
    except LibraryError as error:  # written by a newer refmgr (or not readable at all): say so, change nothing
        raise UsageError(f"cannot check {library}: {str(error).removeprefix(f'cannot open library {library}: ')}; "
                         "it was not changed") from error  # fmt: skip
    print(report.render())
    if report.integrity:
        good = find_newest_good_backup(library)
        print(f"restore with: refmgr restore {good}" if good else "no good backup found")
        return EXIT_SOME_FAILED
    return EXIT_OK if report.ok else EXIT_SOME_FAILED
