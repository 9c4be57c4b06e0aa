"""Migration 3 builds the stemmed index from the articles a library already has; refmgr check keeps it in step."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from refmgr.core import schema
from refmgr.core.library import Library
from refmgr.core.maintenance import check_library
from tests.search_corpus import build


def test_an_older_library_gets_its_stemmed_index(library_path: Path) -> None:
    with Library(library_path) as library:
        ids = build(library)
        expected = library.search("metastases")
    before = schema.MIGRATIONS.index(schema._migrate_search)  # the library as the previous refmgr left it
    conn = sqlite3.connect(library_path)
    conn.executescript(
        "DROP TABLE articles_stem; DROP TABLE saved_searches; DROP INDEX publication_types_name; "
        f"DROP INDEX articles_filters; PRAGMA user_version = {before};"
    )
    conn.close()
    with Library(library_path) as library:
        assert library.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert library.search("metastases") == expected
        assert len(expected) == 6
        assert library.search("Rini BI") == [ids["keynote"]]
        assert library.conn.execute("SELECT count(*) FROM articles_stem").fetchone()[0] == len(ids)


def test_check_repairs_a_stale_stemmed_index(library_path: Path) -> None:
    with Library(library_path) as library:
        ids = build(library)
        library.conn.execute("DELETE FROM articles_stem WHERE rowid = ?", (ids["keynote"],))
        assert ids["keynote"] not in library.search("pembrolizumab")
    report = check_library(library_path)
    assert report.rebuilt and report.ok
    with Library(library_path) as library:
        assert library.search("pembrolizumab") == [ids["keynote"]]


def test_edits_deletes_and_merges_keep_the_stemmed_index_current(library: Library) -> None:
    ids = build(library)
    library.update_fields(ids["oesophagus"], notes="Discuss the haemorrhages at journal club")
    assert library.search("hemorrhage") == [ids["oesophagus"]]
    library.delete([ids["oesophagus"]])
    assert library.search("hemorrhage") == []
    assert library.conn.execute("SELECT count(*) FROM articles_stem").fetchone()[0] == len(ids) - 1


def test_stored_trial_numbers_are_searchable_before_and_after_a_rebuild(library_path: Path) -> None:
    from refmgr.core.model import Article, Trial

    with Library(library_path) as library:
        article = Article(title="Cabozantinib after progression", year=2024, trials=[Trial("NCT09999999")])
        new = library.save(article, source="test").article_id
        assert library.search("trial:NCT09999999") == [new]
        assert library.search("trial:nct09999999 NCT") == [new]
        from refmgr.core import stemindex

        with library.transaction() as conn:
            stemindex.build(conn)
        assert library.search("trial:NCT09999999") == [new]
