"""Crash safety: `refmgr import` killed with SIGKILL at random moments never leaves a damaged or half-written library.

CI runs a short loop; REFMGR_SLOW=1 runs a long one (more kills, a bigger file).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bench.generate import generate_articles
from refmgr.core.formats import csl_json
from refmgr.core.library import Library
from refmgr.core.maintenance import fts_problems, integrity_problems
from refmgr.core.model import Article, to_csl

SLOW = os.environ.get("REFMGR_SLOW") == "1"
KILLS = 150 if SLOW else 10
ARTICLES = 3000 if SLOW else 700
CHILD_TABLES = ("authors", "keywords", "figures", "refs", "publication_types")


def source_records(path: Path) -> dict[str, Article]:
    """What the import file says, read with the same reader the import uses, by DOI."""
    records = list(csl_json.parse(path.read_text(encoding="utf-8")))
    assert all(r.article is not None for r in records)
    return {r.article.doi.lower(): r.article for r in records if r.article}


def expected_counts(article: Article) -> dict[str, int]:
    return {
        "authors": len(article.authors),
        "keywords": len(article.keywords),
        "figures": len(article.figures),
        "refs": len(article.references),
        "publication_types": len(set(article.publication_types)),
    }


def run_import(library_path: Path, source: Path, kill_after: float | None) -> int | None:
    """Run `refmgr import` in a subprocess; SIGKILL it after kill_after seconds; its exit code or None if killed."""
    command = [sys.executable, "-m", "refmgr", "--library", str(library_path), "import", str(source)]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    try:
        child.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait()
        return None
    finally:
        if child.stderr:
            errors = child.stderr.read().decode()
            child.stderr.close()
    assert "Traceback" not in errors and "locked" not in errors, errors
    return child.returncode


def verify(library_path: Path, source: dict[str, Article]) -> int:
    """The library is sound, its index consistent, every article whole; return how many articles it holds."""
    conn = sqlite3.connect(library_path)
    if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
        # killed before the first migration committed: the file holds nothing, and the next open creates the schema
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        conn.close()
        assert tables == 0, "a migration was half-applied"
        return 0
    try:
        assert integrity_problems(conn) == []
        rows = conn.execute("SELECT id, doi, title FROM articles").fetchall()
        counts = {
            table: dict(conn.execute(f"SELECT article_id, count(*) FROM {table} GROUP BY article_id").fetchall())
            for table in CHILD_TABLES
        }
    finally:
        conn.close()
    dois = Counter(doi for _, doi, _ in rows)
    assert all(n == 1 for n in dois.values()), "an article was saved twice"
    for article_id, doi, title in rows:
        expected = source[doi]
        assert title == expected.title
        actual = {table: counts[table].get(article_id, 0) for table in CHILD_TABLES}
        assert actual == expected_counts(expected), f"article #{article_id} ({doi}) is half-written"
    with Library(library_path) as library:
        assert fts_problems(library) == []
    return len(rows)


@pytest.fixture
def import_file(tmp_path: Path) -> Path:
    path = tmp_path / "import.json"
    items = [to_csl(a) for a in generate_articles(ARTICLES, seed=11)]
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_survives_sigkill_at_random_moments(library_path: Path, import_file: Path) -> None:
    source = source_records(import_file)
    assert len(source) == ARTICLES
    assert sum(expected_counts(a)["refs"] for a in source.values()) > ARTICLES * 8
    seed = int(os.environ.get("REFMGR_CRASH_SEED", time.time_ns() % 10_000))
    chooser = random.Random(seed)
    try:
        for _ in range(KILLS):
            if library_path.exists() and verify(library_path, source) == ARTICLES:
                for suffix in ("", "-wal", "-shm"):  # finished: start again so kills keep landing in writes
                    Path(f"{library_path}{suffix}").unlink(missing_ok=True)
            run_import(library_path, import_file, kill_after=chooser.uniform(0.2, 2.5))
            if library_path.exists():
                verify(library_path, source)
    except AssertionError as error:
        raise AssertionError(f"{error} (rerun with REFMGR_CRASH_SEED={seed})") from error
    assert run_import(library_path, import_file, kill_after=None) == 0
    assert verify(library_path, source) == ARTICLES
    assert run_import(library_path, import_file, kill_after=None) == 0  # everything is already there
    assert verify(library_path, source) == ARTICLES
