"""A loopback stand-in for api.unpaywall.org and the file servers its links point at."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.loopback import LoopbackServer

RECORDINGS = Path(__file__).parent / "data" / "pdf" / "unpaywall"
CHUNK = 64 * 1024


class UnpaywallServer(LoopbackServer):
    """Serves /v2/{doi} from recordings (PDF links pointed here) and /files/{name} from `files`."""

    def __init__(self) -> None:
        self.answers: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[str, bytes, bool]] = {}  # name -> (content type, body, send length)
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        super().__init__(_handler(self))
        for path in RECORDINGS.glob("unpaywall_*.json"):
            answer = json.loads(path.read_text(encoding="utf-8"))
            self.answers[answer["doi"].lower()] = answer

    def point_pdf_at(self, doi: str, name: str) -> None:
        """Make the recorded answer's best PDF link lead to /files/NAME here."""
        best = self.answers[doi]["best_oa_location"]
        best["url_for_pdf"] = f"{self.url}/files/{name}"

    def serve(self, name: str, body: bytes, content_type: str = "application/pdf", length: bool = True) -> None:
        """Serve a file (without Content-Length when length is False, so only streaming can tell its size)."""
        self.files[name] = (content_type, body, length)


def _handler(server: UnpaywallServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            server.requests.append((parts.path, query))
            if parts.path.startswith("/v2/"):
                self._answer(unquote(parts.path[4:]).lower(), query)
            elif parts.path.startswith("/files/") and parts.path[7:] in server.files:
                self._file(*server.files[parts.path[7:]])
            else:
                self._send(404, "application/json", b'{"error": true}')

        def _answer(self, doi: str, query: dict[str, list[str]]) -> None:
            email = query.get("email", [""])[0]
            if "@" not in email or email.endswith("example.com"):
                self._send(422, "application/json", b'{"HTTP_status_code": 422, "error": true}')
            elif doi in server.answers:
                self._send(200, "application/json", json.dumps(server.answers[doi]).encode())
            else:
                self._send(404, "application/json", b'{"HTTP_status_code": 404, "error": true}')

        def _file(self, content_type: str, body: bytes, length: bool) -> None:
            if length:
                self._send(200, content_type, body)
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for start in range(0, len(body), CHUNK):
                    self.wfile.write(body[start : start + CHUNK])
            except (BrokenPipeError, ConnectionResetError):
                return

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


@pytest.fixture
def unpaywall_server() -> Iterator[UnpaywallServer]:
    """A running loopback Unpaywall, stopped after the test."""
    server = UnpaywallServer().start()
    yield server
    server.stop()
