"""Imports from the window against the loopback Crossref server: drops, paste, lists, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QGuiApplication

from refmgr.core import lists
from refmgr.core.library import Library
from refmgr.core.settings import Settings
from refmgr.gui.main_window import MainWindow
from refmgr.paths import settings_file
from tests.crossref_server import CrossrefServer
from tests.gui.conftest import drop, make_articles, open_window

DOIS = ("10.1136/esmoopen-2020-000776", "10.1038/srep16696", "10.1200/op.21.00419")
IMPORT_TIMEOUT_MS = 30_000


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, crossref_server: CrossrefServer) -> CrossrefServer:
    """The window's Crossref address points at the loopback server (PubMed and Europe PMC: test_enrich_pane)."""
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "tests@refmgr.invalid")
    Settings(enrich=False).save(settings_file())
    return crossref_server


def _text_mime(text: str) -> QMimeData:
    mime = QMimeData()
    mime.setText(text)
    return mime


def test_dropping_text_with_several_dois_imports_them(qtbot, online: CrossrefServer, library_path: Path) -> None:
    window = open_window(qtbot, library_path)
    text = f"See doi:{DOIS[0]} and https://doi.org/{DOIS[1]}, also ({DOIS[2]})."
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS) as finished:
        assert drop(window.table.viewport(), _text_mime(text))
    report = finished.args[0]
    assert report.counts() == {"added": 3}
    assert window.model.rowCount() == 3
    titles = {window.library.get(i).title for i in window.model.ids}
    assert len(titles) == 3 and all(titles)
    assert {window.library.get(i).doi.lower() for i in window.model.ids} == set(DOIS)  # in the registered case
    dialog = window.report_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    assert dialog.statuses() == ["added", "added", "added"]
    assert "3 added" in dialog.summary.text()
    assert window.match_count.text() == "3 articles"
    assert not window.progress.isVisible()


def test_dropping_the_seed_pubmed_page_file(qtbot, online: CrossrefServer, library_path: Path, seed_page: Path) -> None:
    window = open_window(qtbot, library_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(seed_page))])
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS) as finished:
        assert drop(window, mime)
    assert finished.args[0].counts().get("added") == 1
    assert window.model.rowCount() == 1
    window.select_article(window.model.ids[0])
    assert window.pane.side_by_side.legends_title.text() == "<b>Figure legends</b> (3)"
    assert window.pane.title.text().startswith("Beyond the Scalpel")


def test_dropping_dois_on_a_reading_list(qtbot, online: CrossrefServer, library_path: Path) -> None:
    with Library(library_path) as library:
        list_id = lists.create_list(library, "RCC ablation")
    window = open_window(qtbot, library_path)
    item = window.sidebar.list_item(list_id)
    target = window.sidebar.visualItemRect(item).center()
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS):
        assert drop(window.sidebar.viewport(), _text_mime("\n".join(DOIS[:2])), target)
    on_list = [i.article_id for i in lists.list_items(window.library, list_id)]
    assert sorted(window.library.get(i).doi for i in on_list) == sorted(DOIS[:2])
    assert window.sidebar.list_item(list_id).text(0) == "RCC ablation  (2)"


def test_paste_on_the_table_imports_the_clipboard(qtbot, online: CrossrefServer, library_path: Path) -> None:
    window = open_window(qtbot, library_path)
    QGuiApplication.clipboard().setText(f"https://doi.org/{DOIS[1]}")
    window.table.setFocus()
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS) as finished:
        window.paste_action.trigger()
    assert finished.args[0].counts() == {"added": 1}
    assert window.library.get(window.model.ids[0]).doi == DOIS[1]
    QGuiApplication.clipboard().setText("nothing to import here")
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS) as finished:
        window.paste_action.trigger()
    assert window.model.rowCount() == 1


def test_crossref_down_keeps_items_pending_and_retry_fetches_them(
    qtbot, monkeypatch: pytest.MonkeyPatch, crossref_server: CrossrefServer, library_path: Path
) -> None:
    with Library(library_path) as library:
        library.save_many(make_articles(5))
    crossref_server.fault_all = "delay"
    crossref_server.delay = 1.5
    monkeypatch.setenv("REFMGR_CROSSREF_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    Settings(enrich=False).save(settings_file())  # Crossref alone: PubMed's pending items are tested apart
    window = open_window(qtbot, library_path)
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS) as finished:
        window.start_import(window_request(DOIS[:2]))
    report = finished.args[0]
    assert report.counts() == {"pending": 2}
    assert window.model.rowCount() == 5
    assert "Crossref could not be reached: 2 item(s) are kept as pending" in window.statusBar().currentMessage()
    assert window.pending_button.isVisible() and window.pending_button.text() == "2 pending — retry"
    assert window.retry_action.isEnabled()
    assert window.report_dialog.statuses() == ["pending", "pending"]
    # Crossref answers again, slowly: the window keeps working while the retry runs.
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS) as finished:
        window.retry_action.trigger()
        assert window.import_running and window.cancel_button.isVisible()
        window.search.setText("author:author2")
        qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=1000)
        assert window.import_running
        window.search.setText("")
    assert finished.args[0].counts() == {"added": 2}
    assert window.library.count() == 7
    assert not window.pending_button.isVisible() and not window.retry_action.isEnabled()


def window_request(dois: tuple[str, ...]):
    """An import request for DOIs typed in the "Add by identifier" dialog."""
    from refmgr.gui.imports import ImportRequest

    return ImportRequest(texts=["\n".join(dois)])


def test_add_by_identifier_dialog(qtbot, online: CrossrefServer, window: MainWindow) -> None:
    window.add_action.trigger()
    dialog = window.identifier_dialog
    assert dialog.isVisible()
    dialog.editor.setPlainText(f"doi: {DOIS[0].upper()}")
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS) as finished:
        dialog.accept()
    assert finished.args[0].counts() == {"added": 1}
    assert window.pane.article_id == window.model.ids[0]


def test_resolving_references_from_the_references_tab(qtbot, online: CrossrefServer, seeded_path: Path) -> None:
    window = open_window(qtbot, seeded_path)
    seed_id = window.model.ids[0]
    window.select_article(seed_id)
    tab = window.pane.references
    window.pane.tabs.setCurrentWidget(tab)
    assert [tab.model.data(tab.model.index(r, 2)) for r in range(5)] == ["Unresolved"] * 5
    assert tab.resolve_all.isEnabled()
    with qtbot.waitSignal(window.references_resolved, timeout=IMPORT_TIMEOUT_MS):
        qtbot.mouseClick(tab.resolve_all, Qt.MouseButton.LeftButton)
    assert [tab.model.data(tab.model.index(r, 2)) for r in range(5)] == ["Resolved"] * 5
    assert tab.model.data(tab.model.index(0, 3)) == "10.1016/j.eururo.2022.03.006"
    assert tab.summary.text() == "5 references: 5 resolved (0 in library), 0 ambiguous, 0 unresolved"
    assert window.statusBar().currentMessage() == "References resolved: 5 resolved"
    assert not tab.resolve_all.isEnabled()
    assert window.pane.tabs.currentWidget() is tab
    # Add the first cited article to the library; the reference then points at it.
    tab.view.selectRow(0)
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS) as finished:
        qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].counts() == {"added": 1}
    qtbot.waitUntil(lambda: tab.model.data(tab.model.index(0, 2)) == "In library")
    cited = window.library.find("10.1016/j.eururo.2022.03.006")
    tab.view.selectRow(0)
    tab.open_selected()
    assert window.pane.article_id == cited
    assert window.pane.title.text().startswith("European Association of Urology Guidelines on Renal Cell Carcinoma")


def test_what_a_drop_carries(tmp_path: Path) -> None:
    from refmgr.gui.imports import identifiers_text, request_from_mime
    from refmgr.gui.table_model import ARTICLE_IDS_MIME

    links = QMimeData()
    links.setUrls([QUrl("https://doi.org/10.1038/srep16696"), QUrl("https://pubmed.ncbi.nlm.nih.gov/40555808/")])
    request = request_from_mime(links)
    assert request.paths == [] and request.texts == [
        "https://doi.org/10.1038/srep16696\nhttps://pubmed.ncbi.nlm.nih.gov/40555808/"
    ]
    files = QMimeData()
    page = tmp_path / "page.txt"
    files.setUrls([QUrl.fromLocalFile(str(page))])
    files.setText(QUrl.fromLocalFile(str(page)).toString())  # file managers add the path as text too
    request = request_from_mime(files)
    assert request.paths == [page] and request.texts == []
    rows = QMimeData()
    rows.setData(ARTICLE_IDS_MIME, b"[1, 2]")
    rows.setText("https://doi.org/10.1/x")
    assert not request_from_mime(rows)
    assert identifiers_text("doi: 10.1038/SREP16696; PMID: 40555808, PMC1234") == (
        "10.1038/srep16696\nhttps://pubmed.ncbi.nlm.nih.gov/40555808/\nPMC1234"
    )


def test_cancel_stops_a_slow_import(qtbot, online: CrossrefServer, library_path: Path) -> None:
    online.fault_all = "delay"
    online.delay = 3.0
    window = open_window(qtbot, library_path)
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS) as finished:
        window.start_import(window_request(DOIS))
        qtbot.waitUntil(lambda: window.cancel_button.isVisible())
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    report = finished.args[0]
    assert report is not None and report.cancelled
    assert "added" not in report.counts()
    assert "cancelled" in window.statusBar().currentMessage()
    assert not window.cancel_button.isVisible()
