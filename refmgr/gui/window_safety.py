"""The window's safety side: the daily backup, Back up now, Restore from backup, Check library."""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolBar

from refmgr.core import backup as backup_module
from refmgr.core.backup import (
    AUTO_BACKUP_AGE,
    BackupError,
    RestoreResult,
    auto_backup,
    backup_path,
    backup_time,
    copy_database,
    find_newest_good_backup,
    list_backups,
    restore,
    rotate,
)
from refmgr.core.library import Library
from refmgr.core.maintenance import CheckReport, check_library
from refmgr.core.settings import Settings
from refmgr.gui import dialogs
from refmgr.gui.startup import describe_backup, open_library_interactively
from refmgr.gui.tasks import TaskContext
from refmgr.paths import backups_dir

if TYPE_CHECKING:
    from refmgr.gui.main_window import MainWindow

    _Base = MainWindow
else:
    _Base = object

LIBRARY_FILTER = "refmgr library (*.sqlite);;All files (*)"


class _ThreadWarnings(logging.Handler):
    """Collects the warnings logged on the current thread (auto_backup reports a failure by logging it)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


BACKING_UP = "Making the daily backup of the library…"


def auto_backup_op(library_path: Path, settings: Settings) -> Callable[[TaskContext], Path | None]:
    """Background op: the daily rotating backup; the new file, None when none was due, BackupError on failure."""

    def op(_context: TaskContext) -> Path | None:
        handler = _ThreadWarnings()
        backup_module.log.addHandler(handler)
        try:
            made = auto_backup(library_path, settings)
        finally:
            backup_module.log.removeHandler(handler)
        if made is None and handler.messages:
            raise BackupError(handler.messages[-1].removeprefix("automatic backup skipped: "))
        return made

    return op


def daily_backup_due(library_path: Path, now: datetime | None = None) -> bool:
    """True when auto_backup would copy the library now (a folder listing: cheap on the GUI thread)."""
    if not library_path.is_file() or library_path.stat().st_size == 0:
        return False
    backups = list_backups(library_path)
    newest = backup_time(backups[0]) if backups else None
    return newest is None or (now or datetime.now(UTC)) - newest >= AUTO_BACKUP_AGE


def backup_op(library_path: Path, dest: Path, keep: int) -> Callable[[TaskContext], Path]:
    """Background op: a verified copy of the library at DEST (rotated with the others in the backups folder)."""

    def op(_context: TaskContext) -> Path:
        written = copy_database(library_path, dest)
        if dest.parent.resolve() == backups_dir(library_path).resolve():
            rotate(library_path, keep)
        return written

    return op


@dataclass
class CheckResult:
    """The library check's report, and the newest good backup when the file is damaged."""

    report: CheckReport
    good_backup: Path | None = None


def check_op(library_path: Path) -> Callable[[TaskContext], CheckResult]:
    """Background op: integrity and search-index check (the index is rebuilt when inconsistent)."""

    def op(_context: TaskContext) -> CheckResult:
        report = check_library(library_path)
        return CheckResult(report, find_newest_good_backup(library_path) if report.integrity else None)

    return op


def same_file(a: Path, b: Path) -> bool:
    """True when two paths name the same file (whether or not it exists yet)."""
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


class SafetyMixin(_Base):
    """Backups, restore and the integrity check; the copying runs on the task runner, off the GUI thread."""

    READ_ONLY_NOTE = ("This library is read-only (its file permissions or a read-only disk): you can read, search and "
                      "export, but nothing can be added or changed.")  # fmt: skip

    def show_read_only_banner(self: MainWindow) -> None:
        """A banner over the window when the library file cannot be written."""
        if not self.library.read_only:
            return
        banner = QToolBar("Read-only library", self)
        banner.setObjectName("readOnlyBanner")
        banner.setMovable(False)
        label = QLabel(self.READ_ONLY_NOTE)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        banner.addWidget(label)
        self.addToolBarBreak()
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, banner)
        self.read_only_banner = label
        self.setWindowTitle(f"{self.windowTitle()} (read-only)")

    def start_auto_backup(self) -> None:
        """Make the daily backup in the background when the newest one is more than a day old."""
        if not self.settings.auto_backup or not daily_backup_due(self.library_path):
            return
        self.statusBar().showMessage(BACKING_UP)
        self.runner.run("auto-backup", auto_backup_op(self.library_path, self.settings),
                        on_success=self._auto_backup_done, on_failure=self._auto_backup_failed,
                        with_library=False)  # fmt: skip

    def _auto_backup_done(self, made: Path | None) -> None:
        # housekeeping news never covers a message about the user's own work (an import, a cancel, a sync)
        if not self.import_running and self.statusBar().currentMessage() in ("", BACKING_UP):
            self.statusBar().showMessage(f"Daily backup saved as {made.name} in {made.parent}." if made else "", 10000)
        self.backup_finished.emit(made)

    def _auto_backup_failed(self, message: str, _details: str) -> None:
        self.statusBar().showMessage(f"The daily backup could not be made: {message}. "
                                     "Your library is unchanged; try File ▸ Back up now.", 30000)  # fmt: skip
        self.backup_failed.emit(message)

    def back_up_now(self) -> None:
        """Write a verified copy of the library to a chosen file (the backups folder is offered)."""
        default = backup_path(self.library_path, datetime.now(UTC), "manual")
        default.parent.mkdir(parents=True, exist_ok=True)
        dest = dialogs.choose_save_path(self, "Back up the library", default, LIBRARY_FILTER)
        if dest is None:
            return
        if same_file(dest, self.library_path):
            dialogs.tell(self, "Back up", "That is the library itself; choose another file for the backup.")
            return
        self.statusBar().showMessage(f"Backing up to {dest}…")
        self.runner.run("backup", backup_op(self.library_path, dest, self.settings.backups_kept),
                        on_success=self._backup_done, on_failure=self._backup_failed,
                        with_library=False)  # fmt: skip

    def _backup_done(self, written: Path) -> None:
        self.statusBar().showMessage(f"Backed up to {written}.", 15000)
        self.backup_finished.emit(written)

    def _backup_failed(self, message: str, _details: str) -> None:
        self.statusBar().showMessage(f"Backup failed: {message}", 30000)
        dialogs.tell(self, "Backup failed", f"The library was not backed up:\n{message}")
        self.backup_failed.emit(message)

    def restore_from_backup(self, backup: Path | None = None, reason: str = "") -> None:
        """Replace the library with a backup (chosen, or given) after asking; the current file is kept."""
        if backup is None:
            backup = dialogs.choose_open_path(self, "Restore from backup", backups_dir(self.library_path),
                                              LIBRARY_FILTER)  # fmt: skip
            if backup is None:
                return
        if self.runner.active:
            dialogs.tell(self, "Restore from backup", "Wait until the running task finishes (or cancel it), "
                                                      "then restore.")  # fmt: skip
            return
        if same_file(backup, self.library_path) or not backup.is_file():
            dialogs.tell(self, "Restore from backup", f"{backup} is not a backup file; choose another one.")
            return
        question = (f"{reason}Replace your library\n{self.library_path}\nwith the backup\n{describe_backup(backup)}?"
                    "\n\nArticles added or changed since that backup will not be in the restored library. "
                    "The current library is kept in the backups folder first.")  # fmt: skip
        if not dialogs.ask(self, "Restore from backup", question):
            return
        self.pane.flush_notes()
        self.runner.cancel_background()  # quiet pre-formatting holds a connection to the file being replaced
        self.runner.pool.waitForDone()  # the notes save just started, if any
        self.library.close()
        self._attach_library(Library(":memory:"))  # an empty stand-in while the file is replaced
        self.setEnabled(False)
        self.statusBar().showMessage(f"Restoring from {backup.name}…")
        path = self.library_path
        self.runner.run("restore", lambda _context: restore(backup, path),
                        on_success=self._restored, on_failure=lambda message, _details: self._restore_failed(message),
                        with_library=False)  # fmt: skip

    def _restored(self, result: RestoreResult) -> None:
        if self._reopen():
            kept = f"; the library it replaced was kept as {result.previous_copy}" if result.previous_copy else ""
            self.statusBar().showMessage(f"Restored from {result.restored_from.name}{kept}.", 30000)
            self.restore_finished.emit(True)

    def _restore_failed(self, message: str) -> None:
        dialogs.tell(self, "Restore failed", f"The library was not restored:\n{message}")
        if self._reopen():
            self.statusBar().showMessage(f"Restore failed: {message}", 30000)
            self.restore_finished.emit(False)

    def _reopen(self) -> bool:
        """Open the library file again after a restore (or a refused one); False when the user chose to quit."""
        stand_in = self.library
        library = open_library_interactively(self.library_path, parent=self)
        stand_in.close()
        self.setEnabled(True)
        if library is None:
            self.close()
            return False
        if library.path != self.library_path:  # the user started a new library instead
            self.library_path = self.runner.library_path = library.path
            self.setWindowTitle(f"{self.windowTitle().split(' — ')[0]} — {library.path.name}")
        self._attach_library(library)
        return True

    def _attach_library(self, library: Library) -> None:
        """Point the table, sidebar and pane at another open library and show it."""
        self.library = self.model.library = self.sidebar.library = self.pane.library = self.watcher.library = library
        self.watcher.restart()
        self.undo_stack.clear()
        self.undo_action.setEnabled(False)
        self.pane.show_article(None)
        self.model.recent.clear()
        self.sidebar.populate()
        self.apply_query()
        self._update_pending()

    def library_damaged(self, error: Exception) -> None:
        """Damage met after start-up: say so and run the check, which offers the newest good backup."""
        self.statusBar().showMessage(f"The library file is damaged ({error}); checking it…", 30000)
        if not any(task.label == "check" for task in self.runner.active):
            self.check_library_now()

    def check_library_now(self) -> None:
        """Integrity and search-index check in the background, then the report."""
        self.statusBar().showMessage("Checking the library…")
        self.runner.run("check", check_op(self.library_path), on_success=self._checked,
                        on_failure=self._check_failed, with_library=False)  # fmt: skip

    def _checked(self, result: CheckResult) -> None:
        report = result.report
        if report.rebuilt:
            self.reload_all()
        if report.integrity:
            summary = "Library check: the file is damaged."
        elif report.rebuilt:
            summary = "Library check: the search index was out of date and has been rebuilt."
        else:
            summary = f"Library check: no problems in {report.articles:,} article{'s' if report.articles != 1 else ''}."
        self.statusBar().showMessage(summary, 30000)
        self.check_finished.emit(report)
        if report.integrity and result.good_backup is not None:
            self.restore_from_backup(result.good_backup, reason=f"{report.render()}\n\n")
            return
        advice = "<p>No good backup of it was found.</p>" if report.integrity else ""
        text = f"<p>{html.escape(summary)}</p><pre>{html.escape(report.render())}</pre>{advice}"
        dialogs.tell(self, "Library check", text)

    def _check_failed(self, message: str, _details: str) -> None:
        self.statusBar().showMessage(f"The library check could not run: {message}", 30000)
        self.check_finished.emit(None)
