"""The window's safety wiring: damaged or too-new libraries on start, backups, restore, check, oversized drops."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QGuiApplication

from refmgr.core.backup import article_count, create_backup, library_problem, list_backups
from refmgr.core.library import Library
from refmgr.core.settings import Settings
from refmgr.core.textio import MAX_INPUT_BYTES
from refmgr.gui import create_main_window, dialogs
from refmgr.gui.app import run_app
from refmgr.gui.main_window import MainWindow
from refmgr.paths import backups_dir, settings_file
from tests.crossref_server import CrossrefServer
from tests.gui.conftest import drop, make_articles, open_window

SEED_TITLE_START = "Beyond the Scalpel"
TASK_TIMEOUT_MS = 30_000


class Dialogs:
    """Replaces ask/tell: records every question and message; `answers` are given in order (then `default`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *answers: bool, default: bool = False) -> None:
        self.questions: list[tuple[str, str]] = []
        self.told: list[tuple[str, str]] = []
        self.answers = list(answers)
        self.default = default
        monkeypatch.setattr(dialogs, "ask", self.ask)
        monkeypatch.setattr(dialogs, "tell", lambda _parent, title, text: self.told.append((title, text)))

    def ask(self, _parent: object, title: str, text: str) -> bool:
        self.questions.append((title, text))
        return self.answers.pop(0) if self.answers else self.default


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, crossref_server: CrossrefServer) -> CrossrefServer:
    """The window's Crossref address points at the loopback server."""
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "tests@refmgr.invalid")
    return crossref_server


def idle(qtbot, window: MainWindow) -> None:
    """Wait until the window's background tasks (the daily backup first of all) are done."""
    qtbot.waitUntil(lambda: not window.runner.active, timeout=TASK_TIMEOUT_MS)


def titles(window: MainWindow) -> list[str]:
    return [window.library.get(i).title for i in window.model.ids]


# ----- a damaged or too-new library on start ----------------------------------------------------


def test_garbage_library_is_restored_from_the_newest_good_backup(qtbot, monkeypatch, seeded_path: Path) -> None:
    backup = create_backup(seeded_path, "auto")
    garbage = b"this is not a database \x00\x01" * 500
    seeded_path.write_bytes(garbage)
    asked = Dialogs(monkeypatch, True)
    window = open_window(qtbot, seeded_path)
    assert window.library_path == seeded_path
    assert len(titles(window)) == 1 and titles(window)[0].startswith(SEED_TITLE_START)
    title, question = asked.questions[0]
    assert title == "Library damaged"
    assert "not a SQLite database" in question
    assert f"{backup.name} (taken " in question and ", 1 article)" in question
    assert asked.told[0][0] == "Library restored"
    kept = [p for p in backups_dir(seeded_path).iterdir() if "damaged" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == garbage  # the damaged file is kept for recovery


def test_truncated_library_is_restored_with_all_its_articles(qtbot, monkeypatch, library_path: Path) -> None:
    with Library(library_path) as library:
        library.save_many(make_articles(300))
    create_backup(library_path, "auto")
    data = library_path.read_bytes()
    library_path.write_bytes(data[: len(data) // 2])
    asked = Dialogs(monkeypatch, True)
    window = open_window(qtbot, library_path)
    assert window.model.rowCount() == 300
    assert window.match_count.text() == "300 articles"
    assert "database disk image is malformed" in asked.questions[0][1]
    assert library_problem(library_path) is None


def test_damaged_library_without_backup_is_left_in_place_and_quit(qtbot, monkeypatch, library_path: Path) -> None:
    garbage = b"\x13\x37 definitely not SQLite" * 100
    library_path.write_bytes(garbage)
    asked = Dialogs(monkeypatch, False)
    assert create_main_window(str(library_path)) is None
    assert len(asked.questions) == 1
    title, question = asked.questions[0]
    assert title == "Cannot open the library"
    assert "not a SQLite database" in question and "No backup of it was found" in question
    assert "library-new.sqlite" in question and "Choose No to quit" in question
    assert library_path.read_bytes() == garbage
    assert not (library_path.parent / "library-new.sqlite").exists()


def test_run_app_on_a_damaged_library_exits_cleanly(monkeypatch, library_path: Path) -> None:
    library_path.write_bytes(b"garbage" * 1000)
    asked = Dialogs(monkeypatch, False)
    assert run_app(str(library_path)) == 1
    assert "not a SQLite database" in asked.questions[0][1]
    assert library_path.read_bytes() == b"garbage" * 1000


def test_declining_the_backup_offers_a_new_library_remembered_in_settings(
    qtbot, monkeypatch, seeded_path: Path
) -> None:
    create_backup(seeded_path, "auto")
    seeded_path.write_bytes(b"garbage" * 1000)
    asked = Dialogs(monkeypatch, False, True)  # no to the backup, yes to a new library
    window = open_window(qtbot, seeded_path)
    fresh = seeded_path.parent / "library-new.sqlite"
    assert [t for t, _ in asked.questions] == ["Library damaged", "Cannot open the library"]
    assert window.library_path == fresh and window.model.rowCount() == 0
    assert Settings.load(settings_file()).library_path == str(fresh)
    assert seeded_path.read_bytes() == b"garbage" * 1000


def test_library_from_a_newer_refmgr_gets_its_own_message(monkeypatch, seeded_path: Path) -> None:
    conn = sqlite3.connect(seeded_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    asked = Dialogs(monkeypatch, False)
    assert create_main_window(str(seeded_path)) is None
    question = asked.questions[0][1]
    assert "written by a newer version of refmgr" in question and "schema version 99" in question
    assert "It has not been changed" in question
    conn = sqlite3.connect(seeded_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
    conn.close()
    assert not list_backups(seeded_path)


# ----- automatic and manual backups ----------------------------------------------------------------


def test_window_makes_the_daily_backup_in_the_background(qtbot, monkeypatch, seeded_path: Path) -> None:
    Dialogs(monkeypatch)
    window = open_window(qtbot, seeded_path)
    idle(qtbot, window)
    backups = list_backups(seeded_path)
    assert len(backups) == 1 and backups[0].name.endswith("-auto.sqlite")
    assert article_count(backups[0]) == 1
    assert window.statusBar().currentMessage() == f"Daily backup saved as {backups[0].name} in {backups[0].parent}."
    window.close()
    again = open_window(qtbot, seeded_path)  # the same day: no second backup, not even a task
    assert not again.runner.active and not again.progress.isVisible()
    assert list_backups(seeded_path) == backups


def test_failed_daily_backup_is_reported_and_the_window_works(qtbot, monkeypatch, seeded_path: Path) -> None:
    Dialogs(monkeypatch)
    backups_dir(seeded_path).write_text("a file where the backups folder should be")
    window = open_window(qtbot, seeded_path)
    idle(qtbot, window)
    message = window.statusBar().currentMessage()
    assert message.startswith("The daily backup could not be made: cannot write a backup of")
    assert "File ▸ Back up now" in message
    assert titles(window)[0].startswith(SEED_TITLE_START)


def test_back_up_now_to_a_chosen_file(qtbot, monkeypatch, seeded_window: MainWindow, tmp_path: Path) -> None:
    Dialogs(monkeypatch)
    idle(qtbot, seeded_window)
    dest = tmp_path / "elsewhere" / "my-copy.sqlite"
    dest.parent.mkdir()
    offered: list[Path] = []
    monkeypatch.setattr(dialogs, "choose_save_path", lambda _p, _t, default, _f: offered.append(default) or dest)
    with qtbot.waitSignal(seeded_window.backup_finished, timeout=TASK_TIMEOUT_MS) as finished:
        seeded_window.backup_action.trigger()
    assert finished.args == [dest]
    assert offered[0].parent == backups_dir(seeded_window.library_path) and offered[0].name.endswith("-manual.sqlite")
    assert library_problem(dest) is None and article_count(dest) == 1
    assert seeded_window.statusBar().currentMessage() == f"Backed up to {dest}."


def test_back_up_now_into_the_backups_folder_rotates(qtbot, monkeypatch, seeded_window: MainWindow) -> None:
    Dialogs(monkeypatch)
    idle(qtbot, seeded_window)
    seeded_window.settings.backups_kept = 2
    monkeypatch.setattr(dialogs, "choose_save_path", lambda _p, _t, default, _f: default)
    for _ in range(3):
        with qtbot.waitSignal(seeded_window.backup_finished, timeout=TASK_TIMEOUT_MS):
            seeded_window.back_up_now()
    backups = list_backups(seeded_window.library_path)
    assert len(backups) == 2 and all(p.name.endswith("-manual.sqlite") for p in backups)


def test_back_up_now_refuses_the_library_itself(qtbot, monkeypatch, seeded_window: MainWindow) -> None:
    told = Dialogs(monkeypatch).told
    idle(qtbot, seeded_window)
    monkeypatch.setattr(dialogs, "choose_save_path", lambda *_args: seeded_window.library_path)
    seeded_window.back_up_now()
    assert told == [("Back up", "That is the library itself; choose another file for the backup.")]
    assert not seeded_window.runner.active and seeded_window.model.rowCount() == 1


# ----- restore and check ----------------------------------------------------------------------------


def test_restore_from_backup_replaces_the_library_and_refreshes(qtbot, monkeypatch, seeded_window: MainWindow) -> None:
    asked = Dialogs(monkeypatch, True)
    idle(qtbot, seeded_window)
    path = seeded_window.library_path
    backup = create_backup(path, "manual")
    seeded_window.library.save_many(make_articles(2))
    seeded_window.refresh()
    assert seeded_window.model.rowCount() == 3
    monkeypatch.setattr(dialogs, "choose_open_path", lambda _p, _t, folder, _f: backup if folder == backups_dir(path)
                        else None)  # fmt: skip
    with qtbot.waitSignal(seeded_window.restore_finished, timeout=TASK_TIMEOUT_MS) as finished:
        seeded_window.restore_action.trigger()
    assert finished.args == [True]
    assert backup.name in asked.questions[0][1] and "1 article" in asked.questions[0][1]
    assert seeded_window.isEnabled()
    assert seeded_window.model.rowCount() == 1 and titles(seeded_window)[0].startswith(SEED_TITLE_START)
    assert seeded_window.sidebar.items()[0].text(0) == "All articles  (1)"
    assert seeded_window.statusBar().currentMessage().startswith(f"Restored from {backup.name}; the library it")
    replaced = [p for p in list_backups(path) if p.name.endswith("-before-restore.sqlite")]
    assert len(replaced) == 1 and article_count(replaced[0]) == 3
    seeded_window.search.setText("study number")
    seeded_window.apply_query()
    assert seeded_window.model.rowCount() == 0


def test_restore_refuses_a_damaged_backup_and_keeps_the_library(
    qtbot, monkeypatch, seeded_window: MainWindow, tmp_path: Path
) -> None:
    dialogs_ = Dialogs(monkeypatch, True)
    idle(qtbot, seeded_window)
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a backup" * 100)
    monkeypatch.setattr(dialogs, "choose_open_path", lambda *_args: bad)
    with qtbot.waitSignal(seeded_window.restore_finished, timeout=TASK_TIMEOUT_MS) as finished:
        seeded_window.restore_from_backup()
    assert finished.args == [False]
    assert dialogs_.told[0][0] == "Restore failed" and "not a SQLite database" in dialogs_.told[0][1]
    assert seeded_window.isEnabled() and seeded_window.model.rowCount() == 1
    assert library_problem(seeded_window.library_path) is None


def test_check_library_reports_and_rebuilds_the_search_index(qtbot, monkeypatch, seeded_window: MainWindow) -> None:
    told = Dialogs(monkeypatch).told
    idle(qtbot, seeded_window)
    with qtbot.waitSignal(seeded_window.check_finished, timeout=TASK_TIMEOUT_MS) as finished:
        seeded_window.check_action.trigger()
    assert finished.args[0].ok and not finished.args[0].rebuilt
    assert told[-1][0] == "Library check" and "integrity    ok" in told[-1][1]
    assert seeded_window.statusBar().currentMessage() == "Library check: no problems in 1 article."
    seeded_window.library.conn.execute("DELETE FROM articles_fts")
    with qtbot.waitSignal(seeded_window.check_finished, timeout=TASK_TIMEOUT_MS) as finished:
        seeded_window.check_library_now()
    assert finished.args[0].rebuilt and finished.args[0].ok
    assert "search index was inconsistent with the articles: rebuilt" in told[-1][1]
    assert seeded_window.statusBar().currentMessage() == (
        "Library check: the search index was out of date and has been rebuilt."
    )
    seeded_window.search.setText("scalpel")
    seeded_window.apply_query()
    assert seeded_window.model.rowCount() == 1


# ----- oversized drops ------------------------------------------------------------------------------


def test_oversized_text_drop_is_refused_with_a_message(qtbot, monkeypatch, window: MainWindow) -> None:
    Dialogs(monkeypatch)
    idle(qtbot, window)
    mime = QMimeData()
    mime.setText("10.1136/esmoopen-2020-000776 " + "x" * MAX_INPUT_BYTES)
    with qtbot.waitSignal(window.input_refused) as refused:
        assert drop(window.table.viewport(), mime)
    assert refused.args[0] == "Not imported: text of 64.0 MB is over the 64 MB limit."
    assert window.statusBar().currentMessage() == refused.args[0]
    assert not window.import_running and not window.runner.active and window.model.rowCount() == 0


def test_oversized_file_in_a_drop_is_refused_and_listed_in_the_report(
    qtbot, monkeypatch, online: CrossrefServer, library_path: Path, seed_page: Path, tmp_path: Path
) -> None:
    Dialogs(monkeypatch)
    window = open_window(qtbot, library_path)
    idle(qtbot, window)
    huge = tmp_path / "huge.ris"
    with huge.open("wb") as stream:
        stream.truncate(MAX_INPUT_BYTES + 1)  # sparse: nothing is written
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(huge)), QUrl.fromLocalFile(str(seed_page))])
    with qtbot.waitSignal(window.import_finished, timeout=TASK_TIMEOUT_MS) as finished:
        assert drop(window, mime)
    report = finished.args[0]
    assert report.counts() == {"added": 1}
    assert report.unreadable == ["huge.ris (64.0 MB) is over the 64 MB limit"]
    assert window.report_dialog is not None and "unreadable" in window.report_dialog.statuses()
    assert window.model.rowCount() == 1


def test_check_library_finds_damage_and_offers_the_newest_good_backup(
    qtbot, monkeypatch, window: MainWindow
) -> None:
    asked = Dialogs(monkeypatch, True)
    idle(qtbot, window)
    window.library.save_many(make_articles(300))
    window.refresh()
    backup = create_backup(window.library_path, "manual")
    window.library.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = window.library.conn.execute("PRAGMA page_size").fetchone()[0]
    with window.library_path.open("r+b") as stream:  # scribble over a few pages in the middle of the file
        stream.seek(page_size * 10)
        stream.write(b"\xde\xad\xbe\xef" * page_size)
    with qtbot.waitSignal(window.restore_finished, timeout=TASK_TIMEOUT_MS) as restored:
        window.check_action.trigger()
    assert restored.args == [True]
    title, question = asked.questions[0]
    assert title == "Restore from backup" and question.startswith("library ")
    assert "damaged" in question and f"{backup.name} (taken " in question
    assert window.statusBar().currentMessage().startswith(f"Restored from {backup.name}")
    assert window.model.rowCount() == 300 and library_problem(window.library_path, full=True) is None


def test_restore_refuses_the_library_itself_and_missing_files(qtbot, monkeypatch, seeded_window: MainWindow) -> None:
    asked = Dialogs(monkeypatch, True)
    idle(qtbot, seeded_window)
    for chosen in (seeded_window.library_path, seeded_window.library_path.with_name("gone.sqlite")):
        monkeypatch.setattr(dialogs, "choose_open_path", lambda *_args, chosen=chosen: chosen)
        seeded_window.restore_from_backup()
        assert asked.told[-1] == ("Restore from backup", f"{chosen} is not a backup file; choose another one.")
    assert not asked.questions and not seeded_window.runner.active and seeded_window.model.rowCount() == 1


def test_oversized_paste_is_refused_with_a_message(qtbot, monkeypatch, window: MainWindow) -> None:
    Dialogs(monkeypatch)
    idle(qtbot, window)
    QGuiApplication.clipboard().setText("PMID: 12345678\n" * (MAX_INPUT_BYTES // 15 + 1))
    with qtbot.waitSignal(window.input_refused) as refused:
        window.paste_action.trigger()
    assert refused.args[0].startswith("Not imported: text of 64.0 MB is over the 64 MB limit")
    assert not window.import_running and window.model.rowCount() == 0
    QGuiApplication.clipboard().clear()
