"""`python -m bench.run [--size 10000|100000] [--quick]`: time refmgr on a generated library, print one table.

Measures opening the library, full-text search (median and p95) beside the same FTS5 query run bare with
sqlite3 (the floor), listing and sorting a page as the table model does, importing 10,000 records,
exporting 1,000 entries and peak memory; then runs the other bench modules (crossref, formats, gui) present.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.generate import build_library, generate_articles
from refmgr.core.formats import ParsedRecord
from refmgr.core.importer import save_records
from refmgr.core.library import Library
from refmgr.core.model import to_csl
from refmgr.core.search import ArticleQuery, driver_table, parse_search

OUT = Path(__file__).parent / "out"
SEED = 0
QUERIES = (
    "hepatocellular carcinoma", "pembrolizumab", "overall survival", "radiofrequency ablation", "egfr",
    "author:ljungberg", "keyword:immune", "legend:kaplan", "title:glioblastoma", "brca1 olaparib",
    "meta-analysis", "journal:lancet", "nivolumab year:2015-2020", "triple-negative breast", "surv",
    "abstract:chemoembolisation", "kras g12c sotorasib", "proton", "mesothelioma", "circulating tumour dna",
)  # fmt: skip
SORTS = ("date_added", "first_author", "year", "title", "journal", "citation_count")
PAGE = 100
OTHER_BENCHES = ("crossref_bench", "formats_bench", "gui_bench", "window_update_bench", "zotero_bench",
                 "enrich_bench", "cite_bench", "resolve_corpus")
SEARCH_TARGET_MS = 20.0


@dataclass
class Row:
    """One line of the results table."""

    name: str
    value: str
    note: str = ""


def timed(function: Callable[[], Any], repeat: int) -> list[float]:
    """Wall-clock milliseconds of `repeat` calls."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1)]


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MB (VmHWM on Linux: ru_maxrss survives fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def ensure_library(size: int) -> Path:
    """The generated library of `size` articles in bench/out, built once and reused."""
    path = OUT / f"library-{size}-s{SEED}.sqlite"
    if path.exists():
        with Library(path) as library:
            if library.count() >= size:
                return path
    print(f"generating {size:,} articles into {path} (once; reused afterwards)", file=sys.stderr)
    OUT.mkdir(parents=True, exist_ok=True)
    return build_library(path, size, SEED, progress=True)


def bench_open(path: Path, repeat: int) -> list[Row]:
    """Opening the library (connect, migrate check) and counting its articles."""
    def open_and_count() -> None:
        with Library(path) as library:
            library.count()
    times = timed(open_and_count, repeat)
    return [Row("open library + count", f"{statistics.median(times):.1f} ms", f"median of {repeat}")]


def bench_search(library: Library, repeat: int) -> list[Row]:
    """Search latency through refmgr beside the bare FTS5 query (the floor)."""
    bare = sqlite3.connect(str(library.path))
    table_ms: list[float] = []
    ranked_ms: list[float] = []
    floor_ms: list[float] = []
    matches = 0
    for text in QUERIES:
        parsed = parse_search(text)
        table = driver_table(parsed)
        fts = parsed.fts[table] if table else ""
        bare_sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ?"
        query = ArticleQuery(text=text)
        library.query_ids(query)  # warm the page cache for both sides alike
        table_ms += timed(lambda q=query: library.query_ids(q), repeat)
        ranked_ms += timed(lambda t=text: library.search(t), repeat)
        if fts:
            bare.execute(bare_sql, (fts,)).fetchall()
            floor_ms += timed(lambda f=fts, s=bare_sql: bare.execute(s, (f,)).fetchall(), repeat)
        matches += len(library.query_ids(query))
    bare.close()
    after_write_ms = []
    for i, text in enumerate(QUERIES[:5]):
        library.set_setting("bench-touch", str(i))  # any write makes the cached sort positions stale
        after_write_ms += timed(lambda t=text: library.query_ids(ArticleQuery(text=t)), 1)
    floor = statistics.median(floor_ms)
    table = statistics.median(table_ms)
    verdict = "ok" if table <= max(2 * floor, floor + 1) and table < SEARCH_TARGET_MS else "OVER TARGET"
    return [
        Row("search: bare FTS5 MATCH (floor)", f"{floor:.2f} ms median, {p95(floor_ms):.2f} ms p95",
            f"{len(QUERIES)} queries x {repeat}, all matching rowids"),
        Row("search: table query (sorted by date added)", f"{table:.2f} ms median, {p95(table_ms):.2f} ms p95",
            f"{table / floor:.2f}x floor; target < 2x and < {SEARCH_TARGET_MS:.0f} ms: {verdict}"),
        Row("search: Library.search (best match first)",
            f"{statistics.median(ranked_ms):.2f} ms median, {p95(ranked_ms):.2f} ms p95",
            f"{statistics.median(ranked_ms) / floor:.2f}x floor"),
        Row("search: first table query after a write", f"{statistics.median(after_write_ms):.1f} ms median",
            "sort positions re-read from the index once"),
        Row("search: matches per query", f"{matches / len(QUERIES):,.0f} mean", ""),
    ]  # fmt: skip


def bench_list(library: Library, repeat: int) -> list[Row]:
    """What the table model does for a view: all ids in order, then display rows of the first page."""
    rows = []
    for sort in SORTS:
        def page(s: str = sort) -> None:
            ids = library.query_ids(ArticleQuery(sort=s))
            library.summaries(ids[:PAGE])
        times = timed(page, repeat)
        rows.append(Row(f"list + sort by {sort}, first page", f"{statistics.median(times):.1f} ms",
                        f"all ids + summaries of {PAGE}; p95 {p95(times):.1f} ms"))
    return rows


def bench_import(count: int) -> list[Row]:
    """Importing `count` new records through the importer into an empty library."""
    with tempfile.TemporaryDirectory(prefix="refmgr-bench-") as folder:
        records = [ParsedRecord(f"record {i + 1}", article) for i, article in enumerate(generate_articles(count, 7))]
        with Library(Path(folder) / "import.sqlite") as library:
            started = time.perf_counter()
            report = save_records(library, records, "bench")
            elapsed = time.perf_counter() - started
            added = report.counts().get("added", 0)
    return [Row(f"import {count:,} records (save_records)", f"{elapsed:.1f} s",
                f"{count / elapsed:,.0f} records/s; {added:,} added")]


def bench_export(library: Library, count: int) -> list[Row]:
    """Reading `count` full articles and writing them as CSL-JSON."""
    ids = library.query_ids(ArticleQuery(sort="date_added", limit=count))
    started = time.perf_counter()
    text = json.dumps([to_csl(a) for a in library.get_many(ids)], ensure_ascii=False)
    elapsed = time.perf_counter() - started
    return [Row(f"export {len(ids):,} entries as CSL-JSON", f"{elapsed * 1000:.0f} ms",
                f"{len(text) / 1e6:.1f} MB, full records with references")]


def _call_run(module: Any, size: int, path: Path, quick: bool) -> Any:
    """Call module.run() with the arguments it accepts (size or n, library_path, quick)."""
    offered = {"n": size, "size": size, "library_path": path, "quick": quick}
    accepted = inspect.signature(module.run).parameters
    return module.run(**{k: v for k, v in offered.items() if k in accepted})


def _rows_from(name: str, result: Any) -> list[Row]:
    """Rows from another bench's run(): a list of dicts (name, value, unit, target) or of rows."""
    rows = []
    for item in result or []:
        if isinstance(item, Row):
            rows.append(item)
        elif isinstance(item, dict):
            target = item.get("target")
            note = f"target {target}" if target is not None else ""
            if "ok" in item:
                note += ("; " if note else "") + ("ok" if item["ok"] else "OVER TARGET")
            rows.append(Row(f"{name}: {item.get('name', '?')}", f"{item.get('value')} {item.get('unit', '')}".strip(),
                            note))
        elif isinstance(item, list | tuple) and len(item) >= 2:
            rows.append(Row(f"{name}: {item[0]}", str(item[1]), str(item[2]) if len(item) > 2 else ""))
    return rows


RESULT_MARK = "BENCH-RESULT "


def run_child(name: str, size: int, path: Path, quick: bool) -> None:
    """In a child process: run one bench module and print its rows and this process's peak memory as JSON."""
    result = _call_run(importlib.import_module(f"bench.{name}"), size, path, quick)
    payload = {"rows": result or [], "peak_mb": round(peak_memory_mb())}
    print(RESULT_MARK + json.dumps(payload, default=str), flush=True)


def other_benches(size: int, path: Path, quick: bool) -> list[Row]:
    """Run the other bench modules present, each in its own process (own memory); a failure is a row."""
    rows = []
    for name in OTHER_BENCHES:
        if importlib.util.find_spec(f"bench.{name}") is None:
            rows.append(Row(name, "not present", ""))
            continue
        command = [sys.executable, "-m", "bench.run", "--child", name, "--size", str(size), "--library", str(path)]
        child = subprocess.run([*command, *(["--quick"] if quick else [])], capture_output=True, text=True,
                               cwd=Path(__file__).resolve().parents[1])  # fmt: skip
        lines = [line for line in child.stdout.splitlines() if line.startswith(RESULT_MARK)]
        if child.returncode != 0 or not lines:
            last = (child.stderr.strip().splitlines() or ["no output"])[-1]
            rows.append(Row(name, "failed", f"exit {child.returncode}: {last[:100]}"))
            continue
        payload = json.loads(lines[-1][len(RESULT_MARK) :])
        rows += _rows_from(name, payload["rows"])
        rows.append(Row(f"{name}: peak memory of its process", f"{payload['peak_mb']} MB", "VmHWM"))
    return rows


def machine() -> str:
    """CPU, cores, RAM, Python and SQLite versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
        memory = f"{mem_kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        memory = "RAM unknown"
    import os

    return (f"{cpu}, {os.cpu_count()} cores, {memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}")  # fmt: skip


def render(rows: list[Row]) -> str:
    """A Markdown table."""
    width = [max(len(getattr(r, f)) for r in rows) for f in ("name", "value", "note")]
    widths = [max(w, len(h)) for w, h in zip(width, ("measurement", "result", "notes"), strict=True)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(("measurement", "result", "notes"), widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    for r in rows:
        cells = zip((r.name, r.value, r.note), widths, strict=True)
        lines.append("| " + " | ".join(v.ljust(w) for v, w in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000, help="articles in the generated library")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 1,000-record import, no other benches")
    parser.add_argument("--no-others", action="store_true", help="skip the crossref, formats and gui benches")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--library", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args.child, args.size, args.library, args.quick)
        return 0
    repeat = 3 if args.quick else 10
    path = ensure_library(args.size)
    rows = [Row("library", f"{args.size:,} articles", f"{path.stat().st_size / 1e6:,.0f} MB file")]
    rows += bench_open(path, repeat)
    with Library(path) as library:
        rows += bench_search(library, repeat)
        rows += bench_list(library, repeat)
        rows += bench_export(library, 1000)
    rows += bench_import(1000 if args.quick else 10_000)
    rows.append(Row("peak memory of this process", f"{peak_memory_mb():.0f} MB", "open, search, list, export, import"))
    if not (args.quick or args.no_others):
        rows += other_benches(args.size, path, args.quick)
    print(f"refmgr benchmarks on {machine()}\n")
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
