"""Window benchmark on a generated 100,000-article library: ready time, keystroke-to-table time, memory.

`python -m bench.gui_bench [--n 100000] [--library PATH]` (offscreen unless a display is set). Targets: window
ready < 1.5 s, keystroke to filtered table < 100 ms, resident memory < 400 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from refmgr.core.settings import Settings

DEFAULT_N = 100_000
DEFAULT_LIBRARY = Path(tempfile.gettempdir()) / "refmgr-bench" / "library-100k.sqlite"
SEARCHES = (
    "cryoablation", "pembrolizumab", "hepatocellular carcinoma", "author:smith", "year:2020",
    "journal:lancet", "keyword:liver", "legend:arrow", "survival ablation", "nivolumab year:2015-2020",
)  # fmt: skip
REPEATS = 3
TARGETS = {"window_ready_s": 1.5, "keystroke_to_table_ms": 100.0, "memory_mb": 400.0}


def resident_mb() -> float:
    """Current resident memory of this process in MB (Linux /proc; peak RSS elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def ensure_library(path: Path, n: int, batch: int = 5000) -> Path:
    """The generated library at path, built when missing or short (reused afterwards).

    Articles come from bench.generate without their reference lists: the window's costs do not depend on
    them, and linking 3 million references slows generation from minutes to hours.
    """
    from bench.generate import make_article
    from refmgr.core.library import Library

    path.parent.mkdir(parents=True, exist_ok=True)
    with Library(path) as library:
        have = library.count()
        if have < n:
            print(f"generating {n - have:,} articles into {path}…", file=sys.stderr)
        for begin in range(have, n, batch):
            articles = [make_article(i, total=n) for i in range(begin, min(n, begin + batch))]
            for article in articles:
                article.references = []
            library.save_many(articles, source="bench")
            print(f"  {begin + len(articles):,}/{n:,}", file=sys.stderr, flush=True)
    return path


def _settle(app: Any) -> None:
    app.processEvents()
    app.processEvents()


def measure(library_path: Path) -> list[dict[str, Any]]:
    """Open the window, search, scroll; return one dict per measurement."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    config_dir = Path(tempfile.mkdtemp(prefix="refmgr-bench-config-"))
    os.environ["REFMGR_CONFIG_DIR"] = str(config_dir)
    Settings(auto_backup=False, first_run_done=True).save(config_dir / "settings.json")  # no 1.5 GB daily copy
    from refmgr.gui import create_main_window
    from refmgr.gui.app import ensure_application

    app = ensure_application()
    baseline = resident_mb()
    started = time.perf_counter()
    window = create_main_window(str(library_path))
    window.show()
    _settle(app)
    window.grab()  # the first complete paint, rows included
    ready = time.perf_counter() - started
    rows = window.model.rowCount()
    timings, queries, paints, clears, counts = [], [], [], [], {}
    for _ in range(REPEATS):
        for text in SEARCHES:
            for query in (text, ""):
                if query:
                    window.model.recent.clear()  # a new search, not a remembered one
                began = time.perf_counter()
                window.search.setText(query)  # what a keystroke does, minus the 200 ms debounce
                window.apply_query()
                queried = time.perf_counter()
                _settle(app)  # layout and paint of the filtered table
                ended = time.perf_counter()
                if query:
                    timings.append((ended - began) * 1000)
                    queries.append((queried - began) * 1000)
                    paints.append((ended - queried) * 1000)
                else:
                    clears.append((ended - began) * 1000)
                counts[query or "(all)"] = window.model.rowCount()
    scroll_started = time.perf_counter()
    bar = window.table.verticalScrollBar()
    for step in range(0, 21):
        bar.setValue(bar.maximum() * step // 20)
        window.table.viewport().repaint()
    scroll_ms = (time.perf_counter() - scroll_started) * 1000 / 21
    memory = resident_mb()
    window.close()
    _settle(app)
    return [
        {"name": "window_ready_s", "value": round(ready, 3), "unit": "s", "target": TARGETS["window_ready_s"],
         "rows": rows},
        {"name": "keystroke_to_table_ms", "value": round(statistics.median(timings), 1), "unit": "ms",
         "target": TARGETS["keystroke_to_table_ms"], "min": round(min(timings), 1), "max": round(max(timings), 1),
         "sql_and_model_ms": round(statistics.median(queries), 1),
         "layout_and_paint_ms": round(statistics.median(paints), 1),
         "matches": counts},
        {"name": "clear_search_ms", "value": round(statistics.median(clears), 1), "unit": "ms", "target": None,
         "first": round(clears[0], 1)},
        {"name": "scroll_page_ms", "value": round(scroll_ms, 1), "unit": "ms", "target": None},
        {"name": "memory_mb", "value": round(memory, 1), "unit": "MB", "target": TARGETS["memory_mb"],
         "before_window": round(baseline, 1)},
    ]  # fmt: skip


def run(n: int = DEFAULT_N, library_path: Path | None = None) -> list[dict[str, Any]]:
    """Build (or reuse) the generated library and measure the window on it."""
    path = ensure_library(Path(library_path or DEFAULT_LIBRARY), n)
    results = measure(path)
    for result in results:
        result["ok"] = result["target"] is None or result["value"] < result["target"]
    return results


def main() -> None:
    """Print the measurements as JSON lines and a summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=DEFAULT_N)
    parser.add_argument("--library", type=Path, default=None)
    args = parser.parse_args()
    results = run(args.n, args.library)
    for result in results:
        print(json.dumps(result))
    failed = [r["name"] for r in results if not r["ok"]]
    print("all targets met" if not failed else f"over target: {', '.join(failed)}", file=sys.stderr)


if __name__ == "__main__":
    main()
