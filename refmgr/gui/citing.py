"""Citing from the window: copy citations, cite keys, a style picker with live preview, manuscripts, abbreviations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, QObject
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDialog, QVBoxLayout

from refmgr.core.export import citekeys, journals
from refmgr.core.export.loading import citation_articles
from refmgr.core.export.style_prefs import remember_style
from refmgr.gui.cite_dialogs import JournalAbbreviationsDialog, ManuscriptDialog, StylePicker, preview_op
from refmgr.gui.dialogs import dialog_buttons
from refmgr.gui.tasks import TaskContext

if TYPE_CHECKING:
    from refmgr.gui.main_window import MainWindow



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
        if not stored:
            self._store_key(article_id, key, "Cite key not kept")

    def edit_key(self, article_id: int) -> None:
        """Ask for a new cite key and save it in the background."""
        from refmgr.gui import dialogs

        current = citekeys.shown_key(self.window.library, article_id)[0]
        key = dialogs.ask_text(self.window, "Cite key", "Cite key (used in [@key] markers):", current)
        if key and key != current:
            self._store_key(article_id, key, "Cite key not changed")

    def _store_key(self, article_id: int, key: str, failed: str) -> None:
        """Store a cite key in the background, then show it in the pane (FAILED starts the failure message)."""

        def failure(message: str, _details: str) -> None:
            self.window.statusBar().showMessage(f"{failed}: {message}", 10000)

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
            remember_recent_style(self.window, style)

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
        buttons = dialog_buttons(dialog)
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

    def picker(self, article_ids: list[int], style: str) -> StylePicker:
        """A style picker whose preview formats the first articles in the background."""
        holder: dict[str, StylePicker] = {}

        def preview(chosen: str) -> None:
            self.window.runner.run("style preview", preview_op(article_ids, chosen),
                                   on_success=lambda text: holder["picker"].show_preview(chosen, text),
                                   background=True)  # fmt: skip

        holder["picker"] = StylePicker(style, self.window.settings.recent_styles, preview)
        return holder["picker"]


def remember_recent_style(window: MainWindow, style: str) -> None:
    """Remember a style an export or a manuscript used among the recently used ones."""
    window.settings.recent_styles = remember_style(window.settings_path, style)
