"""Search benchmark: a stemmed word with two filters beside the bare FTS5 query on the same index, and index size.

`python -m bench.search_bench LIBRARY [--repeat N]` on a library made by `python -m bench.generate` (migrated to
the current schema on open). Prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from refmgr.core.library import Library
from refmgr.core.search import ArticleQuery, driver_table, parse_search

# (a stemmed word, written as the generated records do not write it, two filters)
FILTERED = (
    ("metastasis", "type:rct year:>2018"),
    ("tumor", "status:unread year:2015-2022"),
    ("randomized", "type:meta-analysis year:>=2010"),
    ("leukemia", "year:>2015 type:trial"),
    ("esophageal", "status:unread type:review"),
    ("chemoembolization", "year:2019-2023 rating:<=3"),
    ("survivals", "type:rct status:unread"),
    ("ablations", "year:>2020 type:meta-analysis"),
)


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of `repeat` calls."""
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values: list[float]) -> float:
    """95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def sizes(path: Path) -> dict[str, float]:
    """MB per full-text table (content, index, sizes), from dbstat."""
    conn = sqlite3.connect(str(path))
    rows = conn.execute(
        "SELECT CASE WHEN name LIKE 'articles_stem%' THEN 'stem' WHEN name LIKE 'articles_fts%' THEN 'fts' "
        "ELSE 'other' END, sum(pgsize) / 1e6 FROM dbstat GROUP BY 1"
    ).fetchall()
    conn.close()
    return dict(rows)


def main() -> None:
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("library")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    started = time.perf_counter()
    library = Library(args.library)
    opened = time.perf_counter() - started
    bare = sqlite3.connect(args.library)
    bare_ms, table_ms, ranked_ms, exact_ms = [], [], [], []
    matches = []
    for word, filters in FILTERED:
        text = f"{word} {filters}"
        word_only = parse_search(word)
        table = driver_table(word_only)
        assert table is not None
        sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ?"
        expr = word_only.fts[table]
        bare.execute(sql, (expr,)).fetchall()
        query = ArticleQuery(text=text)
        library.query_ids(query)  # warm pages and the sort positions alike
        bare_ms += timed(lambda s=sql, e=expr: bare.execute(s, (e,)).fetchall(), args.repeat)
        table_ms += timed(lambda q=query: library.query_ids(q), args.repeat)
        ranked_ms += timed(lambda t=text: library.search(t, limit=100), args.repeat)
        exact = f'"{word}"'
        exact_ms += timed(lambda e=exact: bare.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (e,)).fetchall(), args.repeat)  # fmt: skip
        exact_sql = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
        exact_count = len(bare.execute(exact_sql, (exact,)).fetchall())
        matches.append((exact_count, len(bare.execute(sql, (expr,)).fetchall()), len(library.query_ids(query))))
    n = library.count()
    size = sizes(Path(args.library))
    floor, table_med, ranked_med = statistics.median(bare_ms), statistics.median(table_ms), statistics.median(ranked_ms)
    print(f"library: {n:,} articles; opened (incl. any migration) in {opened:.1f} s")
    print("| measurement | median | p95 | note |")
    print("|---|---:|---:|---|")
    print(f"| bare FTS5 MATCH of the stemmed word on articles_stem (floor) | {floor:.2f} ms | {p95(bare_ms):.2f} ms "
          f"| {len(FILTERED)} words x {args.repeat} |")
    print(f"| stemmed word + two filters, table order (date added) | {table_med:.2f} ms | {p95(table_ms):.2f} ms "
          f"| {table_med / floor:.2f}x floor; target < 20 ms and < 2x |")
    print(f"| same, best match first (`refmgr search`, first 100) | {ranked_med:.2f} ms | {p95(ranked_ms):.2f} ms "
          f"| {ranked_med / floor:.2f}x floor |")
    print(f"| the same word unstemmed on articles_fts (what it found before) | {statistics.median(exact_ms):.2f} ms "
          f"| {p95(exact_ms):.2f} ms | |")
    words = ", ".join(f"{w} {e:,} / {b:,} -> {m:,}" for (w, _), (e, b, m) in zip(FILTERED, matches, strict=True))
    print(f"| matches: word exact / stemmed -> with the two filters | | | {words} |")
    print(f"| index size | | | articles_fts {size.get('fts', 0):.0f} MB, articles_stem {size.get('stem', 0):.0f} MB, "
          f"rest {size.get('other', 0):.0f} MB |")
    library.close()
    bare.close()


if __name__ == "__main__":
    main()
