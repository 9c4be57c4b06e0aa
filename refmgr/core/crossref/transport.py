"""Size-capped HTTP replies: streamed, decompressed in bounded steps, cut off past a cap."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import httpx2

# A real work record is 5-50 KB (a few hundred KB with a long reference list, about 1-2 MB for collaboration
# papers listing thousands of authors and affiliations): 5 MiB for one work leaves room for those. A list of n
# works may use 256 KiB per further work (30 MiB for 100), several times the largest averages seen; a batch over
# its cap is split by the client, so a cap too tight for a batch costs requests, never works.
MAX_WORK_BYTES = 5 * 2**20
LIST_BYTES_PER_WORK = 256 * 2**10
STEP = 2**16  # decoded bytes produced at a time, so a compression bomb never expands beyond the cap plus this
ACCEPTED_ENCODINGS = "gzip, deflate"  # the ones decoded here step by step (not br/zstd, which httpx2 might offer)


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


def capped_get(session: httpx2.Client, url: str, limit: int, **kwargs: Any) -> tuple[httpx2.Response, int]:
    """GET through the session with the body cut off past `limit` decoded bytes; the response and bytes read.

    The returned response holds the decoded body whole, so its headers no longer name an encoding or length.
    """
    return capped_request(session, "GET", url, limit, **kwargs)


def capped_request(session: httpx2.Client, method: str, url: str, limit: int, service: str = "Crossref",
                   **kwargs: Any) -> tuple[httpx2.Response, int]:  # fmt: skip
    """Any request (GET, or POST with a form body) with its reply streamed and cut off like capped_get's."""
    headers = {**(kwargs.pop("headers", None) or {}), "Accept-Encoding": ACCEPTED_ENCODINGS}
    request = session.build_request(method, url, headers=headers, **kwargs)
    response = session.send(request, stream=True)
    chunks: list[bytes] = []
    size = 0
    try:
        declared = response.headers.get("content-length", "")
        if declared.isdecimal() and int(declared) > limit:  # compressed or not, the body is at least this long
            raise ReplyTooLarge(int(declared), limit, declared=True, service=service)
        for chunk in decoded_chunks(response):
            size += len(chunk)
            if size > limit:
                raise ReplyTooLarge(size, limit, declared=False, service=service)
            chunks.append(chunk)
    finally:
        response.close()
    dropped = ("content-encoding", "content-length")
    kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped]
    whole = httpx2.Response(response.status_code, headers=kept, content=b"".join(chunks), request=request,
                            extensions=response.extensions)  # fmt: skip
    return whole, size
