"""Size-capped HTTP replies: streamed, decompressed in bounded steps, cut off past a cap."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx2

from refmgr import __version__

# A real work record is 5-50 KB (a few hundred KB with a long reference list, about 1-2 MB for collaboration
# papers listing thousands of authors and affiliations): 5 MiB for one work leaves room for those. A list of n
# works may use 256 KiB per further work (30 MiB for 100), several times the largest averages seen; a batch over
# its cap is split by the client, so a cap too tight for a batch costs requests, never works.
MAX_WORK_BYTES = 5 * 2**20
LIST_BYTES_PER_WORK = 256 * 2**10
STEP = 2**16  # decoded bytes produced at a time, so a compression bomb never expands beyond the cap plus this
WATCH_INTERVAL_S = 0.1  # how soon a cancel or a passed deadline cuts a transfer in progress
ACCEPTED_ENCODINGS = "gzip, deflate"  # the ones decoded here step by step (not br/zstd, which httpx2 might offer)
TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}  # answers worth asking again (every service)


def user_agent(mailto: str) -> str:
    """refmgr's part of the User-Agent header (Crossref, PubMed, Europe PMC, Unpaywall)."""
    contact = f"; mailto:{mailto}" if mailto else ""
    return f"refmgr/{__version__} (reference manager for clinicians{contact})"


def megabytes(size: int) -> str:
    """A byte count as "1.5 MB"."""
    return f"{size / 2**20:.1f} MB"


def reply_limit(works: int) -> int:
    """The size cap in bytes for a reply carrying this many works (1 for a single lookup)."""
    return MAX_WORK_BYTES + LIST_BYTES_PER_WORK * max(works - 1, 0)


class ReplyTooLarge(Exception):
    """A reply over its size cap, cut off before it was read whole."""

    def __init__(self, size: int, limit: int, declared: bool, service: str = "Crossref") -> None:
        detail = f"{megabytes(size)} announced; the limit is" if declared else "cut off past the limit of"
        super().__init__(f"{service}'s reply was too large ({detail} {megabytes(limit)})")
        self.size, self.limit, self.declared = size, limit, declared


class ServiceError(Exception):
    """A failed request to a web service: transient ones (network, 429, 5xx, bad bodies) are worth retrying."""

    def __init__(self, reason: str, transient: bool, status: int | None = None, retry_after: float | None = None,
                 offline: bool = False, bad_reply: bool = False, body: bytes = b"") -> None:  # fmt: skip
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.status = status
        self.retry_after = retry_after
        self.offline = offline
        self.bad_reply = bad_reply  # the reply arrived but was unusable (HTML, truncated, empty, too large)
        self.body = body  # the unusable reply, for callers that can still recover complete records from it


class BadEncoding(Exception):
    """A reply compressed in a way refmgr did not ask for, or corrupt compressed data."""


def decoded_chunks(response: httpx2.Response) -> Iterator[bytes]:
    """The body of a streamed response, decompressed at most STEP bytes at a time."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        yield from response.iter_raw(STEP)
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise BadEncoding(f"Crossref sent a reply compressed with {encoding!r}")
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    try:
        for raw in response.iter_raw():
            data = raw
            while data:
                out = decoder.decompress(data, STEP)
                data = decoder.unconsumed_tail
                if out:
                    yield out
        tail = decoder.flush()
    except zlib.error as error:
        raise BadEncoding(f"Crossref sent corrupt compressed data ({error})") from error
    if tail:
        yield tail


class Interrupted(Exception):
    """A transfer stopped midway: past its overall deadline (`timed_out`) or cancelled."""

    def __init__(self, timed_out: bool, seconds: float) -> None:
        super().__init__(f"the reply took over {seconds:.0f} s" if timed_out else "cancelled during the transfer")
        self.timed_out = timed_out


class _Watchdog:
    """Cuts a streamed reply's connection (from another thread) once a deadline passes or cancel() says so.

    httpx's timeout counts per read, so a server sending a byte every few seconds never trips it; shutting the
    socket down makes the blocked read return at once.
    """

    def __init__(self, response: httpx2.Response, deadline: float | None, cancel: Callable[[], bool] | None) -> None:
        self.deadline, self.cancel = deadline, cancel
        self.fired: bool | None = None  # True: deadline passed; False: cancelled; None: not fired
        self._done = threading.Event()
        stream = response.extensions.get("network_stream")
        self._socket = stream.get_extra_info("socket") if stream is not None else None
        self._thread = threading.Thread(target=self._watch, name="refmgr-reply-watchdog", daemon=True)
        if self._socket is not None and (deadline is not None or cancel is not None):
            self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(WATCH_INTERVAL_S):
            if self.deadline is not None and time.monotonic() > self.deadline:
                self.fired = True
            elif self.cancel is not None and self.cancel():
                self.fired = False
            else:
                continue
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            return

    def stop(self) -> None:
        """The transfer is over: stop watching."""
        self._done.set()


def capped_get(
    session: httpx2.Client,
    url: str,
    limit: int,
    deadline: float | None = None,
    cancel: Callable[[], bool] | None = None,
    **kwargs: Any,
) -> tuple[httpx2.Response, int]:
    """GET through the session with the body cut off past `limit` decoded bytes; the response and bytes read.

    `deadline` (time.monotonic()) bounds the whole transfer and `cancel` interrupts it midway: either raises
    Interrupted. The returned response holds the decoded body whole, so its headers no longer name an encoding
    or length.
    """
    return capped_request(session, "GET", url, limit, deadline=deadline, cancel=cancel, **kwargs)


def capped_request(
    session: httpx2.Client,
    method: str,
    url: str,
    limit: int,
    deadline: float | None = None,
    cancel: Callable[[], bool] | None = None,
    service: str = "Crossref",
    **kwargs: Any,
) -> tuple[httpx2.Response, int]:
    """Any request (GET, or POST with a form body) with its reply streamed, capped and bounded like capped_get's."""
    headers = {**(kwargs.pop("headers", None) or {}), "Accept-Encoding": ACCEPTED_ENCODINGS}
    if deadline is not None:  # no single read may outlast the overall deadline either
        remaining = max(deadline - time.monotonic(), 0.1)
        timeout = httpx2.Timeout(kwargs.pop("timeout", None) or session.timeout)
        kwargs["timeout"] = httpx2.Timeout(
            connect=min(timeout.connect or remaining, remaining), read=min(timeout.read or remaining, remaining),
            write=min(timeout.write or remaining, remaining), pool=min(timeout.pool or remaining, remaining),
        )  # fmt: skip
    request = session.build_request(method, url, headers=headers, **kwargs)
    started = time.monotonic()
    response = session.send(request, stream=True)
    watchdog = _Watchdog(response, deadline, cancel)
    chunks: list[bytes] = []
    try:
        try:
            _read_capped(response, limit, chunks, service)
        except (httpx2.TransportError, BadEncoding):
            if watchdog.fired is not None:
                raise Interrupted(watchdog.fired, time.monotonic() - started) from None
            raise
        if watchdog.fired is not None:
            raise Interrupted(watchdog.fired, time.monotonic() - started)
        size = sum(len(c) for c in chunks)
    finally:
        watchdog.stop()
        response.close()
    dropped = ("content-encoding", "content-length")
    kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped]
    whole = httpx2.Response(response.status_code, headers=kept, content=b"".join(chunks), request=request,
                            extensions=response.extensions)  # fmt: skip
    return whole, size


def _read_capped(response: httpx2.Response, limit: int, chunks: list[bytes], service: str = "Crossref") -> None:
    """Read the decoded body into chunks, ReplyTooLarge past the limit (or a Content-Length over it)."""
    size = 0
    declared = response.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > limit:  # compressed or not, the body is at least this long
        raise ReplyTooLarge(int(declared), limit, declared=True, service=service)
    for chunk in decoded_chunks(response):
        size += len(chunk)
        if size > limit:
            raise ReplyTooLarge(size, limit, declared=False, service=service)
        chunks.append(chunk)
