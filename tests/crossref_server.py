"""A loopback stand-in for api.crossref.org: recorded and test-authored works, faults, a request log."""

from __future__ import annotations

import gzip
import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.loopback import LoopbackServer

DATA = Path(__file__).parent / "data"
RECORDED = DATA / "crossref"
AUTHORED = DATA / "crossref_authored"
FAULTS = ("429", "500", "503", "html", "truncated", "drop", "empty", "delay", "huge", "trickle")
HUGE_BYTES = 200 * 2**20  # the "huge" fault streams a JSON reply this long, without Content-Length
# Crossref's pools since December 2025: (requests per interval, concurrency) for single and list requests.
POOL_LIMITS = {
    "polite-single": (10, 3), "polite-array": (3, 3), "public-single": (5, 1), "public-array": (1, 1),
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"the", "of", "and", "in", "on", "a", "an", "for", "with", "et", "al", "to", "from", "results"}


@dataclass
class LoggedRequest:
    """One request the server saw."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    time: float
    fault: str = ""

    @property
    def is_list(self) -> bool:
        """A list request (/works?...) rather than a single work."""
        return self.path.rstrip("/") == "/works"

    @property
    def filter_dois(self) -> list[str]:
        """The DOIs of a filter=doi:... request, as sent."""
        value = self.query.get("filter", [""])[0]
        return [part[4:] for part in value.split(",") if part.startswith("doi:")]


def load_records() -> dict[str, dict[str, Any]]:
    """Every recorded and authored /works/{doi} message, by lower-case DOI."""
    records: dict[str, dict[str, Any]] = {}
    index = json.loads((RECORDED / "index.json").read_text(encoding="utf-8"))
    for entry in index["fixtures"]:
        request, response = entry["request"], entry["response"]
        path = request["path"]
        single_work = path.startswith("/works/10.") and not path.endswith("/agency") and not request["query"]
        if response["status"] != 200 or not single_work:
            continue
        body = json.loads((RECORDED / entry["file"]).read_text(encoding="utf-8"))
        if body.get("message-type") == "work":
            records[body["message"]["DOI"].lower()] = body["message"]
    for path in sorted(AUTHORED.glob("works_*.json")):
        message = json.loads(path.read_text(encoding="utf-8"))["message"]
        records[message["DOI"].lower()] = message
    return records


def load_agencies() -> dict[str, dict[str, str]]:
    """Registration agencies of DOIs that are not Crossref's."""
    data = json.loads((AUTHORED / "agencies.json").read_text(encoding="utf-8"))
    return {doi.lower(): agency for doi, agency in data.items()}


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _bibliographic(message: dict[str, Any]) -> str:
    """The searchable text of a work: title, authors, journal, year, volume, pages."""
    authors = " ".join(a.get("family") or a.get("name") or "" for a in message.get("author", []))
    year = (message.get("issued", {}).get("date-parts") or [[None]])[0][0]
    pieces = [
        *message.get("title", []), authors, *message.get("container-title", []),
        *message.get("short-container-title", []), str(year or ""), message.get("volume", ""),
        message.get("page", ""),
    ]  # fmt: skip
    return " ".join(pieces)


class CrossrefServer(LoopbackServer):
    """State and switches of one loopback server; `url` is its base URL."""

    def __init__(self) -> None:
        self.records = load_records()
        self.agencies = load_agencies()
        self.log: list[LoggedRequest] = []
        self.faults: deque[str] = deque()
        self.doi_faults: dict[str, str] = {}
        self.fault_all = ""
        self.retry_after = "1"
        self.delay = 0.0
        self.trickle_s = 0.2
        self.limits: dict[str, tuple[int, int]] = dict(POOL_LIMITS)
        self.shuffle = random.Random(3)
        self._words: dict[str, tuple[dict[str, Any], set[str]]] = {}  # searchable words by DOI, per message
        self.enforce_limits = False
        self.refused = 0
        self.gzip = False  # compress replies when the client accepts gzip
        self._starts: dict[str, deque[float]] = {pool: deque() for pool in POOL_LIMITS}
        self.lock = threading.Lock()
        super().__init__(_make_handler(self))

    # ----- switches -----------------------------------------------------------------------

    def fail_next(self, *faults: str) -> None:
        """Answer the next requests with these faults, one each (see FAULTS)."""
        for fault in faults:
            assert fault in FAULTS, fault
            self.faults.append(fault)

    def fail_doi(self, doi: str, fault: str) -> None:
        """Answer every request that names this DOI with a fault."""
        assert fault in FAULTS, fault
        self.doi_faults[doi.lower()] = fault

    def remove(self, doi: str) -> None:
        """Forget a work, as if Crossref had never registered it."""
        self.records.pop(doi.lower(), None)

    def add(self, message: dict[str, Any]) -> None:
        """Serve an extra work message."""
        self.records[message["DOI"].lower()] = message

    def requests(self, kind: str = "") -> list[LoggedRequest]:
        """Logged requests, all or only "list" or "single" ones."""
        with self.lock:
            entries = list(self.log)
        if kind == "list":
            return [r for r in entries if r.is_list]
        if kind == "single":
            return [r for r in entries if not r.is_list]
        return entries

    # ----- answering ----------------------------------------------------------------------

    def choose_fault(self, dois: list[str]) -> str:
        """The fault this request gets, if any."""
        with self.lock:
            if self.faults:
                return self.faults.popleft()
        for doi in dois:
            if doi.lower() in self.doi_faults:
                return self.doi_faults[doi.lower()]
        return self.fault_all

    def pool(self, headers: dict[str, str], is_list: bool) -> str:
        """The pool name Crossref would put this request in."""
        polite = "mailto:" in headers.get("user-agent", "").lower()
        return f"{'polite' if polite else 'public'}-{'array' if is_list else 'single'}"

    def over_limit(self, pool: str) -> bool:
        """With enforce_limits, whether this request exceeds the pool's requests per second (then 429)."""
        if not self.enforce_limits:
            return False
        limit, _ = self.limits[pool]
        now = time.monotonic()
        with self.lock:
            starts = self._starts[pool]
            while starts and now - starts[0] >= 0.95:  # a little tolerance for timer jitter
                starts.popleft()
            if len(starts) >= limit:
                self.refused += 1
                return True
            starts.append(now)
        return False

    def search(self, text: str, rows: int) -> list[dict[str, Any]]:
        """Works scored by weighted term overlap with the query, best first."""
        query = _words(text)
        scored = []
        for doi, message in list(self.records.items()):
            words = self._words.get(doi)
            if words is None or words[0] is not message:
                words = self._words[doi] = (message, _words(_bibliographic(message)))
            overlap = query & words[1]
            if not overlap:
                continue
            score = sum(2.0 if w.isdigit() else 1.0 + min(len(w), 10) / 10 for w in overlap) * 2.2
            scored.append((round(score, 3), message))
        scored.sort(key=lambda pair: (-pair[0], pair[1]["DOI"]))
        return [{**message, "score": score} for score, message in scored[:rows]]


def _envelope(message_type: str, message: Any) -> dict[str, Any]:
    return {"status": "ok", "message-type": message_type, "message-version": "1.0.0", "message": message}


def _make_handler(server: CrossrefServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per reply

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query)
            headers = {k.lower(): v for k, v in self.headers.items()}
            entry = LoggedRequest(path, query, headers, time.monotonic())
            dois = entry.filter_dois or ([self._doi_of(path)] if path.startswith("/works/") else [])
            entry.fault = server.choose_fault(dois)
            if not entry.fault and server.over_limit(server.pool(headers, entry.is_list)):
                entry.fault = "429"
            with server.lock:
                server.log.append(entry)
            if entry.fault == "delay":
                time.sleep(server.delay)
            elif entry.fault:
                self._fault(entry.fault)
                return
            self._answer(entry, path, query)

        @staticmethod
        def _doi_of(path: str) -> str:
            raw = path[len("/works/") :]
            if raw.endswith("/agency"):
                raw = raw[: -len("/agency")]
            return unquote(raw)

        def _answer(self, entry: LoggedRequest, path: str, query: dict[str, list[str]]) -> None:
            pool = server.pool(entry.headers, entry.is_list)
            if entry.is_list:
                self._list(query, pool)
                return
            doi = self._doi_of(path)
            if path.endswith("/agency"):
                agency = server.agencies.get(doi.lower())
                if agency is None and doi.lower() in server.records:
                    agency = {"id": "crossref", "label": "Crossref"}
                if agency is None:
                    self._send(404, b"Resource not found.", "text/plain", pool)
                else:
                    self._json(_envelope("work-agency", {"DOI": doi.lower(), "agency": agency}), pool)
                return
            message = server.records.get(doi.lower())
            if message is None:
                self._send(404, b"Resource not found.", "text/plain", pool)
            else:
                self._json(_envelope("work", message), pool)

        def _list(self, query: dict[str, list[str]], pool: str) -> None:
            rows = int(query.get("rows", ["20"])[0])
            if "query.bibliographic" in query:
                items = server.search(query["query.bibliographic"][0], rows)
            else:
                filters = query.get("filter", [""])[0].split(",")
                wanted = [f[4:].lower() for f in filters if f.startswith("doi:")]
                items = [{**server.records[d], "DOI": d} for d in wanted if d in server.records]
                with server.lock:
                    server.shuffle.shuffle(items)
                items = [{**item, "score": 0.0} for item in items[:rows]]
            message = {"facets": {}, "total-results": len(items), "items": items, "items-per-page": rows,
                       "query": {"start-index": 0, "search-terms": None}}  # fmt: skip
            self._json(_envelope("work-list", message), pool)

        def _json(self, body: dict[str, Any], pool: str) -> None:
            self._send(200, json.dumps(body).encode(), "application/json", pool)

        def _send(
            self, status: int, body: bytes, content_type: str, pool: str, extra: dict[str, str] | None = None
        ) -> None:
            limit, concurrency = server.limits[pool]
            if server.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body, compresslevel=6)
                extra = {**(extra or {}), "Content-Encoding": "gzip"}
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-api-pool", pool)
            self.send_header("x-rate-limit-limit", str(limit))
            self.send_header("x-rate-limit-interval", "1s")
            self.send_header("x-concurrency-limit", str(concurrency))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _fault(self, fault: str) -> None:
            pool = server.pool({k.lower(): v for k, v in self.headers.items()}, self.path.startswith("/works?"))
            if fault == "429":
                self._send(429, b"Too Many Requests", "text/plain", pool, {"Retry-After": server.retry_after})
            elif fault in ("500", "503"):
                body = json.dumps({"status": "error", "message-type": "exception", "message": "Server error"})
                self._send(int(fault), body.encode(), "application/json", pool)
            elif fault == "html":
                body = b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body></html>"
                self._send(200, body, "text/html; charset=utf-8", pool)
            elif fault == "truncated":
                body = json.dumps(_envelope("work", {"DOI": "10.1/x", "title": ["cut"]})).encode()
                self._send(200, body[: len(body) // 2], "application/json", pool)
            elif fault == "empty":
                self._send(200, b"", "application/json", pool)
            elif fault == "drop":
                self.close_connection = True
                self.connection.close()
            elif fault == "huge":
                self._huge(pool)
            elif fault == "trickle":
                self._trickle()

        def _trickle(self) -> None:
            """A 200 whose body arrives one byte every `server.trickle_s` seconds (it never finishes)."""
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100_000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(server.trickle_s)
            except OSError:
                pass  # the client cut the connection

        def _huge(self, pool: str) -> None:
            """A 200 MB work streamed with no Content-Length (its abstract never ends), until the client hangs up."""
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-api-pool", pool)
            self.send_header("Connection", "close")
            self.end_headers()
            head = b'{"status": "ok", "message-type": "work", "message": {"DOI": "10.1/x", "abstract": "'
            block = b"a" * 2**20
            sent = 0
            try:
                self.wfile.write(head)
                while sent < HUGE_BYTES:
                    self.wfile.write(block)
                    sent += len(block)
                self.wfile.write(b'"}}')
            except OSError:  # the client hung up: what it is meant to do
                pass

    return Handler


@pytest.fixture
def crossref_server() -> Iterator[CrossrefServer]:
    """A running loopback Crossref server (fresh records, no faults, empty log)."""
    server = CrossrefServer().start()
    yield server
    server.stop()


@pytest.fixture
def records_by_doi() -> dict[str, dict[str, Any]]:
    """Every recorded and authored work message, by lower-case DOI."""
    return load_records()


def seed_reference_texts() -> list[str]:
    """The five references of the seed PubMed page, as printed there."""
    text = (DATA / "pubmed-beyond-the-scalpel.txt").read_text(encoding="utf-8")
    section = text.split("\nReferences\n", 1)[1].split("\nMeSH terms", 1)[0]
    lines = [line.strip() for line in section.splitlines() if re.match(r"\s+1\. ", line)]
    return [re.sub(r"^1\.\s+|\s+- PubMed$", "", line) for line in lines]


class FakeClock:
    """A clock that only moves when something sleeps on it; records the sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_clock() -> FakeClock:
    """A fresh fake clock."""
    return FakeClock()


@pytest.fixture
def crossref_client(crossref_server: CrossrefServer, fake_clock: FakeClock) -> Iterator[Any]:
    """A polite-pool client on the loopback server whose limiter sleeps on the fake clock."""
    from refmgr.core.crossref.client import CrossrefClient
    from refmgr.core.crossref.ratelimit import RateLimiter

    limiter = RateLimiter(polite=True, clock=fake_clock, sleep=fake_clock.sleep)
    client = CrossrefClient(crossref_server.url, mailto="clinician@example.org", timeout=5, limiter=limiter)
    yield client
    client.close()
