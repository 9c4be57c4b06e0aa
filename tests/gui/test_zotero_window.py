"""The window's Zotero menu: sync with progress against the loopback Web API, account dialog, conflicts."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from refmgr.core.library import Library
from refmgr.core.zotero.store import SyncStore
from refmgr.gui.zotero_sync import AccountDialog, ConflictsDialog
from tests.core.test_zotero_sync import seed
from tests.gui.conftest import open_window


def test_sync_action_brings_zotero_items_into_the_table(qtbot, library_path, zotero_server, monkeypatch):
    url, state = zotero_server
    monkeypatch.setenv("REFMGR_ZOTERO_URL", url)
    monkeypatch.setenv("REFMGR_ZOTERO_API_KEY", state.api_key)
    monkeypatch.setenv("REFMGR_ZOTERO_USER_ID", str(state.user_id))
    seed(state.user_library, 60)
    window = open_window(qtbot, library_path)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus.index("&Zotero") == menus.index("&Help") - 1
    stages: list[object] = []
    original = window.zotero._stage
    window.zotero._stage = lambda payload: (stages.append(payload), original(payload))
    with qtbot.waitSignal(window.zotero.finished, timeout=30_000) as finished:
        window.zotero.sync_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 60, timeout=10_000)
    assert "60 received from Zotero" in finished.args[0]
    assert any(stage[0] == "Receiving from Zotero" for stage in stages)
    assert window.zotero.sync_action.isEnabled()


def test_a_failed_sync_says_changes_stay_queued(qtbot, library_path, zotero_server, monkeypatch):
    url, state = zotero_server
    monkeypatch.setenv("REFMGR_ZOTERO_URL", url)
    monkeypatch.setenv("REFMGR_ZOTERO_API_KEY", "wrongkey")
    monkeypatch.setenv("REFMGR_ZOTERO_USER_ID", str(state.user_id))
    window = open_window(qtbot, library_path)
    with qtbot.waitSignal(window.zotero.finished, timeout=30_000) as finished:
        window.zotero.sync_action.trigger()
    message = finished.args[0]
    assert "refused the API key" in message and "stay queued" in message


def test_account_dialog_validates_and_conflicts_dialog_settles(qtbot, library_path):
    dialog = AccountDialog(None, "", 0)
    qtbot.addWidget(dialog)
    dialog.user_id.setText("475425")
    dialog.api_key.setText("abc123")
    dialog._accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.account().user_id == 475425
    with Library(library_path) as library:
        store = SyncStore(library, "/users/475425")
        with library.transaction():
            store.record_conflict(None, "ABCD2345", "title", "Kept title", "Other title", "zotero")
        conflicts = ConflictsDialog(store)
        qtbot.addWidget(conflicts)
        assert conflicts.table.rowCount() == 1 and conflicts.table.item(0, 3).text() == "Other title"
        conflicts.table.selectRow(0)
        conflicts._settle()
        assert conflicts.table.rowCount() == 0 and store.conflicts() == []


def test_conflicts_dialog_restores_an_article_deleted_in_zotero(qtbot, library_path):
    import json

    from refmgr.core.model import Article, to_csl

    with Library(library_path) as library:
        store = SyncStore(library, "/users/475425")
        deleted = json.dumps(to_csl(Article(title="Deleted by a co-author", doi="10.5555/gone.1", year=2021)))
        with library.transaction():
            store.record_conflict(None, "GONE2345", "deleted in Zotero", "", deleted, "zotero")
        conflicts = ConflictsDialog(store)
        qtbot.addWidget(conflicts)
        conflicts.table.selectRow(0)
        conflicts._restore()
        assert conflicts.restored == 1 and conflicts.table.rowCount() == 0
        assert library.get(library.find("10.5555/gone.1")).title == "Deleted by a co-author"
