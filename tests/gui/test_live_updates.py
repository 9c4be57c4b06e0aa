"""Rows arrive as batches are saved, and every window sees every writer's changes within about a second."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from refmgr.gui import dialogs
from refmgr.gui.imports import ImportRequest
from tests.crossref_server import CrossrefServer
from tests.gui.conftest import open_window

BATCH = 100  # the client's filter=doi:... batch size


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, crossref_server: CrossrefServer) -> CrossrefServer:
    """The window's Crossref address points at the loopback server."""
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "tests@refmgr.invalid")
    return crossref_server


def serve_generated(server: CrossrefServer, n: int) -> list[str]:
    """N more works on the server (a recorded record under new DOIs and titles); their DOIs."""
    template = server.records["10.1038/srep16696"]
    dois = [f"10.5555/batch.{i}" for i in range(n)]
    for i, doi in enumerate(dois):
        server.add({**template, "DOI": doi, "title": [f"Generated batch article {i} on renal cryoablation"]})
    return dois


def test_first_rows_show_before_the_second_batch_is_asked_for(qtbot, online: CrossrefServer, library_path) -> None:
    dois = serve_generated(online, BATCH + 50)
    online.fault_all = "delay"  # every reply takes a second
    online.delay = 1.0
    window = open_window(qtbot, library_path)
    shown: list[tuple[float, int]] = []
    window.model.rowsInserted.connect(lambda *_args: shown.append((time.monotonic(), window.model.rowCount())))
    with qtbot.waitSignal(window.import_finished, timeout=30_000) as finished:
        window.start_import(ImportRequest(texts=["\n".join(dois)]))
    assert finished.args[0].counts() == {"added": BATCH + 50}
    batches = online.requests("list")
    assert [len(r.filter_dois) for r in batches] == [BATCH, 50]
    first_time, first_rows = shown[0]
    assert first_rows == BATCH  # the whole first batch, in one insertion
    assert first_time < batches[1].time  # on screen before the second batch is asked for
    assert window.model.rowCount() == BATCH + 50


NBIB = Path(__file__).parent.parent / "data" / "medline" / "rcc-three.nbib"
SEEN_WITHIN_MS = 1500  # the windows poll every second


def cli(library_path: Path, *argv: str) -> str:
    """Run `refmgr` in another process on the library; its standard output."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "refmgr", "--library", str(library_path), *argv],
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def _state(window) -> tuple[list[int], str, str]:
    all_item = window.sidebar.items()[0]
    return list(window.model.ids), all_item.text(0), window.match_count.text()


def test_two_windows_and_the_cli_writing_in_turns_agree(qtbot, seeded_path: Path, monkeypatch) -> None:

    first = open_window(qtbot, seeded_path)
    second = open_window(qtbot, seeded_path)
    seed_id = first.model.ids[0]

    def agree(rows: int) -> None:
        qtbot.waitUntil(lambda: _state(first) == _state(second) and len(first.model.ids) == rows,
                        timeout=SEEN_WITHIN_MS)  # fmt: skip
        assert _state(first)[1] == f"All articles  ({rows})"

    cli(seeded_path, "import", str(NBIB))  # the command line adds three articles
    agree(4)
    second.select_article(seed_id)
    selected_before = first.table.selected_ids()
    first.save_fields(seed_id, {"rating": 4})  # the first window rates the seed article
    qtbot.waitUntil(lambda: second.pane.rating.currentIndex() == 4, timeout=SEEN_WITHIN_MS)
    assert first.table.selected_ids() == selected_before
    victim = next(i for i in second.model.ids if i != seed_id)
    second.table.selectRow(second.model.row_of(victim))
    monkeypatch.setattr(dialogs, "ask", lambda *_args, **_kwargs: True)
    second.delete_selected()  # the second window deletes one
    agree(3)
    # the first window types a note on an article the command line then deletes: the note is not lost
    target = next(i for i in first.model.ids if i != seed_id)
    assert first.select_article(target)
    first.pane.notes.setFocus()
    qtbot.keyClicks(first.pane.notes, "Ask the presenter about margins")
    first.pane.notes_timer.stop()  # typing still going on: nothing saved yet
    cli(seeded_path, "delete", str(target))
    agree(2)
    assert first.pane.deleted and first.pane.deleted_banner.isVisible()
    assert first.pane.notes.toPlainText() == "Ask the presenter about margins"
    qtbot.mouseClick(first.pane.deleted_banner.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "Ask the presenter about margins"
    first.select_article(seed_id)  # moving on keeps the pane working again
    assert not first.pane.deleted and first.pane.article_id == seed_id
    # a note saved in one window shows in the other, and the command line sees it
    second.select_article(seed_id)
    second.pane.notes.setPlainText("Typed in the second window")
    second.pane.flush_notes()
    qtbot.waitUntil(lambda: first.pane.notes.toPlainText() == "Typed in the second window", timeout=SEEN_WITHIN_MS)
    assert "Typed in the second window" in cli(seeded_path, "show", str(seed_id))


def test_a_note_saved_as_the_article_is_deleted_elsewhere_is_kept(qtbot, seeded_path: Path) -> None:
    from refmgr.core.library import Library

    window = open_window(qtbot, seeded_path)
    window.watcher.stop()  # the save races the delete: it reaches the library before the window has looked
    article_id = window.model.ids[0]
    assert window.select_article(article_id)
    with Library(seeded_path) as other:
        other.delete([article_id])
    window.pane.notes.setPlainText("Margins were clear in all cases")
    with qtbot.waitSignal(window.task_failed, timeout=10_000) as failed:
        window.pane.flush_notes()
    assert "deleted elsewhere" in failed.args[0]
    assert window.pane.deleted and window.pane.deleted_banner.isVisible()
    assert window.pane.notes.toPlainText() == "Margins were clear in all cases"
    assert window.model.rowCount() == 0
    window.select_article(article_id)  # gone: nothing to select; the notes stay until another article is chosen
    assert window.pane.notes.toPlainText() == "Margins were clear in all cases"


def test_deleting_the_open_article_here_is_no_news_from_elsewhere(qtbot, seeded_path: Path, monkeypatch) -> None:
    window = open_window(qtbot, seeded_path)
    article_id = window.model.ids[0]
    assert window.select_article(article_id)
    window.pane.notes.setPlainText("Typed just before deleting")
    monkeypatch.setattr(dialogs, "ask", lambda *_args, **_kwargs: True)
    with qtbot.waitSignal(window.table_refreshed, timeout=10_000):
        window.delete_selected()
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    assert not window.pane.deleted and not window.pane.deleted_banner.isVisible()
    with qtbot.waitSignal(window.table_refreshed, timeout=10_000):
        window.undo_delete()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    restored = window.library.get(window.model.ids[0])
    assert restored is not None and restored.notes == "Typed just before deleting"
