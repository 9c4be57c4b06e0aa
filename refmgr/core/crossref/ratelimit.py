"""Per-host pacing for Crossref: separate single/list limits, concurrency, Retry-After, backoff."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace

SINGLE, LIST = "single", "list"
CANCEL_CHECK_S = 0.2  # how often a cancellable wait looks at cancel()


@dataclass(frozen=True)
class Limit:
    """At most `requests` per `interval` seconds, `concurrency` at a time."""

    requests: int
    interval: float
    concurrency: int

    @property
    def spacing(self) -> float:
        """The minimum time between two request starts."""
        return self.interval / max(self.requests, 1)


# Crossref's published limits since December 2025.
POLITE = {SINGLE: Limit(10, 1.0, 3), LIST: Limit(3, 1.0, 3)}
PUBLIC = {SINGLE: Limit(5, 1.0, 1), LIST: Limit(1, 1.0, 1)}


def parse_interval(value: str) -> float | None:
    """Seconds from an x-rate-limit-interval value such as "1s", "60s", "2m" or "1"."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", value or "")
    if not match:
        return None
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[match.group(2) or "s"]
    return float(match.group(1)) * scale


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (only the delta-seconds form is trusted)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


class RateLimiter:
    """Paces request starts per kind (single/list), bounds requests in flight, and backs off."""

    def __init__(
        self,
        polite: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        base_backoff: float = 1.0,
        max_backoff: float = 60.0,
        limits: Mapping[str, Limit] | None = None,
    ) -> None:
        self.limits: dict[str, Limit] = dict(limits or (POLITE if polite else PUBLIC))
        self.clock = clock
        self.sleep = sleep
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self._next_start = {SINGLE: 0.0, LIST: 0.0}
        self._blocked_until = 0.0
        self._in_flight = 0
        self._lock = threading.Condition()
        self.waited = 0.0

    @property
    def concurrency(self) -> int:
        """How many requests may be in flight at once (the smaller of the two limits)."""
        return min(limit.concurrency for limit in self.limits.values())

    @property
    def in_flight(self) -> int:
        """Requests started and not yet finished."""
        return self._in_flight

    def reserve(self, kind: str) -> float:
        """Claim the next start time for a request of this kind; return how long to wait for it."""
        with self._lock:
            now = self.clock()
            start = max(now, self._next_start[kind], self._blocked_until)
            self._next_start[kind] = start + self.limits[kind].spacing
            return start - now

    @contextmanager
    def slot(self, kind: str, cancel: Callable[[], bool] | None = None) -> Iterator[None]:
        """Wait for a concurrency slot and the pacing of this kind, then run the request."""
        # With `cancel`, the wait is cut into short naps and ends early (the request body still runs: the
        # caller checks cancel() again before sending).
        with self._lock:
            while self._in_flight >= self.concurrency:
                if cancel is not None and cancel():
                    break
                self._lock.wait(CANCEL_CHECK_S if cancel is not None else None)
            self._in_flight += 1
        try:
            delay = self.reserve(kind)
            if delay > 0:
                self.waited += delay
                self._pause(delay, cancel)
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._lock.notify()

    def _pause(self, delay: float, cancel: Callable[[], bool] | None) -> None:
        """Sleep for delay seconds, or until cancel() says stop (checked every CANCEL_CHECK_S)."""
        if cancel is None:
            self.sleep(delay)
            return
        end = self.clock() + delay
        while (left := end - self.clock()) > 0 and not cancel():
            self.sleep(min(left, CANCEL_CHECK_S))

    def update_from_headers(self, kind: str, headers: Mapping[str, str]) -> None:
        """Adopt the limits Crossref announces in x-rate-limit-* and x-concurrency-limit headers."""
        limit = self.limits[kind]
        requests = _int(headers.get("x-rate-limit-limit"))
        interval = parse_interval(headers.get("x-rate-limit-interval", ""))
        concurrency = _int(headers.get("x-concurrency-limit"))
        updated = replace(
            limit,
            requests=requests or limit.requests,
            interval=interval or limit.interval,
            concurrency=concurrency or limit.concurrency,
        )
        if updated != limit:
            with self._lock:
                self.limits[kind] = updated
                self._lock.notify_all()

    def backoff_delay(self, attempt: int) -> float:
        """The exponential backoff before retry number attempt + 1, without any Retry-After."""
        return min(self.base_backoff * (2**attempt), self.max_backoff)

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Block every kind after a 429/503/timeout; return the delay (Retry-After wins if longer)."""
        delay = self.backoff_delay(attempt)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_backoff * 5))
        with self._lock:
            self._blocked_until = max(self._blocked_until, self.clock() + delay)
        return delay


def _int(value: str | None) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number > 0 else None


_shared: dict[tuple[str, bool], RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(host: str, polite: bool, limits: Mapping[str, Limit] | None = None) -> RateLimiter:
    """The process-wide limiter for one host and pool, so clients in several threads share one budget."""
    # `limits` (for services other than Crossref) replaces Crossref's pools when the limiter is first made.
    with _shared_lock:
        key = (host.lower(), polite)
        if key not in _shared:
            _shared[key] = RateLimiter(polite=polite, limits=limits)
        return _shared[key]
