"""Helpers shared by subcommands: opening the library, finding articles, printing JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refmgr.cli import UsageError
from refmgr.cli.safeout import UNSAFE

if TYPE_CHECKING:  # imported when a command opens the library, so `refmgr --version` stays light
    from refmgr.core.library import Library


# Libraries a command opened: their daily backup is made after the command's output (run_due_backups).
_OPENED: list[Path] = []


def open_library(args: argparse.Namespace) -> Library:
    """The library named by --library or the defaults; a clear error if it cannot be opened."""
    from refmgr.core.backup import backup_before_migration
    from refmgr.core.library import Library, LibraryError
    from refmgr.core.maintenance import probe
    from refmgr.paths import resolve_library_path

    path = resolve_library_path(getattr(args, "library", None))
    try:
        library = Library(path, before_migration=backup_before_migration)
    except LibraryError as error:
        raise damaged_error(path, str(error)) from error
    problems = probe(library.conn)
    if problems:  # nothing is written into a damaged file (not even close()'s statistics)
        library.conn.close()
        raise damaged_error(path, f"cannot use library {path}: it is damaged ({'; '.join(problems[:3])})")
    if path not in _OPENED:  # only a sound library gets its daily backup
        _OPENED.append(path)
    return library


def damaged_error(path: Path, message: str) -> UsageError:
    """A usage error for a library that cannot be used, naming its newest good backup when it is damaged."""
    from refmgr.core.backup import find_newest_good_backup

    good = find_newest_good_backup(path) if "damaged" in message else None
    hint = f"; the newest good backup is {good} (refmgr restore {good})" if good else ""
    return UsageError(f"{message}{hint}")


def run_due_backups(release_stdout: bool = False) -> None:
    """The day's automatic backup of the libraries the command opened, once its output is complete."""
    # Standard output is flushed first and, with `release_stdout` (the process ends next) when it is a pipe or
    # file, closed, so whatever reads it is not kept waiting; a backup another process is making is not waited
    # for (a note on stderr says it was skipped).
    if not _OPENED:
        return
    from refmgr.core.backup import auto_backup
    from refmgr.core.settings import Settings
    from refmgr.paths import settings_file

    paths = list(_OPENED)
    _OPENED.clear()
    if release_stdout:
        _release_stdout()
    else:
        sys.stdout.flush()
    settings = Settings.load(settings_file())
    for path in paths:
        auto_backup(path, settings)  # a skipped or failed backup is logged as a warning (stderr)


def _release_stdout() -> None:
    """Flush standard output; hand a pipe or file its end-of-file now rather than when the process exits."""
    try:
        sys.stdout.flush()
        if sys.stdout is not sys.__stdout__ or sys.stdout.isatty():
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (a GUI launcher, a closed pipe): nothing to hand
        pass


def resolve_articles(library: Library, tokens: list[str]) -> list[int]:
    """Article ids for ids, DOIs or PMIDs; an unknown one is a usage error."""
    ids = []
    for token in tokens:
        article_id = library.find(token)
        if article_id is None:
            raise UsageError(f"no article {token!r} in {library.path}")
        ids.append(article_id)
    return ids


def print_json(data: Any) -> None:
    """Print JSON, UTF-8, indented."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    sys.stdout.write(escape_unsafe(text) + "\n")


def escape_unsafe(text: str) -> str:
    """JSON text with bidi and C1 controls as \\u escapes (json escapes C0 itself), so none reach a terminal."""
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
