"""`python -m bench.scale_bench WHAT --library BIG.sqlite`: cost at scale (imports into a large library, exports).

WHAT is one of:
  import   10,000 new records (a RIS file, and generated articles with references) imported into an empty
           library and into copies of BIG with and without ANALYZE statistics; beside them the bare baseline
           (rispy parse + executemany of the same rows into the same schema) and the FTS5 prefix index's cost.
  export   `refmgr list --json` and `refmgr export --all` as RIS and CSL-JSON of BIG, each a whole process
           (interpreter start, imports, opening, loading, formatting, writing a file): wall, CPU, peak RSS.
  startup  CPU of `refmgr --version` and `refmgr list` on a 50-article library, whole processes.
  rows     the window's table model over BIG: forget and drag 1,000 rows (no view, so nothing painted).
  bib      a 1,000-entry Vancouver bibliography as a whole process (`refmgr export --format bibliography`), with an
           empty citation cache (cold) and again with the cache the first run filled (cached).
BIG is made with `python -m bench.generate BIG 100000` (its own PRAGMA optimize leaves statistics; this drops or
rebuilds them on its copies). Results print as Markdown rows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import build_library, generate_articles

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("articles", "authors", "keywords", "figures", "refs", "publication_types")
BATCH = 500
FTS_COLUMNS = "rowid, title, authors, journal, abstract, keywords, legends, notes"


def row(name: str, value: str, note: str = "") -> None:
    """Print one Markdown table row as soon as it is measured."""
    print(f"| {name} | {value} | {note} |", flush=True)


def prepared_copy(big: Path, folder: Path, statistics: bool) -> Path:
    """A copy of BIG at the current schema, with full ANALYZE statistics or none at all."""
    from refmgr.core.library import Library

    target = folder / ("analyzed.sqlite" if statistics else "plain.sqlite")
    shutil.copyfile(big, target)
    library = Library(target)  # migrates
    library.conn.execute("ANALYZE" if statistics else "DROP TABLE IF EXISTS sqlite_stat1")
    library.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    library.conn.close()  # not Library.close(): its PRAGMA optimize would add statistics to the plain copy
    os.sync()  # the copy's 1.5 GB written back now, not during the timed import
    return target


def timed_import(path: Path, ris_file: Path, statistics: bool | None) -> tuple[float, float]:
    """(wall, CPU) seconds to import the RIS file into the library at path (reader + save, as `refmgr import`)."""
    from refmgr.core.importer import import_file
    from refmgr.core.library import Library

    library = Library(path)
    started, cpu = time.perf_counter(), time.process_time()
    report = import_file(library, ris_file)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.counts().get("added") == 10_000, report.counts()
    if statistics is not None:
        has = library.conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()[0]
        assert bool(has) == statistics
    library.conn.close()
    return elapsed, cpu


def timed_save(path: Path, count: int) -> tuple[float, float]:
    """(wall, CPU) seconds to save `count` generated articles with references through save_records."""
    from refmgr.core.formats import ParsedRecord
    from refmgr.core.importer import save_records
    from refmgr.core.library import Library

    records = [ParsedRecord(f"record {i + 1}", a) for i, a in enumerate(generate_articles(count, seed=7))]
    library = Library(path)
    started, cpu = time.perf_counter(), time.process_time()
    save_records(library, records, "bench")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    library.conn.close()
    return elapsed, cpu


def bare_seconds(ris_text: str, imported: Path, folder: Path, prefix: bool = True) -> tuple[float, float, float]:
    """CPU seconds (parse, executemany, FTS share) of the bare baseline: rispy parse, the imported rows inserted anew.

    The rows are read back from a library the import filled, so the baseline writes exactly what refmgr wrote,
    into the same schema, one executemany per table per 500 articles (the importer's transactions).
    `prefix=False` drops the FTS5 prefix index ('2 3') from the fresh schema to state its cost.
    """
    import rispy

    from refmgr.core.formats.ris import LIST_TAGS
    from refmgr.core.library import Library

    clock = time.process_time  # CPU seconds: on a machine shared with other work, wall time says little
    started = clock()
    rispy.loads(ris_text, list_tags=LIST_TAGS)
    parse_s = clock() - started
    source = sqlite3.connect(imported)
    rows = {table: source.execute(f"SELECT * FROM {table}").fetchall() for table in TABLES}
    fts = source.execute(f"SELECT {FTS_COLUMNS} FROM articles_fts").fetchall()
    source.close()
    target = folder / f"bare-{prefix}.sqlite"
    target.unlink(missing_ok=True)
    Library(target).conn.close()
    conn = sqlite3.connect(target, isolation_level=None)
    if not prefix:
        conn.execute("DROP TABLE articles_fts")
        conn.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, authors, journal, abstract, keywords, "
                     "legends, notes, tokenize = 'unicode61 remove_diacritics 2')")  # fmt: skip
    fts_sql = f"INSERT INTO articles_fts ({FTS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    batches: dict[int, dict[str, list[tuple]]] = {}  # first article id -> table -> rows (split before timing)
    for table, values in rows.items():
        for value in values:
            batches.setdefault((value[0] - 1) // BATCH * BATCH + 1, {}).setdefault(table, []).append(value)
    insert_s = fts_s = 0.0
    for first in range(1, len(fts) + 1, BATCH):  # the importer's transactions: 500 articles each
        started = clock()
        conn.execute("BEGIN")
        for table in TABLES:
            chunk = batches.get(first, {}).get(table)
            if chunk:
                conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(chunk[0]))})", chunk)
        fts_started = clock()
        conn.executemany(fts_sql, fts[first - 1 : first - 1 + BATCH])
        conn.execute("COMMIT")
        ended = clock()
        insert_s += ended - started
        fts_s += ended - fts_started
    conn.close()
    return parse_s, insert_s, fts_s


def bench_import(big: Path) -> None:
    """Import 10,000 records into an empty library and into BIG with and without statistics."""
    from refmgr.core.export.ris import write_ris

    with tempfile.TemporaryDirectory(prefix="refmgr-scale-", dir=big.parent) as name:
        folder = Path(name)
        ris_file = folder / "new.ris"
        ris_text = write_ris(generate_articles(10_000, seed=7))
        ris_file.write_text(ris_text, encoding="utf-8")
        empty = folder / "empty.sqlite"
        os.sync()
        empty_s, empty_cpu = timed_import(empty, ris_file, None)
        row("import 10,000 RIS records into an empty library", f"{empty_s:.1f} s wall, {empty_cpu:.1f} s CPU",
            f"{10_000 / empty_s:,.0f} records/s; reader + save_batch, in-process (no start-up)")  # fmt: skip
        for statistics in (False, True):
            copy = prepared_copy(big, folder, statistics)
            seconds, cpu = timed_import(copy, ris_file, statistics)
            label = "with ANALYZE statistics" if statistics else "without statistics"
            row(f"import 10,000 RIS records into 100,000 articles, {label}", f"{seconds:.1f} s wall, {cpu:.1f} s CPU",
                f"{seconds / empty_s:.2f}x the empty library's wall time, {cpu / empty_cpu:.2f}x its CPU")  # fmt: skip
            copy.unlink()
            Path(f"{copy}-wal").unlink(missing_ok=True)
            Path(f"{copy}-shm").unlink(missing_ok=True)
        parse_s, insert_s, fts_s = bare_seconds(ris_text, empty, folder)
        _, _, fts_no_prefix_s = bare_seconds(ris_text, empty, folder, prefix=False)
        bare = parse_s + insert_s
        row("bare baseline: rispy parse + executemany of the same rows", f"{bare:.2f} s CPU",
            f"parse {parse_s:.2f} s + inserts {insert_s:.2f} s, 500 articles per transaction, empty library; "
            f"refmgr's import takes {empty_cpu / bare:.2f}x its CPU")  # fmt: skip
        row("FTS5 prefix index ('2 3') cost in the bare inserts", f"{fts_s - fts_no_prefix_s:+.2f} s CPU",
            f"FTS rows {fts_s:.2f} s with prefixes, {fts_no_prefix_s:.2f} s without; "
            f"{(fts_s - fts_no_prefix_s) / empty_cpu:.0%} of refmgr's import CPU")  # fmt: skip
        empty.unlink()
        saved_empty, saved_empty_cpu = timed_save(empty, 10_000)
        row("save_records of 10,000 generated articles with references, empty library",
            f"{saved_empty:.1f} s wall, {saved_empty_cpu:.1f} s CPU", "no parsing; references linked both ways")
        copy = prepared_copy(big, folder, True)
        saved_big, saved_big_cpu = timed_save(copy, 10_000)
        row("same into 100,000 articles with ANALYZE statistics", f"{saved_big:.1f} s wall, {saved_big_cpu:.1f} s CPU",
            f"{saved_big / saved_empty:.2f}x the empty library's wall time, {saved_big_cpu / saved_empty_cpu:.2f}x CPU")


def whole_process(argv: list[str], env: dict[str, str], stdout: Path | None = None) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of `python -m refmgr ARGV` (`python ARGV` if it starts with -c), by GNU time."""
    command = [sys.executable, *(argv if argv[0] == "-c" else ["-m", "refmgr", *argv])]
    with open(stdout or os.devnull, "w") as out:
        result = subprocess.run(["/usr/bin/time", "-f", "TIME %e %U %S %M", *command],
                                stdout=out, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)  # fmt: skip
    last = result.stderr.strip().splitlines()[-1]
    if result.returncode != 0 or not last.startswith("TIME "):
        raise RuntimeError(f"refmgr {' '.join(argv)} failed: {result.stderr[-500:]}")
    wall, user, system, peak_kb = last.split()[1:]
    return float(wall), float(user) + float(system), int(peak_kb) / 1024


def isolated_env(folder: Path) -> dict[str, str]:
    """Environment for child processes: refmgr's folders in `folder`, automatic backups off."""
    from refmgr.core.settings import Settings

    env = {**os.environ, "PYTHONPATH": str(ROOT), "REFMGR_DATA_DIR": str(folder / "data"),
           "REFMGR_CONFIG_DIR": str(folder / "config"), "XDG_CACHE_HOME": str(folder / "cache")}  # fmt: skip
    (folder / "config").mkdir(parents=True, exist_ok=True)
    old = {k: os.environ.get(k) for k in ("REFMGR_CONFIG_DIR", "REFMGR_DATA_DIR")}
    os.environ.update({k: env[k] for k in old})
    try:
        from refmgr.paths import settings_file

        Settings(auto_backup=False).save(settings_file())
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return env


def bench_export(big: Path) -> None:
    """list --json, RIS and CSL-JSON exports of BIG as whole processes (measured one at a time)."""
    with tempfile.TemporaryDirectory(prefix="refmgr-scale-", dir=big.parent) as name:
        folder = Path(name)
        env = isolated_env(folder)
        runs = {
            "`refmgr list --json`": (["list", "--json"], folder / "list.json"),
            "`refmgr export --all --format ris -o FILE`": (["export", "--all", "--format", "ris", "-o",
                                                           str(folder / "all.ris")], None),
            "`refmgr export --all --format csl-json -o FILE`": (["export", "--all", "--format", "csl-json", "-o",
                                                                str(folder / "all.json")], None),
        }  # fmt: skip
        for label, (argv, out) in runs.items():
            wall, cpu, peak = whole_process(["--library", str(big), *argv], env, out)
            written = out or Path(argv[-1])
            row(f"{label}, 100,000 articles", f"{wall:.1f} s wall, {cpu:.1f} s CPU, {peak:.0f} MB peak",
                f"whole process (start, imports, open, load, format, write); {written.stat().st_size / 1e9:.2f} GB out")
            written.unlink()


def bench_startup(folder_root: Path) -> None:
    """CPU of short commands as whole processes (median of 5)."""
    with tempfile.TemporaryDirectory(prefix="refmgr-scale-", dir=folder_root) as name:
        folder = Path(name)
        env = isolated_env(folder)
        small = build_library(folder / "small.sqlite", 50)
        for label, argv in (("`refmgr --version`", ["--version"]),
                            ("`refmgr list`, 50 articles", ["--library", str(small), "list"]),
                            ("`python -c pass` (the interpreter alone)", ["-c", "pass"])):  # fmt: skip
            cpus = []
            for _ in range(5):
                cpus.append(whole_process(argv, env)[1])
            row(label, f"{sorted(cpus)[2]:.3f} s CPU", "median of 5 whole processes, interpreter start included")


def bench_bibliography(folder_root: Path) -> None:
    """A 1,000-entry bibliography as a whole process, cold then cached."""
    with tempfile.TemporaryDirectory(prefix="refmgr-scale-", dir=folder_root) as name:
        folder = Path(name)
        env = isolated_env(folder)
        library = build_library(folder / "thousand.sqlite", 1000, seed=5)
        argv = ["--library", str(library), "export", "--all", "--format", "bibliography", "--style", "vancouver"]
        for label in ("cold (empty citation cache)", "cached (second run, same library)"):
            wall, cpu, peak = whole_process(argv, env)
            row(f"1,000-entry Vancouver bibliography, {label}", f"{wall:.2f} s wall, {cpu:.2f} s CPU",
                f"whole process: start, imports, open, load 1,000 articles, format, print; {peak:.0f} MB peak")


def bench_rows(big: Path) -> None:
    """The table model over BIG: forget (repaint) and drag (mimeData) 1,000 rows spread over 100,000."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from refmgr.core.library import Library
    from refmgr.gui.table_model import ArticleTableModel

    app = QApplication.instance() or QApplication([])
    library = Library(big)
    model = ArticleTableModel(library)
    started = time.perf_counter()
    model.reload()
    row("table model: first query of 100,000 ids", f"{time.perf_counter() - started:.2f} s", "no view, no painting")
    step = max(1, len(model.ids) // 1000)
    rows = list(range(0, len(model.ids), step))[:1000]
    ids = [model.ids[r] for r in rows]
    started = time.perf_counter()
    model.forget(ids)
    row("forget 1,000 rows of 100,000", f"{(time.perf_counter() - started) * 1000:.0f} ms",
        "row look-ups and dataChanged signals; no view attached, so no painting")  # fmt: skip
    indexes = [model.index(r, 0) for r in rows]
    started = time.perf_counter()
    model.mimeData(indexes)
    row("drag 1,000 rows of 100,000 (mimeData)", f"{(time.perf_counter() - started) * 1000:.0f} ms",
        "ordering the dragged ids by row; no painting")  # fmt: skip
    library.conn.close()
    del app


def main() -> None:
    """Run one part (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("import", "export", "startup", "bib", "rows"))
    parser.add_argument("--library", type=Path, default=Path(tempfile.gettempdir()) / "refmgr-bench-100k.sqlite")
    args = parser.parse_args()
    big = args.library.resolve()
    if args.what in ("import", "export", "rows") and not big.is_file():
        sys.exit(f"no library at {big}: make one with python -m bench.generate {big} 100000")
    {"import": bench_import, "export": bench_export, "rows": bench_rows}.get(args.what, lambda _: None)(big)
    if args.what == "startup":
        bench_startup(big.parent)
    elif args.what == "bib":
        bench_bibliography(big.parent)


if __name__ == "__main__":
    main()
