"""A thin Zotero Web API v3 client: versions, batched reads and writes, Backoff and Retry-After honoured."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx2

from refmgr import __version__
from refmgr.core.crossref.ratelimit import parse_retry_after
from refmgr.core.crossref.transport import ReplyTooLarge, capped_get

DEFAULT_ZOTERO_URL = "https://api.zotero.org"
ZOTERO_URL_ENV = "REFMGR_ZOTERO_URL"
BATCH = 50  # objects per read or write request: the Web API's limit
MAX_REPLY_BYTES = 64 * 2**20
MAX_TOTAL_WAIT_S = 120.0  # Retry-After/Backoff waits per request before giving up (the changes stay queued)
TIMEOUT = httpx2.Timeout(30.0, connect=10.0)


class ZoteroError(Exception):
    """Zotero refused or could not answer a request; the message says which and why."""


class ZoteroOffline(ZoteroError):
    """Zotero could not be reached; local changes stay queued for the next sync."""


class VersionConflict(ZoteroError):
    """412: the library changed on the server since the version this client knows."""


@dataclass
class WriteResult:
    """What Zotero did with one batch of writes: new versions by key, failures by key, library version."""

    versions: dict[str, int]
    unchanged: list[str]
    failed: dict[str, str]
    library_version: int


def effective_zotero_url(setting: str = "") -> str:
    """Base URL: REFMGR_ZOTERO_URL, then the setting, then api.zotero.org."""
    return (os.environ.get(ZOTERO_URL_ENV) or setting or DEFAULT_ZOTERO_URL).rstrip("/")


class ZoteroClient:
    """Requests to one Zotero account; each library is addressed by its prefix (/users/ID or /groups/ID)."""

    def __init__(
        self,
        api_key: str,
        base_url: str = "",
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.base_url = effective_zotero_url(base_url)
        self.sleep = sleep
        self.requests = 0
        self.waited = 0.0
        self._backoff_until = 0.0
        self.session = httpx2.Client(
            timeout=TIMEOUT,
            transport=transport,
            headers={
                "Zotero-API-Key": api_key,
                "Zotero-API-Version": "3",
                "User-Agent": f"refmgr/{__version__}",
            },
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.session.close()

    def groups(self, user_id: int) -> list[tuple[int, str]]:
        """The group libraries the key can reach, as (id, name)."""
        data, _ = self._json("GET", f"/users/{user_id}/groups")
        return [(int(g["id"]), str(g.get("data", {}).get("name", g["id"]))) for g in data]

    def versions(self, prefix: str, kind: str, since: int) -> tuple[dict[str, int], int]:
        """Keys of items or collections changed after `since`, with their versions, and the library version."""
        data, version = self._json("GET", f"{prefix}/{kind}", params={"since": since, "format": "versions"})
        return {str(k): int(v) for k, v in data.items()}, version

    def deleted(self, prefix: str, since: int) -> tuple[dict[str, list[str]], int]:
        """Keys deleted after `since`, by kind, and the library version."""
        data, version = self._json("GET", f"{prefix}/deleted", params={"since": since})
        return {kind: [str(k) for k in data.get(kind, [])] for kind in ("items", "collections")}, version

    def fetch(self, prefix: str, kind: str, keys: Iterable[str]) -> list[dict[str, Any]]:
        """The data of these items or collections, fetched 50 keys per request."""
        param = "itemKey" if kind == "items" else "collectionKey"
        keys = list(keys)
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), BATCH):
            chunk = keys[start : start + BATCH]
            data, _ = self._json("GET", f"{prefix}/{kind}", params={param: ",".join(chunk), "limit": BATCH})
            found.extend(entry["data"] for entry in data if isinstance(entry, dict) and "data" in entry)
        return found

    def write(self, prefix: str, kind: str, objects: list[dict[str, Any]], library_version: int) -> WriteResult:
        """Create or update up to 50 objects unless the library changed since `library_version` (412)."""
        if len(objects) > BATCH:
            raise ValueError(f"at most {BATCH} objects per write")
        headers = {"If-Unmodified-Since-Version": str(library_version), "Content-Type": "application/json"}
        data, version = self._json("POST", f"{prefix}/{kind}", content=json.dumps(objects), headers=headers)
        versions: dict[str, int] = {}
        for entry in (data.get("successful") or {}).values():
            versions[str(entry["key"])] = int(entry.get("version", version))
        unchanged = [str(key) for key in (data.get("unchanged") or {}).values()]
        failed = {}
        for index, entry in (data.get("failed") or {}).items():
            key = entry.get("key") or objects[int(index)].get("key", index)
            failed[str(key)] = f"{entry.get('code', '?')} {entry.get('message', '')}".strip()
        return WriteResult(versions, unchanged, failed, version)

    def delete(self, prefix: str, kind: str, keys: list[str], library_version: int) -> int:
        """Delete up to 50 objects unless the library changed since `library_version`; the new version."""
        param = "itemKey" if kind == "items" else "collectionKey"
        headers = {"If-Unmodified-Since-Version": str(library_version)}
        _, version = self._json("DELETE", f"{prefix}/{kind}", params={param: ",".join(keys)}, headers=headers)
        return version

    def _json(self, method: str, path: str, **kwargs: Any) -> tuple[Any, int]:
        response = self._send(method, path, **kwargs)
        version = int(response.headers.get("Last-Modified-Version") or 0)
        if response.status_code == 204 or not response.content:
            return None, version
        try:
            return response.json(), version
        except ValueError as error:
            raise ZoteroError(f"Zotero sent a reply that is not JSON for {method} {path}") from error

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        waited = 0.0
        while True:
            pause = self._backoff_until - time.monotonic()
            if pause > 0:
                self._wait(pause)
                waited += pause
            response = self._request_once(method, path, **kwargs)
            backoff = parse_retry_after(response.headers.get("Backoff"))
            if backoff:
                self._backoff_until = time.monotonic() + min(backoff, MAX_TOTAL_WAIT_S)
            if response.status_code in (429, 503):
                delay = parse_retry_after(response.headers.get("Retry-After")) or 5.0
                if waited + delay > MAX_TOTAL_WAIT_S:
                    raise ZoteroOffline(
                        f"Zotero asked to wait longer than {MAX_TOTAL_WAIT_S:.0f} s ({response.status_code})"
                    )
                self._wait(delay)
                waited += delay
                continue
            return self._checked(response, method, path)

    def _request_once(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        self.requests += 1
        url = self.base_url + path
        try:
            if method == "GET":
                return capped_get(self.session, url, MAX_REPLY_BYTES, **kwargs)[0]
            return self.session.request(method, url, **kwargs)
        except ReplyTooLarge as error:
            raise ZoteroError(f"Zotero's reply to {path} was too large") from error
        except httpx2.TransportError as error:
            raise ZoteroOffline(f"Zotero cannot be reached ({type(error).__name__}: {error})") from error

    def _wait(self, seconds: float) -> None:
        self.waited += seconds
        self.sleep(seconds)

    @staticmethod
    def _checked(response: httpx2.Response, method: str, path: str) -> httpx2.Response:
        status = response.status_code
        if status == 412:
            raise VersionConflict(response.text[:300])
        if status in (401, 403):
            raise ZoteroError("Zotero refused the API key (check the key and its access to this library)")
        if status == 404:
            raise ZoteroError(f"Zotero has no {path} (check the user or group id)")
        if status >= 400:
            raise ZoteroError(f"Zotero answered {status} to {method} {path}: {response.text[:200]}")
        return response
