"""Helpers shared by subcommands: opening the library, finding articles, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from refmgr.cli import UsageError
from refmgr.core.library import Library, LibraryError
from refmgr.paths import resolve_library_path


def open_library(args: argparse.Namespace) -> Library:
    """The library named by --library or the defaults; a clear error if it cannot be opened."""
    path = resolve_library_path(getattr(args, "library", None))
    try:
        return Library(path)
    except LibraryError as error:
        raise UsageError(str(error)) from error


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
