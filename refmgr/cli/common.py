"""Helpers shared by subcommands: opening the library, finding articles, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from refmgr.cli import UsageError
from refmgr.cli.safeout import UNSAFE
from refmgr.core.backup import auto_backup, backup_before_migration, find_newest_good_backup
from refmgr.core.library import Library, LibraryError
from refmgr.core.maintenance import probe
from refmgr.core.settings import Settings
from refmgr.paths import resolve_library_path, settings_file


def open_library(args: argparse.Namespace) -> Library:
    """The library named by --library or the defaults; a clear error if it cannot be opened."""
    path = resolve_library_path(getattr(args, "library", None))
    auto_backup(path, Settings.load(settings_file()))
    try:
        library = Library(path, before_migration=backup_before_migration)
    except LibraryError as error:
        raise damaged_error(path, str(error)) from error
    problems = probe(library.conn)
    if problems:  # nothing is written into a damaged file
        library.close()
        raise damaged_error(path, f"cannot use library {path}: it is damaged ({'; '.join(problems[:3])})")
    return library


def damaged_error(path: Path, message: str) -> UsageError:
    """A usage error for a library that cannot be used, naming its newest good backup when it is damaged."""
    good = find_newest_good_backup(path) if "damaged" in message else None
    hint = f"; the newest good backup is {good} (refmgr restore {good})" if good else ""
    return UsageError(f"{message}{hint}")


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
    # the same JSON with bidi and C1 controls as \u escapes (json escapes C0 itself), so none reach a terminal
    sys.stdout.write(UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n")
