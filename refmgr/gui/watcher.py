"""Notices every write to the library (the window's own tasks, other windows, the CLI) and hands on the Changes."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from refmgr.core.changes import Changes
from refmgr.core.library import Library

POLL_MS = 1000


class LibraryWatcher(QObject):
    """Polls SQLite's data_version on the GUI thread (a cheap pragma) and reads the change log when it moves."""

    changed = Signal(object)  # Changes

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.seq = library.change_seq()
        self.version = library.data_version()
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def poll(self) -> Changes | None:
        """Apply what changed if another connection committed since the last look."""
        version = self.library.data_version()
        if version == self.version:
            return None
        return self.check()

    def check(self) -> Changes | None:
        """Read the change log now (after the window's own tasks) and announce what changed."""
        self.version = self.library.data_version()
        changes, self.seq = self.library.changes_since(self.seq)
        if not changes:
            return None
        self.changed.emit(changes)
        return changes

    def restart(self) -> None:
        """Start over from the library's current state (after it was replaced by a restore)."""
        self.seq = self.library.change_seq()
        self.version = self.library.data_version()

    def stop(self) -> None:
        """Stop polling (the window is closing)."""
        self.timer.stop()
