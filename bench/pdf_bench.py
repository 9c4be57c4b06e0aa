"""`python -m bench.pdf_bench [--count 1000]`: reading the PDF fixtures, importing PDFs, full-text search at scale.

Rows: per fixture, the worker's read (PDFium text with line boxes, warm worker) and the analysis (DOI, title,
captions, keywords); a cold worker start; the seven real fixtures imported offline and through the loopback
Crossref server (PDFs identified per second); then COUNT generated ten-page PDFs imported offline (the DOI each
prints is found, the article kept from the PDF and left pending for Crossref), with the full-text index size
and `fulltext:` search times beside the metadata search. Not a test: the numbers go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import _abstract, make_article
from bench.table import markdown, row
from refmgr.core.intake import import_inputs
from refmgr.core.library import Library
from refmgr.core.pdf.analysis import find_captions, find_doi, find_keywords, find_title
from refmgr.core.pdf.extract import PdfError, PdfExtractor
from refmgr.core.pdf.fulltext import search_fulltext
from tests.pdf_maker import make_pdf

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "data" / "pdf"
WORKS = FIXTURES / "crossref_works.json"
QUERIES = ("cisplatin", "hazard ratio", "pembrolizumab", "radiotherapy", "carcinoma", "overall survival",
           "neutropenia", "biomarker", "nivolumab", "metastatic")  # fmt: skip


def fixture_rows() -> list[dict[str, Any]]:
    """Read each fixture with a warm worker (median of 3) and analyse it."""
    rows = []
    files = sorted(FIXTURES.glob("*.pdf"))
    start = time.perf_counter()
    with PdfExtractor() as extractor:
        with contextlib.suppress(PdfError):
            extractor.extract(files[0])
        rows.append(row("worker start + first PDF read (cold)", f"{(time.perf_counter() - start) * 1000:.0f}", "ms"))
        total_pages = total_read = total_analysis = 0.0
        for path in files:
            times, pdf = [], None
            for _ in range(3):
                began = time.perf_counter()
                try:
                    pdf = extractor.extract(path)
                except PdfError as error:
                    pdf = None
                    outcome = str(error).split(": ", 1)[1][:40]
                times.append(time.perf_counter() - began)
            read = statistics.median(times)
            if pdf is None:
                rows.append(row(f"read {path.name}", f"{read * 1000:.1f}", "ms", outcome=outcome))
                continue
            began = time.perf_counter()
            doi, _ = find_doi(pdf)
            captions = find_captions(pdf)
            find_title(pdf)
            find_keywords(pdf)
            analysis = time.perf_counter() - began
            pages = pdf.page_count
            total_pages += pages
            total_read += read
            total_analysis += analysis
            rows.append(row(f"read {path.name}", f"{read * 1000:.1f}", "ms", pages=pages,
                            per_page=f"{read / pages * 1000:.1f} ms", analysis=f"{analysis * 1000:.1f} ms",
                            captions=len(captions), doi=doi or "none"))  # fmt: skip
    rows.append(row("all readable fixtures: read per page", f"{total_read / total_pages * 1000:.2f}", "ms",
                    pages=int(total_pages)))  # fmt: skip
    rows.append(row("all readable fixtures: DOI+title+captions+keywords per page",
                    f"{total_analysis / total_pages * 1000:.2f}", "ms"))  # fmt: skip
    return rows


def import_rows(folder: Path) -> list[dict[str, Any]]:
    """The seven real fixtures imported offline, then through the loopback Crossref server."""
    from refmgr.core.crossref.client import CrossrefClient
    from tests.crossref_server import CrossrefServer

    papers = folder / "papers"
    papers.mkdir()
    for path in FIXTURES.glob("*.pdf"):
        if not path.name.startswith("derived_"):
            shutil.copy(path, papers)
    rows = []
    with Library(folder / "offline.sqlite") as library:
        began = time.perf_counter()
        report = import_inputs(library, paths=[papers], client=None)
        took = time.perf_counter() - began
    rows.append(row("import 7 real PDFs offline (identify, save, attach, index)", f"{7 / took:.1f}", "PDFs/s",
                    time=f"{took:.2f} s", pending=report.counts().get("pending", 0)))  # fmt: skip
    server = CrossrefServer().start()
    try:
        for work in json.loads(WORKS.read_text(encoding="utf-8"))["works"]:
            server.add(work)
        with Library(folder / "online.sqlite") as library, CrossrefClient(server.url, mailto="bench@example.org") as cc:
            began = time.perf_counter()
            report = import_inputs(library, paths=[papers], client=cc)
            took = time.perf_counter() - began
    finally:
        server.stop()
    rows.append(row("import 7 real PDFs with Crossref (loopback, polite pacing)", f"{7 / took:.1f}", "PDFs/s",
                    time=f"{took:.2f} s", added=report.counts().get("added", 0)))  # fmt: skip
    return rows


def generated_pdfs(folder: Path, count: int) -> list[Path]:
    """COUNT ten-page PDFs of oncology text, each printing its DOI and two figure captions."""
    folder.mkdir()
    paths = []
    for index in range(count):
        article = make_article(index, total=count)
        r = random.Random(index)
        words = _abstract(r, "renal cell carcinoma", "pembrolizumab", "sunitinib", "overall survival",
                          "randomized trial", "PD-L1").split()  # fmt: skip
        pages = []
        for page in range(10):
            lines = [(9.0, " ".join(r.choices(words, k=14))) for _ in range(48)]
            if page in (3, 6):
                lines.insert(20, (9.0, f"Figure {page // 3}. {' '.join(r.choices(words, k=12))}"))
            if page == 0:
                lines = [(9.0, f"https://doi.org/{article.doi}"), (16.0, article.title[:90]), *lines[:40]]
            pages.append(lines)
        path = folder / f"generated-{index:04d}.pdf"
        path.write_bytes(make_pdf(pages))
        paths.append(path)
    return paths


def scale_rows(folder: Path, count: int) -> list[dict[str, Any]]:
    """Import COUNT generated PDFs offline; search times, then the full-text index's size."""
    paths = generated_pdfs(folder / "generated", count)
    path = folder / "scale.sqlite"
    with Library(path) as library:
        began = time.perf_counter()
        report = import_inputs(library, paths=paths, client=None)
        took = time.perf_counter() - began
        attached = library.conn.execute("SELECT count(*) FROM attachments").fetchone()[0]
        text_bytes = library.conn.execute("SELECT sum(length(text)) FROM attachments_fts").fetchone()[0] or 0
        rows = [row(f"import {count} generated 10-page PDFs offline", f"{count / took:.1f}", "PDFs/s",
                    time=f"{took:.1f} s", attached=attached, unreadable=len(report.unreadable))]  # fmt: skip
        rows += search_rows(library, count)
    size_with = path.stat().st_size
    with Library(path) as library:
        library.conn.execute("DELETE FROM attachments_fts")
        library.conn.execute("VACUUM")
    size_without = path.stat().st_size
    rows.append(row(f"full-text index at {count} PDFs", f"{(size_with - size_without) / 2**20:.1f}", "MB",
                    text=f"{text_bytes / 2**20:.1f} MB of text", library=f"{size_with / 2**20:.1f} MB"))  # fmt: skip
    return rows


def search_rows(library: Library, count: int) -> list[dict[str, Any]]:
    """`fulltext:` search times beside the metadata search, ten queries five times."""
    timings: dict[str, list[float]] = {"fulltext": [], "search": [], "metadata": []}
    hits = []
    for _ in range(5):
        for query in QUERIES:
            began = time.perf_counter()
            hits.append(len(search_fulltext(library, query, limit=50)))
            timings["fulltext"].append(time.perf_counter() - began)
            began = time.perf_counter()
            library.search(f'fulltext:"{query}"')
            timings["search"].append(time.perf_counter() - began)
            began = time.perf_counter()
            library.search(query)
            timings["metadata"].append(time.perf_counter() - began)
    fulltext = sorted(timings["fulltext"])
    return [
        row(f"search_fulltext at {count} PDFs (best 50, passages)", f"{statistics.median(fulltext) * 1000:.1f}",
            "ms median", p95=f"{fulltext[int(len(fulltext) * 0.95)] * 1000:.1f} ms",
            hits=f"{statistics.mean(hits):.0f} mean"),
        row(f"Library.search('fulltext:...') at {count} PDFs", f"{statistics.median(timings['search']) * 1000:.1f}",
            "ms median"),
        row(f"metadata search beside it at {count} PDFs", f"{statistics.median(timings['metadata']) * 1000:.1f}",
            "ms median", note="articles_fts only"),
    ]  # fmt: skip


def main() -> None:
    """Print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="generated PDFs for the scale rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refmgr-pdf-bench-") as folder:
        rows = fixture_rows() + import_rows(Path(folder)) + scale_rows(Path(folder), args.count)
    print(markdown(rows))


if __name__ == "__main__":
    main()
