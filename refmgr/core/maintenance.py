"""Library health: SQLite integrity check, full-text index consistency, index rebuild."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from refmgr.core import sqlerrors
from refmgr.core.db import connect_read_only, is_writable
from refmgr.core.library import Library
from refmgr.core.search import SORT_COLUMNS

FTS_COLUMNS = ("title", "authors", "journal", "abstract", "keywords", "legends", "notes")
MAX_LISTED = 20
PROBE_BUDGET_S = 3.0  # quick_check reads about 100 MB/s on a laptop disk: the whole of a 30,000-article library
PROBED_ORDERS = ("date_added", "year", "title", "first_author", "journal", "citation_count", "id")


@dataclass
class CheckReport:
    """What `refmgr check` found and did."""

    path: Path
    articles: int = 0
    integrity: list[str] = field(default_factory=list)
    fts: list[str] = field(default_factory=list)
    rebuilt: bool = False
    read_only: bool = False

    @property
    def ok(self) -> bool:
        """True when the file is sound and the index matches (after any rebuild)."""
        return not self.integrity and not self.fts

    def render(self) -> str:
        """The report as lines of text."""
        lines = [f"library      {self.path} ({self.articles:,} articles)"]
        if self.integrity:
            lines += [f"damaged      {p}" for p in self.integrity[:MAX_LISTED]]
        else:
            lines.append("integrity    ok")
        if self.read_only:
            lines.append("read-only    the file cannot be written (permissions, read-only disk): checked, not repaired")
        if self.rebuilt:
            lines.append("search index was inconsistent with the articles: rebuilt")
        lines += [f"index        {p}" for p in self.fts[:MAX_LISTED]]
        if not self.integrity and not self.fts:
            lines.append("search index ok")
        return "\n".join(lines)


def integrity_problems(conn: sqlite3.Connection, quick: bool = False) -> list[str]:
    """SQLite's integrity (or quick) check and FTS5's own check; empty when the file is sound."""
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}")]
    except sqlite3.DatabaseError as error:
        return [str(error)]
    problems = [r for r in rows if r != "ok"]
    if problems:
        return problems
    try:
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    except sqlite3.DatabaseError as error:
        if sqlerrors.error_kind(error) in (sqlerrors.READ_ONLY, sqlerrors.CANNOT_OPEN):
            return []  # FTS5's self-check counts as a write: a read-only file is not damaged for failing it
        return [f"full-text index: {error}"]
    return []


def probe(conn: sqlite3.Connection, budget_s: float = PROBE_BUDGET_S) -> list[str]:
    """A start-up check bounded in time: quick_check (first few problems) for at most budget_s, then sorted reads."""
    # A library too big to check within the budget is checked as far as the budget goes; the sorted reads
    # (the window's first pages in every column order) still run, and any later SQLITE_CORRUPT is caught
    # where it happens. Empty when nothing was found.
    deadline = time.monotonic() + budget_s
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 20_000)
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA quick_check({MAX_LISTED})")]
    except sqlite3.OperationalError as error:
        if sqlerrors.error_kind(error) != sqlerrors.OTHER or "interrupt" not in str(error):
            return [str(error)]
        rows = []  # the budget ran out before the check finished
    except sqlite3.DatabaseError as error:
        return [str(error)]
    finally:
        conn.set_progress_handler(None, 0)
    problems = [r for r in rows if r != "ok"]
    if problems:
        return problems
    try:
        for column in PROBED_ORDERS:
            order = SORT_COLUMNS[column]
            for direction in ("", " DESC"):
                conn.execute(f"SELECT a.id FROM articles a ORDER BY {order}{direction} LIMIT 200").fetchall()
    except sqlite3.DatabaseError as error:
        return [str(error)]
    return []


def fts_problems(library: Library) -> list[str]:
    """Differences between the full-text index and the articles it should hold (rowids and content)."""
    conn = library.conn
    article_ids = {r[0] for r in conn.execute("SELECT id FROM articles")}
    indexed: dict[int, tuple[str, ...]] = {
        r[0]: tuple(r[1:]) for r in conn.execute(f"SELECT rowid, {', '.join(FTS_COLUMNS)} FROM articles_fts")
    }
    problems = [f"article #{i} is missing from the index" for i in sorted(article_ids - indexed.keys())]
    problems += [f"index row #{i} has no article" for i in sorted(indexed.keys() - article_ids)]
    stemmed = {r[0] for r in conn.execute("SELECT rowid FROM articles_stem")}
    if stemmed != article_ids:
        problems.append(f"the stemmed index has {len(stemmed ^ article_ids)} row(s) out of step with the articles")
    for article_id in sorted(article_ids & indexed.keys()):
        expected = library.fts_row(article_id)
        if expected is not None and tuple(expected) != indexed[article_id]:
            differing = [c for c, a, b in zip(FTS_COLUMNS, expected, indexed[article_id], strict=True) if a != b]
            problems.append(f"article #{article_id}: index out of date ({', '.join(differing)})")
    return problems


def rebuild_fts(library: Library) -> int:
    """Rewrite the whole full-text index from the articles in one transaction; return rows indexed."""
    with library.transaction() as conn:
        conn.execute("DELETE FROM articles_fts")
        conn.execute("DELETE FROM articles_stem")
        ids = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY id")]
        for article_id in ids:
            library.reindex(article_id)
    library.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")
    return len(ids)


def check_library(path: Path, repair: bool = True) -> CheckReport:
    """Integrity check, then index consistency; an inconsistent index is rebuilt when repair is true."""
    report = CheckReport(Path(path), read_only=not is_writable(path))
    conn = connect_read_only(path) if report.read_only else sqlite3.connect(str(path))
    try:
        report.integrity = integrity_problems(conn)
    finally:
        conn.close()
    if report.integrity:
        return report
    with Library(path) as library:
        report.articles = library.count()
        report.fts = fts_problems(library)
        if report.fts and repair and not library.read_only:
            rebuild_fts(library)
            report.rebuilt = True
            report.fts = fts_problems(library)
    return report
