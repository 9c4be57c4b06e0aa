"""`python -m bench.enrich_bench [--quick]`: enrich 1,000 DOIs from the loopback PubMed/Europe PMC server.

The library holds 1,000 Crossref-only articles with DOIs. The loopback server knows them all in PubMed (authored
records shaped like the recorded ones: MeSH, keywords, types, a trial number for half), 40% are open access with
a JATS full text of three figures, 3% are unknown to Europe PMC (found through esearch [doi]) and 2% are in
neither. It refuses with 429 any 4th E-utilities request within a second (NCBI's limit without a key). The
clients pace themselves with the real limiters (NCBI 3 requests/s, Europe PMC 5/s). Not a test: numbers go to
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.table import markdown, row
from refmgr.core.crossref.ratelimit import SINGLE, Limit, RateLimiter
from refmgr.core.library import Library
from refmgr.core.model import Article
from refmgr.core.sources.enrich import EUROPEPMC_LIMITS, enrich_articles, make_sources
from refmgr.core.sources.pubmed import WITH_KEY, WITHOUT_KEY
from tests.enrich_server import EnrichServer

COUNT = 1000
MESH = [["Carcinoma, Renal Cell", True, ["drug therapy"]], ["Kidney Neoplasms", False, ["surgery"]],
        ["Humans", False, []], ["Nephrectomy", False, []], ["Treatment Outcome", False, []]]  # fmt: skip


def bench_entries(count: int) -> list[dict[str, Any]]:
    """Authored records for the benchmark: every 5th of 2 open access (40%), half with a trial number."""
    entries = []
    for n in range(count):
        entry = {
            "pmid": str(70000000 + n), "doi": f"10.5555/refmgr-enrich.{n:05d}", "title": f"Renal cell trial {n}",
            "journal": "Journal of Test Oncology", "ta": "J Test Oncol", "year": 2020 + n % 5, "mesh": MESH,
            "keywords": ["renal cell carcinoma", f"cohort {n}"], "trials": [f"NCT{10000000 + n}"] if n % 2 else [],
            "types": ["Journal Article", "Randomized Controlled Trial" if n % 2 else "Review"],
        }  # fmt: skip
        if n % 5 in (0, 1):
            entry["pmcid"] = f"PMC{8000000 + n}"
            entry["figures"] = [[f"Figure {i}", f"<p>Survival by arm in cohort {n}, panel {i}.</p>"] for i in (1, 2, 3)]
        entries.append(entry)
    return entries


def run(quick: bool = False, count: int = COUNT) -> list[dict[str, Any]]:
    """Run the benchmark and return rows (name, value, unit, target, ok) for bench.run."""
    count = 200 if quick else count
    server = EnrichServer()
    entries = bench_entries(count)
    absent = {e["doi"] for i, e in enumerate(entries) if i % 50 == 7}  # 2%: in neither service
    for entry in entries:
        if entry["doi"] not in absent:
            server.add_record(entry)
    server.search_unknown = {e["doi"] for i, e in enumerate(entries) if i % 100 in (3, 13, 23)}  # 3%
    server.enforce_ncbi_limit = True
    server.start()
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory() as folder, Library(Path(folder) / "bench.sqlite") as library:
            library.save_many([Article(title=e["title"], doi=e["doi"], year=e["year"]) for e in entries], "crossref")
            ids = library.query_ids()
            sources = make_sources(server.europepmc_url, server.eutils_url, "bench@example.org",
                                   europepmc_limiter=RateLimiter(limits=EUROPEPMC_LIMITS),
                                   eutils_limiter=RateLimiter(limits=WITHOUT_KEY))  # fmt: skip
            with sources:
                started = time.perf_counter()
                report = enrich_articles(library, sources, ids)
                seconds = time.perf_counter() - started
                counts = report.counts()
                searches = len(server.requests("/search")) + len(server.requests("/searchPOST"))
                efetches = len(server.requests("/efetch.fcgi"))
                esearches = len(server.requests("/esearch.fcgi"))
                full = len(server.requests("/fullTextXML"))
                open_access = sum(1 for e in entries if e.get("pmcid") and e["doi"] not in absent)
                rows.append(row(f"enrich {count:,} DOIs: Europe PMC searches", searches, "requests",
                                target=f"<= {-(-count // 20)}", ok=searches <= -(-count // 20)))  # fmt: skip
                efetch_target = -(-count // 200)  # the DOIs found only through esearch ride in the same efetch
                rows.append(row(f"enrich {count:,} DOIs: PubMed efetch", efetches, "requests",
                                target=f"<= {efetch_target}", ok=efetches <= efetch_target))  # fmt: skip
                rows.append(row(f"enrich {count:,} DOIs: PubMed esearch [doi]", esearches, "requests",
                                unknown_to_europepmc=len(server.search_unknown)))  # fmt: skip
                rows.append(row(f"enrich {count:,} DOIs: full texts", full, "requests",
                                open_access=open_access, ok=full == open_access))  # fmt: skip
                rows.append(row(f"enrich {count:,} DOIs: time", round(seconds, 1), "s",
                                enriched=counts.get("enriched", 0), unchanged=counts.get("unchanged", 0),
                                pending=counts.get("pending", 0),
                                europepmc_pace_floor_s=round((searches + full) / 5, 1)))  # fmt: skip
                rows.append(row("429 answers (server enforcing NCBI's 3 requests/s)", server.too_many, "requests",
                                target=0, ok=server.too_many == 0))  # fmt: skip
                before = len(server.requests())
                started = time.perf_counter()
                again = enrich_articles(library, sources, ids)
                rows.append(row(f"enrich the same {count:,} again (cached replies)", len(server.requests()) - before,
                                "requests", seconds=round(time.perf_counter() - started, 2),
                                unchanged=again.counts().get("unchanged", 0)))  # fmt: skip
        rows += too_fast(server, [e for e in entries if e["doi"] not in absent][:30])
        rows += latency(server, [e for e in entries if e.get("pmcid") and e["doi"] not in absent][:60])
    finally:
        server.stop()
    return rows


def latency(server: EnrichServer, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Full texts that take 0.5 s each to answer (simulated): 3 at a time, as enrichment does, versus 1 at a time."""
    server.latency["fulltext"] = 0.5
    rows = []
    try:
        for concurrency in (3, 1):
            limits = {SINGLE: Limit(5, 1.0, concurrency)}
            sources = make_sources(server.europepmc_url, server.eutils_url,
                                   europepmc_limiter=RateLimiter(limits=limits),
                                   eutils_limiter=RateLimiter(limits=WITHOUT_KEY))  # fmt: skip
            with sources, tempfile.TemporaryDirectory() as folder, Library(Path(folder) / "l.sqlite") as library:
                saved = library.save_many([Article(title=e["title"], doi=e["doi"]) for e in entries], "crossref")
                started = time.perf_counter()
                enrich_articles(library, sources, [r.article_id for r in saved])
                seconds = time.perf_counter() - started
            rows.append(row(f"{len(entries)} open-access articles, full texts answering in 0.5 s (simulated), "
                            f"{concurrency} at a time", round(seconds, 1), "s"))  # fmt: skip
    finally:
        server.latency.clear()
    return rows


def too_fast(server: EnrichServer, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """30 single-DOI esearches paced at the keyed 10/s against the 3/s server: 429s, Retry-After, all answered."""
    before = server.too_many
    sources = make_sources(server.europepmc_url, server.eutils_url, "bench@example.org",
                           eutils_limiter=RateLimiter(limits=WITH_KEY))  # fmt: skip
    with sources:
        started = time.perf_counter()
        answered = sum(bool(sources.pubmed.esearch_dois([e["doi"]])[0]) for e in entries)
        seconds = time.perf_counter() - started
    refused = server.too_many - before
    return [row(f"{len(entries)} esearches paced at 10/s (a key's pace) against 3/s", refused, "429 answers",
                answered=answered, seconds=round(seconds, 1), retry_after_s=server.retry_after)]  # fmt: skip


def main() -> None:
    """Print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 DOIs instead of 1,000")
    args = parser.parse_args()
    print(markdown(run(quick=args.quick)))


if __name__ == "__main__":
    main()
