"""Pre-formatting: entries made ahead of time are what a later bibliography is served from."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from refmgr.core import lists
from refmgr.core.export.bibliography import StyleError, format_bibliography, format_entries
from refmgr.core.export.citecache import EntryCache
from refmgr.core.export.preformat import preformat, reading_list_ids
from refmgr.core.formats import ris
from refmgr.core.library import Library

SAMPLE = Path(__file__).parent.parent / "data" / "formats" / "rcc-references.ris"


@pytest.fixture
def ids(library: Library) -> list[int]:
    articles = [r.article for r in ris.parse(SAMPLE.read_text(encoding="utf-8"))]
    return [result.article_id for result in library.save_many(articles)]


def test_bibliography_after_preformat_is_served_from_the_cache(library: Library, ids: list[int],
                                                               tmp_path: Path) -> None:
    cache = EntryCache(tmp_path / "citations.sqlite")
    assert preformat(library, ids, cache=cache) == 6
    assert cache.hits == 0  # nothing was cached, so all six were formatted
    reopened = EntryCache(tmp_path / "citations.sqlite")  # another process, e.g. `refmgr export`
    entries = format_entries(library.get_many(ids), "vancouver", "text", cache=reopened)
    assert (reopened.hits, reopened.misses) == (6, 0)
    assert entries[0].startswith("Ljungberg B, Albiges L, Abu-Ghanem Y")
    assert entries[0].endswith("Eur Urol. 2022 Oct;82(4):399-410.")


def test_preformat_skips_what_is_cached(library: Library, ids: list[int], tmp_path: Path) -> None:
    cache = EntryCache(tmp_path / "citations.sqlite")
    format_entries(library.get_many(ids[:2]), "vancouver", "text", cache=cache)
    assert preformat(library, ids, cache=cache) == 4
    assert preformat(library, ids, cache=cache) == 0
    library.update_fields(ids[0], title="A changed title")  # new content, new key: formatted again
    assert preformat(library, ids, cache=cache) == 1


def test_styles_outputs_and_limits(library: Library, ids: list[int], tmp_path: Path) -> None:
    cache = EntryCache(tmp_path / "citations.sqlite")
    assert preformat(library, ids, styles=("ama", "apa"), output_formats=("html", "markdown"), cache=cache) == 6
    before = cache.misses
    format_entries(library.get_many(ids), "ama", "markdown", cache=cache)
    assert cache.misses == before  # Markdown is made from the cached HTML
    assert preformat(library, ids, styles=("vancouver",), cache=cache, limit=4) == 4
    assert preformat(library, ids, cache=cache, limit=4) == 2
    with pytest.raises(StyleError):
        preformat(library, ids, output_formats=("pdf",), cache=cache)


def test_cancel_stops_before_formatting(library: Library, ids: list[int], tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    cache = EntryCache(tmp_path / "citations.sqlite")
    assert preformat(library, ids, cancel=cancel.is_set, cache=cache) == 0
    assert cache.misses == 0


def test_default_cache_and_reading_lists(library: Library, ids: list[int]) -> None:
    club = lists.create_list(library, "Journal club")
    lists.add_to_list(library, club, [ids[3], ids[1]])
    other = lists.create_list(library, "Audit")
    lists.add_to_list(library, other, [ids[1], ids[5]])
    on_lists = reading_list_ids(library)
    assert sorted(on_lists) == sorted([ids[1], ids[3], ids[5]])
    assert reading_list_ids(library, limit=2) == on_lists[:2]
    assert preformat(library, on_lists) == 3
    cache = EntryCache.default()
    hits = cache.hits
    text = format_bibliography(library.get_many(on_lists), "vancouver")
    assert cache.hits == hits + 3 and text.count("\n") == 3
