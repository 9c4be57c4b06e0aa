"""The SQLite library: open and migrate, save with duplicate merging, read, search, delete."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

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
    connect_read_only,
    describe_sqlite_error,
    is_writable,
    now_iso,
)
from refmgr.core.editing import EditingMixin
from refmgr.core.fulltext import fts_values, fts_values_of
from refmgr.core.lookups import LookupsMixin
from refmgr.core.merge import merge_articles
from refmgr.core.parts import PartsMixin
from refmgr.core.private import private_file
from refmgr.core.reading import SUMMARY_COLUMNS, ReadingMixin
from refmgr.core.saving import SaveResult, SavingMixin

if TYPE_CHECKING:
    import sqlite_utils

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
        read_only: bool | None = None,
    ) -> None:
        """Open (creating and migrating) the library; a file that cannot be written opens read-only."""
        self.path = Path(path)
        memory = str(path) == ":memory:"
        if not memory:
            private_file(self.path)  # a new library is owner-only (0600), and so are its -wal and -shm
        self.read_only = bool(read_only) if read_only is not None else not memory and not is_writable(self.path)
        try:
            if self.read_only:
                self.conn = connect_read_only(self.path)
                schema.check_version(self.conn)
            else:
                self.conn = connect(self.path)
                hook = (lambda version: before_migration(self.path, version)) if before_migration else None
                schema.migrate(self.conn, hook)
        except sqlite3.DatabaseError as error:
            with contextlib.suppress(AttributeError, sqlite3.Error):
                self.conn.close()
            raise LibraryError.from_sqlite(error, f"cannot open library {self.path}: ") from error
        except (schema.SchemaTooNewError, schema.SchemaUpgradeNeededError) as error:
            self.conn.close()
            raise LibraryError(f"cannot open library {self.path}: {error}") from error
        self._depth = 0
        self._positions: dict[tuple[str, bool], tuple[list[int], dict[int, int]]] = {}
        self._positions_stamp: tuple[int, int] | None = None

    @property
    def db(self) -> sqlite_utils.Database:
        """A sqlite-utils view of the connection, for scripts (imported on first use: it costs 0.16 s)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def close(self) -> None:
        """Refresh the query planner's statistics where SQLite thinks they are stale, then close the connection."""
        optimize(self.conn)
        self.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def optimize(conn: sqlite3.Connection) -> None:
    """`PRAGMA optimize` as SQLite recommends before closing, bounded in time; skipped when it cannot write.

    analysis_limit keeps the ANALYZE it may run to a sample of each index (milliseconds at 100,000 articles),
    and a short busy timeout keeps another program's write lock from holding up the close. The queries that
    matter do not depend on the statistics it writes (tests/core/test_query_plans.py).
    """
    try:
        if conn.in_transaction:  # closing mid-transaction: leave it to the rollback
            return
        conn.execute("PRAGMA busy_timeout = 200")
        conn.execute("PRAGMA analysis_limit = 400")
        conn.execute("PRAGMA optimize")
    except sqlite3.Error:  # read-only, locked, damaged or already closed: statistics are only an optimisation
        pass
