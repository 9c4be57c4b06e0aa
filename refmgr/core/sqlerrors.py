"""SQLite errors sorted by their result code into what the user is told (full, read-only, damaged, locked)."""

from __future__ import annotations

import sqlite3

FULL, READ_ONLY, DAMAGED, LOCKED, NOT_A_DATABASE, CANNOT_OPEN, OTHER = (
    "full", "read-only", "damaged", "locked", "not-a-database", "cannot-open", "other",
)  # fmt: skip

_BY_CODE = {
    sqlite3.SQLITE_FULL: FULL,
    sqlite3.SQLITE_READONLY: READ_ONLY,
    sqlite3.SQLITE_CORRUPT: DAMAGED,
    sqlite3.SQLITE_NOTADB: NOT_A_DATABASE,
    sqlite3.SQLITE_BUSY: LOCKED,
    sqlite3.SQLITE_LOCKED: LOCKED,
    sqlite3.SQLITE_CANTOPEN: CANNOT_OPEN,
}
_MESSAGES = {
    FULL: "the disk is full; free some space and try again",
    READ_ONLY: "the library file is read-only (its permissions or a read-only disk); nothing can be saved to it",
    DAMAGED: "the library file is damaged; restore it from a backup (refmgr restore)",
    NOT_A_DATABASE: "the library file is damaged (it is not a SQLite database); restore it from a backup",
    LOCKED: "the library is busy in another program; try again in a moment",
    CANNOT_OPEN: "the library file cannot be opened (check the folder exists and is writable)",
}


def error_kind(error: BaseException) -> str:
    """The kind of a SQLite error from its (extended) result code; OTHER for anything else."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return OTHER
    return _BY_CODE.get(code & 0xFF, OTHER)


def is_damage(error: BaseException) -> bool:
    """True when the error says the file itself is broken (SQLITE_CORRUPT or SQLITE_NOTADB)."""
    return error_kind(error) in (DAMAGED, NOT_A_DATABASE)


def describe(error: BaseException) -> str:
    """A sentence for the user about a SQLite error (its own text when it is none of the known kinds)."""
    return _MESSAGES.get(error_kind(error), str(error))


def find_cause(error: BaseException | None) -> sqlite3.Error | None:
    """The SQLite error behind an exception (itself or along its __cause__/__context__ chain), or None."""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, sqlite3.Error) and getattr(error, "sqlite_errorcode", None) is not None:
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None
