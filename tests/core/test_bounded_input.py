"""Inputs are read within their limits whatever the file system says; every field a file carries is capped."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core import fieldcaps, textio
from refmgr.core.importer import import_files
from refmgr.core.library import Library
from refmgr.core.textio import MAX_INPUT_BYTES, InputError, read_bounded


class Endless(io.RawIOBase):
    """A stream that never ends (a device, or a pipe whose writer never stops)."""

    def __init__(self, pattern: bytes) -> None:
        self.pattern = pattern
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 1 << 20 if size is None or size < 0 else size
        self.served += size
        return (self.pattern * (size // len(self.pattern) + 1))[:size]


def test_an_endless_stream_stops_just_past_the_limit() -> None:
    stream = Endless(b"10.1234/abc ")
    with pytest.raises(InputError, match="limit"):
        read_bounded(stream, "standard input", limit=5_000_000)
    assert stream.served <= 5_000_001


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_import_of_dev_zero_is_refused_at_once(library_path: Path, capsys) -> None:
    assert main(["--library", str(library_path), "import", "/dev/zero"]) == 2
    assert "binary data" in capsys.readouterr().out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_that_never_ends_is_cut_at_the_limit(library: Library, tmp_path: Path) -> None:
    fifo = tmp_path / "endless.ris"
    os.mkfifo(fifo)

    def feed() -> None:
        line = b"TY  - JOUR\nTI  - An endless stream of records\nER  - \n" * 1000
        try:
            with fifo.open("wb") as out:
                for _ in range(MAX_INPUT_BYTES // len(line) + 10):
                    out.write(line)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    report = import_files(library, [fifo])
    writer.join(timeout=30)
    assert report.unreadable and "64 MB limit" in report.unreadable[0]
    assert library.count() == 0


def test_add_dash_reads_standard_input_within_the_limit(library_path: Path, monkeypatch, capsys) -> None:
    class Stdin:
        buffer = Endless(b"10.1234/abc ")

    monkeypatch.setattr("sys.stdin", Stdin())
    assert main(["--library", str(library_path), "add", "-"]) == 2
    assert "limit" in capsys.readouterr().err
    assert Stdin.buffer.served <= MAX_INPUT_BYTES + 1


def test_oversize_fields_from_a_file_are_cut_and_reported(library: Library, tmp_path: Path) -> None:
    title = "Renal " * 500_000  # 3 MB of title
    source = tmp_path / "big.ris"
    source.write_text(
        f"TY  - JOUR\nTI  - {title}\nAU  - {'X' * 5000}, A\nAB  - {'a' * 300_000}\nKW  - {'k' * 1000}\n"
        "PY  - 2020\nER  - \n",
        encoding="utf-8",
    )
    report = import_files(library, [source])
    assert report.counts() == {"added": 1}
    article = library.get(report.items[0].article_id)
    assert article is not None
    assert len(article.title) <= fieldcaps.MAX_TITLE and article.title.startswith("Renal Renal")
    assert len(article.authors[0].family) <= fieldcaps.MAX_NAME
    assert len(article.abstract) <= fieldcaps.MAX_ABSTRACT_CHARS
    assert len(article.keywords[0].term) <= fieldcaps.MAX_NAME
    assert any("title cut to 2,000 characters (it had 2,999,999)" in w for w in report.warnings), report.warnings


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_without_a_writer_does_not_hang_the_import(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(textio, "FIFO_WAIT_S", 0.5)
    fifo = tmp_path / "nobody-writes.ris"
    os.mkfifo(fifo)
    report = import_files(library, [fifo])  # opening a FIFO blocks until a writer comes; this must not
    assert "nothing wrote to within 0.5 s" in report.unreadable[0]
    assert library.count() == 0
