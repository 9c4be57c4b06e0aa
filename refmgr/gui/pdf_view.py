"""The article pane's PDF tab: the attached PDF read with Qt's own PDF module (pages, zoom, search)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPointF, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from refmgr.core.library import Library
from refmgr.core.model import Article
from refmgr.core.pdf.attachments import Attachment, attachment_path, attachments_of

NO_PDF = "No PDF attached: drop it on the window (it is matched by its DOI) or find an open-access copy."
ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.25, 6.0


class PdfTab(QWidget):
    """The attached PDFs of one article: a file chooser, page navigation, zoom, search, open outside refmgr."""

    find_pdf_requested = Signal(int)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.article: Article | None = None
        self.attachments: list[Attachment] = []
        self._loaded: Path | None = None
        self.document = QPdfDocument(self)
        self.search_model = QPdfSearchModel(self)
        self.search_model.setDocument(self.document)
        self.view = QPdfView()
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setSearchModel(self.search_model)
        self.view.setAccessibleName("PDF")
        self.files = QComboBox()
        self.files.setAccessibleName("Attached file")
        self.page = QSpinBox()
        self.page.setMinimum(1)
        self.page.setAccessibleName("Page")
        self.pages = QLabel()
        self.previous_page = QPushButton("◀")
        self.previous_page.setToolTip("Previous page")
        self.next_page = QPushButton("▶")
        self.next_page.setToolTip("Next page")
        self.zoom_out = QPushButton("−")
        self.zoom_out.setToolTip("Zoom out")
        self.zoom_in = QPushButton("+")
        self.zoom_in.setToolTip("Zoom in")
        self.fit_width = QPushButton("Fit width")
        self.figures = QComboBox()
        self.figures.setAccessibleName("Go to figure")
        self.figures.setToolTip("Jump to the page of a figure's caption")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search in the PDF")
        self.search.setClearButtonEnabled(True)
        self.matches = QLabel()
        self.next_match = QPushButton("Next")
        self.open_outside = QPushButton("Open in system viewer")
        self.show_folder = QPushButton("Show in folder")
        for button in (self.previous_page, self.next_page, self.zoom_out, self.zoom_in):
            button.setMaximumWidth(36)
        bar = QHBoxLayout()
        for widget in (self.files, self.previous_page, self.page, self.pages, self.next_page, self.zoom_out,
                       self.zoom_in, self.fit_width, self.figures, self.search, self.matches, self.next_match,
                       self.open_outside, self.show_folder):  # fmt: skip
            bar.addWidget(widget)
        bar.setStretchFactor(self.search, 1)
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.find_pdf = QPushButton("Find PDF (open access)")
        self.find_pdf.setToolTip("Ask Unpaywall for an open-access copy of this article and attach it")
        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.message)
        empty_layout.addWidget(self.find_pdf, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(1)
        self.viewer = QWidget()
        viewer_layout = QVBoxLayout(self.viewer)
        viewer_layout.setContentsMargins(0, 0, 0, 0)
        viewer_layout.addLayout(bar)
        viewer_layout.addWidget(self.view, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(empty)
        self.stack.addWidget(self.viewer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        navigator = self.view.pageNavigator()
        navigator.currentPageChanged.connect(self._page_changed)
        self.page.editingFinished.connect(lambda: self.go_to_page(self.page.value() - 1))
        self.previous_page.clicked.connect(lambda: self.go_to_page(navigator.currentPage() - 1))
        self.next_page.clicked.connect(lambda: self.go_to_page(navigator.currentPage() + 1))
        self.zoom_in.clicked.connect(lambda: self.set_zoom(self.view.zoomFactor() * ZOOM_STEP))
        self.zoom_out.clicked.connect(lambda: self.set_zoom(self.view.zoomFactor() / ZOOM_STEP))
        self.fit_width.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))
        self.search.returnPressed.connect(self.next_search_result)
        self.search.textChanged.connect(self._search_changed)
        self.search_model.rowsInserted.connect(lambda *_: self._show_match_count())
        self.search_model.modelReset.connect(self._show_match_count)
        self.next_match.clicked.connect(self.next_search_result)
        self.files.activated.connect(lambda _index: self.load_current())
        self.figures.activated.connect(self._figure_chosen)
        self.open_outside.clicked.connect(self._open_outside)
        self.show_folder.clicked.connect(self._show_folder)
        self.find_pdf.clicked.connect(lambda: self.article and self.find_pdf_requested.emit(self.article.id))

    def show_article(self, article: Article | None) -> None:
        """List the article's attachments; the document itself loads only when the tab is shown."""
        self.article = article
        self.attachments = attachments_of(self.library, article.id) if article and article.id else []
        self.files.clear()
        self.files.addItems([a.original_name or a.stored_name for a in self.attachments])
        self.files.setVisible(len(self.attachments) > 1)
        self._loaded = None
        self.document.close()
        if not self.attachments:
            self.message.setText(NO_PDF)
            self.find_pdf.setVisible(bool(article and article.doi))
            self.stack.setCurrentIndex(0)
        else:
            self.stack.setCurrentIndex(1)
            if self.isVisible():
                self.load_current()

    def showEvent(self, event: QShowEvent) -> None:
        """Load the document the first time the tab is shown for this article."""
        super().showEvent(event)
        if self.attachments and self._loaded is None:
            self.load_current()

    def current_path(self) -> Path | None:
        """The file of the attachment chosen in the combo box."""
        index = max(self.files.currentIndex(), 0)
        return attachment_path(self.library, self.attachments[index]) if self.attachments else None

    def load_current(self) -> None:
        """Open the chosen attachment (only files refmgr's reader has read within its limits)."""
        path = self.current_path()
        if path is None:
            return
        index = max(self.files.currentIndex(), 0)
        self._loaded = path
        if not path.exists():
            self._fail(f"The file {path.name} is missing from {path.parent}.")
            return
        if self.attachments[index].pages is None:
            self._fail("refmgr could not read this file safely; open it in the system viewer.")
            return
        error = self.document.load(str(path))
        if error != QPdfDocument.Error.None_:
            self._fail(f"Qt could not open {path.name} ({error.name}).")
            return
        self.stack.setCurrentIndex(1)
        self._list_figures(self.attachments[index].figure_pages)
        self.page.setMaximum(max(self.document.pageCount(), 1))
        self.pages.setText(f"of {self.document.pageCount()}")
        self._search_changed(self.search.text())
        self._page_changed(0)

    def _list_figures(self, pages: dict[str, int]) -> None:
        self.figures.clear()
        self.figures.addItem("Go to figure…", -1)
        for label, page in pages.items():
            self.figures.addItem(f"{label} (p. {page})", page - 1)
        self.figures.setVisible(bool(pages))

    def go_to_figure(self, label: str) -> bool:
        """Show the page where a figure's caption is (labels as the legends have them); False if unknown."""
        index = next((i for i in range(1, self.figures.count()) if self.figures.itemText(i).startswith(f"{label} (")),
                     -1)  # fmt: skip
        if index < 0:
            return False
        self._figure_chosen(index)
        return True

    def _figure_chosen(self, index: int) -> None:
        page = self.figures.itemData(index)
        if isinstance(page, int) and page >= 0:
            self.go_to_page(page)
        self.figures.setCurrentIndex(0)

    def _fail(self, text: str) -> None:
        self.document.close()
        self.message.setText(text)
        self.find_pdf.setVisible(False)
        self.stack.setCurrentIndex(0)

    def go_to_page(self, page: int) -> None:
        """Show a page (0-based), kept within the document."""
        count = self.document.pageCount()
        if count <= 0:
            return
        page = max(0, min(page, count - 1))
        self.view.pageNavigator().jump(page, QPointF(), self.view.zoomFactor())

    def set_zoom(self, factor: float) -> None:
        """Zoom to a factor between a quarter and six times."""
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(MIN_ZOOM, min(MAX_ZOOM, factor)))

    def _page_changed(self, page: int) -> None:
        self.page.blockSignals(True)
        self.page.setValue(page + 1)
        self.page.blockSignals(False)

    def _search_changed(self, text: str) -> None:
        self.search_model.setSearchString(text)
        self._show_match_count()

    def _show_match_count(self) -> None:
        count = self.search_model.rowCount(QModelIndex())
        self.matches.setText(f"{count} found" if self.search.text() else "")
        self.next_match.setEnabled(count > 0)

    def next_search_result(self) -> None:
        """Jump to the next match of the search text (wrapping round)."""
        count = self.search_model.rowCount(QModelIndex())
        self._show_match_count()
        if not count:
            return
        index = (self.view.currentSearchResultIndex() + 1) % count
        self.view.setCurrentSearchResultIndex(index)
        link = self.search_model.resultAtIndex(index)
        self.view.pageNavigator().jump(link.page(), link.location(), self.view.zoomFactor())

    def _open_outside(self) -> None:
        path = self.current_path()
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _show_folder(self) -> None:
        path = self.current_path()
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
