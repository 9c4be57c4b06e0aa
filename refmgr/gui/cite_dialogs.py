"""The citing dialogs: a style picker with live preview, journal abbreviations, citing a manuscript."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from refmgr.core.export import journals
from refmgr.core.export.loading import citation_articles
from refmgr.gui.dialogs import dialog_buttons
from refmgr.gui.tasks import TaskContext

PREVIEW_ARTICLES = 3
PREVIEW_DEBOUNCE_MS = 250
PICKER_ROWS = 200
SEARCH_DEBOUNCE_MS = 120


class StylePicker(QWidget):
    """Search every CSL style by title (recently used first) and preview the chosen one on a few articles."""

    def __init__(self, style: str, recent: list[str], preview: Callable[[str], None] | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.recent = recent
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search styles: journal title or words (e.g. european urology)")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setMinimumHeight(140)
        self.preview_view = QTextBrowser()
        self.preview_view.setOpenLinks(False)
        self.preview_view.setMinimumHeight(110)
        self.preview = preview
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(QLabel("Preview:"))
        layout.addWidget(self.preview_view, 1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DEBOUNCE_MS)
        self.timer.timeout.connect(self._ask_preview)
        self.search_timer = QTimer(self)  # search 10,844 styles once typing pauses, not on every key
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self.search_timer.timeout.connect(lambda: self._fill())
        self.search.textChanged.connect(lambda _text: self.search_timer.start())
        self.list.currentItemChanged.connect(lambda *_: self.timer.start())
        self._chosen = style
        self._fill(select=style)

    def _fill(self, select: str | None = None) -> None:
        from refmgr.core.export.styles import search

        keep = select or self.currentText()
        self.list.blockSignals(True)
        self.list.clear()
        builtin = [("vancouver", "Vancouver (NLM/ICMJE, as refmgr prints it)"), ("ama", "AMA (refmgr)"),
                   ("apa", "APA (refmgr)")]  # fmt: skip
        words = self.search.text().strip().lower()
        for style_id, title in builtin:
            if not words or all(w in title.lower() for w in words.split()):
                self._add(style_id, title)
        found = search(self.search.text(), limit=PICKER_ROWS, recent=self.recent)
        if not words and keep and keep not in {s.id for s in found} and keep not in ("vancouver", "ama", "apa"):
            found = [s for s in search(keep, recent=[keep]) if s.id == keep][:1] + found  # the current one, first
        for style in found:
            parent = f"  — uses {style.parent}" if style.parent else ""
            self._add(style.id, f"{style.title}{parent}")
        self.list.blockSignals(False)
        rows = [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]
        self.list.setCurrentRow(rows.index(keep) if keep in rows else 0)
        self.timer.start()

    def changeEvent(self, event: Any) -> None:
        """A picker enabled again (the export format became a bibliography) refreshes its preview."""
        super().changeEvent(event)
        if event.type() == event.Type.EnabledChange and self.isEnabled():
            self.timer.start()

    def _add(self, style_id: str, title: str) -> None:
        item = QListWidgetItem(f"{title}   [{style_id}]")
        item.setData(Qt.ItemDataRole.UserRole, style_id)
        self.list.addItem(item)

    def currentText(self) -> str:
        """The chosen style's id (a search still waiting for the typing to pause is run first)."""
        if self.search_timer.isActive():
            self.search_timer.stop()
            self._fill()
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else self._chosen

    def _ask_preview(self) -> None:
        if self.preview is not None and self.isEnabled():
            self.preview_view.setPlainText("Formatting…")
            self.preview(self.currentText())

    def show_preview(self, style: str, html_text: str) -> None:
        """Show a preview made in the background, if it is still for the chosen style."""
        if style == self.currentText():
            self.preview_view.setHtml(html_text)


def preview_op(article_ids: list[int], style: str) -> Callable[[TaskContext], str]:
    """Background op: the first few articles in STYLE as HTML, or why the style cannot be used."""

    def op(context: TaskContext) -> str:
        from refmgr.core.export.bibliography import StyleError, format_bibliography

        articles = citation_articles(context.library, article_ids[:PREVIEW_ARTICLES])
        if not articles:
            return "<i>No articles selected.</i>"
        try:
            return format_bibliography(articles, style, "html")
        except StyleError as error:
            return f"<p style='color:#b00000'>{html.escape(str(error))}</p>"

    return op


class JournalAbbreviationsDialog(QDialog):
    """The user's own journal abbreviations (journal title or ISSN -> abbreviation); they win over every list."""

    def __init__(self, overrides: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Journal abbreviations")
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Journal title or ISSN", "Abbreviation"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 320)
        for journal, abbreviation in sorted(overrides.items(), key=lambda kv: kv[0].lower()):
            self._add_row(journal, abbreviation)
        self.lookup = QLineEdit()
        self.lookup.setPlaceholderText("Type a journal title to see the abbreviation refmgr would use")
        self.found = QLabel()
        self.lookup.textChanged.connect(self._look_up)
        add = QPushButton("Add row")
        add.clicked.connect(lambda: self._add_row("", ""))
        remove = QPushButton("Remove selected")
        remove.clicked.connect(lambda: [self.table.removeRow(r) for r in sorted(
            {i.row() for i in self.table.selectedIndexes()}, reverse=True)])
        buttons = dialog_buttons(self, save=True)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Your abbreviations win over the article's own, the bundled NLM lists and "
                                "Crossref's short titles, in every style."))  # fmt: skip
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.lookup)
        layout.addWidget(self.found)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def _add_row(self, journal: str, abbreviation: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(journal))
        self.table.setItem(row, 1, QTableWidgetItem(abbreviation))

    def _look_up(self, text: str) -> None:
        from refmgr.core.model import Article

        found = journals.resolve(Article(journal=text, source="crossref")) if text.strip() else None
        self.found.setText(f"→ {found.text}  ({found.source})" if found else "")

    def overrides(self) -> dict[str, str]:
        """The table as a mapping (empty rows dropped)."""
        result = {}
        for row in range(self.table.rowCount()):
            key, value = (self.table.item(row, c).text().strip() if self.table.item(row, c) else "" for c in (0, 1))
            if key and value:
                result[key] = value
        return result


class ManuscriptDialog(QDialog):
    """Choose a manuscript (.docx or .md), the style and where the cited copy goes."""

    def __init__(self, style: str, recent: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cite a manuscript")
        self.source = QLineEdit()
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(browse)
        self.target = QLineEdit()
        self.strict = QCheckBox("Refuse when a marker matches nothing (otherwise it is left visible and listed)")
        self.style = StylePicker(style, recent)
        form = QFormLayout()
        form.addRow("Manuscript:", source_row)
        form.addRow("Cited copy:", self.target)
        form.addRow("Style:", self.style)
        form.addRow("", self.strict)
        note = QLabel("Markers: [@citekey], [@key1; @key2], {doi:10.…}, {pmid:…}; a paragraph reading "
                      "[bibliography] takes the reference list. The manuscript itself is never changed.")  # fmt: skip
        note.setWordWrap(True)
        buttons = dialog_buttons(self, "Cite")
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form, 1)
        layout.addWidget(buttons)
        self.source.textChanged.connect(self._suggest_target)
        self.resize(720, 560)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Manuscript", str(Path.home()),
                                              "Manuscripts (*.docx *.md *.markdown *.txt)")  # fmt: skip
        if path:
            self.source.setText(path)

    def _suggest_target(self, text: str) -> None:
        source = Path(text)
        if text and source.suffix:
            self.target.setText(str(source.with_name(f"{source.stem}-cited{source.suffix}")))
