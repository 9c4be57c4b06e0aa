"""The SQLite library: open and migrate, save with duplicate merging, read, search, delete."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from refmgr.core import schema
from refmgr.core.batch import BatchSavingMixin
from refmgr.core.changes import Changes, ChangesMixin
from refmgr.core.db import (
    BUSY_TIMEOUT_S,
    JSON_FIELDS,
    SCALAR_FIELDS,
    LibraryBase,
    LibraryError,
    connect,
    describe_sqlite_error,
    now_iso,
)
from refmgr.core.editing import EditingMixin
from refmgr.core.fulltext import fts_values, fts_values_of
from refmgr.core.lookups import LookupsMixin
from refmgr.core.merge import merge_articles
from refmgr.core.parts import PartsMixin
from refmgr.core.reading import SUMMARY_COLUMNS, ReadingMixin
from refmgr.core.saving import SaveResult, SavingMixin

__all__ = [
    "BUSY_TIMEOUT_S",
    "JSON_FIELDS",
    "SCALAR_FIELDS",
    "SUMMARY_COLUMNS",
    "Changes",
    "Library",
    "LibraryBase",
    "LibraryError",
    "SaveResult",
    "connect",
    "describe_sqlite_error",
    "fts_values",
    "fts_values_of",
    "merge_articles",
    "now_iso",
]


class Library(SavingMixin, BatchSavingMixin, ReadingMixin, EditingMixin, ChangesMixin, LookupsMixin, PartsMixin):
    """A clinician's library in one SQLite file; one instance per thread."""

    def __init__(
        self,
        path: str | Path,
        before_migration: Callable[[Path, int], None] | None = None,
    ) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = connect(self.path)
            hook = (lambda version: before_migration(self.path, version)) if before_migration else None
            schema.migrate(self.conn, hook)
        except sqlite3.DatabaseError as error:
            raise LibraryError(f"cannot open library {self.path}: {describe_sqlite_error(error)}") from error
        except schema.SchemaTooNewError as error:
            self.conn.close()
            raise LibraryError(f"cannot open library {self.path}: {error}") from error
        self.db = sqlite_utils.Database(self.conn)
        self._depth = 0
        self._positions: dict[tuple[str, bool], tuple[list[int], dict[int, int]]] = {}
        self._positions_stamp: tuple[int, int] | None = None

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
