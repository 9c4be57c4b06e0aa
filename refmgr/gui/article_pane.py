"""The article pane: header, keywords beside figure legends, abstract, references and notes."""

from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from refmgr.core.crossref.explain import explain_reference
from refmgr.core.highlight import KeywordHits, find_hits, legends_html
from refmgr.core.library import Library
from refmgr.core.matchwords import Highlighter
from refmgr.core.model import READ_STATUSES, Article, Figure, Trial, citation_line
from refmgr.gui import dialogs
from refmgr.gui.deleted_banner import DeletedBanner
from refmgr.gui.pane_models import KeywordModel, ReferenceModel, source_label
from refmgr.gui.pdf_view import PdfTab
from refmgr.gui.richtext import SafeTextBrowser, plain_tooltip, safe_abstract_html, shown_text
from refmgr.gui.search_marks import badges_html, mark_document, marked_html

NOTES_DEBOUNCE_MS = 600
MAX_AUTHORS_SHOWN = 12


def authors_line(article: Article) -> str:
    """Authors as Vancouver writes them, shortened after a dozen."""
    names = [a.vancouver for a in article.authors]
    if len(names) > MAX_AUTHORS_SHOWN:
        names = [*names[:MAX_AUTHORS_SHOWN], "et al."]
    elif article.authors_incomplete and names:  # the source listed only these ("Fung KFK et al.")
        names.append("et al.")
    return ", ".join(names)


def links_html(article: Article) -> str:
    """DOI and PubMed links (opened in the browser)."""
    links = []
    if article.doi:
        doi = html.escape(article.doi)
        links.append(f'DOI: <a href="https://doi.org/{doi}">{doi}</a>')
    if article.pmid:
        links.append(f'PMID: <a href="https://pubmed.ncbi.nlm.nih.gov/{article.pmid}/">{article.pmid}</a>')
    if article.pmcid:
        links.append(f'<a href="https://www.ncbi.nlm.nih.gov/pmc/articles/{article.pmcid}/">{article.pmcid}</a>')
    if article.open_access_url.startswith("https://"):
        links.append(f'<a href="{html.escape(article.open_access_url)}" title="Free full text (Europe PMC)">'
                     "Open access</a>")  # fmt: skip
    links += [trial_link(t) for t in article.trials]
    return " &nbsp;·&nbsp; ".join(links)


def trial_link(trial: Trial) -> str:
    """A trial registry number, linked to its registry page (ClinicalTrials.gov, ISRCTN) with its source as tooltip."""
    accession = html.escape(trial.accession)
    tip = html.escape(f"{trial.registry or 'Trial registry'} number, from {source_label(trial.source)}")
    if re.fullmatch(r"NCT\d{8}", trial.accession):
        return f'Trial: <a href="https://clinicaltrials.gov/study/{accession}" title="{tip}">{accession}</a>'
    if re.fullmatch(r"ISRCTN\d+", trial.accession):
        return f'Trial: <a href="https://www.isrctn.com/{accession}" title="{tip}">{accession}</a>'
    return f'Trial: <span title="{tip}">{accession}</span>'


def legends_source(figures: list[Figure]) -> str:
    """Where the shown legends came from (for a tooltip), or ""."""
    sources = list(dict.fromkeys(source_label(f.source) for f in figures))
    return f"Legends from {', '.join(sources)}" if figures else ""


class SideBySide(QSplitter):
    """Keywords on the left, every figure legend on the right, occurrences highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.keyword_model = KeywordModel(self)
        self.keywords = QListView()
        self.keywords.setModel(self.keyword_model)
        self.keywords.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.keywords.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.keywords.setAccessibleName("Keywords")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.keywords_title = QLabel("<b>Keywords</b>")
        left_layout.addWidget(self.keywords_title)
        left_layout.addWidget(self.keywords)
        self.legends = SafeTextBrowser()
        self.legends.setAccessibleName("Figure legends")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        self.legends_title = QLabel("<b>Figure legends</b>")
        self.edit_figures = QPushButton("Edit figures…")
        header.addWidget(self.legends_title)
        header.addStretch(1)
        header.addWidget(self.edit_figures)
        right_layout.addLayout(header)
        right_layout.addWidget(self.legends)
        self.addWidget(left)
        self.addWidget(right)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 3)
        self.setSizes([220, 560])
        self.article: Article | None = None
        self.hits: list[KeywordHits] = []
        self.selected: KeywordHits | None = None
        self.search: Highlighter | None = None  # the searched words, marked in the legends too
        self.keywords.selectionModel().currentChanged.connect(self._keyword_chosen)

    def show_article(self, article: Article | None) -> None:
        """Show an article's keywords and legends (None clears)."""
        self.article = article
        keywords = article.keywords if article else []
        figures = article.figures if article else []
        self.hits = find_hits(keywords, figures)
        self.selected = None
        self.keyword_model.set_hits(self.hits)
        self.keywords_title.setText(f"<b>Keywords</b> ({len(keywords)})")
        self.legends_title.setText(f"<b>Figure legends</b> ({len(figures)})")
        self.legends_title.setToolTip(legends_source(figures))
        self._render()

    def select_keyword(self, term: str) -> bool:
        """Select a keyword by its term (as a click would); False if the article has none such."""
        for row, hit in enumerate(self.hits):
            if hit.keyword.term.lower() == term.lower():
                index = self.keyword_model.index(row, 0)
                self.keywords.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                return True
        return False

    def _keyword_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.selected = self.hits[current.row()] if current.isValid() and current.row() < len(self.hits) else None
        self._render()
        if self.selected is not None and self.selected.counts:
            self.legends.scrollToAnchor(f"fig-{self.selected.legend_indexes[0]}")

    def _render(self) -> None:
        figures = self.article.figures if self.article else []
        self.legends.setHtml(legends_html(figures, self.hits, self.selected) if self.article else "")
        mark_document(self.legends, self.search)

    def html(self) -> str:
        """The legends as currently rendered (for tests)."""
        return legends_html(self.article.figures if self.article else [], self.hits, self.selected)


class ReferencesTab(QWidget):
    """The reference list with status and actions (resolve, open, add)."""

    resolve_requested = Signal(object)  # list of positions, or None for every unresolved one
    open_requested = Signal(int)
    add_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ReferenceModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.doubleClicked.connect(lambda _index: self.open_selected())
        self.resolve_all = QPushButton("Resolve with Crossref")
        self.resolve_all.setToolTip("Match the unresolved references to DOIs through Crossref (in the background)")
        self.resolve_all.clicked.connect(lambda: self.resolve_requested.emit(None))
        self.open_button = QPushButton("Open in library")
        self.open_button.clicked.connect(self.open_selected)
        self.add_button = QPushButton("Add to library")
        self.add_button.clicked.connect(self.add_selected)
        self.summary = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary)
        buttons.addStretch(1)
        for button in (self.resolve_all, self.open_button, self.add_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.view)

    def set_references(self, references: list[Any]) -> None:
        """Show a reference list and its resolution summary."""
        self.model.set_references(references)
        statuses = [ReferenceModel.status_of(r) for r in references]
        counts = {s: statuses.count(s) for s in ("in_library", "resolved", "ambiguous", "unresolved")}
        self.summary.setText(
            f"{len(references)} references: {counts['resolved'] + counts['in_library']} resolved "
            f"({counts['in_library']} in library), {counts['ambiguous']} ambiguous, {counts['unresolved']} unresolved"
            if references else "No reference list."
        )
        self.resolve_all.setEnabled(bool(counts["unresolved"] or counts["ambiguous"]))

    def selected_positions(self) -> list[int]:
        """Positions (0-based) of the selected references."""
        return sorted({i.row() for i in self.view.selectionModel().selectedRows()})

    def open_selected(self) -> None:
        """Open the library article a selected reference points at."""
        for position in self.selected_positions():
            cited = self.model.references[position].cited_article_id
            if cited:
                self.open_requested.emit(cited)
                return

    def add_selected(self) -> None:
        """Import the selected resolved references (by DOI) into the library."""
        dois = [self.model.references[p].doi for p in self.selected_positions() if self.model.references[p].doi]
        if dois:
            self.add_requested.emit("\n".join(dois))

    def explain(self, position: int) -> None:
        """Show a reference's parsed fields and every Crossref candidate with why it was accepted or refused."""
        reference = self.model.references[position]
        dialogs.show_text(self, f"Reference {position + 1}: how it was matched", explain_reference(reference))

    def _menu(self, point: Any) -> None:
        positions = self.selected_positions()
        if not positions:
            return
        menu = QMenu(self)
        menu.addAction("Resolve selected with Crossref", lambda: self.resolve_requested.emit(positions))
        menu.addAction("Explain the match…", lambda: self.explain(positions[0]))
        references = [self.model.references[p] for p in positions]
        open_action = menu.addAction("Open in library", self.open_selected)
        open_action.setEnabled(any(r.cited_article_id for r in references))
        add_action = menu.addAction("Add to library", self.add_selected)
        add_action.setEnabled(any(r.doi and not r.cited_article_id for r in references))
        doi = next((r.doi for r in references if r.doi), "")
        if doi:
            menu.addAction("Open DOI in browser", lambda: QDesktopServices.openUrl(QUrl(f"https://doi.org/{doi}")))
        menu.exec(self.view.viewport().mapToGlobal(point))


class ArticlePane(QWidget):
    """Everything about one article; edits leave as signals for the window to save in the background."""

    fields_edited = Signal(int, dict)
    tags_edited = Signal(int, list)
    figures_requested = Signal(int)
    cite_key_copy = Signal(int, str, bool)  # article id, key, whether the key is stored yet
    cite_key_edit = Signal(int)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.article: Article | None = None
        self.deleted = False  # the article shown was deleted elsewhere: nothing is saved, the notes stay
        self.notes_in_flight: tuple[int, str] | None = None  # notes sent to be saved, until the library has them
        self.deleted_banner = DeletedBanner()
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # text as text: no markup, no entities
        self.title.setObjectName("articleTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retracted = QLabel("⚠ RETRACTED: this article has been retracted")
        self.retracted.setObjectName("retractedBanner")
        self.retracted.hide()
        self.authors = QLabel()
        self.authors.setTextFormat(Qt.TextFormat.PlainText)  # text as text: no markup, no entities
        self.authors.setWordWrap(True)
        self.citation = QLabel()
        self.citation.setTextFormat(Qt.TextFormat.PlainText)  # text as text: no markup, no entities
        self.citation.setWordWrap(True)
        self.badges = QLabel()
        self.badges.setObjectName("publicationTypes")
        self.search_marks: Highlighter | None = None
        self.links = QLabel()
        self.links.setOpenExternalLinks(False)
        self.links.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.cite_key = QLabel()
        self.cite_key.setObjectName("citeKey")
        self.cite_key.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.cite_key.linkActivated.connect(self._cite_key_link)
        self.status = QComboBox()
        self.status.addItems([s.capitalize() for s in READ_STATUSES])
        self.rating = QComboBox()
        self.rating.addItems(["No rating", *("★" * n for n in range(1, 6))])
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("tags, comma separated")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Status:"))
        controls.addWidget(self.status)
        controls.addWidget(QLabel("Rating:"))
        controls.addWidget(self.rating)
        controls.addWidget(QLabel("Tags:"))
        controls.addWidget(self.tags, 1)
        self.side_by_side = SideBySide()
        self.abstract = SafeTextBrowser()
        self.references = ReferencesTab()
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Your notes (saved as you type)")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.side_by_side, "Keywords && figures")
        self.tabs.addTab(self.abstract, "Abstract")
        self.tabs.addTab(self.references, "References")
        self.tabs.addTab(self.notes, "Notes")
        self.pdf = PdfTab(library)
        self.tabs.addTab(self.pdf, "PDF")
        self.empty = QLabel("Select an article, or drop DOIs or a PubMed page here.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("emptyPane")
        self.body = QWidget()
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(8, 8, 8, 4)
        header = (self.deleted_banner, self.retracted, self.title, self.authors, self.citation, self.badges,
                  self.links, self.cite_key)
        for widget in header:
            body_layout.addWidget(widget)
        body_layout.addLayout(controls)
        body_layout.addWidget(self.tabs, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.body)
        self.body.hide()
        self.notes_timer = QTimer(self)
        self.notes_timer.setSingleShot(True)
        self.notes_timer.setInterval(NOTES_DEBOUNCE_MS)
        self.notes_timer.timeout.connect(self.flush_notes)
        self.notes.textChanged.connect(self._notes_typed)
        self.status.activated.connect(self._status_chosen)
        self.rating.activated.connect(self._rating_chosen)
        self.tags.editingFinished.connect(self._tags_done)
        self.side_by_side.edit_figures.clicked.connect(self._edit_figures)
        self._loading = False
        edit_figures = QAction("Edit figures…", self)
        edit_figures.triggered.connect(self._edit_figures)
        self.addAction(edit_figures)

    @property
    def article_id(self) -> int | None:
        """Id of the article shown, or None."""
        return self.article.id if self.article else None

    def show_article(self, article_id: int | None) -> None:
        """Load and show an article (None clears the pane); pending notes are saved first."""
        if self.deleted:
            self._leave_deleted()
        self.flush_notes()
        if article_id != self.article_id:
            self.notes_in_flight = None
        article = self.library.get(article_id) if article_id is not None else None
        self.article = article
        self.empty.setVisible(article is None)
        self.body.setVisible(article is not None)
        self._loading = True
        try:
            self.side_by_side.show_article(article)
            self.pdf.show_article(article)
            self.tabs.setTabText(self.tabs.indexOf(self.pdf), f"PDF ({len(self.pdf.attachments)})")
            if article is None:
                self.references.set_references([])
                self.notes.setPlainText("")
                return
            self._show_title()
            self.badges.setText(badges_html(article.publication_types))
            self.badges.setToolTip(plain_tooltip("; ".join(article.publication_types)))
            self.badges.setVisible(bool(self.badges.text()))
            self.retracted.setVisible(article.retracted)
            self.authors.setText(shown_text(authors_line(article)))
            self.citation.setText(shown_text(citation_line(article)))
            self.links.setText(links_html(article))
            self.show_cite_key()
            self.abstract.setHtml(safe_abstract_html(article.abstract_jats, article.abstract) or "<i>No abstract.</i>")
            mark_document(self.abstract, self.search_marks)
            self.references.set_references(article.references)
            self.tabs.setTabText(2, f"References ({len(article.references)})")
            self.notes.setPlainText(article.notes)
            status = article.read_status if article.read_status in READ_STATUSES else "unread"
            self.status.setCurrentIndex(READ_STATUSES.index(status))
            self.rating.setCurrentIndex(max(0, min(5, int(article.rating or 0))))
            self.tags.setText(", ".join(article.tags))
        finally:
            self._loading = False

    def _show_title(self) -> None:
        """The title as plain text, or (escaped) with the searched words marked when it has any."""
        text = shown_text(self.article.title or "(untitled)") if self.article else ""
        marked = self.search_marks is not None and bool(self.search_marks.spans(text))
        self.title.setTextFormat(Qt.TextFormat.RichText if marked else Qt.TextFormat.PlainText)
        self.title.setText(marked_html(text, self.search_marks) if marked else text)

    def set_search(self, marks: Highlighter | None) -> None:
        """Mark these searched words in the title, abstract and legends (now and for every article shown)."""
        self.search_marks = marks
        self.side_by_side.search = marks
        if self.article is not None:
            self._show_title()
            mark_document(self.abstract, marks)
            mark_document(self.side_by_side.legends, marks)

    def show_cite_key(self) -> None:
        """The shown article's cite key with Copy and Edit links (read only: a new key is stored when copied)."""
        from refmgr.core.export.citekeys import shown_key

        if self.article is None or self.article.id is None:
            return
        key, stored = shown_key(self.library, self.article.id)
        self._cite_key_stored = stored
        self.cite_key.setText(f'Cite key: <code>{html.escape(key)}</code> &nbsp;<a href="copy:{html.escape(key)}">'
                              f'Copy [@key]</a> &nbsp;<a href="edit:">Edit…</a>' if key else "")  # fmt: skip

    def _cite_key_link(self, link: str) -> None:
        if self.article is None or self.article.id is None:
            return
        if link.startswith("copy:"):
            self.cite_key_copy.emit(self.article.id, link[5:], getattr(self, "_cite_key_stored", False))
        elif link.startswith("edit:"):
            self.cite_key_edit.emit(self.article.id)

    def refresh(self) -> None:
        """Reload the shown article from the library (after a background change), keeping what is being typed."""
        if self.article is None or self.deleted:
            return
        tab = self.tabs.currentIndex()
        typed, cursor = self.notes.toPlainText(), self.notes.textCursor().position()
        tags_typing = self.tags.hasFocus() and self.tags.isModified()
        tags_text = self.tags.text()
        self.show_article(self.article.id)
        self.tabs.setCurrentIndex(tab)
        if self.article is None:
            return
        self._loading = True
        stored = self.notes.toPlainText()
        if self.notes_in_flight == (self.article.id, stored):
            self.notes_in_flight = None  # the save landed
        if stored != typed and self.notes_in_flight is not None:  # the save of what was typed has not landed yet
            self.notes.setPlainText(typed)
            self.article.notes = typed
            text_cursor = self.notes.textCursor()
            text_cursor.setPosition(min(cursor, len(typed)))
            self.notes.setTextCursor(text_cursor)
        if tags_typing:
            self.tags.setText(tags_text)
        self._loading = False

    def mark_deleted(self) -> None:
        """The article shown was deleted elsewhere: say so, keep the typed notes and offer to copy them."""
        if self.article is None:
            return
        self.notes_timer.stop()
        self.deleted = True
        self.deleted_banner.notes = self.notes.toPlainText()
        self.deleted_banner.show()
        self.tabs.setCurrentWidget(self.notes)
        for widget in (self.status, self.rating, self.tags):
            widget.setEnabled(False)

    def _leave_deleted(self) -> None:
        """Moving on from a deleted article: notes typed on it go to the clipboard rather than nowhere."""
        typed = self.notes.toPlainText()
        self.deleted = False
        self.deleted_banner.hide()
        for widget in (self.status, self.rating, self.tags):
            widget.setEnabled(True)
        if self.article is not None and typed.strip() and typed != self.article.notes:
            self.deleted_banner.copy(typed)
        self.article = None

    def _notes_typed(self) -> None:
        if self.deleted:
            self.deleted_banner.notes = self.notes.toPlainText()
            return
        if not self._loading and self.article is not None:
            self.notes_timer.start()

    def flush_notes(self) -> None:
        """Save notes typed since the last save."""
        if self.deleted:
            return
        if self.notes_timer.isActive() or (self.article and self.notes.toPlainText() != self.article.notes):
            self.notes_timer.stop()
            if self.article is not None and self.notes.toPlainText() != self.article.notes:
                self.article.notes = self.notes.toPlainText()
                self.notes_in_flight = (self.article.id, self.article.notes)
                self.fields_edited.emit(self.article.id, {"notes": self.article.notes})

    def _status_chosen(self, index: int) -> None:
        if self.article is not None and not self._loading:
            self.article.read_status = READ_STATUSES[index]
            self.fields_edited.emit(self.article.id, {"read_status": READ_STATUSES[index]})

    def _rating_chosen(self, index: int) -> None:
        if self.article is not None and not self._loading:
            self.article.rating = index
            self.fields_edited.emit(self.article.id, {"rating": index})

    def _tags_done(self) -> None:
        if self.article is None or self._loading:
            return
        tags = sorted({t.strip() for t in self.tags.text().split(",") if t.strip()}, key=str.lower)
        if tags != sorted(self.article.tags, key=str.lower):
            self.article.tags = tags
            self.tags_edited.emit(self.article.id, tags)

    def _edit_figures(self) -> None:
        if self.article is not None:
            self.figures_requested.emit(self.article.id)
