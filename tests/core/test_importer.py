"""Reading input files safely and importing them with a per-item report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from refmgr.core.formats import ParsedRecord
from refmgr.core.importer import ImportReport, ItemReport, import_files, import_text, save_records
from refmgr.core.library import Library
from refmgr.core.model import Article
from refmgr.core.textio import InputError, decode_bytes, read_text_file

DATA = Path(__file__).parent.parent / "data"
NBIB = DATA / "medline" / "rcc-three.nbib"


def test_decode_utf8_with_and_without_bom() -> None:
    assert decode_bytes("Interferon-α\r\n".encode()).text == "Interferon-α\n"
    assert decode_bytes(b"\xef\xbb\xbfTI  - x\r").text == "TI  - x\n"


def test_decode_utf16_with_bom() -> None:
    assert decode_bytes("Fung KFK\n".encode("utf-16")).text == "Fung KFK\n"


def test_decode_latin1_fallback_warns() -> None:
    decoded = decode_bytes("Hôpital\n".encode("latin-1"), "old.nbib")
    assert decoded.text == "Hôpital\n"
    assert decoded.warnings == ["old.nbib: not valid UTF-8 (byte 1); read as Latin-1"]


def test_binary_and_size_limits(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"scan\.bin: binary data, not a text file"):
        decode_bytes(b"\x89PNG\x00\x00", "scan.bin")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (2**20 + 60_000))
    with pytest.raises(InputError) as caught:
        read_text_file(big, limit=2**20)
    assert str(caught.value) == f"{big}: 1.1 MB is over the 1 MB limit for one file"
    assert len(read_text_file(big, limit=2**21).text) == 2**20 + 60_000


def test_import_text_detects_format(library: Library, seed_page: Path) -> None:
    report = import_text(library, seed_page.read_text(encoding="utf-8"), "clipboard")
    assert [(i.status, i.article_id, i.source) for i in report.items] == [("added", 1, "clipboard page")]
    report = import_text(library, "just some words", "clipboard")
    assert report.items == []
    assert report.unreadable == ["clipboard: not a format refmgr knows (PubMed page, MEDLINE/.nbib, ...)"]
    assert not report.ok


def test_import_files_progress_and_report(library: Library, seed_page: Path) -> None:
    progress: list[tuple[int, int]] = []
    report = import_files(library, [seed_page, NBIB, seed_page], progress=lambda *step: progress.append(step))
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert report.counts() == {"added": 4, "duplicate": 1}
    assert report.ok
    assert report.article_ids == [1, 2, 3, 4, 1]
    assert report.summary() == "4 added, 1 duplicate"
    assert library.count() == 4


def test_import_files_cancel(library: Library, seed_page: Path) -> None:
    report = import_files(library, [seed_page, NBIB], cancel=lambda: True)
    assert report.cancelled
    assert report.items == [] and library.count() == 0


def test_report_render() -> None:
    report = ImportReport(
        items=[
            ItemReport("PMID 1 “A title”", "added", 7, "", "a.nbib record 1 (line 1)"),
            ItemReport("record 2 (line 9)", "failed", None, "no title (TI); the record looks truncated", "a.nbib"),
        ],
        warnings=["a.nbib: not valid UTF-8 (byte 3); read as Latin-1"],
    )
    assert report.render().splitlines() == [
        "added        PMID 1 “A title” (#7) [a.nbib record 1 (line 1)]",
        "failed       record 2 (line 9) [a.nbib]: no title (TI); the record looks truncated",
        "warning      a.nbib: not valid UTF-8 (byte 3); read as Latin-1",
        "1 added, 1 failed",
    ]
    assert not report.ok


def test_a_reader_that_breaks_midway_keeps_the_records_before_it(library: Library) -> None:
    def breaking_reader() -> Iterator[ParsedRecord]:
        yield ParsedRecord("record 1", article=Article(title="Kept before the break", year=2020, doi="10.5555/kept"))
        raise RecursionError("maximum recursion depth exceeded")

    report = save_records(library, breaking_reader(), "broken.txt")
    assert [(i.status, i.message) for i in report.items] == [
        ("added", ""),
        ("failed", "broken.txt: reading stopped on malformed input (RecursionError); earlier records kept"),
    ]
    assert library.find("10.5555/kept") is not None
