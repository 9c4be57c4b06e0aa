"""Europe PMC: batched `search` (core results) by DOI, PMID or PMCID, and open-access full text (JATS)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from refmgr.core.identifiers import normalise_doi, normalise_pmid
from refmgr.core.settings import DEFAULT_EUROPEPMC_URL
from refmgr.core.sources.fulltext import FullText, parse_full_text
from refmgr.core.sources.service import ServiceClient, SourceError

DEFAULT_URL = DEFAULT_EUROPEPMC_URL
BATCH = 20  # DOIs per OR query (a 25-DOI OR was seen to time out); at most 1 request per 20 DOIs
MAX_GET_QUERY = 1500  # longer queries go to searchPOST (a ~12,000-character GET met an nginx 414)
SEARCH_BYTES = 8 * 2**20
FULLTEXT_BYTES = 20 * 2**20  # real full texts are 10-200 KB; a few reach several MB with big tables
SPLIT_STREAK_LIMIT = 4

Key = tuple[str, str]  # ("doi", "10.1/x"), ("pmid", "123"), ("pmcid", "PMC123")


def as_pmcid(value: Any) -> str:
    """A PMCID as PMC123 from "PMC123", "pmc123" or bare digits (Europe PMC's JATS drops the prefix)."""
    text = str(value or "").strip().upper().removeprefix("PMC")
    return f"PMC{int(text)}" if text.isdecimal() and int(text) else ""


def term(key: Key) -> str:
    """The Europe PMC query term for one identifier."""
    kind, value = key
    if kind == "doi":
        return f'DOI:"{value.replace(chr(34), "")}"'
    if kind == "pmid":
        return f"(EXT_ID:{value} AND SRC:MED)"
    return f"PMCID:{value}"


def keys_of(result: dict[str, Any]) -> list[Key]:
    """The identifiers a search result answers to."""
    keys: list[Key] = []
    if doi := normalise_doi(str(result.get("doi") or "")):
        keys.append(("doi", doi))
    if pmid := normalise_pmid(str(result.get("pmid") or "")):
        keys.append(("pmid", pmid))
    if pmcid := as_pmcid(result.get("pmcid")):
        keys.append(("pmcid", pmcid))
    return keys


def parse_search(body: bytes) -> list[dict[str, Any]]:
    """The result list of a JSON search reply (ValueError when it is not one)."""
    data = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("resultList"), dict):
        raise ValueError("no resultList in Europe PMC's answer")
    results = data["resultList"].get("result", [])
    if not isinstance(results, list):
        raise ValueError("resultList.result is not a list")
    return [r for r in results if isinstance(r, dict)]


@dataclass
class _SplitState:
    """Bad replies in a row while splitting (SPLIT_STREAK_LIMIT of them: the server is at fault), and a lock."""

    streak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class SearchOutcome:
    """Results by identifier, and the identifiers whose batch failed (with why)."""

    found: dict[Key, dict[str, Any]] = field(default_factory=dict)
    failed: dict[Key, str] = field(default_factory=dict)


class EuropePMC:
    """Europe PMC's REST service."""

    def __init__(self, service: ServiceClient) -> None:
        self.service = service

    def search(self, keys: list[Key]) -> list[dict[str, Any]]:
        """One core search for these identifiers (OR-ed), GET or searchPOST by length."""
        query = " OR ".join(term(k) for k in keys)
        params = {"query": query, "resultType": "core", "format": "json", "pageSize": str(max(25, 2 * len(keys)))}
        if len(query) <= MAX_GET_QUERY:
            results = self.service.request("GET", "/search", parse_search, SEARCH_BYTES, params=params)
        else:
            results = self.service.request("POST", "/searchPOST", parse_search, SEARCH_BYTES, data=params)
        return results or []

    def lookup(self, keys: Iterable[Key], cancel: Any = None) -> SearchOutcome:
        """Search many identifiers, BATCH per request, a few at a time; replies matched by identifier, not position."""
        wanted = list(dict.fromkeys(keys))
        outcome = SearchOutcome()
        state = _SplitState()
        batches = [wanted[start : start + BATCH] for start in range(0, len(wanted), BATCH)]

        def run(batch: list[Key]) -> None:
            if cancel is None or not cancel():
                self._lookup_batch(batch, outcome, state)

        workers = max(1, min(len(batches), self.service.limiter.concurrency))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, batches))
        return outcome

    def _lookup_batch(self, batch: list[Key], outcome: SearchOutcome, state: _SplitState) -> None:
        try:
            results = self.search(batch)
        except SourceError as error:
            with state.lock:
                split = error.bad_reply and len(batch) > 1 and state.streak < SPLIT_STREAK_LIMIT
                state.streak += split
                if not split:
                    outcome.failed.update(dict.fromkeys(batch, error.reason))
            if split:  # halve the batch to find the identifier whose record spoils the reply
                middle = len(batch) // 2
                self._lookup_batch(batch[:middle], outcome, state)
                self._lookup_batch(batch[middle:], outcome, state)
            return
        wanted = set(batch)
        with state.lock:
            state.streak = 0
            for result in results:
                for key in keys_of(result):
                    if key in wanted and _better(result, outcome.found.get(key)):
                        outcome.found[key] = result

    def full_text(self, pmcid: str) -> FullText | None:
        """Figures and licence of an open-access article, or None when Europe PMC has no full text (404)."""
        return self.service.request("GET", f"/{pmcid}/fullTextXML", parse_full_text, FULLTEXT_BYTES,
                                    missing_ok=True)  # fmt: skip


def _better(result: dict[str, Any], current: dict[str, Any] | None) -> bool:
    """A MEDLINE record beats a preprint or another copy of the same work."""
    if current is None:
        return True
    return result.get("source") == "MED" and current.get("source") != "MED"


def is_open_access(result: dict[str, Any]) -> bool:
    """Whether Europe PMC says the article is open access with a PMCID (so its full text can be fetched)."""
    return str(result.get("isOpenAccess", "")).upper() == "Y" and bool(as_pmcid(result.get("pmcid")))
