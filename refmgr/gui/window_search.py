"""The window's search extras: help popover, problems, filter bar, saved searches and marked words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QLabel, QLineEdit, QToolBar, QToolButton

from refmgr.core import smartlists
from refmgr.core.matchwords import Highlighter, highlighter
from refmgr.core.querycompile import compile_query
from refmgr.core.querytext import filters_of, with_filters
from refmgr.gui import dialogs
from refmgr.gui.exporting import export_dialog
from refmgr.gui.filter_bar import FilterBar
from refmgr.gui.search_help import SearchHelpButton
from refmgr.gui.search_marks import MarkingDelegate
from refmgr.gui.sidebar import Scope
from refmgr.gui.table_model import COLUMN_KEYS

MARKED_COLUMNS = ("title", "first_author", "journal")


class SearchMixin:
    """MainWindow methods for the query language's helpers around the search field."""

    if TYPE_CHECKING:
        from refmgr.core.library import Library
        from refmgr.gui.article_pane import ArticlePane
        from refmgr.gui.library_view import LibraryTable
        from refmgr.gui.sidebar import Sidebar
        from refmgr.gui.tasks import TaskRunner

        search: QLineEdit
        library: Library
        sidebar: Sidebar
        table: LibraryTable
        pane: ArticlePane
        runner: TaskRunner

        def apply_query(self) -> None: ...

        def addToolBar(self, toolbar: QToolBar) -> None: ...

        def addToolBarBreak(self) -> None: ...

        lists_changed: Any
        task_failed: Any

    def build_search_extras(self, toolbar: QToolBar) -> None:
        """Add the help button, problems label and Save search to the toolbar, and the filter bar below it."""
        self.search_help = SearchHelpButton()
        self.search_problem = QLabel()
        self.search_problem.setObjectName("searchProblem")
        self.search_problem.setStyleSheet("color: #b3261e;")
        self.save_search_button = QToolButton()
        self.save_search_button.setText("Save search…")
        self.save_search_button.setToolTip("Keep this search in the sidebar as a live list")
        self.save_search_button.clicked.connect(self.save_current_search)
        for widget in (self.search_help, self.save_search_button, self.search_problem):
            toolbar.addWidget(widget)
        self.filter_bar = FilterBar()
        self.refresh_filter_tags()
        self.filter_bar.filters_changed.connect(self.apply_filters)
        filters = QToolBar("Filters")
        filters.setObjectName("filterToolbar")
        filters.setMovable(False)
        filters.addWidget(self.filter_bar)
        self.addToolBarBreak()
        self.addToolBar(filters)
        self.marking_delegate = MarkingDelegate(self.table)  # type: ignore[arg-type]
        for key in MARKED_COLUMNS:
            self.table.setItemDelegateForColumn(COLUMN_KEYS.index(key), self.marking_delegate)
        self.sidebar.saved_action.connect(self.saved_search_action)

    def search_state_changed(self) -> None:
        """After a search ran: show its problems, reflect its filters in the bar, mark its words."""
        text = self.search.text()
        problems = compile_query(text).problems
        self.search_problem.setText(f"⚠ {problems[0]}" if problems else "")
        self.search_problem.setToolTip("\n".join(str(p) for p in problems))
        self.filter_bar.show_filters(filters_of(text))
        marks = self.current_marks()
        self.marking_delegate.highlighter = marks
        self.table.viewport().update()
        self.pane.set_search(marks)

    def current_marks(self) -> Highlighter:
        """The words to mark: the search field's, and the open saved search's."""
        marks = highlighter(self.search.text(), typing=True)
        scope: Scope = self.sidebar.scope
        if scope.kind == "saved":
            saved = highlighter(scope.query)
            marks.stems |= saved.stems
            marks.prefixes += saved.prefixes
            marks.phrases += saved.phrases
        return marks

    def refresh_filter_tags(self) -> None:
        """Offer the library's current tags in the filter bar."""
        self.filter_bar.set_tags([name for name, _count in self.library.all_tags()])

    def apply_filters(self, filters: dict[str, str]) -> None:
        """The filter bar changed: rewrite those terms of the search text and search now."""
        self.search.setText(with_filters(self.search.text(), dict(filters)))
        self.apply_query()

    def save_current_search(self) -> None:
        """Save the search field's text as a saved search (asks for a name)."""
        text = self.search.text().strip()
        if not text:
            dialogs.tell(self, "Save search", "Type a search first; it is saved as you typed it.")  # type: ignore[arg-type]
            return
        problems = compile_query(text).problems
        if problems:
            dialogs.tell(self, "Save search", f"The search has a problem at {problems[0]}")  # type: ignore[arg-type]
            return
        name = dialogs.ask_text(self, "Save search", "Name:", text[:40])  # type: ignore[arg-type]
        if name and name.strip():
            self._saved_write(lambda c: smartlists.save_search(c.library, name, text))

    def _saved_write(self, op: Any) -> None:
        """Change saved searches in the background, then rebuild the sidebar (the change log does not track them)."""

        def success(_result: object) -> None:
            self.sidebar.populate()
            self.lists_changed.emit()

        def failure(message: str, _details: str) -> None:
            dialogs.tell(self, "Saved search", message)  # type: ignore[arg-type]
            self.task_failed.emit(message)

        self.runner.run("lists", op, on_success=success, on_failure=failure)

    def saved_search_action(self, action: str, saved_id: int) -> None:
        """Edit, rename, export or delete a saved search (from the sidebar's menu)."""
        saved = smartlists.get_saved(self.library, saved_id)
        if saved is None:
            return
        if action == "edit":
            self.sidebar.select(Scope("all"))
            self.search.setText(saved.query)
            self.apply_query()
        elif action == "rename":
            name = dialogs.ask_text(self, "Rename saved search", "New name:", saved.name)  # type: ignore[arg-type]
            if name:
                self._saved_write(lambda c: smartlists.rename_saved(c.library, saved_id, name))
        elif action == "delete":
            if dialogs.ask(self, "Delete saved search", f"Delete the saved search “{saved.name}”?"):  # type: ignore[arg-type]
                if self.sidebar.scope.kind == "saved" and self.sidebar.scope.value == saved_id:
                    self.sidebar.select(Scope("all"))
                self._saved_write(lambda c: smartlists.delete_saved(c.library, saved_id))
        elif action == "export":
            ids = smartlists.matching_ids(self.library, saved)
            self.export_dialog = export_dialog(self, ids, None, saved.name)  # type: ignore[arg-type]
