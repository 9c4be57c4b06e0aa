"""The SQLite connection, the article columns, the errors told to the user, and the nestable write transaction."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from refmgr.core import sqlerrors

BUSY_TIMEOUT_S = 30.0
SCALAR_FIELDS = (
    "title", "journal", "journal_abbrev", "year", "date", "volume", "issue", "pages",
    "article_number", "publisher", "type", "language", "abstract", "abstract_jats", "url",
    "license", "citation_count", "source",
)  # fmt: skip
JSON_FIELDS = ("issn", "publication_types", "updates")


class LibraryError(RuntimeError):
    """A library problem to tell the user about (locked, full, corrupt, too new); `kind` as in sqlerrors."""

    def __init__(self, message: str, kind: str = sqlerrors.OTHER) -> None:
        super().__init__(message)
        self.kind = kind

    @classmethod
    def from_sqlite(cls, error: sqlite3.Error, prefix: str = "") -> LibraryError:
        """The error told to the user for a SQLite error, with its kind."""
        return cls(f"{prefix}{describe_sqlite_error(error)}", sqlerrors.error_kind(error))


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection in autocommit mode with WAL, foreign keys and a busy timeout."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -32768")  # 32 MB of pages (default 2 MB): search and sort at 100,000 articles
    return conn


def is_writable(path: str | Path) -> bool:
    """False when the library file exists but cannot be written (mode 444, a read-only disk).

    Asked with access(2), never by opening the file: closing any descriptor of a database file drops every POSIX
    lock this process holds on it, SQLite's included, and another process may then checkpoint and remove the WAL
    under a connection still using it (a window's task opening the library would corrupt it).
    """
    return not Path(path).exists() or os.access(path, os.W_OK)


def connect_read_only(path: str | Path) -> sqlite3.Connection:
    """A read-only connection (mode=ro; immutable=1 when not even the WAL index can be made, e.g. a read-only disk)."""
    uri = Path(path).resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                           check_same_thread=False)  # fmt: skip
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA cache_size = -32768")
    return conn


def describe_sqlite_error(error: sqlite3.Error) -> str:
    """A sentence for the user about a SQLite error: by its result code, else by its text."""
    if sqlerrors.error_kind(error) != sqlerrors.OTHER:
        return sqlerrors.describe(error)
    text = str(error)
    if "locked" in text or "busy" in text:
        return "the library is busy in another program; try again in a moment"
    if "disk is full" in text or "full" in text:
        return "the disk is full; free some space and try again"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return "the library file is damaged; restore it from a backup (refmgr restore)"
    if "readonly" in text or "read-only" in text:
        return "the library file is read-only"
    if "unable to open" in text:
        return "the library file cannot be opened (check the folder exists and is writable)"
    return text


class LibraryBase:
    """A connection to a library file with its write transactions: what every Library mixin builds on."""

    path: Path
    conn: sqlite3.Connection
    _depth: int
    read_only: bool = False

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE, retried while another writer holds the lock).

        Nested calls are savepoints: an error inside one undoes only its own writes, so a failing
        record in a batch leaves nothing half-written while the rest of the batch goes on.
        """
        if self.read_only:
            raise LibraryError(f"the library {self.path} is read-only (its file permissions or a read-only disk): "
                               "nothing can be saved to it", sqlerrors.READ_ONLY)  # fmt: skip
        if self._depth:
            if not self.conn.in_transaction:  # SQLite rolled the outer transaction back (disk full, I/O error):
                raise self._aborted_error()  # a savepoint now would write outside it, committing piecemeal
            savepoint = f"sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            self._depth += 1
            try:
                yield self.conn
            except BaseException as error:
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO {savepoint}")
                    self.conn.execute(f"RELEASE {savepoint}")
                elif isinstance(error, sqlite3.Error):
                    self._aborted = error
                raise
            finally:
                self._depth -= 1
            self.conn.execute(f"RELEASE {savepoint}")
            return
        self._begin_immediate()
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        self._commit()

    def _aborted_error(self) -> LibraryError:
        """The error to raise for writes attempted after SQLite rolled the transaction back itself."""
        error = getattr(self, "_aborted", None)
        if isinstance(error, sqlite3.Error):
            return LibraryError.from_sqlite(error)
        return LibraryError("the library's transaction was rolled back by SQLite; nothing of it was saved")

    def _rollback(self) -> None:
        """Roll back the open transaction, if SQLite has not already done so (a full disk rolls back itself)."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _begin_immediate(self) -> None:
        deadline = time.monotonic() + BUSY_TIMEOUT_S * 2
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise LibraryError.from_sqlite(error) from error
                if time.monotonic() > deadline:
                    raise LibraryError(f"the library {self.path} stayed locked by another program") from error
                time.sleep(0.05)

    def _commit(self) -> None:
        for _ in range(200):
            try:
                self.conn.execute("COMMIT")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    self._rollback()
                    raise LibraryError.from_sqlite(error) from error
                time.sleep(0.05)
        self._rollback()
        raise LibraryError(f"could not commit to {self.path}: it stayed locked")

    def _id_for(self, column: str, value: str) -> int | None:
        row = self.conn.execute(f"SELECT id FROM articles WHERE {column} = ?", (value,)).fetchone()
        return row[0] if row else None
