"""The main window: sidebar, library table, article pane, search, imports and persisted layout."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolBar,
)

from refmgr import APP_NAME
from refmgr.core.backup import backup_before_migration
from refmgr.core.changes import Changes
from refmgr.core.library import Library
from refmgr.core.querycap import cap_query
from refmgr.core.search import ArticleQuery
from refmgr.core.settings import Settings
from refmgr.core.sqlerrors import is_damage
from refmgr.core.undo import DeletedArticles
from refmgr.gui import dialogs
from refmgr.gui.article_pane import ArticlePane
from refmgr.gui.citing import Citing
from refmgr.gui.imports import ImportRequest
from refmgr.gui.library_view import LibraryTable
from refmgr.gui.pdf_actions import start_find_pdf
from refmgr.gui.preformatting import BackgroundPreformat
from refmgr.gui.search_keys import SearchKeys
from refmgr.gui.sidebar import Scope, Sidebar
from refmgr.gui.table_model import COLUMNS, ArticleTableModel
from refmgr.gui.tasks import TaskRunner
from refmgr.gui.watcher import LibraryWatcher
from refmgr.gui.window_edits import EditsMixin
from refmgr.gui.window_imports import ImportsMixin
from refmgr.gui.window_lists import ListOrderMixin
from refmgr.gui.window_safety import SafetyMixin
from refmgr.gui.window_search import SearchMixin
from refmgr.gui.zotero_sync import ZoteroActions

SEARCH_DEBOUNCE_MS = 200
REFRESH_DEBOUNCE_MS = 100  # batches arriving during an import: apply their rows at most ten times a second
STATE_VERSION = 1


class MainWindow(ImportsMixin, EditsMixin, SafetyMixin, ListOrderMixin, SearchMixin, QMainWindow):
    """refmgr's window over one library file."""

    import_finished = Signal(object)  # the ImportReport, or None when the import failed
    task_failed = Signal(str)
    references_resolved = Signal(int)
    edits_saved = Signal(int)
    table_refreshed = Signal()
    changes_applied = Signal(object)  # the Changes the window just showed
    export_finished = Signal(str)
    lists_changed = Signal()
    input_refused = Signal(str)
    backup_finished = Signal(object)  # the backup written, or None when no daily backup was due
    backup_failed = Signal(str)
    restore_finished = Signal(bool)
    check_finished = Signal(object)  # the CheckReport, or None when the check could not run

    def __init__(
        self, library_path: Path, settings: Settings, settings_path: Path, library: Library | None = None
    ) -> None:
        super().__init__()
        self.library_path = Path(library_path)
        self.settings = settings
        self.settings_path = settings_path
        self.library = library or Library(self.library_path, before_migration=backup_before_migration)
        self.runner = TaskRunner(self.library_path, self)
        self.runner.busy_changed.connect(self._busy_changed)
        self.import_queue: list[ImportRequest] = []
        self.import_running = False
        self.current_task: Any = None
        self.last_report: Any = None
        self.report_dialog: dialogs.ReportDialog | None = None
        self.undo_stack: list[DeletedArticles] = []
        self._reloading = False
        self.setWindowTitle(f"{APP_NAME} — {self.library_path.name}")
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_actions()
        self.zotero = ZoteroActions(self)
        self._build_status_bar()
        self.show_read_only_banner()
        self._restore_state()
        self.watcher = LibraryWatcher(self.library, self)
        self.watcher.changed.connect(self.apply_changes)
        self.apply_query()
        self._update_pending()
        self.start_auto_backup()
        self.preformatter = BackgroundPreformat(self)
        self.import_finished.connect(self.preformatter.after_import)
        self.preformatter.start_up()

    # ----- construction -------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.model = ArticleTableModel(self.library, self)
        self.table = LibraryTable(self.model)
        self.sidebar = Sidebar(self.library)
        self.pane = ArticlePane(self.library)
        self.search = QLineEdit()
        self.search.setObjectName("searchField")
        self.search.setPlaceholderText('Search: words, "phrases", OR, -word, author:"Rini BI", type:rct, year:>2020…')
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(420)
        self.match_count = QLabel()
        self.match_count.setObjectName("matchCount")
        self.match_count.setMinimumWidth(self.match_count.fontMetrics().horizontalAdvance("000,000 matches") + 16)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self.search_timer.timeout.connect(self.apply_query)
        self.search.textChanged.connect(lambda _text: self.search_timer.start())
        self.search.returnPressed.connect(self.apply_query)
        self.search_keys = SearchKeys(self.search, self.table, self.apply_query)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.setInterval(REFRESH_DEBOUNCE_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter.addWidget(self.table)
        self.right_splitter.addWidget(self.pane)
        self.right_splitter.setStretchFactor(0, 2)
        self.right_splitter.setStretchFactor(1, 3)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.addWidget(self.sidebar)
        self.main_splitter.addWidget(self.right_splitter)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([250, 1070])
        self.right_splitter.setSizes([300, 480])
        self.setCentralWidget(self.main_splitter)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.table.import_dropped.connect(self.start_import)
        self.table.rows_moved.connect(self.rows_dropped_in_list)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        self.sidebar.scope_changed.connect(self.scope_chosen)
        self.sidebar.import_dropped.connect(self.start_import)
        self.sidebar.rows_dropped_on_list.connect(self.add_to_list)
        self.sidebar.list_action.connect(self._list_action)
        self.pane.fields_edited.connect(self.save_fields)
        self.pane.tags_edited.connect(self.save_tags)
        self.pane.figures_requested.connect(self.edit_figures)
        self.pane.pdf.find_pdf_requested.connect(lambda article_id: start_find_pdf(self, article_id))
        self.pane.references.resolve_requested.connect(self.resolve_references)
        self.pane.references.open_requested.connect(self.open_article)
        self.pane.references.add_requested.connect(lambda text: self.start_import(ImportRequest(texts=[text])))

    def _action(self, text: str, slot: Any, shortcut: Any = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        return action

    def _build_actions(self) -> None:
        self.add_action = self._action("Add by identifier…", self.add_by_identifier, "Ctrl+N",
                                       "Add articles by DOI, PubMed link or PMID")  # fmt: skip
        self.import_action = self._action("Import files…", self.import_files_dialog, QKeySequence.StandardKey.Open,
                                          "Import PubMed pages, .nbib, .ris, .bib, CSL-JSON or JATS files")  # fmt: skip
        self.retry_action = self._action("Retry pending", self.retry_pending, "F5",
                                         "Fetch the items kept while Crossref could not be reached")  # fmt: skip
        self.settings_action = self._action("Settings…", self.open_settings, QKeySequence.StandardKey.Preferences)
        self.quit_action = self._action("Quit", self.close, QKeySequence.StandardKey.Quit)
        self.find_action = self._action("Find", self.focus_search, QKeySequence.StandardKey.Find)
        self.delete_action = self._action("Delete…", self.delete_selected, QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.table.addAction(self.delete_action)
        self.undo_action = self._action("Undo delete", self.undo_delete, QKeySequence.StandardKey.Undo)
        self.undo_action.setEnabled(False)
        self.paste_action = self._action("Paste identifiers", self.paste, QKeySequence.StandardKey.Paste,
                                         "Import the DOIs, links or records on the clipboard")  # fmt: skip
        self.paste_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.table.addAction(self.paste_action)
        self.read_action = self._action("Mark as read", lambda: self.set_read_status("read"), "Ctrl+R")
        self.unread_action = self._action("Mark as unread", lambda: self.set_read_status("unread"), "Ctrl+U")
        self.figures_action = self._action("Edit figures…", lambda: self.edit_figures(self.table.current_id()),
                                           "Ctrl+E")  # fmt: skip
        self.resolve_action = self._action("Resolve references", lambda: self.resolve_references(None), "Ctrl+Shift+R")
        self.new_list_action = self._action("New reading list…", self.new_list, "Ctrl+Shift+N")
        self.move_up_action = self._action("Move up in list", lambda: self.move_in_list(-1), "Alt+Up",
                                           "Move the article one place up in the reading list shown")  # fmt: skip
        self.move_down_action = self._action("Move down in list", lambda: self.move_in_list(1), "Alt+Down",
                                             "Move the article one place down in the reading list shown")  # fmt: skip
        self.export_action = self._action("Export selected…", lambda: self.export_articles(self.table.selected_ids()),
                                          "Ctrl+Shift+E", "RIS, BibTeX, CSL-JSON, bibliography or handout")  # fmt: skip
        self.report_action = self._action("Show last import report", self.show_report, "Ctrl+Shift+I")
        self.about_action = self._action("About refmgr", lambda: dialogs.show_about(self))
        self.backup_action = self._action("Back up now…", self.back_up_now, None,
                                          "A verified copy of the library (the backups folder is offered)")  # fmt: skip
        self.restore_action = self._action("Restore from backup…", self.restore_from_backup, None,
                                           "Replace the library with a backup; the current one is kept")  # fmt: skip
        self.check_action = self._action("Check library", self.check_library_now, None,
                                         "Integrity check; rebuilds the search index if it is out of date")  # fmt: skip
        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu("&File")
        for action in (self.add_action, self.import_action, self.paste_action, self.retry_action, self.report_action):
            file_menu.addAction(action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        for action in (self.backup_action, self.restore_action, self.check_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menu_bar.addMenu("&Edit")
        for action in (self.undo_action, self.find_action, self.delete_action):
            edit_menu.addAction(action)
        article_menu = menu_bar.addMenu("&Article")
        for action in (self.read_action, self.unread_action, self.figures_action, self.resolve_action):
            article_menu.addAction(action)
        lists_menu = menu_bar.addMenu("&Lists")
        lists_menu.addAction(self.new_list_action)
        lists_menu.addAction(self.move_up_action)
        lists_menu.addAction(self.move_down_action)
        help_menu = menu_bar.addMenu("&Help")
        help_menu.addAction(self.about_action)
        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.addAction(self.add_action)
        toolbar.addAction(self.import_action)
        toolbar.addSeparator()
        toolbar.addWidget(self.search)
        toolbar.addWidget(self.match_count)
        self.addToolBar(toolbar)
        self.citing = Citing(self)
        self.build_search_extras(toolbar)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_tasks)
        self.pending_button = QPushButton()
        self.pending_button.setFlat(True)
        self.pending_button.clicked.connect(self.retry_pending)
        for widget in (self.pending_button, self.progress, self.cancel_button):
            bar.addPermanentWidget(widget)
        self.progress.hide()
        self.cancel_button.hide()

    # ----- layout state -------------------------------------------------------------------

    def _restore_state(self) -> None:
        state = self.settings.gui_state or {}
        if state.get("version") != STATE_VERSION:
            self.resize(1320, 860)
            return
        if geometry := state.get("geometry"):
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        if header := state.get("header"):
            self.table.horizontalHeader().restoreState(QByteArray.fromBase64(header.encode()))
        for splitter, key in ((self.main_splitter, "main_splitter"), (self.right_splitter, "right_splitter")):
            if sizes := state.get(key):
                splitter.setSizes([int(s) for s in sizes])
        if sizes := state.get("side_by_side"):
            self.pane.side_by_side.setSizes([int(s) for s in sizes])
        header_view = self.table.horizontalHeader()
        column = header_view.sortIndicatorSection()
        if 0 <= column < len(COLUMNS) and COLUMNS[column].sort:
            descending = header_view.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
            self.model.query = replace(self.model.query, sort=COLUMNS[column].sort, descending=descending)

    def layout_state(self) -> dict[str, Any]:
        """Geometry, splitters, columns (order, width, visibility) and sort, as JSON-able values."""
        return {
            "version": STATE_VERSION,
            "geometry": bytes(self.saveGeometry().toBase64().data()).decode(),
            "header": bytes(self.table.horizontalHeader().saveState().toBase64().data()).decode(),
            "main_splitter": self.main_splitter.sizes(),
            "right_splitter": self.right_splitter.sizes(),
            "side_by_side": self.pane.side_by_side.sizes(),
        }

    def save_state(self) -> None:
        """Write the layout into the settings file (re-read first so other changes are kept)."""
        settings = Settings.load(self.settings_path)
        settings.gui_state = self.layout_state()
        settings.save(self.settings_path)
        self.settings.gui_state = settings.gui_state

    def closeEvent(self, event: QCloseEvent) -> None:
        self.watcher.stop()
        self.pane.flush_notes()
        self.save_state()
        self.preformatter.stop()
        self.runner.shutdown()
        self.pane.flush_notes()
        if self.report_dialog is not None:
            self.report_dialog.close()
        self.library.close()
        super().closeEvent(event)

    # ----- query and selection ------------------------------------------------------------

    def current_query(self) -> ArticleQuery:
        """The query the table shows: search text, sidebar scope, and the table's sort."""
        scope: Scope = self.sidebar.scope
        base = self.model.query
        return ArticleQuery(text=self.search.text().lstrip(), sort=base.sort, descending=base.descending,
                            typing=True, **scope.query_fields())  # type: ignore[arg-type]  # fmt: skip

    def apply_query(self) -> None:
        """Run the search and scope now (the search field calls this debounced)."""
        self.search_timer.stop()
        query = self.current_query()
        self._reload_keeping_selection(lambda: self.model.set_query(query))
        self._update_count()
        self.search_state_changed()
        self.table_refreshed.emit()

    def refresh(self) -> None:
        """Show what changed in the library now (after the window's own writes; others arrive by polling)."""
        self.refresh_timer.stop()
        if self.watcher.check() is None:
            self.table_refreshed.emit()

    def reload_all(self) -> None:
        """Re-run the query and rebuild the sidebar (after the search index was rebuilt)."""
        self._reload_keeping_selection(self.model.reload)
        self.sidebar.populate()
        self.refresh_filter_tags()
        self._update_count()
        self._update_pending()
        self.table_refreshed.emit()

    def apply_changes(self, changes: Changes) -> None:
        """Insert, remove and repaint exactly the rows that changed; update counts; keep selection and typing."""
        if changes.reset:
            self.reload_all()
            self.changes_applied.emit(changes)
            return
        if not self._model_work(lambda: self.model.apply(changes)):
            return
        scope = self.sidebar.scope
        if changes.added or changes.deleted or changes.updated or changes.lists or changes.tagged:
            self.sidebar.update_counts()
        if self.sidebar.scope != scope:  # the list or tag shown was deleted elsewhere
            self.scope_chosen(self.sidebar.scope)
        self._update_count()
        if changes.pending:
            self._update_pending()
        shown = self.pane.article_id
        if shown is not None and shown in changes.deleted:
            self.pane.mark_deleted()
            self.table.selectionModel().clearCurrentIndex()
        elif shown is not None and (shown in changes.updated | changes.tagged or self._may_be_cited(changes)):
            self.pane.refresh()
        elif not self.pane.deleted and self.table.current_id() != shown:
            self.pane.show_article(self.table.current_id())
        self.changes_applied.emit(changes)
        self.table_refreshed.emit()

    def _may_be_cited(self, changes: Changes) -> bool:
        """Whether articles were added while the open one has references (one may now be "In library")."""
        article = self.pane.article
        return bool(changes.added and article is not None and article.references)

    def _reselect(self, current: int | None, selected: list[int] | None = None) -> None:
        selection = self.table.selectionModel()
        for article_id in selected or []:
            row = self.model.row_of(article_id)
            if row is not None:
                flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
                selection.select(self.model.index(row, 0), flags)
        row = self.model.row_of(current) if current is not None else None
        if row is not None:
            flags = selection.SelectionFlag.Rows | (
                selection.SelectionFlag.Select if selected else selection.SelectionFlag.ClearAndSelect
            )
            selection.setCurrentIndex(self.model.index(row, 1), flags)

    def _model_work(self, work: Callable[[], None]) -> bool:
        """Run work that changes the model's rows (the pane ignores row changes meanwhile); False if damage met."""
        self._reloading = True
        try:
            work()
        except sqlite3.DatabaseError as error:  # a damaged page met while the window runs
            if not is_damage(error):
                raise
            self.library_damaged(error)
            return False
        finally:
            self._reloading = False
        return True

    def _reload_keeping_selection(self, reload: Any) -> None:
        """Run a model reload, then restore the selection and bring the pane up to date without losing typing."""
        keep_current = self.table.current_id()
        keep_selected = self.table.selected_ids()

        def work() -> None:
            reload()
            self.table.executeDelayedItemsLayout()  # lay out now, so the new rows are painted once, not twice
            self._reselect(keep_current, keep_selected)

        if not self._model_work(work):
            return
        current = self.table.current_id()
        if current is not None and current == self.pane.article_id:
            self.pane.refresh()
        elif current is not None or not self.pane.deleted:  # a deleted article's notes stay until one is chosen
            self.pane.show_article(current)

    def _update_count(self) -> None:
        n = self.model.rowCount()
        text = self.search.text().strip()
        note = cap_query(text)[1] if text else ""
        self.match_count.setToolTip(note)
        if note:
            self.match_count.setText(f"{n:,} match{'es' if n != 1 else ''} (search shortened)")
            self.statusBar().showMessage(note, 10_000)
        elif text:
            self.match_count.setText(f"{n:,} match{'es' if n != 1 else ''}")
        else:
            self.match_count.setText(f"{n:,} article{'s' if n != 1 else ''}")

    def _current_row_changed(self, current: Any, _previous: Any) -> None:
        if self._reloading or (self.pane.deleted and not current.isValid()):
            return
        self.pane.show_article(self.model.article_id(current.row()) if current.isValid() else None)

    def select_article(self, article_id: int) -> bool:
        """Make an article current in the table (widening the view if it is filtered out)."""
        if self.model.row_of(article_id) is None:
            self.search.clear()
            self.sidebar.select(Scope("all"))
            self.apply_query()
        row = self.model.row_of(article_id)
        if row is None:
            return False
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 1),
            self.table.selectionModel().SelectionFlag.ClearAndSelect | self.table.selectionModel().SelectionFlag.Rows,
        )
        self.table.scrollTo(self.model.index(row, 1))
        return True

    def open_article(self, article_id: int) -> None:
        """Show an article (from a reference)."""
        self.select_article(article_id)

    def focus_search(self) -> None:
        """Put the cursor in the search field."""
        self.search.setFocus()
        self.search.selectAll()
