"""What a write changed (articles, lists, tags, pending), read from the library's change log."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from refmgr.core.db import LibraryBase

# The log kept by triggers (schema migration `_add_change_log`): one row per changed article, list item, tag or
# pending DOI, written by every connection and every process, so a window sees the CLI's writes too.
CHANGE_LOG_KEEP = 50_000  # rows kept; a reader further behind than this gets Changes(reset=True)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Changes:
    """Ids of what changed: articles added, updated and deleted, lists touched, tags or pending changed.

    `reset` says the change log cannot tell (the reader fell too far behind, or the library was replaced):
    everything must be read again.
    """

    added: set[int] = field(default_factory=set)
    updated: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)
    lists: set[int] = field(default_factory=set)
    tagged: set[int] = field(default_factory=set)  # articles whose tags changed
    pending: bool = False
    reset: bool = False

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.deleted or self.lists or self.tagged or self.pending
                    or self.reset)  # fmt: skip

    @property
    def articles(self) -> set[int]:
        """Every article id that was added, updated, re-tagged or deleted."""
        return self.added | self.updated | self.deleted | self.tagged

    def note(self, kind: str, item_id: int | None) -> None:
        """Fold one change-log row into these changes (in log order)."""
        if kind == "article+" and item_id is not None:
            if item_id in self.deleted:  # an id reused after a delete: the row shows another article now
                self.deleted.discard(item_id)
                self.updated.add(item_id)
            else:
                self.added.add(item_id)
        elif kind == "article~" and item_id is not None:
            if item_id not in self.added:
                self.updated.add(item_id)
        elif kind == "article-" and item_id is not None:
            if item_id in self.added:
                self.added.discard(item_id)
            else:
                self.updated.discard(item_id)
                self.deleted.add(item_id)
            self.tagged.discard(item_id)
        elif kind == "list" and item_id is not None:
            self.lists.add(item_id)
        elif kind == "tag" and item_id is not None:
            self.tagged.add(item_id)
        elif kind == "pending":
            self.pending = True

    def merge(self, other: Changes) -> Changes:
        """Add later changes to these (in place) and return self."""
        for item_id in other.deleted:
            self.note("article-", item_id)
        for item_id in other.added:
            self.note("article+", item_id)
        self.updated |= other.updated - self.added
        self.lists |= other.lists
        self.tagged |= other.tagged - self.deleted
        self.pending = self.pending or other.pending
        self.reset = self.reset or other.reset
        return self


def fold(rows: Iterable[tuple[str, int | None]]) -> Changes:
    """Changes from change-log rows (kind, id) in log order."""
    changes = Changes()
    for kind, item_id in rows:
        changes.note(kind, item_id)
    return changes


class ChangesMixin(LibraryBase):
    """Library methods to learn what changed: the data version, the change log and recording a write."""

    def data_version(self) -> int:
        """SQLite's data version: it moves when another connection (any thread or process) commits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def change_seq(self) -> int:
        """The newest change-log position (0 for none, or for a library opened without migrating it)."""
        try:
            return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM change_log").fetchone()[0])
        except sqlite3.OperationalError as error:
            if "no such table" not in str(error):
                raise
            return 0

    def changes_since(self, seq: int) -> tuple[Changes, int]:
        """What changed after log position seq, and the position to ask from next time.

        A library without the log (opened read-only at an older schema) can only say "read everything again".
        """
        try:
            newest, oldest = self.conn.execute("SELECT coalesce(max(seq), 0), min(seq) FROM change_log").fetchone()
        except sqlite3.OperationalError as error:
            if "no such table" not in str(error):
                raise
            return Changes(reset=True), seq
        if newest < seq or (oldest is not None and oldest > seq + 1):
            return Changes(reset=True), newest  # the log was pruned past seq, or the file was replaced
        if newest == seq:
            return Changes(), seq
        rows = self.conn.execute("SELECT kind, item_id FROM change_log WHERE seq > ? ORDER BY seq", (seq,))
        return fold(rows), newest

    @contextmanager
    def recording(self) -> Iterator[Changes]:
        """Collect what the block changed (with any other writer's commits meanwhile) into the Changes it yields."""
        changes = Changes()
        seq = self.change_seq()
        yield changes
        found, _ = self.changes_since(seq)
        changes.merge(found)


def returns_changes(method: F) -> F:
    """Make a write method that returns nothing return the Changes it made."""

    @functools.wraps(method)
    def wrapper(self: ChangesMixin, *args: Any, **kwargs: Any) -> Changes:
        with self.recording() as changes:
            method(self, *args, **kwargs)
        return changes

    return wrapper  # type: ignore[return-value]
