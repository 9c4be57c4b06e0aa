"""A full disk: the import stops with what was saved; a backup to a full disk does not blame the library."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from refmgr.core import backup as backup_module
from refmgr.core import sqlerrors
from refmgr.core.backup import BackupError, copy_database
from refmgr.core.db import describe_sqlite_error
from refmgr.core.importer import import_files
from refmgr.core.library import Library
from tests.gui.conftest import make_articles


def ris_file(path: Path, n: int) -> Path:
    records = (f"TY  - JOUR\nTI  - Renal study number {i} {'of ablation ' * 20}\nPY  - 2020\nDO  - 10.5555/full.{i}\n"
               f"AB  - {'An abstract that takes room. ' * 20}\nER  - \n" for i in range(n))  # fmt: skip
    path.write_text("".join(records), encoding="utf-8")
    return path


def test_an_import_onto_a_full_disk_says_what_was_saved(library: Library, tmp_path: Path) -> None:
    pages = library.conn.execute("PRAGMA page_count").fetchone()[0]
    library.conn.execute(f"PRAGMA max_page_count = {pages + 1200}")  # the disk fills midway through
    report = import_files(library, [ris_file(tmp_path / "many.ris", 3000)])
    saved = library.count()
    assert 0 < saved < 3000
    assert report.stopped.startswith(f"the disk is full: {saved:,} records saved before it filled")
    assert report.counts()["added"] == saved and not report.ok
    assert f"stopped      the disk is full: {saved:,} records" in report.render()
    assert not library.conn.in_transaction  # rolled back cleanly: no "cannot rollback" traceback


def test_sqlite_errors_are_told_by_their_code() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
    readonly = sqlite3.OperationalError("attempt to write a readonly database")
    readonly.sqlite_errorcode = 8 | (1 << 8)  # SQLITE_READONLY_RECOVERY, an extended code  # type: ignore[attr-defined]
    notadb = sqlite3.DatabaseError("file is not a database")
    notadb.sqlite_errorcode = sqlite3.SQLITE_NOTADB  # type: ignore[attr-defined]
    assert sqlerrors.error_kind(full) == sqlerrors.FULL and "disk is full" in describe_sqlite_error(full)
    assert sqlerrors.error_kind(readonly) == sqlerrors.READ_ONLY and "read-only" in describe_sqlite_error(readonly)
    assert sqlerrors.is_damage(notadb) and "damaged" in describe_sqlite_error(notadb)


def test_a_backup_to_a_full_disk_does_not_call_the_library_damaged(
    library_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Library(library_path) as library:
        library.save_many(make_articles(20))
    real_connect = sqlite3.connect

    class FullDestination:
        """The backup's destination connection: every page written fails as on a full disk."""

        def __init__(self, path: str) -> None:
            self.conn = real_connect(path)

        def __getattr__(self, name: str) -> object:
            return getattr(self.conn, name)

    class Source:
        def __init__(self, path: str) -> None:
            self.conn = real_connect(path)

        def backup(self, target: object, **_kwargs: object) -> None:
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
            raise error

        def __getattr__(self, name: str) -> object:
            return getattr(self.conn, name)

    opened: list[object] = []

    def connect(path: str, *args: object, **kwargs: object) -> object:
        wrapper = (Source if not opened else FullDestination)(path)
        opened.append(wrapper)
        return wrapper

    monkeypatch.setattr(backup_module.sqlite3, "connect", connect)
    with pytest.raises(BackupError) as caught:
        copy_database(library_path, tmp_path / "out" / "copy.sqlite")
    message = str(caught.value)
    assert "the disk is full" in message and "damaged" not in message and "is fine" in message
    assert caught.value.kind == sqlerrors.FULL
    assert not (tmp_path / "out" / ".copy.sqlite.partial").exists()
