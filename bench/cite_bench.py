"""`python -m bench.cite_bench [--quick]`: bibliographies in several CSL styles and manuscripts cited, cold and warm.

Every measurement runs in a fresh interpreter (subprocess), so "cold" really starts with nothing parsed and
nothing cached: the style is parsed, the journal list loaded, every entry formatted. "Warm" is a new process
whose entries are in the cache file (as for a second export, or after the window pre-formatted them).
The in-process time (what refmgr does after Python has imported it) is reported beside the process's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.table import target_table

BIBLIOGRAPHY_COLD_S = 3.0
BIBLIOGRAPHY_WARM_S = 1.0
MANUSCRIPT_S = 2.0
RUNS = 2  # best of two: the machine is shared, and a busy neighbour only ever makes a run slower
STYLES = ("vancouver", "european-urology", "journal-of-clinical-oncology", "the-lancet", "apa")

WORKER = r"""
import json, resource, sys, time
started = time.perf_counter()

def cpu():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

from pathlib import Path
mode, style, n, library_path, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
from refmgr.core.library import Library
imported = time.perf_counter()
with Library(Path(library_path)) as library:
    ids = library.query_ids()[:n]
    t0, cpu0 = time.perf_counter(), cpu()
    if mode == "bibliography":
        from refmgr.core.export.bibliography import format_bibliography
        from refmgr.core.export.loading import citation_articles
        articles = citation_articles(library, ids)
        t1 = time.perf_counter()
        text = format_bibliography(articles, style, "text")
        count = text.count("\n")
    else:
        from refmgr.core.export.manuscript import cite_file
        t1 = time.perf_counter()
        report = cite_file(Path(extra), Path(extra).with_name("cited" + Path(extra).suffix), library, style)
        count = report.citations
    t2 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "work": t2 - t1, "in_process": t2 - t0, "imports": imported - started,
                  "count": count, "cpu": cpu() - cpu0}))
"""


def _worker(mode: str, style: str, n: int, library: Path, cache: Path, extra: str = "-") -> dict[str, Any]:
    env = {**os.environ, "REFMGR_CACHE_DIR": str(cache), "PYTHONWARNINGS": "ignore"}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", WORKER, mode, style, str(n), str(library), extra],
                            capture_output=True, text=True, check=True, env=env)  # fmt: skip
    data = json.loads(result.stdout.strip().splitlines()[-1])
    data["wall"] = time.perf_counter() - started
    return data


def _best_of(runs: int, mode: str, style: str, n: int, library: Path, cache: Path,
             extra: str = "-") -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """The fastest cold run (each with an empty cache folder) and the fastest warm run after it."""
    colds, warms = [], []
    for run_number in range(runs):
        folder = cache.with_name(f"{cache.name}-{run_number}")
        colds.append(_worker(mode, style, n, library, folder, extra))
        warms.append(_worker(mode, style, n, library, folder, extra))
    return min(colds, key=lambda d: d["in_process"]), min(warms, key=lambda d: d["in_process"])


def _library(folder: Path, n: int) -> Path:
    from bench.generate import generate_articles
    from refmgr.core.library import Library

    path = folder / "bench.sqlite"
    with Library(path) as library:
        library.save_many(list(generate_articles(n, seed=11)))
    return path


def _manuscript(folder: Path, library_path: Path, markers: int, articles: int) -> Path:
    """A .docx with MARKERS markers over ARTICLES articles: cite keys, DOIs, pairs and adjacent runs."""
    import docx

    from refmgr.core.export import citekeys
    from refmgr.core.library import Library

    with Library(library_path) as library:
        ids = library.query_ids()[:articles]
        keys = citekeys.keys_of(library, ids)
        dois = {a.id: a.doi for a in library.get_many(ids)}
    document = docx.Document()
    made = 0
    n = 0
    while made < markers:
        a, b = ids[n % len(ids)], ids[(n * 7 + 3) % len(ids)]
        if n % 3 == 0:
            text, count = f"Sentence {n} cites [@{keys[a]}; @{keys[b]}].", 2
        elif n % 3 == 1 and dois[a]:
            text, count = f"Sentence {n} cites {{doi:{dois[a]}}} and [@{keys[b]}].", 2
        else:
            text, count = f"Sentence {n} cites [@{keys[a]}].", 1
        paragraph = document.add_paragraph("Some text in bold ")
        paragraph.runs[0].bold = True
        paragraph.add_run(text)
        made += count
        n += 1
    document.add_paragraph("[bibliography]")
    path = folder / "manuscript.docx"
    document.save(str(path))
    return path


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Rows for bench/run.py."""
    n = 200 if quick else 1000
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        library = _library(folder, n)
        for style in STYLES:
            cold, warm = _best_of(RUNS, "bibliography", style, n, library, folder / f"cache-{style}")
            assert cold["count"] == warm["count"] >= n
            rows.append(_row(f"{style}: {n:,}-entry bibliography, cold (nothing cached)", cold, BIBLIOGRAPHY_COLD_S))
            rows.append(_row(f"{style}: {n:,}-entry bibliography, warm (cache file, new process)", warm,
                             BIBLIOGRAPHY_WARM_S))  # fmt: skip
        manuscript = _manuscript(folder, library, 200, min(100, n))
        cold, warm = _best_of(RUNS, "manuscript", "vancouver", n, library, folder / "cache-manuscript", str(manuscript))
        rows.append(_row("200-marker .docx over 100 articles cited (Vancouver), cold", cold, MANUSCRIPT_S))
        rows.append(_row("200-marker .docx over 100 articles cited (Vancouver), warm", warm, MANUSCRIPT_S))
    return rows


def _row(name: str, data: dict[str, Any], target: float) -> dict[str, Any]:
    seconds = data["in_process"]
    return {"name": name, "value": f"{seconds:.2f}", "unit": "s", "target": f"< {target:g} s", "ok": seconds < target,
            "note": f"CPU {data['cpu']:.2f} s (all processes); loading {data['load']:.2f} s; whole process "
                    f"{data['wall']:.2f} s (imports {data['imports']:.2f} s)"}  # fmt: skip


def main() -> None:
    """Print the results as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 articles instead of 1,000")
    args = parser.parse_args()
    print(target_table(run(args.quick)))


if __name__ == "__main__":
    main()
