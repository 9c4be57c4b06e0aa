"""Helpers shared by subcommands: opening the library, finding articles, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from refmgr.cli import UsageError

if TYPE_CHECKING:  # imported when a command opens the library, so `refmgr --version` stays light
    from refmgr.core.library import Library


def open_library(args: argparse.Namespace) -> Library:
    """The library named by --library or the defaults; a clear error if it cannot be opened."""
    from refmgr.core.backup import auto_backup, backup_before_migration, find_newest_good_backup
    from refmgr.core.library import Library, LibraryError
    from refmgr.core.settings import Settings
    from refmgr.paths import resolve_library_path, settings_file

    path = resolve_library_path(getattr(args, "library", None))
    auto_backup(path, Settings.load(settings_file()))
    try:
        return Library(path, before_migration=backup_before_migration)
    except LibraryError as error:
        good = find_newest_good_backup(path) if "damaged" in str(error) else None
        hint = f"; the newest good backup is {good} (refmgr restore {good})" if good else ""
        raise UsageError(f"{error}{hint}") from error


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
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
