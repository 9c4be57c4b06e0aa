"""Worst-case inputs (issue 17): 1 MB of unclosed XML tags, a 60 MB field, a 100,000-word query, the start-up probe.

Each case runs in its own process so its peak memory (ru_maxrss) is its own: `python -m bench.hardening_bench`.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = ("xml_unclosed_1mb", "xml_old_pattern", "field_60mb", "query_100k_words", "probe_3000")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case_xml_unclosed_1mb(_work: Path) -> dict:
    from refmgr.core.formats import jats

    text = "<records>" + "<article><front>unclosed " * 40_000  # 1.0 MB
    started = time.perf_counter()
    records = list(jats.parse(text))
    return {"input": f"{len(text) / 2**20:.1f} MB, 40,000 unclosed <article>", "seconds": time.perf_counter() - started,
            "result": f"{len(records)} record(s): {records[0].error[:60]}..."}  # fmt: skip


def case_xml_old_pattern(_work: Path) -> dict:
    pattern = re.compile(r"<article[\s>].*?</article\s*>", re.DOTALL)  # the recovery before this issue
    text = "<records>" + "<article><front>unclosed " * 1_800  # 45 KB: 1 MB would take hours
    started = time.perf_counter()
    found = list(pattern.finditer(text))
    return {"input": f"{len(text) / 2**10:.0f} KB, 1,800 unclosed <article> (old backtracking pattern)",
            "seconds": time.perf_counter() - started, "result": f"{len(found)} blocks"}  # fmt: skip


def case_field_60mb(work: Path) -> dict:
    from refmgr.core.importer import import_files
    from refmgr.core.library import Library

    source = work / "huge.ris"
    with source.open("w", encoding="utf-8") as out:
        out.write("TY  - JOUR\nTI  - ")
        chunk = "renal cell carcinoma ablation " * 1000
        for _ in range(60 * 2**20 // len(chunk)):
            out.write(chunk)
        out.write("\nPY  - 2024\nDO  - 10.5555/huge\nER  - \n")
    size = source.stat().st_size
    started = time.perf_counter()
    with Library(work / "lib.sqlite") as library:
        report = import_files(library, [source])
        title = library.get(report.items[0].article_id).title  # type: ignore[union-attr]
    return {"input": f"RIS record with a {size / 2**20:.0f} MB title", "seconds": time.perf_counter() - started,
            "result": f"{report.summary()}; title stored as {len(title):,} characters"}  # fmt: skip


def case_query_100k_words(work: Path) -> dict:
    from bench.generate import generate_articles
    from refmgr.core.library import Library

    with Library(work / "lib.sqlite") as library:
        library.save_many(generate_articles(1000, 0))
        query = " ".join(["renal", "carcinoma"] + [f"word{i}" for i in range(100_000)])
        started = time.perf_counter()
        ids = library.search(query)
        seconds = time.perf_counter() - started
    return {"input": f"100,002-word query ({len(query) / 2**20:.1f} MB), 1,000-article library",
            "seconds": seconds, "result": f"{len(ids)} matches (query cut to its first 32 words)"}  # fmt: skip


def case_probe_3000(work: Path) -> dict:
    from bench.generate import generate_articles
    from refmgr.core.library import Library
    from refmgr.core.maintenance import probe

    with Library(work / "lib.sqlite") as library:
        library.save_many(generate_articles(3000, 0))
    size = (work / "lib.sqlite").stat().st_size
    with Library(work / "lib.sqlite") as library:
        started = time.perf_counter()
        problems = probe(library.conn)
        seconds = time.perf_counter() - started
    return {"input": f"start-up probe, 3,000 articles ({size / 2**20:.0f} MB)", "seconds": seconds,
            "result": f"{len(problems)} problems"}  # fmt: skip


def run_case(name: str) -> None:
    """Run one case in this process and print its result with the process's peak memory as JSON."""
    with tempfile.TemporaryDirectory() as work:
        result = globals()[f"case_{name}"](Path(work))
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result))


def main() -> None:
    """Every case in a fresh process; a Markdown table on stdout."""
    if len(sys.argv) > 2 and sys.argv[1] == "--case":
        run_case(sys.argv[2])
        return
    baseline = subprocess.run([sys.executable, "-c", "import refmgr.core.library, resource; "
                               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"],
                              capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    print(f"interpreter with refmgr.core loaded: {float(baseline):.0f} MB peak\n")
    print("| case | time | peak memory | result |\n|---|---:|---:|---|")
    for name in CASES:
        out = subprocess.run([sys.executable, "-m", "bench.hardening_bench", "--case", name],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
        r = json.loads(out.strip().splitlines()[-1])
        print(f"| {r['input']} | {r['seconds']:.3f} s | {r['peak_mb']:.0f} MB | {r['result']} |")


if __name__ == "__main__":
    main()
