"""Crossref client on habanero: batched DOI fetch, single lookups, agencies, bibliographic queries."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2
from habanero import Crossref, RequestError

from refmgr.core.crossref.habanero_patch import active as _active
from refmgr.core.crossref.ratelimit import LIST, SINGLE, RateLimiter, parse_retry_after, shared_limiter
from refmgr.core.crossref.transport import (
    MAX_WORK_BYTES,
    TRANSIENT_STATUSES,
    BadEncoding,
    Interrupted,
    ReplyTooLarge,
    ServiceError,
    reply_limit,
    user_agent,
)
from refmgr.core.identifiers import normalise_doi
from refmgr.core.settings import Settings, mailto_problem

BATCH_SIZE = 100
MAX_FILTER_CHARS = 4000  # keeps list-request URLs well under common 8 KB limits
MAX_RETRIES = 4
OFFLINE_RETRIES = 1
REQUEST_DEADLINE_S = 60.0  # one request, headers to last byte, however slowly the server trickles it
BATCH_DEADLINE_S = 300.0  # one request with all its retries and waits (a batch of up to 100 DOIs); then pending
MAX_RETRY_WAIT_S = 120.0  # backoff and Retry-After waits of one request's retries together; then it stays pending
OFFLINE_HOLD_S = 30.0  # after the host proved unreachable, fail fast for this long instead of asking again
SPLIT_STREAK_LIMIT = 4  # this many bad replies in a row while splitting a batch: the server's fault, not an item's
FOUND, NOT_FOUND, NON_CROSSREF, FAILED, ERROR = "found", "not_found", "non_crossref", "failed", "error"
CANCELLED = "import cancelled before the lookup"
_PATH_UNSAFE = {"%": "%25", "#": "%23", "?": "%3F", '"': "%22", " ": "%20"}


class CrossrefError(ServiceError):
    """A failed Crossref request."""


@dataclass
class Lookup:
    """The outcome for one DOI: found (with the work), not_found, non_crossref, failed (retry later) or error."""

    doi: str
    status: str
    work: dict[str, Any] | None = None
    reason: str = ""


def quote_doi(doi: str) -> str:
    """A DOI made safe for a URL path (habanero puts DOIs into the path unencoded)."""
    return "".join(_PATH_UNSAFE.get(char, char) for char in doi)


class CrossrefClient:
    """Talks to Crossref through habanero with pacing, retries and error sorting; one per thread."""

    def __init__(
        self,
        base_url: str = "https://api.crossref.org",
        mailto: str = "",
        timeout: float = 10.0,
        limiter: RateLimiter | None = None,
        batch_size: int = BATCH_SIZE,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        if problem := mailto_problem(mailto):  # in a header it would end it: "dropped the connection" at best
            raise ValueError(problem)
        self.base_url = base_url.rstrip("/")
        self.mailto = mailto
        self.limiter = limiter or shared_limiter(urlsplit(self.base_url).netloc, polite=bool(mailto))
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.requests_made = 0
        self.request_deadline_s = REQUEST_DEADLINE_S
        self.max_retry_wait_s = MAX_RETRY_WAIT_S
        self.batch_deadline_s = BATCH_DEADLINE_S
        self.cancel: Callable[[], bool] | None = None  # set during fetch(): interrupts waits and transfers
        self.bytes_received = 0  # reply bodies read (decoded), over-size ones only up to where they were cut off
        self.offline_reason = ""
        self._offline_until = 0.0
        self.habanero = Crossref(base_url=self.base_url, mailto=mailto or None, ua_string=user_agent(mailto),
                                 timeout=timeout)  # fmt: skip
        self.session = httpx2.Client(
            timeout=timeout, event_hooks={"request": [self._on_request], "response": [self._on_response]}
        )

    def close(self) -> None:
        """Close the HTTP connections."""
        self.session.close()

    def __enter__(self) -> CrossrefClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- plumbing -----------------------------------------------------------------------

    def _on_request(self, request: httpx2.Request) -> None:
        self.requests_made += 1

    def _on_response(self, response: httpx2.Response) -> None:
        _active.status = response.status_code
        _active.headers = {k.lower(): v for k, v in response.headers.items()}
        self.limiter.update_from_headers(_active.kind, _active.headers)

    def _call(self, kind: str, request: Callable[[], Any], max_bytes: int = MAX_WORK_BYTES,
              retry_bad_replies: bool = True) -> Any:  # fmt: skip
        """Run one habanero call within the limiter, retrying transient failures with backoff.

        Bad replies (HTML, truncated, empty) are retried like other transient faults unless `retry_bad_replies` is
        off (a batch being split already knows they persist); an over-size reply is never asked for again.
        """
        attempt = 0
        waited = 0.0
        cancel = self.cancel
        batch_deadline = time.monotonic() + self.batch_deadline_s
        while True:
            if self.offline_reason and self.limiter.clock() < self._offline_until:
                raise CrossrefError(self.offline_reason, transient=True, offline=True)
            self.offline_reason = ""
            if cancel is not None and cancel():
                raise CrossrefError(CANCELLED, transient=True)
            with self.limiter.slot(kind, cancel=cancel):
                if cancel is not None and cancel():
                    raise CrossrefError(CANCELLED, transient=True)
                _active.session, _active.kind, _active.status, _active.headers = self.session, kind, None, {}
                _active.max_bytes, _active.body_size, _active.received = max_bytes, None, 0
                _active.deadline = min(time.monotonic() + self.request_deadline_s, batch_deadline)
                _active.cancel = cancel
                try:
                    result = request()
                    error = None if _looks_like_crossref(result) else CrossrefError(
                        "Crossref's answer had an unexpected shape", transient=True, bad_reply=True)  # fmt: skip
                except Exception as exc:  # sorted into transient/permanent below
                    error = classify(exc, _active.status, _active.headers, self.base_url, _active.body_size)
                finally:
                    _active.session = None
                    self.bytes_received += _active.received
            if error is None:
                return result
            if cancel is not None and cancel():
                raise CrossrefError(CANCELLED, transient=True)
            retries = OFFLINE_RETRIES if error.offline else self.max_retries
            if error.bad_reply and not retry_bad_replies:
                retries = 0
            if not error.transient or attempt >= retries:
                if error.offline:
                    self.offline_reason = error.reason
                    self._offline_until = self.limiter.clock() + OFFLINE_HOLD_S
                raise error
            wait = max(self.limiter.backoff_delay(attempt), error.retry_after or 0.0)
            if waited + wait > self.max_retry_wait_s:  # Retry-After: 100000 is not waited for: the DOIs stay pending
                error.reason += (f"; Crossref asked refmgr to wait {wait:,.0f} s, more than the "
                                 f"{self.max_retry_wait_s:.0f} s it waits per request")  # fmt: skip
                raise error
            if time.monotonic() + wait >= batch_deadline:
                error.reason += f"; gave up after {self.batch_deadline_s:.0f} s of retries"
                raise error
            waited += self.limiter.backoff(attempt, error.retry_after)
            attempt += 1

    # ----- requests -----------------------------------------------------------------------

    def work(self, doi: str, retry_bad_replies: bool = True) -> Lookup:
        """One DOI through /works/{doi}; a 404 is explained through /works/{doi}/agency."""
        doi = normalise_doi(doi) or doi
        try:
            result = self._call(SINGLE, lambda: self.habanero.works(ids=[quote_doi(doi)]),
                                retry_bad_replies=retry_bad_replies)  # fmt: skip
        except CrossrefError as error:
            if error.status == 404:
                return self._explain_absent(doi, single_checked=True)
            return Lookup(doi, FAILED if error.transient else ERROR, reason=error.reason)
        return Lookup(doi, FOUND, result["message"])

    def agency(self, doi: str) -> str | None:
        """The registration agency's label ("Crossref", "DataCite", ...) or None for an unknown DOI."""
        try:
            labels = self._call(SINGLE, lambda: self.habanero.registration_agency(quote_doi(doi)))
        except CrossrefError as error:
            if error.status == 404:
                return None
            raise
        return str(labels[0]) if labels else None

    def _explain_absent(self, doi: str, single_checked: bool) -> Lookup:
        try:
            agency = self.agency(doi)
        except CrossrefError as error:
            return Lookup(doi, FAILED if error.transient else ERROR, reason=error.reason)
        if agency is None:
            return Lookup(doi, NOT_FOUND, reason="not in Crossref (no registration agency knows this DOI)")
        if agency.lower() != "crossref":
            return Lookup(doi, NON_CROSSREF, reason=f"registered with {agency}, not Crossref")
        if single_checked:
            return Lookup(doi, NOT_FOUND, reason="registered with Crossref but its record is not available")
        return self.work(doi)

    def fetch(
        self,
        dois: Iterable[str],
        progress: Callable[[int, int], None] | None = None,
        cancel: Callable[[], bool] | None = None,
        on_batch: Callable[[dict[str, Lookup]], None] | None = None,
    ) -> dict[str, Lookup]:
        """Look up many DOIs in batched filter=doi:... requests; singles only where a batch cannot help.

        on_batch gets each batch's results as soon as its reply is in, before the next batch is asked for
        (the importer saves them, so rows appear while the rest is fetched); the returned dict has them all.
        `cancel` is also checked while waiting for a slot or a retry and during a transfer, which it cuts off.
        """
        previous, self.cancel = self.cancel, cancel or self.cancel
        try:
            return self._fetch(dois, progress, cancel, on_batch)
        finally:
            self.cancel = previous

    def _fetch(
        self,
        dois: Iterable[str],
        progress: Callable[[int, int], None] | None,
        cancel: Callable[[], bool] | None,
        on_batch: Callable[[dict[str, Lookup]], None] | None = None,
    ) -> dict[str, Lookup]:
        wanted = list(dict.fromkeys(normalise_doi(d) or d for d in dois))
        results: dict[str, Lookup] = {}
        singles = [d for d in wanted if "," in d]
        absent: list[str] = []
        batchable = [d for d in wanted if "," not in d]
        server_broken = False  # set when splitting showed bad replies are the server's, not an item's
        for chunk in self.chunks(batchable):
            if cancel is not None and cancel():
                break
            try:
                data = self._list_request(chunk, retry_bad_replies=True)
            except CrossrefError as error:
                if error.bad_reply and not server_broken:
                    server_broken = not self._split(chunk, error, results, absent, cancel)
                elif error.bad_reply or error.transient:
                    results.update({d: Lookup(d, FAILED, reason=error.reason) for d in chunk})
                else:
                    singles.extend(chunk)
                continue
            self._collect(chunk, data, results, absent)
            if on_batch is not None:
                on_batch({d: results[d] for d in chunk if d in results})
            if progress is not None:
                progress(len(results), len(wanted))
        for doi in absent:
            if cancel is not None and cancel():
                break
            results[doi] = self._explain_absent(doi, single_checked=False)
        for doi in singles:
            if cancel is not None and cancel():
                break
            results[doi] = self.work(doi)
        if progress is not None:
            progress(len(results), len(wanted))
        return results

    def _list_request(self, chunk: list[str], retry_bad_replies: bool) -> Any:
        return self._call(LIST, lambda: self.habanero.works(filter={"doi": chunk}, limit=len(chunk)),
                          max_bytes=reply_limit(len(chunk)), retry_bad_replies=retry_bad_replies)  # fmt: skip

    @staticmethod
    def _collect(chunk: list[str], data: dict[str, Any], results: dict[str, Lookup], absent: list[str]) -> None:
        found = {normalise_doi(str(item.get("DOI", ""))): item for item in data["message"].get("items", [])}
        for doi in chunk:
            if doi in found:
                results[doi] = Lookup(doi, FOUND, found[doi])
            else:
                absent.append(doi)

    def _split(
        self,
        chunk: list[str],
        first: CrossrefError,
        results: dict[str, Lookup],
        absent: list[str],
        cancel: Callable[[], bool] | None,
    ) -> bool:
        """Find the DOIs whose records spoil a batch's reply by halving it, down to single /works/{doi} lookups.

        The batch's own retries are spent, so no part is retried for a bad reply. Requests go level by level (both
        halves before either is split further); SPLIT_STREAK_LIMIT bad replies in a row mean the server, not one
        record, is at fault: the DOIs still unresolved keep the last reason and stay pending, and False is returned.
        """
        queue: deque[tuple[list[str], CrossrefError]] = deque([(chunk, first)])
        streak = 0
        while queue:
            part, error = queue.popleft()
            if streak >= SPLIT_STREAK_LIMIT or (cancel is not None and cancel()) or not error.bad_reply:
                status = FAILED if error.transient or error.bad_reply else ERROR
                results.update({d: Lookup(d, status, reason=error.reason) for d in part})
                continue
            if len(part) == 1:
                lookup = self.work(part[0], retry_bad_replies=False)
                results[part[0]] = lookup
                streak = streak + 1 if lookup.status in (FAILED, ERROR) else 0
                continue
            middle = len(part) // 2
            for half in (part[:middle], part[middle:]):
                if len(half) == 1:
                    queue.append((half, error))
                    continue
                try:
                    data = self._list_request(half, retry_bad_replies=False)
                except CrossrefError as half_error:
                    streak += 1
                    queue.append((half, half_error))
                    continue
                streak = 0
                self._collect(half, data, results, absent)
        return streak < SPLIT_STREAK_LIMIT

    def chunks(self, dois: list[str]) -> list[list[str]]:
        """DOIs grouped for filter requests: at most batch_size each and a URL of modest length."""
        chunks: list[list[str]] = []
        length = 0
        for doi in dois:
            cost = len(quote_doi(doi)) + 5
            if not chunks or len(chunks[-1]) >= self.batch_size or length + cost > MAX_FILTER_CHARS:
                chunks.append([])
                length = 0
            chunks[-1].append(doi)
            length += cost
        return chunks

    def query_bibliographic(self, text: str, rows: int = 5) -> list[dict[str, Any]]:
        """Candidate works for a free-text reference, best Crossref score first."""
        data = self._call(LIST, lambda: self.habanero.works(query_bibliographic=text, limit=rows),
                          max_bytes=reply_limit(rows))  # fmt: skip
        return list(data["message"].get("items", []))


def _looks_like_crossref(result: Any) -> bool:
    if isinstance(result, list):
        return all(isinstance(r, dict) and "message" in r for r in result) or all(isinstance(r, str) for r in result)
    return isinstance(result, dict) and isinstance(result.get("message"), dict)


def classify(exc: BaseException, status: int | None, headers: dict[str, str], base_url: str,
             body_size: int | None = None) -> CrossrefError:  # fmt: skip
    """Sort an exception from a habanero call into a transient or permanent CrossrefError."""
    retry_after = parse_retry_after(headers.get("retry-after"))
    host = urlsplit(base_url).hostname or base_url
    cause = exc.__cause__ if isinstance(exc, RuntimeError) and exc.__cause__ is not None else exc
    if isinstance(cause, Interrupted):
        reason = f"Crossref's reply was too slow ({cause}; cut off)" if cause.timed_out else CANCELLED
        return CrossrefError(reason, transient=True, status=status)
    if isinstance(cause, ReplyTooLarge):
        return CrossrefError(str(cause), transient=False, status=status, bad_reply=True)
    if isinstance(cause, BadEncoding):
        return CrossrefError(str(cause), transient=True, status=status, bad_reply=True)
    if isinstance(cause, httpx2.ConnectTimeout):
        return CrossrefError(f"cannot connect to {host} (timed out; offline?)", transient=True, offline=True)
    if isinstance(cause, httpx2.TimeoutException):
        return CrossrefError(f"{host} did not answer in time", transient=True)
    if isinstance(cause, httpx2.ConnectError):
        text = str(cause).lower()
        if any(s in text for s in ("name or service", "nodename", "getaddrinfo", "name resolution", "not known")):
            return CrossrefError(f"cannot find {host} (DNS failure; offline?)", transient=True, offline=True)
        return CrossrefError(f"cannot connect to {host} (offline?)", transient=True, offline=True)
    if isinstance(cause, httpx2.TransportError):
        return CrossrefError(f"{host} dropped the connection", transient=True)
    code = status if status is not None else getattr(exc, "status_code", None)
    if code is None and isinstance(exc, httpx2.HTTPStatusError):
        code = exc.response.status_code
    if code == 404:
        return CrossrefError("not found", transient=False, status=404)
    if code in TRANSIENT_STATUSES:
        return CrossrefError(f"Crossref answered HTTP {code}", transient=True, status=code, retry_after=retry_after)
    if code is not None and code >= 400:
        detail = exc.error if isinstance(exc, RequestError) else ""
        return CrossrefError(f"Crossref refused the request (HTTP {code}) {detail}".strip(), False, status=code)
    if body_size == 0:
        return CrossrefError("Crossref sent an empty reply", transient=True, status=code, bad_reply=True)
    content_type = headers.get("content-type", "")
    if isinstance(exc, RequestError) or (content_type and "json" not in content_type):
        kind = "an HTML page" if "html" in content_type else f"{content_type or 'an untyped body'}"
        return CrossrefError(f"Crossref sent {kind} instead of JSON", transient=True, status=code, bad_reply=True)
    if isinstance(exc, json.JSONDecodeError):
        return CrossrefError("Crossref sent truncated JSON (the reply was cut off)", transient=True, status=code,
                             bad_reply=True)  # fmt: skip
    if isinstance(exc, (ValueError, KeyError, TypeError)):
        return CrossrefError("Crossref's answer was empty or cut off", transient=True, status=code, bad_reply=True)
    if isinstance(exc, RuntimeError):
        return CrossrefError(f"request failed: {exc}", transient=True, status=code)
    return CrossrefError(f"unexpected {type(exc).__name__}: {exc}", transient=False, status=code)


def client_from_settings(settings: Settings, timeout: float = 10.0) -> CrossrefClient:
    """A client for the configured Crossref address and contact e-mail (polite pool when set)."""
    url, mailto = settings.effective_crossref_url(), settings.effective_mailto()
    return CrossrefClient(base_url=url, mailto=mailto, timeout=timeout)
