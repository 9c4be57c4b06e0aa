"""Background pre-formatting: the window prepares bibliography entries after imports and at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QUrl

from refmgr.core import lists
from refmgr.core.export.bibliography import format_entries
from refmgr.core.export.citecache import EntryCache
from refmgr.core.export.preformat import uncached
from refmgr.core.library import Library
from refmgr.core.settings import Settings
from refmgr.gui.main_window import MainWindow
from refmgr.paths import settings_file
from tests.crossref_server import CrossrefServer
from tests.gui.conftest import drop, open_window

TIMEOUT_MS = 30_000


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, crossref_server: CrossrefServer) -> CrossrefServer:
    """The window's Crossref address points at the loopback server."""
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "tests@refmgr.invalid")
    return crossref_server


def _uncached_ids(path: Path, style: str = "vancouver") -> list[int]:
    with Library(path) as library:
        articles = library.get_many(library.query_ids())
        return [a.id for a in uncached(articles, style, "text", EntryCache.default()) if a.id is not None]


def test_dropping_the_seed_page_caches_its_vancouver_entry(qtbot, online: CrossrefServer, library_path: Path,
                                                           seed_page: Path) -> None:
    window = open_window(qtbot, library_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(seed_page))])
    with qtbot.waitSignal(window.import_finished, timeout=TIMEOUT_MS):
        assert drop(window, mime)
    assert window.model.rowCount() == 1
    qtbot.waitUntil(lambda: not _uncached_ids(library_path), timeout=TIMEOUT_MS)
    assert not window.runner.active and not window.progress.isVisible()  # quiet: no busy bar for it
    cache = EntryCache.default()
    misses = cache.misses
    with Library(library_path) as library:
        [entry] = format_entries(library.get_many(library.query_ids()), "vancouver", "text")
    assert cache.misses == misses  # served from what the window prepared
    assert "Beyond the Scalpel" in entry and not entry.startswith("1.")


def test_start_up_pass_covers_reading_lists_in_the_default_style(qtbot, seeded_path: Path) -> None:
    with Library(seeded_path) as library:
        [article_id] = library.query_ids()
        lists.add_to_list(library, lists.create_list(library, "Journal club"), [article_id])
    assert _uncached_ids(seeded_path, "ama") == [article_id]
    settings = Settings()
    settings.citation_style = "ama"
    settings.save(settings_file())
    window = open_window(qtbot, seeded_path)
    assert isinstance(window, MainWindow) and window.settings.citation_style == "ama"
    qtbot.waitUntil(lambda: not _uncached_ids(seeded_path, "ama"), timeout=TIMEOUT_MS)
    assert _uncached_ids(seeded_path, "vancouver") == [article_id]  # only the user's style is prepared


def test_a_failing_pass_leaves_a_status_note(qtbot, seeded_path: Path) -> None:
    window = open_window(qtbot, seeded_path)
    qtbot.waitUntil(lambda: window.preformatter.task is None, timeout=TIMEOUT_MS)
    window.settings.citation_style = "no-such-style"
    with qtbot.waitSignal(window.preformatter.finished, timeout=TIMEOUT_MS) as finished:
        window.preformatter.articles_changed([1])
    assert finished.args == [-1]
    assert "could not be prepared in advance" in window.statusBar().currentMessage()
