"""A loopback stand-in for api.zotero.org: the Web API v3's versioning rules, write limits and a request log."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.loopback import LoopbackServer

MAX_WRITE = 50  # objects per write request, as the Web API allows
KINDS = {"items": "itemKey", "collections": "collectionKey"}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ZoteroLibrary:
    """One Zotero library: objects by key, a library version and the deletion log."""

    prefix: str
    name: str
    version: int = 0
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {"items": {}, "collections": {}})
    deleted: list[tuple[int, str, str]] = field(default_factory=list)  # (version, kind, key)

    def bump(self) -> int:
        """A new library version for one write."""
        self.version += 1
        return self.version

    def put(self, kind: str, data: dict[str, Any], version: int) -> None:
        """Store an object's data at a version (as another client's write would)."""
        stored = {**data, "version": version}
        stored.setdefault("dateModified", _now())
        self.objects[kind][data["key"]] = stored

    def edit(self, kind: str, key: str, **changes: Any) -> int:
        """Change an object as a co-author's Zotero would; the new version."""
        version = self.bump()
        data = {**self.objects[kind][key], **changes, "dateModified": _now()}
        self.put(kind, data, version)
        return version

    def remove(self, kind: str, key: str) -> int:
        """Delete an object (and an item's child notes) as another client would; the new version."""
        version = self.bump()
        self._delete(kind, [key], version)
        return version

    def _delete(self, kind: str, keys: list[str], version: int) -> None:
        for key in keys:
            if self.objects[kind].pop(key, None) is not None:
                self.deleted.append((version, kind, key))
            if kind == "items":
                children = [k for k, d in self.objects["items"].items() if d.get("parentItem") == key]
                self._delete("items", children, version)


class ZoteroState:
    """Everything the server knows: libraries, the API key, faults to inject and the request log."""

    def __init__(self, user_id: int = 475425, api_key: str = "testkey-0123456789") -> None:
        self.user_id = user_id
        self.api_key = api_key
        self.libraries = {f"/users/{user_id}": ZoteroLibrary(f"/users/{user_id}", "My Library")}
        self.groups: dict[int, str] = {}
        self.lock = threading.Lock()
        self.log: list[tuple[str, str]] = []
        self.requests_per_second = 0.0  # 0: no limit; else 429 with Retry-After past it
        self.backoff_every = 0  # every Nth reply carries a Backoff header
        self.latency = 0.0
        self.rejected = 0
        self._starts: list[float] = []

    def add_group(self, group_id: int, name: str) -> ZoteroLibrary:
        """A group library the key can reach."""
        self.groups[group_id] = name
        library = ZoteroLibrary(f"/groups/{group_id}", name)
        self.libraries[library.prefix] = library
        return library

    @property
    def user_library(self) -> ZoteroLibrary:
        """The key owner's personal library."""
        return self.libraries[f"/users/{self.user_id}"]

    def count(self, method: str = "", part: str = "") -> int:
        """Requests logged with this method whose path contains `part`."""
        return sum(1 for m, p in self.log if (not method or m == method) and part in p)

    def over_limit(self) -> bool:
        """Whether a request now exceeds the configured rate (and is answered 429)."""
        if not self.requests_per_second:
            return False
        now = time.monotonic()
        self._starts = [t for t in self._starts if now - t < 1.0]
        if len(self._starts) >= self.requests_per_second:
            self.rejected += 1
            return True
        self._starts.append(now)
        return False


class ZoteroHandler(BaseHTTPRequestHandler):
    """Answers the subset of the Web API v3 that sync needs."""

    state: ZoteroState
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        state = self.state
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if state.latency:
            time.sleep(state.latency)
        with state.lock:
            state.log.append((method, self.path))
            if self.headers.get("Zotero-API-Key") != state.api_key:
                return self._reply(403, "Forbidden")
            if state.over_limit():
                return self._reply(429, "Too Many Requests", {"Retry-After": "1"})
            extra = {}
            if state.backoff_every and len(state.log) % state.backoff_every == 0:
                extra["Backoff"] = "1"
            status, payload, headers = self._route(method, url.path, query, body)
            self._reply(status, payload, {**headers, **extra})

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        state = self.state
        if path == "/keys/current":
            return 200, {"userID": state.user_id, "username": "clinician", "access": {"user": {"library": True}}}, {}
        if path == f"/users/{state.user_id}/groups":
            groups = [
                {"id": gid, "version": 0, "data": {"id": gid, "name": name}} for gid, name in state.groups.items()
            ]
            return 200, groups, {}
        for prefix, library in state.libraries.items():
            if path.startswith(prefix + "/"):
                return self._library_route(library, method, path[len(prefix) + 1 :], query, body)
        return 404, "Not found", {}

    def _library_route(
        self, library: ZoteroLibrary, method: str, rest: str, query: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        version_header = {"Last-Modified-Version": str(library.version)}
        if rest == "deleted" and method == "GET":
            since = int(query.get("since", "0"))
            deleted: dict[str, list[str]] = {"items": [], "collections": [], "searches": [], "tags": [], "settings": []}
            for version, kind, key in library.deleted:
                if version > since:
                    deleted[kind].append(key)
            return 200, deleted, version_header
        if rest not in KINDS:
            return 404, "Not found", {}
        kind, key_param = rest, KINDS[rest]
        if method == "GET":
            return self._read(library, kind, key_param, query, version_header)
        expected = self.headers.get("If-Unmodified-Since-Version")
        if expected is not None and int(expected) != library.version:
            return (
                412,
                f"Library has been modified since specified version (expected {expected}, found {library.version})",
                version_header,
            )
        if method == "DELETE":
            keys = [k for k in query.get(key_param, "").split(",") if k]
            if len(keys) > MAX_WRITE:
                return 413, "Too many keys", version_header
            version = library.bump()
            library._delete(kind, keys, version)
            return 204, None, {"Last-Modified-Version": str(version)}
        return self._write(library, kind, body)

    def _read(
        self, library: ZoteroLibrary, kind: str, key_param: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        since = int(query.get("since", "0"))
        objects = library.objects[kind]
        if query.get("format") == "versions":
            return 200, {k: d["version"] for k, d in objects.items() if d["version"] > since}, headers
        keys = [k for k in query.get(key_param, "").split(",") if k]
        if len(keys) > MAX_WRITE:
            return 400, f"Cannot request more than {MAX_WRITE} keys at once", headers
        chosen = [objects[k] for k in keys if k in objects] if keys else list(objects.values())
        kind_type = "user" if library.prefix.startswith("/users/") else "group"
        envelope = [
            {"key": d["key"], "version": d["version"], "library": {"type": kind_type, "name": library.name}, "data": d}
            for d in chosen
        ]
        return 200, envelope, headers

    def _write(self, library: ZoteroLibrary, kind: str, body: bytes) -> tuple[int, Any, dict[str, str]]:
        try:
            objects = json.loads(body)
        except ValueError:
            return 400, "Invalid JSON", {}
        if not isinstance(objects, list):
            return 400, "Uploaded data must be a JSON array", {}
        if len(objects) > MAX_WRITE:
            return 413, f"Only {MAX_WRITE} objects can be written at once", {}
        result: dict[str, dict[str, Any]] = {"successful": {}, "success": {}, "unchanged": {}, "failed": {}}
        version = library.version + 1
        wrote = False
        for index, data in enumerate(objects):
            key = data.get("key")
            existing = library.objects[kind].get(key) if key else None
            if existing is not None and int(data.get("version", 0)) not in (0, existing["version"]):
                result["failed"][str(index)] = {"key": key, "code": 412, "message": "Object has been modified"}
                continue
            if existing is not None and all(existing.get(k) == v for k, v in data.items() if k != "version"):
                result["unchanged"][str(index)] = key
                continue
            merged = {**(existing or {}), **data, "key": key, "dateModified": _now()}
            library.put(kind, merged, version)
            wrote = True
            result["successful"][str(index)] = {"key": key, "version": version, "data": library.objects[kind][key]}
            result["success"][str(index)] = key
        if wrote:
            library.version = version
        return 200, result, {"Last-Modified-Version": str(library.version)}

    def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
        if isinstance(payload, str):
            data = payload.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if not isinstance(payload, str) else "text/plain")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def zotero_server() -> Iterator[tuple[str, ZoteroState]]:
    """A running loopback Zotero API: its base URL and its state."""
    with serve_zotero() as served:
        yield served


class serve_zotero:
    """Run the loopback server on a free port for the duration of a with-block."""

    def __init__(self, state: ZoteroState | None = None) -> None:
        self.state = state or ZoteroState()

    def __enter__(self) -> tuple[str, ZoteroState]:
        self.server = LoopbackServer(type("Handler", (ZoteroHandler,), {"state": self.state})).start()
        return self.server.url, self.state

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
