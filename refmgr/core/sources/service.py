"""One paced, size-capped HTTP client per service: retries, Retry-After, bad-reply detection, offline hold."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx2

from refmgr.core.crossref.ratelimit import SINGLE, RateLimiter, parse_retry_after
from refmgr.core.crossref.transport import (
    TRANSIENT_STATUSES,
    BadEncoding,
    Interrupted,
    ReplyTooLarge,
    ServiceError,
    capped_request,
    user_agent,
)
from refmgr.core.settings import mailto_problem

T = TypeVar("T")
MAX_RETRIES = 3
BAD_REPLY_RETRIES = 1  # a malformed reply is asked for once more; then the caller splits the batch or gives up
OFFLINE_HOLD_S = 30.0
REQUEST_DEADLINE_S = 120.0  # one request, headers to last byte, however slowly the server trickles it


class SourceError(ServiceError):
    """A failed PubMed, Europe PMC or Unpaywall request; transient ones leave items pending."""


@dataclass
class Stats:
    """What one client did: requests sent, 429 answers met, bytes read."""

    requests: int = 0
    too_many: int = 0
    received: int = 0


class ServiceClient:
    """Requests to one service base URL through its limiter; `request` parses the body or raises SourceError."""

    def __init__(self, name: str, base_url: str, limiter: RateLimiter, contact: str = "", timeout: float = 15.0,
                 max_retries: int = MAX_RETRIES) -> None:  # fmt: skip
        if problem := mailto_problem(contact):  # in a header or form it would end it
            raise ValueError(problem)
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).hostname or self.base_url
        self.limiter = limiter
        self.max_retries = max_retries
        self.stats = Stats()
        self._offline_reason = ""
        self._offline_until = 0.0
        self.session = httpx2.Client(timeout=timeout, headers={"User-Agent": user_agent(contact)})

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def request(self, method: str, path: str, parse: Callable[[bytes], T], limit: int, *,
                params: Mapping[str, Any] | None = None, data: Mapping[str, Any] | None = None,
                missing_ok: bool = False) -> T | None:  # fmt: skip
        """Send a request (retrying transient faults) and parse its body; None for a 404 when `missing_ok`."""
        attempt = bad_attempts = 0
        while True:
            if self._offline_reason and self.limiter.clock() < self._offline_until:
                raise SourceError(self._offline_reason, transient=True, offline=True)
            self._offline_reason = ""
            try:
                return self._once(method, path, parse, limit, params, data, missing_ok)
            except SourceError as error:
                if error.status == 429:
                    self.stats.too_many += 1
                bad_attempts += error.bad_reply
                out_of_tries = attempt >= (1 if error.offline else self.max_retries)
                if not error.transient or out_of_tries or bad_attempts > BAD_REPLY_RETRIES:
                    if error.offline:
                        self._offline_reason = error.reason
                        self._offline_until = self.limiter.clock() + OFFLINE_HOLD_S
                    raise
                if not error.offline:
                    self.limiter.backoff(attempt, error.retry_after)
                attempt += 1

    def _once(self, method: str, path: str, parse: Callable[[bytes], T], limit: int, params: Mapping[str, Any] | None,
              data: Mapping[str, Any] | None, missing_ok: bool) -> T | None:  # fmt: skip
        url = f"{self.base_url}{path}"
        with self.limiter.slot(SINGLE):
            self.stats.requests += 1
            try:
                response, size = capped_request(self.session, method, url, limit, service=self.name, params=params,
                                                data=data, deadline=time.monotonic() + REQUEST_DEADLINE_S)  # fmt: skip
            except Interrupted as error:
                raise SourceError(f"{self.host}: {error}", transient=True) from error
            except ReplyTooLarge as error:
                raise SourceError(str(error), transient=False, bad_reply=True) from error
            except BadEncoding as error:
                raise SourceError(f"{self.name}: {error}", transient=True, bad_reply=True) from error
            except httpx2.HTTPError as error:
                raise self._network_error(error) from error
        self.stats.received += size
        return self._check(response, parse, missing_ok)

    def _network_error(self, error: httpx2.HTTPError) -> SourceError:
        if isinstance(error, httpx2.ConnectTimeout):
            return SourceError(f"cannot connect to {self.host} (timed out; offline?)", transient=True, offline=True)
        if isinstance(error, httpx2.TimeoutException):
            return SourceError(f"{self.host} did not answer in time", transient=True)
        if isinstance(error, httpx2.ConnectError):
            return SourceError(f"cannot connect to {self.host} (offline?)", transient=True, offline=True)
        return SourceError(f"{self.host} dropped the connection", transient=True)

    def _check(self, response: httpx2.Response, parse: Callable[[bytes], T], missing_ok: bool) -> T | None:
        status, body = response.status_code, response.content
        if status == 404 and missing_ok:
            return None
        if status in TRANSIENT_STATUSES:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            raise SourceError(f"{self.name} answered HTTP {status}", transient=True, status=status,
                              retry_after=retry_after)  # fmt: skip
        if status >= 400:
            raise SourceError(f"{self.name} refused the request (HTTP {status})", transient=False, status=status)
        if not body.strip():
            raise SourceError(f"{self.name} sent an empty reply", transient=True, status=status, bad_reply=True)
        content_type = response.headers.get("content-type", "").lower()
        head = body[:512].lstrip().lower()
        if "html" in content_type or head.startswith((b"<!doctype html", b"<html")):
            raise SourceError(f"{self.name} sent an HTML page instead of data (maintenance?)", transient=True,
                              status=status, bad_reply=True)  # fmt: skip
        try:
            return parse(body)
        except (ValueError, SyntaxError, KeyError, TypeError) as error:  # ParseError is a SyntaxError
            detail = str(error).split("\n", 1)[0][:120]
            raise SourceError(f"{self.name} sent a malformed or truncated reply ({detail})", transient=True,
                              status=status, bad_reply=True, body=body) from error  # fmt: skip
