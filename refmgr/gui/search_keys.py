"""Keys in the search field: Escape clears the search, Down (or PageDown) moves into the results."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QTableView


class SearchKeys(QObject):
    """An event filter on the search field."""

    def __init__(self, field: QLineEdit, table: QTableView, search_now: Callable[[], None]) -> None:
        super().__init__(field)
        self.field, self.table, self.search_now = field, table, search_now
        field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.field or event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() == Qt.Key.Key_Escape and self.field.text():
            self.field.clear()
            self.search_now()
            return True
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.search_now()  # the results the user saw, not the ones the debounce has yet to show
            self.enter_results()
            return True
        return False

    def enter_results(self) -> None:
        """Focus the table on its current row, or on the first one."""
        model = self.table.model()
        if model is None or not model.rowCount():
            return
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.table.currentIndex().isValid():
            self.table.selectRow(0)
