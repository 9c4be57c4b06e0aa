"""The window against damaged, read-only and hostile libraries (issue 17)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from refmgr.core.backup import create_backup, library_problem
from refmgr.core.importer import ImportReport, ItemReport
from refmgr.core.intake import pending_dois
from refmgr.core.library import Library
from refmgr.core.model import Article, Author
from refmgr.gui import dialogs
from refmgr.gui.imports import ImportRequest
from refmgr.gui.richtext import DISPLAY_CHARS
from refmgr.gui.table_model import COLUMNS
from tests.core.test_damaged_library import damage_index
from tests.crossref_server import CrossrefServer
from tests.gui.conftest import make_articles, open_window
from tests.gui.test_safety import Dialogs
from tests.readonly import read_only_file


def test_damage_in_the_middle_is_found_at_start_and_the_backup_restored(qtbot, monkeypatch, library_path: Path) -> None:
    with Library(library_path) as library:
        library.save_many(make_articles(1000))
    create_backup(library_path, "auto")
    damage_index(library_path)
    asked = Dialogs(monkeypatch, True)
    window = open_window(qtbot, library_path)
    assert asked.questions and asked.questions[0][0] == "Library damaged"
    assert window.model.rowCount() == 1000
    assert library_problem(library_path, full=True) is None


def test_closing_the_window_cuts_a_slow_transfer_and_keeps_the_doi_pending(
    qtbot, monkeypatch, library_path: Path, crossref_server: CrossrefServer
) -> None:
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "tests@refmgr.invalid")
    crossref_server.fault_all = "trickle"  # a reply that would take hours, one byte at a time
    window = open_window(qtbot, library_path)
    window.start_import(ImportRequest(texts=["10.1016/j.eururo.2022.03.006"]))
    qtbot.waitUntil(lambda: len(crossref_server.requests()) == 1, timeout=10_000)
    started = time.monotonic()
    window.close()
    assert window.runner.pool.activeThreadCount() == 0  # the import ended, not abandoned
    assert time.monotonic() - started < 10  # well inside the 30 s the runner would wait
    with Library(library_path) as library:
        assert [d for d, *_ in pending_dois(library)] == ["10.1016/j.eururo.2022.03.006"]


def test_a_five_thousand_word_search_is_shortened_with_a_note(qtbot, library_path: Path) -> None:
    with Library(library_path) as library:
        library.save_many(make_articles(30))
    window = open_window(qtbot, library_path)
    window.search.setText("ablation " + " ".join(f"word{i}" for i in range(5_000)))
    window.apply_query()
    assert "(search shortened)" in window.match_count.text()
    assert "first 32 words" in window.statusBar().currentMessage()


def test_a_read_only_library_opens_with_a_banner_and_refuses_imports(qtbot, monkeypatch, library_path: Path) -> None:
    with Library(library_path) as library:
        library.save_many(make_articles(5))
    with read_only_file(library_path):
        asked = Dialogs(monkeypatch, False)
        window = open_window(qtbot, library_path)
        assert asked.questions == []  # no "damaged", no "new library" offered
        assert window.model.rowCount() == 5
        assert "read-only" in window.read_only_banner.text() and window.read_only_banner.isVisible()
        with qtbot.waitSignal(window.input_refused) as refused:
            window.start_import(ImportRequest(texts=["10.1016/j.eururo.2022.03.006"]))
        assert "read-only" in refused.args[0]
        window.close()


def test_titles_show_as_text_and_tooltips_render_no_markup(qtbot, library_path: Path) -> None:
    title = 'Tom & Jerry\'s "trial" <img src="x.png"> <a href="http://evil.invalid">link</a>'
    with Library(library_path) as library:
        library.save(Article(title=title, doi="10.5555/amp", authors=[Author("O'Brien", "A")], journal="J & J"))
    window = open_window(qtbot, library_path)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.pane.article is not None)
    assert window.pane.title.text() == title and window.pane.title.textFormat() == Qt.TextFormat.PlainText
    assert "O'Brien" in window.pane.authors.text() and "&#x27;" not in window.pane.authors.text()
    tip = window.model.data(window.model.index(0, title_column()), Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tip and "<a " not in tip and "&lt;img" in tip
    document = QTextDocument()
    document.setHtml(tip)
    assert document.toPlainText() == title  # what the tooltip shows is exactly the title's characters


def title_column() -> int:
    return next(i for i, column in enumerate(COLUMNS) if column.key == "title")


def test_damage_met_while_the_window_runs_leads_to_the_backup(qtbot, monkeypatch, library_path: Path) -> None:
    with Library(library_path) as library:
        library.save_many(make_articles(1000))
    create_backup(library_path, "auto")
    window = open_window(qtbot, library_path)
    qtbot.waitUntil(lambda: not window.runner.active, timeout=30_000)
    damage_index(library_path)  # the disk fails under the running window

    def malformed(*_args: object, **_kwargs: object) -> list[int]:
        error = sqlite3.DatabaseError("database disk image is malformed")
        error.sqlite_errorcode = sqlite3.SQLITE_CORRUPT  # type: ignore[attr-defined]
        raise error  # what the window's own (cached) connection meets next

    monkeypatch.setattr(window.library, "query_ids", malformed)
    asked = Dialogs(monkeypatch, True)
    with qtbot.waitSignal(window.restore_finished, timeout=60_000):
        window.reload_all()  # re-reading the rows meets the damage; no traceback: the check runs, offers the backup
    assert asked.questions[0][0] == "Restore from backup" and "damaged" in asked.questions[0][1]
    assert window.model.rowCount() == 1000


def test_a_huge_title_stored_before_the_caps_is_cut_for_display(qtbot, library_path: Path) -> None:
    huge = "Renal ablation " * 400_000  # 6 MB, saved directly (imports now cap titles at 2,000 characters)
    with Library(library_path) as library:
        library.save(Article(title=huge, doi="10.5555/huge"))
    window = open_window(qtbot, library_path)
    shown = window.model.data(window.model.index(0, title_column()), Qt.ItemDataRole.DisplayRole)
    assert len(shown) <= DISPLAY_CHARS and shown.startswith("Renal ablation")
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.pane.article is not None)
    assert len(window.pane.title.text()) <= DISPLAY_CHARS


def test_the_import_report_says_first_that_the_disk_filled(qtbot) -> None:
    report = ImportReport(items=[ItemReport("doi:10.5555/1", "added", 1)],
                          stopped="the disk is full: 1 record saved before it filled")  # fmt: skip
    dialog = dialogs.ReportDialog(None)
    qtbot.addWidget(dialog)
    dialog.show_report(report)
    assert dialog.statuses() == ["stopped", "added"]
    assert "1 record saved before it filled" in dialog.summary.text()


def test_damage_met_while_applying_changes_leads_to_the_check(qtbot, monkeypatch, library_path: Path) -> None:
    from refmgr.core.changes import Changes

    with Library(library_path) as library:
        library.save_many(make_articles(10))
    window = open_window(qtbot, library_path)
    damaged: list[object] = []
    monkeypatch.setattr(window, "library_damaged", damaged.append)

    def malformed(*_args: object, **_kwargs: object) -> list[int]:
        error = sqlite3.DatabaseError("database disk image is malformed")
        error.sqlite_errorcode = sqlite3.SQLITE_CORRUPT  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(window.library, "query_ids", malformed)
    window.apply_changes(Changes(added={999}))  # an outside import, read back from a damaged file
    assert len(damaged) == 1 and window.model.rowCount() == 10
