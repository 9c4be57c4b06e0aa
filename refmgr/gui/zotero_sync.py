"""The window's Zotero actions: account, sync with progress, optional background sync, conflicts to review."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from refmgr.core.settings import Settings
from refmgr.core.zotero.client import ZoteroClient
from refmgr.core.zotero.credentials import Account, CredentialStore
from refmgr.core.zotero.store import DELETED_IN_ZOTERO, SyncStore, synced_prefixes
from refmgr.core.zotero.sync import SyncReport, ZoteroSync
from refmgr.gui.dialogs import dialog_buttons
from refmgr.gui.tasks import Cancelled, TaskContext
from refmgr.paths import config_dir

if TYPE_CHECKING:
    from refmgr.gui.main_window import MainWindow

AUTO_SYNC_KEY = "zotero_auto_sync_minutes"
GROUP_KEY = "zotero_group"


def sync_op(credentials: CredentialStore, group: str, base_url: str) -> Any:
    """The background operation: read the key (the keyring may block), find the library, pull and push."""

    def op(context: TaskContext) -> SyncReport:
        account = credentials.load()
        if account is None:
            raise ValueError("no Zotero account is saved (Zotero ▸ Zotero account…)")
        client = ZoteroClient(account.api_key, base_url)
        try:
            prefix, name = f"/users/{account.user_id}", "My Library"
            if group:
                matches = [g for g in client.groups(account.user_id) if group in (str(g[0]), g[1])]
                if not matches:
                    raise ValueError(f"this Zotero key reaches no group named {group!r}")
                prefix, name = f"/groups/{matches[0][0]}", matches[0][1]

            def progress(stage: str, done: int, total: int) -> None:
                if context.cancelled():
                    raise Cancelled
                context.item((stage, done, total))

            return ZoteroSync(context.library, client, prefix, name).run(progress)
        finally:
            client.close()

    return op


class AccountDialog(QDialog):
    """Zotero user id, API key, the library to sync and how often to sync in the background."""

    def __init__(self, account: Account | None, group: str, minutes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Zotero account")
        self.user_id = QLineEdit(str(account.user_id) if account else "")
        self.user_id.setPlaceholderText("the number on zotero.org/settings/keys")
        self.api_key = QLineEdit(account.api_key if account else "")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.group = QLineEdit(group)
        self.group.setPlaceholderText("empty: your personal library")
        self.minutes = QSpinBox()
        self.minutes.setRange(0, 240)
        self.minutes.setSpecialValueText("never")
        self.minutes.setSuffix(" min")
        self.minutes.setValue(minutes)
        form = QFormLayout()
        form.addRow("User ID", self.user_id)
        form.addRow("API key", self.api_key)
        form.addRow("Group", self.group)
        form.addRow("Sync in the background every", self.minutes)
        note = QLabel("The key is kept in the system keyring (or an owner-only file), never in the library.")
        note.setWordWrap(True)
        buttons = dialog_buttons(self, save=True, on_accept=self._accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if not self.user_id.text().strip().isdigit():
            QMessageBox.warning(self, "Zotero account", "The user ID is a number (zotero.org/settings/keys).")
            return
        if not self.api_key.text().strip().isalnum():
            QMessageBox.warning(self, "Zotero account", "The API key is letters and digits.")
            return
        self.accept()

    def account(self) -> Account:
        """The account as entered."""
        return Account(int(self.user_id.text().strip()), self.api_key.text().strip())


class ConflictsDialog(QDialog):
    """The values a sync did not keep, to review and mark as settled."""

    def __init__(self, store: SyncStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Zotero conflicts")
        self.store = store
        self.restored = 0
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["When", "Field", "Kept", "Other value", "Kept from"])
        self.table.horizontalHeader().setStretchLastSection(True)
        settle = QPushButton("Mark as settled")
        settle.clicked.connect(self._settle)
        self.restore = QPushButton("Restore deleted article")
        self.restore.setToolTip("Bring back an article deleted in Zotero; the next sync sends it again")
        self.restore.clicked.connect(self._restore)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(settle)
        row.addWidget(self.restore)
        row.addStretch()
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.resize(760, 360)
        self.reload()

    def reload(self) -> None:
        """Show the open conflicts."""
        self.conflicts = self.store.conflicts()
        self.table.setRowCount(len(self.conflicts))
        for row, conflict in enumerate(self.conflicts):
            values = (conflict.at, conflict.field, conflict.kept, conflict.other, conflict.kept_side)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value[:300])
                item.setToolTip(value[:2000])
                self.table.setItem(row, column, item)

    def _selected(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectedIndexes()})

    def _restore(self) -> None:
        restored = 0
        for index in self._selected():
            conflict = self.conflicts[index]
            if conflict.field == DELETED_IN_ZOTERO and conflict.other:
                self.store.restore_deleted(conflict)
                restored += 1
        if not restored:
            QMessageBox.information(self, "Zotero conflicts", "Select a row that says “deleted in Zotero”.")
        self.restored += restored
        self.reload()

    def _settle(self) -> None:
        for index in self._selected():
            self.store.resolve_conflict(self.conflicts[index].id)
        self.reload()


class ZoteroActions(QObject):
    """Adds the Zotero menu to a window and runs syncs on its task runner."""

    finished = Signal(str)  # the message shown when a sync ends (done, cancelled or failed)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.credentials = CredentialStore(config_dir())
        self.task: Any = None
        self.last_report: SyncReport | None = None
        self.sync_action = QAction("Sync with Zotero", window)
        self.sync_action.setShortcut(QKeySequence("Ctrl+Shift+Y"))
        self.sync_action.setStatusTip("Send and receive changes with your Zotero library or group")
        self.sync_action.triggered.connect(lambda _checked=False: self.sync())
        account_action = QAction("Zotero account…", window)
        account_action.triggered.connect(lambda _checked=False: self.edit_account())
        conflicts_action = QAction("Zotero conflicts…", window)
        conflicts_action.triggered.connect(lambda _checked=False: self.show_conflicts())
        bar = window.menuBar()
        menu = QMenu("&Zotero", bar)
        help_menus = [a for a in bar.actions() if a.text() == "&Help"]
        bar.insertMenu(help_menus[0], menu) if help_menus else bar.addMenu(menu)
        for action in (self.sync_action, account_action, conflicts_action):
            menu.addAction(action)
        self.timer = QTimer(self)
        self.timer.timeout.connect(lambda: self.sync(quiet=True))
        self._schedule()

    @property
    def settings(self) -> Settings:
        """The window's settings."""
        return self.window.settings

    def _schedule(self) -> None:
        minutes = int(self.settings.extra.get(AUTO_SYNC_KEY, 0) or 0)
        self.timer.stop()
        if minutes > 0 and self.credentials.saved_user_id() is not None:
            self.timer.start(minutes * 60_000)

    def edit_account(self) -> bool:
        """Ask for the account; True when one was saved."""
        minutes = int(self.settings.extra.get(AUTO_SYNC_KEY, 0) or 0)
        dialog = AccountDialog(
            self.credentials.load(), str(self.settings.extra.get(GROUP_KEY, "")), minutes, self.window
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        where = self.credentials.save(dialog.account())
        self.settings.extra[GROUP_KEY] = dialog.group.text().strip()
        self.settings.extra[AUTO_SYNC_KEY] = dialog.minutes.value()
        self.settings.save(self.window.settings_path)
        self.window.statusBar().showMessage(f"Zotero account saved; the key is in {where}.", 8000)
        self._schedule()
        return True

    def sync(self, quiet: bool = False) -> None:
        """Start a sync unless one is running (asks for the account first when none is saved)."""
        if self.task is not None and not self.task.done:
            return
        if self.credentials.saved_user_id() is None and (quiet or not self.edit_account()):
            return
        self.sync_action.setEnabled(False)
        self.window.statusBar().showMessage("Syncing with Zotero…")
        group = str(self.settings.extra.get(GROUP_KEY, ""))
        self.task = self.window.runner.run(
            "zotero", sync_op(self.credentials, group, str(self.settings.extra.get("zotero_url", ""))),
            on_success=self._done, on_failure=self._failed, on_item=self._stage,
        )  # fmt: skip

    def _stage(self, payload: object) -> None:
        stage, done, total = payload  # type: ignore[misc]
        bar = self.window.progress
        bar.setMaximum(max(total, 1) if total else 0)
        bar.setValue(done)
        bar.setFormat(f"{stage}: {done} / {total}" if total else stage)

    def _done(self, report: SyncReport | None) -> None:
        self.sync_action.setEnabled(True)
        if report is None:
            self._tell("Zotero sync cancelled; what was sent and received is kept.")
            return
        self.last_report = report
        self.window.refresh()
        self._tell(f"Zotero: {report.summary()}.")
        if report.failures:
            QMessageBox.warning(self.window, "Zotero sync", "\n".join(report.failures[:20]))

    def _failed(self, message: str, _details: str) -> None:
        self.sync_action.setEnabled(True)
        self._tell(f"Zotero sync stopped: {message}. Local changes stay queued for the next sync.")

    def _tell(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 20000)
        self.finished.emit(message)

    def show_conflicts(self) -> None:
        """Open the conflicts of the configured Zotero library."""
        user_id = self.credentials.saved_user_id()
        if user_id is None:
            self.window.statusBar().showMessage("No Zotero account yet (Zotero ▸ Zotero account…).", 6000)
            return
        prefixes = synced_prefixes(self.window.library)
        prefix = prefixes[0] if prefixes else f"/users/{user_id}"
        dialog = ConflictsDialog(SyncStore(self.window.library, prefix), self.window)
        dialog.exec()
        if dialog.restored:
            self.window.refresh()
