"""Formatted bibliography entries cached by content: in memory, and in a small SQLite file in the cache folder."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import platformdirs

from refmgr import APP_NAME
from refmgr.core.private import private_dir, private_file

CACHE_ENV = "REFMGR_CACHE_DIR"
MEMORY_LIMIT = 50_000
FILE_LIMIT_BYTES = 64 * 1024 * 1024  # a bigger cache file is dropped and rebuilt as entries are formatted
_SQL_CHUNK = 500


def cache_dir() -> Path:
    """Folder for disposable caches (REFMGR_CACHE_DIR overrides the platform's user cache folder)."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


class EntryCache:
    """Key -> formatted text; the file is optional: if it cannot be opened, memory alone is used."""

    _default: EntryCache | None = None
    _lock = threading.Lock()

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.memory: dict[str, str] = {}
        self._conn: sqlite3.Connection | None = None
        self._opened = path is None
        self._db_lock = threading.Lock()  # one connection, shared by the GUI thread and workers
        self.hits = 0  # keys asked for and found (memory or file): lets tests see what was served from the cache
        self.misses = 0  # keys asked for and not found (each one is then formatted by citeproc-py)

    @classmethod
    def default(cls) -> EntryCache:
        """The process-wide cache backed by citations.sqlite in the cache folder."""
        path = cache_dir() / "citations.sqlite"
        with cls._lock:
            if cls._default is None or cls._default.path != path:
                cls._default = EntryCache(path)
            return cls._default

    def _connection(self) -> sqlite3.Connection | None:
        if not self._opened:
            self._opened = True
            assert self.path is not None
            try:
                private_dir(self.path.parent)
                if self.path.is_file() and self.path.stat().st_size > FILE_LIMIT_BYTES:
                    self.path.unlink()
                private_file(self.path)
                conn = sqlite3.connect(str(self.path), timeout=2.0, check_same_thread=False, isolation_level=None)
                conn.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, text TEXT NOT NULL)")
                self._conn = conn
            except (OSError, sqlite3.Error):
                self._conn = None
        return self._conn

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        """The cached texts of those keys that are cached."""
        keys = list(keys)
        found = {k: self.memory[k] for k in keys if k in self.memory}
        missing = [k for k in keys if k not in found]
        if not missing:
            with self._db_lock:
                self.hits += len(found)
            return found
        with self._db_lock:
            conn = self._connection()
            if conn is not None:
                try:
                    for start in range(0, len(missing), _SQL_CHUNK):
                        chunk = missing[start : start + _SQL_CHUNK]
                        marks = ", ".join("?" for _ in chunk)
                        found.update(conn.execute(f"SELECT key, text FROM entries WHERE key IN ({marks})", chunk))
                except sqlite3.Error:
                    pass
        self._remember({k: found[k] for k in missing if k in found})
        with self._db_lock:
            self.hits += len(found)
            self.misses += len(keys) - len(found)
        return found

    def put_many(self, entries: dict[str, str]) -> None:
        """Store texts in memory and, when possible, in the file."""
        self._remember(entries)
        if not entries:
            return
        with self._db_lock:
            conn = self._connection()
            if conn is None:
                return
            try:
                with conn:
                    conn.execute("BEGIN")
                    conn.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", entries.items())
            except sqlite3.Error:
                pass

    def _remember(self, entries: dict[str, str]) -> None:
        if len(self.memory) + len(entries) > MEMORY_LIMIT:
            self.memory.clear()
        self.memory.update(entries)

    def clear(self) -> None:
        """Forget everything (memory and file)."""
        self.memory.clear()
        with self._db_lock:
            conn = self._connection()
            if conn is not None:
                conn.execute("DELETE FROM entries")
