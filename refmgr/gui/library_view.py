"""The library table view: multi-select, drag rows out, drop DOIs and files in, column chooser."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from refmgr.gui.imports import request_from_mime
from refmgr.gui.table_model import ARTICLE_IDS_MIME, COLUMN_KEYS, COLUMNS, ArticleTableModel, ids_from_mime

DEFAULT_WIDTHS = {"retracted": 26, "first_author": 130, "year": 52, "title": 380, "journal": 200, "date_added": 90,
                  "read_status": 70, "rating": 70, "citation_count": 70, "extras": 56, "types": 90}  # fmt: skip
HIDDEN_BY_DEFAULT = ("rating",)
MIN_TITLE = 160  # the Title column (which stretches) keeps at least this much when the window is narrow (900x600)
# columns that narrow first, in this order, down to these widths
GIVES_WAY = {"journal": 80, "first_author": 80, "types": 44, "citation_count": 56, "extras": 44, "read_status": 60,
             "date_added": 76, "year": 44}  # fmt: skip


class LibraryTable(QTableView):
    """The article table; drops of text, links and files become imports."""

    import_dropped = Signal(object)
    rows_moved = Signal(list, object)  # article ids dragged within a reading list, the id they go before (or None)

    def __init__(self, model: ArticleTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSortingEnabled(True)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setAccessibleName("Library")
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        for index, column in enumerate(COLUMNS):
            self.setColumnWidth(index, DEFAULT_WIDTHS.get(column.key, 100))
            header.setSectionHidden(index, column.key in HIDDEN_BY_DEFAULT)
        header.setSectionResizeMode(COLUMN_KEYS.index("title"), QHeaderView.ResizeMode.Stretch)
        self.preferred = {key: DEFAULT_WIDTHS[key] for key in GIVES_WAY}  # widths to grow back to
        self.types_auto_hidden = False
        self.reorderable = False  # a reading list in its own order: rows dragged within the table move
        self._fitting = False
        header.sectionResized.connect(self._section_resized)
        header.setSortIndicator(COLUMNS.index(next(c for c in COLUMNS if c.key == "date_added")),
                                Qt.SortOrder.DescendingOrder)  # fmt: skip

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_title()

    def _section_resized(self, index: int, _old: int, new: int) -> None:
        key = COLUMN_KEYS[index] if 0 <= index < len(COLUMN_KEYS) else ""
        if key in self.preferred and not self._fitting:
            self.preferred[key] = new  # the user's own width

    def fit_title(self) -> None:
        """Narrow Journal, then First author, so Title keeps MIN_TITLE; widen them again when there is room."""
        header = self.horizontalHeader()
        title = COLUMN_KEYS.index("title")
        others = sum(header.sectionSize(i) for i in range(len(COLUMNS)) if i != title and not header.isSectionHidden(i))
        spare = self.viewport().width() - others - MIN_TITLE
        self._fitting = True
        try:
            for key, least in GIVES_WAY.items() if spare < 0 else reversed(GIVES_WAY.items()):
                index = COLUMN_KEYS.index(key)
                if header.isSectionHidden(index) or spare == 0:
                    continue
                size = header.sectionSize(index)
                wanted = max(least, size + spare) if spare < 0 else min(self.preferred[key], size + spare)
                if wanted != size:
                    header.resizeSection(index, wanted)
                    spare -= wanted - size
            self._fit_types(spare)
        finally:
            self._fitting = False

    def _fit_types(self, spare: int) -> None:
        """The Type badges go when even the narrowed columns leave Title too little, and come back with room."""
        header = self.horizontalHeader()
        types = COLUMN_KEYS.index("types")
        if spare < 0 and not header.isSectionHidden(types):
            header.setSectionHidden(types, True)
            self.types_auto_hidden = True
        elif self.types_auto_hidden and spare >= GIVES_WAY["types"]:
            header.setSectionHidden(types, False)
            header.resizeSection(types, min(self.preferred["types"], spare))
            self.types_auto_hidden = False

    def can_reorder(self) -> bool:
        """Whether rows dragged within the table move: a reading list shown in its own order."""
        return self.reorderable and self.article_model().query.sort == "position"

    def article_model(self) -> ArticleTableModel:
        """The model, typed."""
        model = self.model()
        assert isinstance(model, ArticleTableModel)
        return model

    def selected_ids(self) -> list[int]:
        """Ids of the selected articles, in table order."""
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        return [self.article_model().article_id(row) for row in rows]

    def current_id(self) -> int | None:
        """Id of the current article, or None."""
        index = self.currentIndex()
        return self.article_model().article_id(index.row()) if index.isValid() else None

    def _header_menu(self, point: QPoint) -> None:
        header = self.horizontalHeader()
        menu = QMenu(self)
        for index, column in enumerate(COLUMNS):
            action = menu.addAction(column.title if column.key != "retracted" else "Retracted")
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(index))
            action.toggled.connect(lambda shown, i=index: header.setSectionHidden(i, not shown))
        menu.exec(header.mapToGlobal(point))

    # ----- drops --------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(ARTICLE_IDS_MIME) and self.can_reorder():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        elif mime.hasFormat(ARTICLE_IDS_MIME):
            event.ignore()  # rows dragged onto the table itself: nothing to do
        elif mime.hasText() or mime.hasUrls():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(ARTICLE_IDS_MIME):
            if self.can_reorder():
                event.setDropAction(Qt.DropAction.CopyAction)
                event.accept()
            else:
                event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        moved = ids_from_mime(event.mimeData())
        if moved:
            if not self.can_reorder():
                event.ignore()
                return
            index = self.indexAt(event.position().toPoint())
            before = self.article_model().article_id(index.row()) if index.isValid() else None
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.rows_moved.emit(moved, before)
            return
        request = request_from_mime(event.mimeData())
        if not request:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.import_dropped.emit(request)
