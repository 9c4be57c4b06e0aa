"""Backups: verified copies through the backup API, rotation, automatic daily backups, careful restore."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.generate import generate_articles
from refmgr.cli import main
from refmgr.core import schema
from refmgr.core.backup import (
    BackupError,
    auto_backup,
    backup_before_migration,
    backup_time,
    create_backup,
    find_newest_good_backup,
    library_problem,
    list_backups,
    restore,
)
from refmgr.core.library import Library
from refmgr.core.settings import Settings
from refmgr.paths import backups_dir, settings_file

START = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def make_library(path: Path, n: int = 20, seed: int = 1) -> Path:
    """A closed library of n generated articles (WAL checkpointed into the file)."""
    with Library(path) as library:
        library.save_many(generate_articles(n, seed))
    return path


def damage(path: Path) -> None:
    """Overwrite the middle of a database file with garbage, as a failing disk would."""
    data = bytearray(path.read_bytes())
    assert len(data) > 16 * 4096
    data[4 * 4096 : len(data) - 4096] = b"\xa5" * (len(data) - 5 * 4096)
    path.write_bytes(bytes(data))


def titles(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT title FROM articles ORDER BY id")]
    finally:
        conn.close()


def test_backup_is_a_verified_single_file_copy(library_path: Path) -> None:
    make_library(library_path)
    backup = create_backup(library_path, "manual", now=START)
    assert backup == backups_dir(library_path) / "library-20260301T093000000000-manual.sqlite"
    assert backup_time(backup) == START
    assert library_problem(backup, full=True) is None
    assert titles(backup) == titles(library_path) and len(titles(backup)) == 20
    conn = sqlite3.connect(backup)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    conn.close()
    assert not list(backups_dir(library_path).glob(".*partial"))


def test_backup_of_an_open_library_sees_committed_rows_in_the_wal(library_path: Path) -> None:
    with Library(library_path) as library:
        library.save_many(generate_articles(5, 2))
        backup = create_backup(library_path, now=START)
        library.save_many(generate_articles(3, 3))
    assert len(titles(backup)) == 5
    assert len(titles(library_path)) == 8


def test_rotation_keeps_the_newest_n(library_path: Path) -> None:
    make_library(library_path, n=3)
    made = [create_backup(library_path, "manual", keep=3, now=START + timedelta(hours=i)) for i in range(6)]
    assert list_backups(library_path) == [made[5], made[4], made[3]]
    assert all(not p.exists() for p in made[:3])


def test_auto_backup_runs_when_the_newest_is_over_a_day_old(library_path: Path) -> None:
    make_library(library_path, n=3)
    settings = Settings(backups_kept=2)
    first = auto_backup(library_path, settings, now=START)
    assert first is not None and first.name.endswith("-auto.sqlite")
    assert auto_backup(library_path, settings, now=START + timedelta(hours=23)) is None
    second = auto_backup(library_path, settings, now=START + timedelta(days=1, minutes=1))
    third = auto_backup(library_path, settings, now=START + timedelta(days=3))
    assert second is not None and third is not None
    assert list_backups(library_path) == [third, second]  # kept 2, as the setting says


def test_auto_backup_can_be_turned_off(library_path: Path) -> None:
    make_library(library_path, n=1)
    assert auto_backup(library_path, Settings(auto_backup=False), now=START) is None
    assert list_backups(library_path) == []


def test_auto_backup_skips_missing_and_damaged_libraries(library_path: Path) -> None:
    assert auto_backup(library_path, Settings(), now=START) is None
    assert not library_path.exists()
    make_library(library_path, n=40)
    damage(library_path)
    assert auto_backup(library_path, Settings(), now=START) is None
    assert list_backups(library_path) == []
    left = [p.name for p in backups_dir(library_path).iterdir()]
    assert left == [".library.backup-lock"]  # no partial file left behind; only the (released) lock file


def test_the_command_line_backs_up_on_start_once_a_day(library_path: Path, capsys) -> None:
    make_library(library_path, n=3)
    Settings(backups_kept=2).save(settings_file())
    old = [create_backup(library_path, keep=5, now=START - timedelta(days=d)) for d in (3, 2)]
    assert main(["--library", str(library_path), "list"]) == 0
    backups = list_backups(library_path)
    assert len(backups) == 2 and backups[0].name.endswith("-auto.sqlite") and backups[1] == old[1]
    assert main(["--library", str(library_path), "list"]) == 0
    assert list_backups(library_path) == backups  # not twice in a day
    capsys.readouterr()


def _downgrade_to_v1(path: Path) -> None:
    conn = sqlite3.connect(path)
    for index in ("refs_pmid", "articles_title", "articles_journal", "articles_citation_count"):
        conn.execute(f"DROP INDEX IF EXISTS {index}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_a_backup_is_made_before_every_migration(library_path: Path) -> None:
    make_library(library_path, n=4)
    _downgrade_to_v1(library_path)
    with Library(library_path, before_migration=backup_before_migration) as library:
        assert library.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    (backup,) = list_backups(library_path)
    assert backup.name.endswith("-schema-v1.sqlite")
    conn = sqlite3.connect(backup)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 4
    conn.close()


def test_no_migration_without_a_backup(library_path: Path) -> None:
    make_library(library_path, n=4)
    _downgrade_to_v1(library_path)
    backups_dir(library_path).write_text("a file where the backups folder should be")
    with pytest.raises(BackupError, match="cannot write a backup"):
        Library(library_path, before_migration=backup_before_migration)
    conn = sqlite3.connect(library_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_restore_replaces_the_library_and_keeps_the_current_one(library_path: Path) -> None:
    make_library(library_path, n=5)
    backup = create_backup(library_path, now=START)
    with Library(library_path) as library:
        library.save_many(generate_articles(2, 9))
        library.delete([1])
    current = titles(library_path)
    result = restore(backup, library_path)
    assert result.restored_from == backup
    assert titles(library_path) == titles(backup) and len(titles(library_path)) == 5
    assert result.previous_copy is not None and titles(result.previous_copy) == current
    with Library(library_path) as library:
        assert library.count() == 5
        assert library.search("survival") or library.search("carcinoma")


@pytest.mark.parametrize("kind", ["text", "damaged", "other-sqlite", "missing", "truncated"])
def test_restore_refuses_a_bad_file_and_leaves_the_library_alone(library_path: Path, tmp_path: Path, kind) -> None:
    make_library(library_path, n=40)
    bad = tmp_path / "bad.sqlite"
    if kind == "text":
        bad.write_text("TY  - JOUR\nER  - \n")
    elif kind == "damaged":
        bad.write_bytes(library_path.read_bytes())
        damage(bad)
    elif kind == "truncated":
        bad.write_bytes(library_path.read_bytes()[: 6 * 4096])
    elif kind == "other-sqlite":
        conn = sqlite3.connect(bad)
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.commit()
        conn.close()
    before = library_path.read_bytes()
    with pytest.raises(BackupError, match="the library was not changed"):
        restore(bad, library_path)
    assert library_path.read_bytes() == before
    assert list_backups(library_path) == []


def test_newest_good_backup_skips_damaged_ones(library_path: Path) -> None:
    make_library(library_path, n=40)
    good = create_backup(library_path, now=START)
    bad = create_backup(library_path, now=START + timedelta(days=1))
    damage(bad)
    assert find_newest_good_backup(library_path) == good
    damage(good)
    assert find_newest_good_backup(library_path) is None


def test_a_damaged_library_names_the_backup_to_restore(library_path: Path, capsys) -> None:
    make_library(library_path, n=40)
    good = create_backup(library_path, now=START)
    library_path.write_bytes(b"\x00" * 4096 * 8)
    assert main(["--library", str(library_path), "list"]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and f"refmgr restore {good}" in err


def test_backup_and_restore_commands(library_path: Path, tmp_path: Path, capsys) -> None:
    make_library(library_path, n=6)
    target = tmp_path / "copy.sqlite"
    assert main(["--library", str(library_path), "backup", str(target)]) == 0
    assert f"to {target}" in capsys.readouterr().out
    assert main(["--library", str(library_path), "backup"]) == 0
    assert "-manual.sqlite" in capsys.readouterr().out
    assert main(["--library", str(library_path), "delete", "1", "2"]) == 0
    capsys.readouterr()
    assert main(["--library", str(library_path), "restore", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"restored {library_path} from {target}" in out and "-before-restore.sqlite" in out
    assert len(titles(library_path)) == 6
    (tmp_path / "notes.txt").write_text("not a library")
    assert main(["--library", str(library_path), "restore", str(tmp_path / "notes.txt")]) == 2
    assert "refusing to restore" in capsys.readouterr().err
