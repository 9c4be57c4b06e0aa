"""Reading a PDF's text through the worker process, with a size cap, a file-type check and a deadline."""

from __future__ import annotations

import json
import os
import queue
import re
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import refmgr
from refmgr.core.identifiers import extract_dois

MAX_PDF_BYTES = 200 * 2**20
PDF_TIMEOUT_S = 60.0
POLL_S = 0.1  # how often a read in progress checks for cancellation
_HEAD_BYTES = 1024


class PdfError(ValueError):
    """A PDF refmgr cannot read: the message names the file and says why."""


class PdfCancelled(PdfError):
    """Reading a PDF was cancelled by the user."""


@dataclass(frozen=True)
class Line:
    """One line of page text with its box (PDF points, origin bottom left) and median character height."""

    text: str
    left: float
    bottom: float
    right: float
    top: float
    height: float


@dataclass
class PdfText:
    """What the worker read from one PDF: lines per page, the Info dictionary and the XMP packet."""

    path: Path
    pages: list[list[Line]]
    page_count: int
    info: dict[str, str] = field(default_factory=dict)
    xmp: str = ""


def check_pdf_file(path: Path, limit: int = MAX_PDF_BYTES) -> None:
    """Refuse, with a message naming the file, what is missing, too large or not a PDF at all."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise PdfError(f"{path}: not a regular file (a folder, pipe or device)")
        size = info.st_size
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as error:
        raise PdfError(f"{path}: cannot read ({error.strerror or error})") from error
    if size > limit:
        raise PdfError(f"{path}: {size / 2**20:.0f} MB is over the {limit / 2**20:g} MB limit for one PDF")
    if b"%PDF-" not in head:
        lowered = head.lstrip().lower()
        if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:512]:
            raise PdfError(f"{path}: a web page (HTML) saved with a .pdf name, not a PDF")
        raise PdfError(f"{path}: not a PDF (no %PDF header)")


def worker_command() -> list[str]:
    """How to start the worker: the bundle's own executable when frozen, else this Python."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--pdf-worker"]
    return [sys.executable, "-m", "refmgr.core.pdf.worker"]


class PdfExtractor:
    """One worker process reading PDFs in turn; a PDF that hangs or crashes it costs only a restart."""

    def __init__(self, timeout: float = PDF_TIMEOUT_S) -> None:
        self.timeout = timeout
        self._process: subprocess.Popen[str] | None = None
        self._replies: queue.Queue[str | None] = queue.Queue()
        self._pump: threading.Thread | None = None

    def __enter__(self) -> PdfExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[str]:
        env = dict(os.environ)
        package_root = str(Path(refmgr.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH", "")]))
        process = subprocess.Popen(
            worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8", env=env,
        )  # fmt: skip
        replies: queue.Queue[str | None] = queue.Queue()
        stdout = process.stdout
        assert stdout is not None

        def pump() -> None:
            for line in stdout:
                replies.put(line)
            replies.put(None)

        self._pump = threading.Thread(target=pump, name="pdf-worker-reader", daemon=True)
        self._pump.start()
        self._process, self._replies = process, replies
        return process

    def extract(self, path: Path, cancel: Callable[[], bool] | None = None) -> PdfText:
        """The PDF's text and metadata; PdfError for anything unreadable, hostile or too slow."""
        # `cancel` is polled while the worker reads: cancelling stops the worker and raises PdfCancelled.
        path = Path(path)
        check_pdf_file(path)
        process = self._process if self._process and self._process.poll() is None else self._start()
        assert process.stdin is not None
        deadline = time.monotonic() + self.timeout
        try:
            process.stdin.write(json.dumps(str(path.resolve())) + "\n")
            process.stdin.flush()
            while True:
                try:
                    reply = self._replies.get(timeout=min(POLL_S, max(deadline - time.monotonic(), 0.001)))
                    break
                except queue.Empty:
                    if cancel is not None and cancel():
                        self.close()
                        raise PdfCancelled(f"{path}: reading was cancelled") from None
                    if time.monotonic() >= deadline:
                        self.close()
                        raise PdfError(f"{path}: reading it took over {self.timeout:g} s, so it was stopped") from None
        except OSError as error:
            self.close()
            raise PdfError(f"{path}: the PDF reader stopped ({error})") from error
        if reply is None:
            self.close()
            raise PdfError(f"{path}: the PDF made the reader crash (damaged or built to break readers)")
        return _to_text(path, json.loads(reply))

    def close(self) -> None:
        """Stop the worker (killed if it does not end on its own at once)."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin:
                process.stdin.close()
            process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        if self._pump is not None:
            self._pump.join(timeout=2)
        if process.stdout:
            process.stdout.close()


def _to_text(path: Path, data: dict[str, Any]) -> PdfText:
    error = data.get("error")
    if error == "encrypted":
        raise PdfError(f"{path}: password-protected; open it in a PDF viewer, save an unprotected copy, import that")
    if error == "too_big":
        raise PdfError(f"{path}: {data.get('detail', 'too large to read')}")
    if error:
        dois = [d for d in extract_dois(data.get("xmp") or "") if "(issn)" not in d]
        hint = f"; its metadata names doi:{dois[0]}, which you can import instead" if dois else ""
        detail = re.sub(r"^Failed to load document \((.*)\)\.?$", r"\1", str(data.get("detail") or "unreadable"))
        raise PdfError(f"{path}: damaged or incomplete PDF ({detail}){hint}")
    pages = [[Line(*line) for line in page] for page in data["pages"]]
    return PdfText(path, pages, int(data["page_count"]), dict(data.get("info") or {}), data.get("xmp") or "")


def read_pdf(path: Path, timeout: float = PDF_TIMEOUT_S) -> PdfText:
    """One PDF's text through a worker of its own."""
    with PdfExtractor(timeout) as extractor:
        return extractor.extract(path)
