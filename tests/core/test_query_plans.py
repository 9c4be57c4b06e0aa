"""Citation linking stays on its indexes with and without ANALYZE statistics (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from refmgr.core.library import Library
from refmgr.core.model import Article, Reference
from refmgr.core.saving import link_citations_sql


def _article(n: int, cites: list[int]) -> Article:
    """Article n citing articles `cites` by DOI, with many bare references (no DOI, no PMID) as real ones have."""
    references = [Reference(f"{k}. Bare reference {n}-{k}") for k in range(30)]
    references += [Reference(f"Cited {c}", doi=f"10.1000/plan.{c}") for c in cites]
    return Article(title=f"Article {n}", year=2020, doi=f"10.1000/plan.{n}", pmid=str(20000000 + n),
                   references=references)  # fmt: skip


def _plan(conn: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> str:
    return " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def _statements() -> list[tuple[str, tuple[object, ...], str]]:
    """The linking statements with sample parameters and the index each must search."""
    return [
        (link_citations_sql("doi"), (1, "10.1000/plan.7"), "refs_doi_set"),
        (link_citations_sql("pmid"), (1, "20000007"), "refs_pmid_set"),
        (link_citations_sql("doi", older_only=True), (1, "10.1000/plan.7", 50), "refs_doi_set"),
        (link_citations_sql("pmid", older_only=True), (1, "20000007", 50), "refs_pmid_set"),
    ]


def _assert_indexed(conn: sqlite3.Connection) -> None:
    for sql, params, index in _statements():
        plan = _plan(conn, sql, params)
        assert re.search(rf"SEARCH refs USING (COVERING )?INDEX {index} \(", plan), (sql, plan)
        assert "SCAN" not in plan, (sql, plan)


def _pessimistic_statistics(conn: sqlite3.Connection) -> None:
    """Statistics claiming each identifier index finds every row with one value: a planner's worst case."""
    conn.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'refs'")
    conn.executemany(
        "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('refs', ?, '1000000 1000000')",
        [("refs_doi_set",), ("refs_pmid_set",)],
    )
    conn.execute("ANALYZE sqlite_schema")  # reload the statistics into this connection's planner


@pytest.fixture
def filled(library_path: Path) -> Library:
    library = Library(library_path)
    library.save_many([_article(n, [(n * 7 + k) % 200 for k in range(3)]) for n in range(200)])
    return library


def test_linking_is_indexed_without_statistics(filled: Library) -> None:
    assert not filled.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()
    _assert_indexed(filled.conn)
    filled.close()


def test_linking_is_indexed_after_analyze(filled: Library) -> None:
    filled.conn.execute("ANALYZE")
    assert filled.conn.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'refs'").fetchone()[0] >= 2
    _assert_indexed(filled.conn)
    _pessimistic_statistics(filled.conn)
    _assert_indexed(filled.conn)
    filled.close()


def test_linking_after_analyze_still_links_both_ways(filled: Library) -> None:
    filled.conn.execute("ANALYZE")
    _pessimistic_statistics(filled.conn)
    (old,) = filled.save_many([_article(300, [5])])  # one new article citing an old one ...
    cited = filled.conn.execute(
        "SELECT cited_article_id FROM refs WHERE article_id = ? AND doi != ''", (old.article_id,)
    ).fetchall()
    assert cited == [(6,)]  # ids start at 1
    filled.conn.execute("UPDATE refs SET doi = '10.1000/plan.301' WHERE article_id = 2 AND position = 0")
    (new,) = filled.save_many([_article(301, [])])  # ... and an old reference pointing at a new one
    assert filled.conn.execute(
        "SELECT cited_article_id FROM refs WHERE article_id = 2 AND position = 0"
    ).fetchone() == (new.article_id,)
    saved = filled.save(Article(title="One by one", year=2021, pmid="20000999"))
    filled.conn.execute("UPDATE refs SET pmid = '20000998' WHERE article_id = 3 AND position = 0")
    again = filled.save(Article(title="Another", year=2021, pmid="20000998"))
    assert saved.action == again.action == "added"
    assert filled.conn.execute(
        "SELECT cited_article_id FROM refs WHERE article_id = 3 AND position = 0"
    ).fetchone() == (again.article_id,)
    filled.close()


LOOKUPS = [  # duplicate checks and outgoing links: each must search an index, statistics or not
    ("SELECT id FROM articles WHERE doi = ?", ("10.1000/plan.7",), "articles_doi"),
    ("SELECT id FROM articles WHERE pmid = ?", ("20000007",), "articles_pmid"),
    ("SELECT id, first_author_norm, doi FROM articles WHERE title_norm = ? AND year = ?", ("article 7", 2020),
     "articles_title_norm"),
    ("UPDATE refs SET cited_article_id = (SELECT a.id FROM articles a WHERE (refs.doi != '' AND a.doi = refs.doi) "
     "OR (refs.pmid != '' AND a.pmid = refs.pmid) LIMIT 1) WHERE article_id = ? AND (doi != '' OR pmid != '')",
     (7,), "articles_doi"),
]  # fmt: skip


@pytest.mark.parametrize("analyzed", [False, True])
def test_identifier_lookups_are_indexed(filled: Library, analyzed: bool) -> None:
    if analyzed:
        filled.conn.execute("ANALYZE")
    for sql, params, index in LOOKUPS:
        plan = _plan(filled.conn, sql, params)
        assert f"USING INDEX {index} (" in plan or f"USING COVERING INDEX {index} (" in plan, (sql, plan)
        assert "SCAN" not in plan, (sql, plan)
    filled.close()


def test_close_runs_optimize_and_survives_a_read_only_file(library_path: Path) -> None:
    with Library(library_path) as library:
        library.save_many([_article(n, []) for n in range(30)])
        library.conn.execute("SELECT count(*) FROM refs WHERE doi = ? AND doi != ''", ("x",)).fetchall()
    conn = sqlite3.connect(library_path)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()[0] == 1
    conn.close()
    library = Library(library_path)
    library.conn.execute("PRAGMA query_only = ON")  # as on a read-only file: optimize cannot write
    library.conn.execute("SELECT count(*) FROM articles").fetchone()
    library.close()  # no error
