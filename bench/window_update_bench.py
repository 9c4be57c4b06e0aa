"""Window update after an import: GUI-thread time to show 100 new articles in a 100,000-article library.

`python -m bench.window_update_bench [--n 100000] [--library PATH] [--rounds 5]` (offscreen unless a display is
set). Another connection saves 100 generated articles, as the import worker does; the window then applies the
Changes (rows inserted, sidebar counts updated). Timed: that apply, on the GUI thread, with the layout and paint
that follow. Beside it, the full reset the window did before (re-query, model reset, sidebar rebuilt). The
articles are deleted again after each round, so the library is left as it was. Target: under 50 ms.
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

from bench.gui_bench import DEFAULT_LIBRARY, DEFAULT_N, ensure_library, resident_mb
from refmgr.core.settings import Settings

TARGET_MS = 50.0
IMPORTED = 100


def _settle(app: Any) -> None:
    app.processEvents()
    app.processEvents()


def measure(library_path: Path, n: int, rounds: int) -> list[dict[str, Any]]:
    """Import 100 articles from another connection ROUNDS times; time the window's update of each."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    config_dir = Path(tempfile.mkdtemp(prefix="refmgr-bench-config-"))
    os.environ["REFMGR_CONFIG_DIR"] = str(config_dir)
    Settings(auto_backup=False, first_run_done=True).save(config_dir / "settings.json")
    from bench.generate import make_article
    from refmgr.core.library import Library, now_iso
    from refmgr.gui import create_main_window
    from refmgr.gui.app import ensure_application

    app = ensure_application()
    window = create_main_window(str(library_path))
    window.show()
    _settle(app)
    window.grab()
    window.table.selectRow(3)
    _settle(app)
    window.preformatter.stop()  # quiet pre-formatting would compete for the two cores
    applied, applied_cpu, resets, memory = [], [], [], []
    resets_seen = []
    window.model.modelReset.connect(lambda: resets_seen.append(1))
    with Library(library_path) as writer:
        # the writer stands in for the import worker; its page cache is kept small so that the memory measured
        # is the window's (a real worker's connection closes after each import)
        writer.conn.execute("PRAGMA cache_size = -2000")
        for round_number in range(rounds + 1):
            start = n + 1_000_000 + round_number * IMPORTED
            articles = [make_article(i, total=n) for i in range(start, start + IMPORTED)]
            for offset, article in enumerate(articles):
                article.references = []
                article.title += f" (window bench {start + offset})"  # new articles, never merged into old ones
                article.date_added = now_iso()  # as an import stamps them
            ids = [result.article_id for result in writer.save_many(articles, source="bench")]
            selected = window.table.selected_ids()
            began, began_cpu = time.perf_counter(), time.thread_time()
            if os.environ.get("BENCH_PROFILE") and round_number == rounds:
                import cProfile

                cProfile.runctx("window.refresh(); _settle(app)", globals(), locals(), sort="tottime")
            else:
                window.refresh()  # what the import's item signal does: read the change log, apply it
                _settle(app)
            ended, ended_cpu = time.perf_counter(), time.thread_time()
            assert window.model.rowCount() >= n + IMPORTED and window.table.selected_ids() == selected
            writer.delete(ids)
            window.refresh()
            _settle(app)
            if round_number:  # the first round warms caches
                applied.append((ended - began) * 1000)
                applied_cpu.append((ended_cpu - began_cpu) * 1000)
                memory.append(resident_mb())
        resets_during_updates = len(resets_seen)
        for _ in range(rounds):
            began = time.perf_counter()
            window.reload_all()  # the full reset the window used to do after every import batch
            _settle(app)
            resets.append((time.perf_counter() - began) * 1000)
    window.close()
    _settle(app)
    return [
        {"name": "window_update_100_of_100k_ms", "value": round(statistics.median(applied), 1), "unit": "ms",
         "target": TARGET_MS, "max": round(max(applied), 1), "rounds": rounds,
         "model_resets": resets_during_updates, "gui_thread_cpu_ms": round(statistics.median(applied_cpu), 1)},
        {"name": "full_reset_ms", "value": round(statistics.median(resets), 1), "unit": "ms", "target": None},
        {"name": "memory_first_to_last_round", "value": f"{memory[0]:.1f} -> {memory[-1]:.1f}", "unit": "MB",
         "target": None, "per_round": [round(m, 1) for m in memory]},
    ]  # fmt: skip


def run(n: int = DEFAULT_N, library_path: Path | None = None, quick: bool = False) -> list[dict[str, Any]]:
    """Build (or reuse) the generated library and measure the window's updates on it."""
    path = ensure_library(Path(library_path or DEFAULT_LIBRARY), n)
    results = measure(path, n, 3 if quick else 20)
    for result in results:
        result["ok"] = result["target"] is None or result["value"] < result["target"]
    return results


def main() -> None:
    """Print the measurements as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=DEFAULT_N)
    parser.add_argument("--library", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    path = ensure_library(Path(args.library or DEFAULT_LIBRARY), args.n)
    for result in measure(path, args.n, args.rounds):
        print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
