"""Maintenance: integrity check, full-text index consistency and rebuild, `refmgr check`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.generate import build_library, generate_articles
from refmgr.cli import main
from refmgr.core.backup import create_backup
from refmgr.core.library import Library
from refmgr.core.maintenance import check_library, fts_problems, integrity_problems, rebuild_fts
from tests.core.test_backup import damage


def test_a_generated_library_is_sound_and_consistent(tmp_path: Path) -> None:
    path = build_library(tmp_path / "bench.sqlite", 60, seed=4, batch=25)
    report = check_library(path)
    assert report.ok and not report.rebuilt and report.articles == 60
    assert report.render().splitlines() == [f"library      {path} (60 articles)", "integrity    ok", "search index ok"]


def test_out_of_date_missing_and_orphan_index_rows_are_found_and_rebuilt(library: Library) -> None:
    library.save_many(generate_articles(10, 5))
    conn = library.conn
    conn.execute("UPDATE articles SET title = 'Cryoablation of renal masses' WHERE id = 3")
    conn.execute("DELETE FROM articles_fts WHERE rowid = 5")
    conn.execute("INSERT INTO articles_fts (rowid, title) VALUES (999, 'ghost')")
    assert fts_problems(library) == [
        "article #5 is missing from the index",
        "index row #999 has no article",
        "article #3: index out of date (title)",
    ]
    assert library.search("cryoablation") == []
    assert rebuild_fts(library) == 10
    assert fts_problems(library) == []
    assert library.search("cryoablation") == [3]
    assert library.search("ghost") == []


def test_check_rebuilds_an_inconsistent_index(library_path: Path) -> None:
    with Library(library_path) as library:
        library.save_many(generate_articles(8, 6))
        library.conn.execute("DELETE FROM articles_fts")
    report = check_library(library_path)
    assert report.rebuilt and report.ok
    assert "search index was inconsistent with the articles: rebuilt" in report.render()
    with Library(library_path) as library:
        assert sorted(library.search("keyword:oncology")) == list(range(1, 9))
        assert fts_problems(library) == []


def test_damage_is_reported_not_repaired(library_path: Path) -> None:
    with Library(library_path) as library:
        library.save_many(generate_articles(40, 7))
    damage(library_path)
    conn = sqlite3.connect(library_path)
    assert integrity_problems(conn)
    conn.close()
    report = check_library(library_path)
    assert not report.ok and report.integrity and not report.rebuilt
    assert report.render().splitlines()[1].startswith("damaged ")


def test_check_command(library_path: Path, capsys) -> None:
    with Library(library_path) as library:
        library.save_many(generate_articles(40, 8))
        library.conn.execute("DELETE FROM articles_fts WHERE rowid = 2")
    assert main(["--library", str(library_path), "check"]) == 0
    out = capsys.readouterr().out
    assert "rebuilt" in out and out.rstrip().endswith("search index ok")
    good = create_backup(library_path)
    damage(library_path)
    assert main(["--library", str(library_path), "check"]) == 1
    assert f"restore with: refmgr restore {good}" in capsys.readouterr().out
    assert main(["--library", str(library_path.with_name("nowhere.sqlite")), "check"]) == 2
    assert "no library at" in capsys.readouterr().err
