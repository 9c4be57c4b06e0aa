"""A reading list in the table: shown in its own order, and reordered with Alt+Up / Alt+Down."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from refmgr.core import lists
from refmgr.gui.sidebar import Scope
from refmgr.gui.table_model import COLUMNS

if TYPE_CHECKING:
    from refmgr.gui.main_window import MainWindow

    _Base = MainWindow
else:
    _Base = object

LIST_ORDER = "position"


class ListOrderMixin(_Base):
    """List order for list scopes (the table's own sort elsewhere) and moving items up and down."""

    table_sort: tuple[str, bool] = ("date_added", True)

    def scope_chosen(self, scope: Scope) -> None:
        """A sidebar entry was chosen: a reading list shows in list order, other scopes in the table's sort."""
        query = self.model.query
        header = self.table.horizontalHeader()
        header.blockSignals(True)  # set the indicator without sorting the rows about to be replaced
        try:
            if scope.kind == "list":
                if query.sort != LIST_ORDER:
                    self.table_sort = (query.sort, query.descending)
                self.model.query = replace(query, sort=LIST_ORDER, descending=False)
                header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
                self.table.reorderable = True
            elif query.sort == LIST_ORDER:
                sort, descending = self.table_sort
                self.model.query = replace(query, sort=sort, descending=descending)
                column = next((i for i, c in enumerate(COLUMNS) if c.sort == sort), -1)
                order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
                header.setSortIndicator(column, order)
            if scope.kind != "list":
                self.table.reorderable = False
        finally:
            header.blockSignals(False)
        header.viewport().update()
        self.apply_query()

    def rows_dropped_in_list(self, article_ids: list[int], before: int | None) -> None:
        """Rows dragged within a reading list shown in its order: move them before the row they were dropped on."""
        scope = self.sidebar.scope
        if scope.kind != "list" or scope.value is None or self.model.query.sort != LIST_ORDER:
            return
        list_id = int(scope.value)
        self._list_write(lambda c: lists.move_items(c.library, list_id, article_ids, before))

    def move_in_list(self, step: int) -> None:
        """Move the current article one place up (-1) or down (+1) in the reading list shown."""
        scope = self.sidebar.scope
        article_id = self.table.current_id()
        if scope.kind != "list" or scope.value is None or article_id is None:
            self.statusBar().showMessage("Choose a reading list and an article in it to move.", 5000)
            return
        if self.model.query.sort != LIST_ORDER:
            self.statusBar().showMessage("The list is sorted by a column: choose the list again for its order.", 8000)
            return
        row = self.model.row_of(article_id)
        if row is None or not 0 <= row + step < self.model.rowCount():
            return
        neighbour = self.model.article_id(row + step)
        list_id = int(scope.value)

        def op(context: Any) -> None:
            order = [item.article_id for item in lists.list_items(context.library, list_id)]
            if neighbour in order:
                lists.move_item(context.library, list_id, article_id, order.index(neighbour))

        self._list_write(op)
