"""The PDF text worker: a child process that opens PDFs with PDFium and prints their text lines as JSON."""
# It runs apart from refmgr so that a hostile PDF can at worst kill or hang this process (the parent
# kills it after a deadline); its address space is capped so that a PDF cannot exhaust memory.
# Protocol: one JSON-quoted file path per line on stdin, one JSON object per line on stdout.

from __future__ import annotations

import ctypes
import json
import re
import sys
from typing import Any

MEMORY_LIMIT_BYTES = 1536 * 2**20
MAX_PAGES = 400
MAX_CHARS_PER_PAGE = 200_000
INFO_KEYS = ("Title", "Author", "Subject", "Keywords", "Creator", "Producer", "doi", "DOI", "WPS-ARTICLEDOI")
XMP_PACKET = re.compile(rb"<x:xmpmeta.{0,200000}?</x:xmpmeta>", re.DOTALL)
XMP_SCAN_BYTES = 4 * 2**20
BOX_SAMPLES = 12  # characters measured per line: first, last and evenly spaced ones between


def limit_memory(limit: int = MEMORY_LIMIT_BYTES) -> None:
    """Cap this process's address space where the platform allows it."""
    try:
        import resource
    except ImportError:  # Windows: the parent's deadline still bounds the time
        return
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError):
        return


def _xmp(path: str) -> str:
    """The first XMP packet stored uncompressed in the file's first megabytes (most PDFs keep it so)."""
    with open(path, "rb") as handle:
        data = handle.read(XMP_SCAN_BYTES)
    match = XMP_PACKET.search(data)
    return match.group(0).decode("utf-8", errors="replace") if match else ""


def _info(document: Any, raw: Any) -> dict[str, str]:
    """The Info dictionary's text values, including publishers' own DOI keys."""
    values: dict[str, str] = {}
    for key in INFO_KEYS:
        size = raw.FPDF_GetMetaText(document.raw, key.encode("ascii"), None, 0)
        if size <= 2:
            continue
        buffer = ctypes.create_string_buffer(size)
        raw.FPDF_GetMetaText(document.raw, key.encode("ascii"), buffer, size)
        text = buffer.raw[: size - 2].decode("utf-16-le", errors="replace").strip()
        if text:
            values[key] = text
    return values


def _chars(textpage: Any, raw: Any, count: int) -> list[tuple[str, int]]:
    """The page's characters with their PDFium indices (surrogate pairs joined into one character)."""
    out: list[tuple[str, int]] = []
    pending_high = 0
    for index in range(count):
        code = raw.FPDFText_GetUnicode(textpage.raw, index)
        if 0xD800 <= code < 0xDC00:
            pending_high = code
            continue
        if 0xDC00 <= code < 0xE000 and pending_high:
            code = 0x10000 + ((pending_high - 0xD800) << 10) + (code - 0xDC00)
        pending_high = 0
        if code == 0x02:  # what FPDFText_GetUnicode gives for a hyphen at a line end (U+FFFE in its text ranges)
            code = 0xFFFE
        out.append((chr(code) if 0 < code < 0x110000 else "", index))
    return out


def _page_lines(textpage: Any, raw: Any) -> list[list[Any]]:
    """The page's text as lines, each [text, left, bottom, right, top, median character height]."""
    count = min(textpage.count_chars(), MAX_CHARS_PER_PAGE)
    lines: list[list[Any]] = []
    chars: list[str] = []
    inked: list[int] = []  # PDFium indices of the line's visible characters
    for char, index in _chars(textpage, raw, max(count, 0)):
        if char in "\r\n":
            if chars:
                lines.append(_line(textpage, raw, chars, inked))
            chars, inked = [], []
            continue
        chars.append(char)
        if char == "\ufffe":  # PDFium's mark for a hyphen it joined across a line end: keep the lines apart
            lines.append(_line(textpage, raw, chars, inked))
            chars, inked = [], []
        elif not char.isspace():
            inked.append(index)
    if chars:
        lines.append(_line(textpage, raw, chars, inked))
    return [line for line in lines if line[0].strip()]


def _line(textpage: Any, raw: Any, chars: list[str], inked: list[int]) -> list[Any]:
    """A line with a box robust to stray glyphs, measured on a sample of its characters (boxes cost most)."""
    text = "".join(chars)
    step = max(1, len(inked) // BOX_SAMPLES)
    sample = sorted({*inked[::step], *inked[-1:]})
    left, bottom, right, top = (ctypes.c_double() for _ in range(4))
    boxes = []
    for index in sample:
        if raw.FPDFText_GetCharBox(textpage.raw, index, left, right, bottom, top):
            boxes.append((left.value, bottom.value, right.value, top.value))
    if not boxes:
        return [text, 0.0, 0.0, 0.0, 0.0, 0.0]
    heights = sorted(b[3] - b[1] for b in boxes)
    height = heights[len(heights) // 2]
    base = sorted(b[1] for b in boxes)[len(boxes) // 2]
    band = [b for b in boxes if abs(b[1] - base) <= max(height, 1.0)] or boxes
    return [
        text,
        round(min(b[0] for b in band), 1),
        round(min(b[1] for b in band), 1),
        round(max(b[2] for b in band), 1),
        round(max(b[3] for b in band), 1),
        round(height, 2),
    ]


def extract(path: str) -> dict[str, Any]:
    """Everything refmgr reads from one PDF, or {"error": kind, "detail": text}."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        detail = str(error)
        kind = "encrypted" if "password" in detail.lower() else "damaged"
        return {"error": kind, "detail": detail, "xmp": _xmp(path)}
    try:
        total = len(document)
        pages = []
        for number in range(min(total, MAX_PAGES)):
            page = document[number]
            textpage = page.get_textpage()
            try:
                pages.append(_page_lines(textpage, raw))
            finally:
                textpage.close()
                page.close()
        return {"pages": pages, "page_count": total, "info": _info(document, raw), "xmp": _xmp(path)}
    finally:
        document.close()


def main() -> None:
    """Serve paths from stdin until it closes."""
    limit_memory()
    for line in sys.stdin:
        if not line.strip():
            continue
        path = json.loads(line)
        try:
            result = extract(path)
        except MemoryError:
            result = {"error": "too_big", "detail": "the PDF needs more memory than refmgr allows"}
        except Exception as error:  # any failure inside PDFium's bindings is this file's failure, not the worker's
            result = {"error": "damaged", "detail": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
