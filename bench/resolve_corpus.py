"""Precision and recall of reference resolution on the real-style corpus, per style, over the loopback server.

`python -m bench.resolve_corpus [tune|test|all] [--misses]` (default: test, the held-apart split).
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refmgr.core.crossref.client import CrossrefClient
from refmgr.core.crossref.ratelimit import RateLimiter
from refmgr.core.crossref.resolve import resolve_reference_text
from tests.crossref_server import CrossrefServer, FakeClock

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "refcorpus"


def load_corpus(split: str = "test") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(server records, references of the split: 'tune', 'test' or 'all')."""
    records = json.loads((CORPUS / "works.json").read_text(encoding="utf-8"))
    references = json.loads((CORPUS / "references.json").read_text(encoding="utf-8"))
    return records, [r for r in references if split == "all" or r["split"] == split]


@dataclass
class Tally:
    """Outcomes for one style (or all)."""

    references: int = 0
    present: int = 0
    correct: int = 0
    wrong: int = 0
    absent: int = 0
    absent_matched: int = 0
    confused: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Correct among all resolved."""
        resolved = self.correct + self.wrong + self.absent_matched
        return self.correct / resolved if resolved else 1.0

    @property
    def recall(self) -> float:
        """Correct among references whose work is in the server."""
        return self.correct / self.present if self.present else 1.0


def evaluate(split: str = "test", server: CrossrefServer | None = None) -> tuple[dict[str, Tally], int]:
    """Resolve every reference of the split through a loopback server; (tallies by style and 'all', requests)."""
    records, references = load_corpus(split)
    own = server is None
    server = server or CrossrefServer().start()
    for message in records:
        server.add(message)
    clock = FakeClock()
    client = CrossrefClient(server.url, mailto="bench@example.org", timeout=10,
                            limiter=RateLimiter(polite=True, clock=clock, sleep=clock.sleep))  # fmt: skip
    tallies: dict[str, Tally] = defaultdict(Tally)
    before = len(server.requests("list"))
    try:
        for ref in references:
            status, best, _ = resolve_reference_text(ref["text"], client)
            chosen = best.doi if status == "resolved" and best is not None else ""
            for tally in (tallies[ref["style"]], tallies["all"]):
                tally.references += 1
                tally.confused += ref["confusers"]
                if ref["absent"]:
                    tally.absent += 1
                    tally.absent_matched += bool(chosen)
                else:
                    tally.present += 1
                    tally.correct += chosen == ref["doi"]
                    tally.wrong += bool(chosen) and chosen != ref["doi"]
            if (ref["absent"] and chosen) or (not ref["absent"] and chosen != ref["doi"]):
                tallies["all"].misses.append(f"{status:10} {chosen or '-':30} want {ref['doi']}  {ref['text']}")
    finally:
        client.close()
        if own:
            server.stop()
    return dict(tallies), len(server.requests("list")) - before


def run() -> list[dict[str, Any]]:
    """Rows for bench.run: precision, recall and false matches on absent works, held-apart split."""
    started = time.perf_counter()
    tallies, requests = evaluate("test")
    total = tallies["all"]
    return [
        {"name": "reference resolution precision (held-apart corpus)", "value": round(100 * total.precision, 1),
         "unit": "%", "target": ">= 99.5", "ok": total.precision >= 0.995},
        {"name": "reference resolution recall (held-apart corpus)", "value": round(100 * total.recall, 1),
         "unit": "%", "target": ">= 95", "ok": total.recall >= 0.95},
        {"name": "references matched although their work is absent", "value": total.absent_matched,
         "unit": f"of {total.absent}", "target": 0, "ok": total.absent_matched == 0},
        {"name": f"resolve {total.references} references: requests, time", "value": requests,
         "unit": f"requests, {time.perf_counter() - started:.1f} s"},
    ]  # fmt: skip


def main() -> None:
    """Print the per-style table (markdown)."""
    split = next((a for a in sys.argv[1:] if not a.startswith("-")), "test")
    started = time.perf_counter()
    tallies, requests = evaluate(split)
    elapsed = time.perf_counter() - started
    print(f"split {split}: {tallies['all'].references} references, {requests} query.bibliographic requests, "
          f"{elapsed:.1f} s\n")  # fmt: skip
    print("| style | references | work present | correct | wrong | absent | matched when absent | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for style in sorted(tallies, key=lambda s: (s == "all", s)):
        t = tallies[style]
        print(f"| {style} | {t.references} | {t.present} | {t.correct} | {t.wrong} | {t.absent} | {t.absent_matched} "
              f"| {t.precision:.1%} | {t.recall:.1%} |")  # fmt: skip
    if "--misses" in sys.argv:
        print("\n" + "\n".join(tallies["all"].misses))


if __name__ == "__main__":
    main()
