"""`python -m bench.crossref_bench [--quick]`: 1,000 DOIs from the loopback Crossref server, polite limits.

Rows: refmgr's import (batched filter=doi:... list requests, paced at the polite pool's 3 list requests/s),
the same DOIs one request each (habanero's /works/{doi}, paced at 10 single requests/s) in the same run, and a
second import of the same DOIs (already complete in the library: no request). The server refuses requests
beyond the pool's rate with 429, so the client's pacing is checked too. Not a test: numbers go to README.
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.table import markdown, row
from refmgr.core.crossref.client import FOUND, CrossrefClient
from refmgr.core.crossref.ratelimit import RateLimiter
from refmgr.core.intake import import_inputs
from refmgr.core.library import Library
from tests.crossref_server import CrossrefServer

COUNT = 1000
MAILTO = "bench@example.org"
TEMPLATE_DOI = "10.1016/j.eururo.2022.03.006"


def bench_dois(server: CrossrefServer, count: int) -> list[str]:
    """Register `count` synthetic works (Crossref's test prefix 10.5555) on the server; return their DOIs."""
    template = server.records[TEMPLATE_DOI]
    dois = []
    for number in range(count):
        doi = f"10.5555/refmgr-bench.{number:05d}"
        work = copy.deepcopy(template)
        work["DOI"] = doi
        work["title"] = [f"Renal cell carcinoma outcomes, cohort {number}"]
        work["page"] = f"{100 + number}-{110 + number}"
        server.add(work)
        dois.append(doi)
    return dois


def run(quick: bool = False, count: int = COUNT) -> list[dict[str, Any]]:
    """Run the benchmark and return rows (name, value, unit, target, ok) for bench.run."""
    server = CrossrefServer().start()
    server.enforce_limits = True
    rows: list[dict[str, Any]] = []
    try:
        dois = bench_dois(server, count)
        text = "\n".join(f"https://doi.org/{doi}" for doi in dois)
        with tempfile.TemporaryDirectory() as folder, Library(Path(folder) / "bench.sqlite") as library:
            with CrossrefClient(server.url, mailto=MAILTO, limiter=RateLimiter(polite=True)) as client:
                started = time.perf_counter()
                report = import_inputs(library, texts=[text], client=client)
                batched_s = time.perf_counter() - started
                added = report.counts().get("added", 0)
                used = client.requests_made
                name = f"import {count:,} DOIs, batched ({client.batch_size}/request)"
                rows.append(row(name, used, "requests", target=25, ok=used <= 25))
                rows.append(row(f"import {count:,} DOIs, batched: time", round(batched_s, 2), "s",
                                added=added, paced_s=round(client.limiter.waited, 2)))  # fmt: skip
            singles = dois[: 100 if quick else count]
            with CrossrefClient(server.url, mailto=MAILTO, limiter=RateLimiter(polite=True)) as client:
                started = time.perf_counter()
                found = sum(client.work(doi).status == FOUND for doi in singles)
                single_s = time.perf_counter() - started
                rows.append(row(f"fetch {len(singles):,} DOIs one request each", client.requests_made, "requests"))
                rows.append(row(f"fetch {len(singles):,} DOIs one request each: time", round(single_s, 2), "s",
                                found=found, paced_s=round(client.limiter.waited, 2)))  # fmt: skip
            with CrossrefClient(server.url, mailto=MAILTO, limiter=RateLimiter(polite=True)) as client:
                started = time.perf_counter()
                again = import_inputs(library, texts=[text], client=client)
                rows.append(row(f"import the same {count:,} DOIs again", client.requests_made, "requests",
                                duplicates=again.counts().get("duplicate", 0)))  # fmt: skip
                rows.append(row(f"import the same {count:,} DOIs again: time",
                                round(time.perf_counter() - started, 2), "s"))  # fmt: skip
        rows.append(row("429 answers from the server (pacing misses)", server.refused, "requests", target=0,
                        ok=server.refused == 0))  # fmt: skip
    finally:
        server.stop()
    return rows


def main() -> None:
    """Print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time single lookups on 100 DOIs only")
    args = parser.parse_args()
    print(markdown(run(quick=args.quick)))


if __name__ == "__main__":
    main()
