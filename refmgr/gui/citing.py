"""Citing from the window: copy citations, cite keys, a style picker with live preview, manuscripts, abbreviations."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
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

from refmgr.core.export import citekeys, journals
from refmgr.core.export.loading import citation_articles
from refmgr.core.export.style_prefs import remember_style
from refmgr.core.settings import Settings
from refmgr.gui.tasks import TaskContext

if TYPE_CHECKING:
    from refmgr.gui.main_window import MainWindow

PREVIEW_ARTICLES = 3
PREVIEW_DEBOUNCE_MS = 250
PICKER_ROWS = 200
SEARCH_DEBOUNCE_MS = 120


def copy_op(article_ids: list[int], style: str, in_text: bool) -> Callable[[TaskContext], tuple[str, str]]:
    """Background op: the selection's bibliography (or in-text citation) as (HTML, plain text)."""

    def op(context: TaskContext) -> tuple[str, str]:
        from refmgr.core.export.bibliography import format_bibliography
        from refmgr.core.export.citations import cite

        articles = citation_articles(context.library, article_ids)
        if in_text:
            citation = cite([articles], style)[0]
            return citation.html, citation.text
        return format_bibliography(articles, style, "html"), format_bibliography(articles, style, "text").rstrip("\n")

    return op


def put_on_clipboard(rich: str, plain: str) -> None:
    """Rich text and plain text on the clipboard together (word processors take the HTML)."""
    data = QMimeData()
    data.setHtml(rich)
    data.setText(plain)
    QGuiApplication.clipboard().setMimeData(data)


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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Cite")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
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


def manuscript_op(source: Path, target: Path, style: str, strict: bool) -> Callable[[TaskContext], Any]:
    """Background op: cite the manuscript into TARGET; returns the CiteReport."""

    def op(context: TaskContext) -> Any:
        from refmgr.core.export.manuscript import cite_file

        return cite_file(source, target, context.library, style, strict=strict)

    return op


class Citing(QObject):
    """The window's citing actions: copy bibliography/in-text (Ctrl+Shift+C/A), cite keys, manuscripts."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        journals.set_overrides(window.settings.journal_abbreviations)
        self.copy_action = self._action("Copy citation", lambda: self.copy(False), "Ctrl+Shift+C",
                                        "The selection's bibliography in your style, rich and plain text")  # fmt: skip
        self.copy_in_text_action = self._action("Copy in-text citation", lambda: self.copy(True), "Ctrl+Shift+A",
                                                "The selection's in-text citation, e.g. (1-3) or ¹⁻³")  # fmt: skip
        self.copy_key_action = self._action("Copy cite key", self.copy_keys, None,
                                            "[@key] markers for a manuscript")  # fmt: skip
        self.manuscript_action = self._action("Cite a manuscript…", self.cite_manuscript, None,
                                              "[@key], {doi:…} markers of a .docx or .md become citations")  # fmt: skip
        self.abbreviations_action = self._action("Journal abbreviations…", self.edit_abbreviations)
        menus = {m.title().replace("&", ""): m for m in (a.menu() for a in window.menuBar().actions()) if m}
        if "Article" in menus:
            menus["Article"].addSeparator()
            for action in (self.copy_action, self.copy_in_text_action, self.copy_key_action):
                menus["Article"].addAction(action)
        if "File" in menus:
            menus["File"].insertAction(window.settings_action, self.manuscript_action)
            menus["File"].insertAction(window.settings_action, self.abbreviations_action)
        window.pane.cite_key_copy.connect(self.copy_key)
        window.pane.cite_key_edit.connect(self.edit_key)

    def _action(self, text: str, slot: Callable[[], None], shortcut: str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self.window)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        self.window.addAction(action)
        return action

    def context_actions(self) -> list[QAction]:
        """What the table's context menu offers."""
        return [self.copy_action, self.copy_in_text_action, self.copy_key_action]

    def style(self) -> str:
        """The style copies use: the settings' citation style (any CSL style id or refmgr's three)."""
        return self.window.settings.citation_style or "vancouver"

    def copy(self, in_text: bool) -> None:
        """Format the selection in the background, then put it on the clipboard."""
        ids = self.window.table.selected_ids()
        if not ids:
            self.window.statusBar().showMessage("Select the articles to cite first", 5000)
            return
        style = self.style()

        def success(result: Any) -> None:
            rich, plain = result
            put_on_clipboard(rich, plain)
            what = "in-text citation" if in_text else f"{len(ids)} reference(s)"
            self.window.statusBar().showMessage(f"Copied {what} in {style}", 5000)

        def failure(message: str, _details: str) -> None:
            self.window.statusBar().showMessage(f"Copy failed: {message}", 10000)

        self.window.runner.run("copy citation", copy_op(ids, style, in_text), on_success=success, on_failure=failure)

    def copy_keys(self) -> None:
        """The selection's cite keys as one [@k1; @k2] marker."""
        ids = self.window.table.selected_ids()
        if not ids:
            return

        def success(keys: Any) -> None:
            marker = "[" + "; ".join(f"@{keys[i]}" for i in ids if i in keys) + "]"
            QGuiApplication.clipboard().setText(marker)
            self.window.statusBar().showMessage(f"Copied {marker}", 5000)

        self.window.runner.run("cite keys", lambda c: citekeys.keys_of(c.library, ids), on_success=success)

    def copy_key(self, article_id: int, key: str, stored: bool) -> None:
        """Copy "[@key]"; a key shown but not yet stored is stored now (in the background), so it stays."""
        QGuiApplication.clipboard().setText(f"[@{key}]")
        if stored:
            return

        def failure(message: str, _details: str) -> None:
            self.window.statusBar().showMessage(f"Cite key not kept: {message}", 10000)

        self.window.runner.run("cite key", lambda c: citekeys.set_key(c.library, article_id, key),
                               on_success=lambda _k: self.window.pane.show_cite_key(), on_failure=failure)  # fmt: skip

    def edit_key(self, article_id: int) -> None:
        """Ask for a new cite key and save it in the background."""
        from refmgr.gui import dialogs

        current = citekeys.shown_key(self.window.library, article_id)[0]
        key = dialogs.ask_text(self.window, "Cite key", "Cite key (used in [@key] markers):", current)
        if not key or key == current:
            return

        def failure(message: str, _details: str) -> None:
            self.window.statusBar().showMessage(f"Cite key not changed: {message}", 10000)

        self.window.runner.run("cite key", lambda c: citekeys.set_key(c.library, article_id, key),
                               on_success=lambda _k: self.window.pane.show_cite_key(), on_failure=failure)  # fmt: skip

    def cite_manuscript(self) -> None:
        """The manuscript dialog; on OK the manuscript is cited in the background."""
        settings = self.window.settings
        self.manuscript_dialog = dialog = ManuscriptDialog(self.style(), settings.recent_styles, self.window)

        def done(result: int) -> None:
            source, target = dialog.source.text().strip(), dialog.target.text().strip()
            if not result or not source or not target:
                return
            style = dialog.style.currentText()
            self._remember(style)

            def success(report: Any) -> None:
                unknown = f"; {len(report.unknown)} unknown marker(s) left visible" if report.unknown else ""
                done_text = f"Cited {report.citations} citation(s) of {report.articles} article(s) into {target}"
                self.window.statusBar().showMessage(done_text + unknown, 15000)
                self.last_manuscript_report = report

            def failure(message: str, _details: str) -> None:
                self.window.statusBar().showMessage(f"Citing failed: {message}", 15000)
                self.window.task_failed.emit(message)

            self.window.runner.run("cite manuscript", manuscript_op(Path(source), Path(target), style,
                                   dialog.strict.isChecked()), on_success=success, on_failure=failure)  # fmt: skip

        dialog.finished.connect(done)
        dialog.open()

    def edit_abbreviations(self) -> None:
        """The journal abbreviations dialog; saved into the settings and used at once."""
        self.abbreviations_dialog = dialog = JournalAbbreviationsDialog(self.window.settings.journal_abbreviations,
                                                                        self.window)  # fmt: skip

        def done(result: int) -> None:
            if result:
                self.window.settings.journal_abbreviations = dialog.overrides()
                journals.set_overrides(self.window.settings.journal_abbreviations)
                self.window.save_settings()

        dialog.finished.connect(done)
        dialog.open()

    def choose_list_style(self, list_id: int) -> None:
        """Pick a reading list's own default style (its exports start from it)."""
        from refmgr.core import lists
        from refmgr.core.export.style_prefs import list_style, set_list_style

        current = list_style(self.window.library, list_id) or self.style()
        items = [item.article_id for item in lists.list_items(self.window.library, list_id)]
        self.list_style_dialog = dialog = QDialog(self.window)
        dialog.setWindowTitle("Default style of the reading list")
        picker = self.picker(items, current)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(picker, 1)
        layout.addWidget(buttons)
        dialog.resize(640, 480)
        dialog.picker = picker  # type: ignore[attr-defined]

        def done(result: int) -> None:
            if result:
                style = picker.currentText()
                self.window.runner.run("list style", lambda c: set_list_style(c.library, list_id, style),
                                       on_success=lambda _r: self.window.statusBar().showMessage(
                                           f"The list now exports in {style} by default", 8000))  # fmt: skip

        dialog.finished.connect(done)
        dialog.open()

    def _remember(self, style: str) -> None:
        self.window.settings.recent_styles = remember_style(self.window.settings_path, style)

    def picker(self, article_ids: list[int], style: str) -> StylePicker:
        """A style picker whose preview formats the first articles in the background."""
        holder: dict[str, StylePicker] = {}

        def preview(chosen: str) -> None:
            self.window.runner.run("style preview", preview_op(article_ids, chosen),
                                   on_success=lambda text: holder["picker"].show_preview(chosen, text),
                                   background=True)  # fmt: skip

        holder["picker"] = StylePicker(style, self.window.settings.recent_styles, preview)
        return holder["picker"]


def recent_after_export(window: MainWindow, style: str) -> None:
    """Remember an export's style among the recently used ones."""
    window.settings.recent_styles = remember_style(window.settings_path, style)


def load_settings_overrides(settings: Settings) -> None:
    """Adopt the settings' journal abbreviations (the window does this at start-up)."""
    journals.set_overrides(settings.journal_abbreviations)
