"""Schema migrations: ordered steps on PRAGMA user_version, all in one transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from refmgr.core import schema
from refmgr.core.library import connect


def tables(conn: sqlite3.Connection) -> set[str]:
    """Names of the tables in a database."""
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_fresh_database_gets_every_table(tmp_path: Path) -> None:
    conn = connect(tmp_path / "new.sqlite")
    assert schema.migrate(conn) == 0
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert {
        "articles", "authors", "keywords", "figures", "refs", "publication_types", "tags", "article_tags",
        "reading_lists", "reading_list_items", "crossref_cache", "pending", "settings", "articles_fts",
    } <= tables(conn)  # fmt: skip
    fts_columns = [r[1] for r in conn.execute("PRAGMA table_info(articles_fts)")]
    assert fts_columns == ["title", "authors", "journal", "abstract", "keywords", "legends", "notes"]
    assert schema.migrate(conn) == schema.SCHEMA_VERSION  # a second run does nothing


def test_failing_migration_leaves_the_database_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_step(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken_step])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(schema.MIGRATIONS))
    conn = connect(tmp_path / "lib.sqlite")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        schema.migrate(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert "articles" not in tables(conn) and "half_done" not in tables(conn)


def test_backup_hook_runs_before_upgrading_an_existing_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = connect(tmp_path / "lib.sqlite")
    schema.migrate(conn)
    calls: list[int] = []

    def add_column(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE articles ADD COLUMN extra TEXT NOT NULL DEFAULT ''")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, add_column])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(schema.MIGRATIONS))
    old = schema.SCHEMA_VERSION - 1
    assert schema.migrate(conn, calls.append) == old
    assert calls == [old]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == old + 1
    assert "extra" in [r[1] for r in conn.execute("PRAGMA table_info(articles)")]


def test_too_new_is_refused(tmp_path: Path) -> None:
    conn = connect(tmp_path / "lib.sqlite")
    conn.execute("PRAGMA user_version = 999")
    with pytest.raises(schema.SchemaTooNewError, match="schema version 999"):
        schema.migrate(conn)
