"""A tiny writer of text-only PDFs (Helvetica, one line per entry) for tests and benchmarks."""

from __future__ import annotations

from pathlib import Path


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[tuple[float, str]]], info_title: str = "") -> bytes:
    """A PDF whose pages hold lines of (font size, text), set from the top of a Letter page down."""
    objects: list[bytes] = []
    page_ids = [3 + 2 * i for i in range(len(pages))]
    font_id = 3 + 2 * len(pages)
    info_id = font_id + 1
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for pid, lines in zip(page_ids, pages, strict=True):
        y = 760.0
        parts = []
        for size, text in lines:
            y -= size * 1.3
            parts.append(f"BT /F1 {size:g} Tf 56 {y:.1f} Td ({_escape(text)}) Tj ET")
        stream = "\n".join(parts).encode("latin-1", errors="replace")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 {font_id} 0 R >> >> "
            f"/Contents {pid + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objects.append(f"<< /Title ({_escape(info_title)}) /Producer (refmgr tests) >>".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info_id} 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def write_article_pdf(
    path: Path, title: str, body: list[str], doi: str = "", figures: int = 0,
    header: str = "Journal of Generated Tests 2024", authors: str = "A. Author, B. Author",
) -> Path:  # fmt: skip
    """A two-page article: a large title, a DOI line when given, body text and figure captions."""
    first = [(9.0, header)]
    if doi:
        first.append((9.0, f"https://doi.org/{doi}"))
    first += [(20.0, title), (10.0, authors)]
    first += [(10.0, line) for line in body]
    second = [(10.0, line) for line in body]
    for number in range(1, figures + 1):
        caption = f"Figure {number}. Generated caption number {number} for a test figure."
        second += [(12.0, " "), (9.0, caption), (12.0, " ")]
    path.write_bytes(make_pdf([first, second]))
    return path
