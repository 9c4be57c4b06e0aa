"""`refmgr import` and the window share core.intake: DOI files are fetched, readers guarded, records streamed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core import intake
from refmgr.core.formats import ParsedRecord
from refmgr.core.intake import import_inputs
from refmgr.core.library import Library
from refmgr.core.model import Article
from tests.crossref_server import CrossrefServer

DOIS = ("10.1136/esmoopen-2020-000776", "10.1038/srep16696")


def test_refmgr_import_fetches_a_file_of_dois(crossref_server: CrossrefServer, monkeypatch, library_path: Path,
                                              tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "oncologist@example.org")
    listing = tmp_path / "dois.txt"
    listing.write_text("\n".join(f"https://doi.org/{doi}" for doi in DOIS) + "\n", encoding="utf-8")
    code = main(["import", "--library", str(library_path), str(listing)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("added ") == 2 and out.strip().endswith("2 added")
    assert len(crossref_server.requests("list")) == 1


class _Breaking:
    """A reader that gives one good record, then hits a RecursionError (absurdly nested input)."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def parse(self, _text: str) -> Iterator[ParsedRecord]:
        self.events.append("read 1")
        yield ParsedRecord("record 1", Article(title="Renal cryoablation outcomes", year=2021))
        raise RecursionError("maximum recursion depth exceeded")


def test_a_reader_breaking_midway_fails_one_item_not_the_import(library: Library, monkeypatch) -> None:
    monkeypatch.setattr(intake, "detect_reader", lambda text, _source: _Breaking([]) if "nested" in text else None)
    report = import_inputs(library, texts=("nested [[[[", "no identifiers here"), client=None)
    assert report.counts() == {"added": 1, "failed": 1}
    failed = next(item for item in report.items if item.status == "failed")
    assert "reading stopped on malformed input (RecursionError)" in failed.message
    assert report.unreadable == ["text 2: not a format refmgr knows, and no DOI or PMID in it"]
    assert library.count() == 1


class _Counting:
    """A reader of many records that notes when each is read."""

    def __init__(self, n: int, events: list[str]) -> None:
        self.n, self.events = n, events

    def parse(self, _text: str) -> Iterator[ParsedRecord]:
        for i in range(self.n):
            self.events.append("read")
            yield ParsedRecord(f"record {i + 1}", Article(title=f"Streamed record {i} on ablation margins", year=2020))


def test_records_stream_into_the_library_batch_by_batch(library: Library, monkeypatch) -> None:
    events: list[str] = []
    monkeypatch.setattr(intake, "detect_reader", lambda _text, _source: _Counting(1200, events))
    report = import_inputs(library, texts=("many records",), client=None, on_item=lambda _item: events.append("saved"))
    assert report.counts() == {"added": 1200}
    first_saved = events.index("saved")
    assert events[:first_saved].count("read") <= 501  # the first batch is saved and told before the rest is read
    assert events.count("saved") == 1200
