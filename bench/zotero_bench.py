"""`python -m bench.zotero_bench [--quick]`: Zotero sync against the loopback Web API enforcing a rate limit.

Rows: a first sync of 10,000 items from Zotero into an empty library, then an incremental sync of 100 changes
(50 edited in Zotero, 50 edited here), then a first sync of 10,000 local articles up to an empty Zotero library.
The server answers 429 with Retry-After: 1 past 10 requests per second; requests, seconds and 429s are counted.
Times include the sync's local writes and the loopback server's work, not process start.
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
from refmgr.core.library import Library
from refmgr.core.model import Article, Author
from refmgr.core.zotero.client import ZoteroClient
from refmgr.core.zotero.sync import ZoteroSync
from tests.core.test_zotero_sync import seed
from tests.zotero_server import ZoteroState, serve_zotero

COUNT = 10_000
RATE = 10  # requests per second the loopback server allows before answering 429


def _timed_sync(path: Path, url: str, state: ZoteroState) -> tuple[Any, int, float, int]:
    client = ZoteroClient(state.api_key, url)
    rejected = state.rejected
    started = time.perf_counter()
    with Library(path) as library:
        report = ZoteroSync(library, client, f"/users/{state.user_id}", "bench").run()
    seconds = time.perf_counter() - started
    client.close()
    return report, client.requests, seconds, state.rejected - rejected


def run(quick: bool = False, count: int = COUNT) -> list[dict[str, Any]]:
    """Run the benchmark and return rows for bench.run."""
    count = 1_000 if quick else count
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        state = ZoteroState()
        state.requests_per_second = RATE
        keys = seed(state.user_library, count)
        path = Path(folder) / "pull.sqlite"
        with serve_zotero(state) as (url, _):
            report, requests, seconds, refused = _timed_sync(path, url, state)
            rows.append(row(f"first sync, {count:,} Zotero items into an empty library", requests, "requests",
                            seconds=round(seconds, 1), received=report.pulled, answered_429=refused))  # fmt: skip
            for key in keys[:50]:
                state.user_library.edit("items", key, abstractNote="edited in Zotero")
            with Library(path) as library:
                for n in range(100, 150):
                    library.update_fields(library.find(f"10.5555/zotero.{n}"), volume="99")
            report, requests, seconds, refused = _timed_sync(path, url, state)
            rows.append(row("incremental sync, 50 changes on each side", requests, "requests",
                            seconds=round(seconds, 2), received=report.pulled, sent=report.pushed,
                            answered_429=refused))  # fmt: skip
        state = ZoteroState()
        state.requests_per_second = RATE
        path = Path(folder) / "push.sqlite"
        with Library(path) as library:
            for n in range(count):
                library.save(Article(title=f"Local cohort {n}", doi=f"10.5555/push.{n}", year=2024,
                                     journal="Radiology", authors=[Author("Kim", "HW")]))  # fmt: skip
        with serve_zotero(state) as (url, _):
            report, requests, seconds, refused = _timed_sync(path, url, state)
            name = f"first sync, {count:,} local articles up to an empty Zotero library"
            rows.append(row(name, requests, "requests", seconds=round(seconds, 1), sent=report.pushed,
                            answered_429=refused))  # fmt: skip
    return rows


def main() -> None:
    """Print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 items instead of 10,000")
    print(markdown(run(quick=parser.parse_args().quick)))


if __name__ == "__main__":
    main()
