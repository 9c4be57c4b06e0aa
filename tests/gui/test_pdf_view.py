"""The PDF tab: an imported PDF opens inside refmgr with pages, zoom and search."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex

from refmgr.core import intake
from refmgr.core.library import Library
from refmgr.core.model import Article
from tests.gui.conftest import open_window

DATA = Path(__file__).parent.parent / "data" / "pdf"
WORKS = json.loads((DATA / "crossref_works.json").read_text(encoding="utf-8"))["works"]


@pytest.fixture
def library_with_pdf(library_path: Path, tmp_path: Path, crossref_server, crossref_client) -> tuple[Path, int]:
    """A library with the NAR article imported from its PDF, and one article without a PDF."""
    for work in WORKS:
        crossref_server.add(work)
    pdf = Path(shutil.copy(DATA / "nar_2024_mutation_rate_hypomethylation_cancer.pdf", tmp_path / "nar.pdf"))
    with Library(library_path) as library:
        intake.import_inputs(library, paths=[pdf], client=crossref_client)
        article_id = library.find("10.1093/nar/gkae252")
        library.save(Article(title="An article without a PDF", doi="10.5555/no.pdf", year=2020))
    return library_path, article_id


def test_pdf_tab_pages_zoom_and_search(qtbot, library_with_pdf) -> None:
    path, article_id = library_with_pdf
    window = open_window(qtbot, path)
    window.select_article(article_id)
    pane = window.pane
    tab = pane.pdf
    assert pane.tabs.tabText(pane.tabs.indexOf(tab)) == "PDF (1)"
    pane.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.document.pageCount() == 16)
    assert tab.stack.currentWidget() is tab.viewer and tab.pages.text() == "of 16"
    tab.go_to_page(4)
    qtbot.waitUntil(lambda: tab.page.value() == 5)
    tab.go_to_page(99)
    qtbot.waitUntil(lambda: tab.page.value() == 16)
    assert [tab.figures.itemText(i) for i in range(tab.figures.count())] == [
        "Go to figure…", "Figure 1 (p. 4)", "Figure 2 (p. 6)", "Figure 3 (p. 8)", "Figure 4 (p. 10)",
        "Figure 5 (p. 12)",
    ]  # fmt: skip
    assert tab.go_to_figure("Figure 3")
    qtbot.waitUntil(lambda: tab.page.value() == 8)
    assert not tab.go_to_figure("Figure 9")
    tab.set_zoom(2.0)
    assert tab.view.zoomFactor() == pytest.approx(2.0)
    tab.set_zoom(100)
    assert tab.view.zoomFactor() == pytest.approx(6.0)
    tab.search.setText("hypomethylation")
    qtbot.waitUntil(lambda: tab.search_model.rowCount(QModelIndex()) > 10, timeout=10_000)
    tab.next_search_result()
    first = tab.view.currentSearchResultIndex()
    tab.next_search_result()
    assert tab.view.currentSearchResultIndex() == first + 1
    assert tab.matches.text().endswith("found")


def test_pdf_tab_without_attachment_offers_find_pdf(qtbot, library_with_pdf) -> None:
    path, _ = library_with_pdf
    window = open_window(qtbot, path)
    with Library(path) as library:
        other = library.find("10.5555/no.pdf")
    window.select_article(other)
    tab = window.pane.pdf
    window.pane.tabs.setCurrentWidget(tab)
    assert tab.stack.currentIndex() == 0
    assert "No PDF attached" in tab.message.text()
    assert tab.find_pdf.isVisibleTo(tab)
    with qtbot.waitSignal(tab.find_pdf_requested) as requested:
        tab.find_pdf.click()
    assert requested.args == [other]


def test_missing_file_is_said_plainly(qtbot, library_with_pdf) -> None:
    path, article_id = library_with_pdf
    for stored in (path.parent / "library-attachments").iterdir():
        stored.unlink()
    window = open_window(qtbot, path)
    window.select_article(article_id)
    tab = window.pane.pdf
    window.pane.tabs.setCurrentWidget(tab)
    assert "is missing from" in tab.message.text()
