"""Export from the window: choose a format and style, then a file; the export runs in the background."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from refmgr.core.export import (
    FORMATS,
    OUTPUT_FORMATS,
    STYLES,
    atomic_output,
    export_articles,
    suggested_extension,
    write_output,
)
from refmgr.core.export.stream import STREAMED_FORMATS, load_for, stream_export
from refmgr.gui.dialogs import dialog_buttons
from refmgr.gui.tasks import TaskContext

if TYPE_CHECKING:
    from refmgr.gui.main_window import MainWindow

FORMAT_LABELS = {
    "ris": "RIS (EndNote, Zotero, Mendeley)",
    "bibtex": "BibTeX",
    "csl-json": "CSL-JSON",
    "bibliography": "Bibliography (formatted references)",
    "handout-html": "Journal-club handout (HTML)",
    "handout-md": "Journal-club handout (Markdown)",
}
STYLE_LABELS = {"vancouver": "Vancouver (NLM)", "ama": "AMA (American Medical Association)", "apa": "APA 7th edition"}
OUTPUT_LABELS = {"text": "Plain text", "markdown": "Markdown", "html": "HTML (web page)"}


def readable(code: str, labels: dict[str, str]) -> str:
    """The name a person reads for a format, style or output code (codes without a label are tidied)."""
    return labels.get(code, code.replace("-", " ").replace("_", " ").capitalize())


def export_op(
    article_ids: list[int], path: Path, format: str, style: str, output_format: str,
    list_notes: dict[int, str] | None = None, title: str | None = None,
) -> Callable[[TaskContext], Any]:  # fmt: skip
    """Background op: load the articles, render them, write the file atomically; returns the path."""

    def op(context: TaskContext) -> Path:
        if format in STREAMED_FORMATS:  # read and written 500 at a time: memory flat in the selection's size
            with atomic_output(path) as stream:  # (BibTeX with the library's cite keys, as the pane shows them)
                stream_export(context.library, article_ids, format, stream)
            return path
        articles = load_for(context.library, article_ids, format)
        text = export_articles(articles, format, style=style, list_notes=list_notes, title=title,
                               output_format=output_format)  # fmt: skip
        write_output(text, path)
        return path

    return op


class ExportDialog(QDialog):
    """Format, citation style and (for bibliographies) text, Markdown or HTML."""

    def __init__(self, style: str, count: int, parent: QWidget | None = None, picker: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export {count} article{'s' if count != 1 else ''}")
        self.format = QComboBox()
        for name in FORMATS:
            self.format.addItem(readable(name, FORMAT_LABELS), name)
        if picker is not None:  # every CSL style, searched by title, with a live preview (gui.cite_dialogs.StylePicker)
            self.style: Any = picker
        else:
            self.style = QComboBox()
            for name in STYLES:
                self.style.addItem(readable(name, STYLE_LABELS), name)
            if style in STYLES:
                self.style.setCurrentIndex(list(STYLES).index(style))
        self.output = QComboBox()
        for name in OUTPUT_FORMATS:
            self.output.addItem(readable(name, OUTPUT_LABELS), name)
        form = QFormLayout()
        form.addRow("Format:", self.format)
        form.addRow("Citation style:", self.style)
        form.addRow("Bibliography as:", self.output)
        buttons = dialog_buttons(self, "Export…")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.format.currentIndexChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        chosen = self.chosen_format()
        self.style.setEnabled(chosen in ("bibliography", "handout-html", "handout-md"))
        self.output.setEnabled(chosen == "bibliography")

    def chosen_format(self) -> str:
        """The export format's name."""
        return str(self.format.currentData())

    def extension(self) -> str:
        """The file extension the chosen format suggests."""
        return suggested_extension(self.chosen_format(), self.chosen_output())

    def chosen_style(self) -> str:
        """The citation style's code."""
        data = self.style.currentData() if isinstance(self.style, QComboBox) else None
        return str(data) if data else str(self.style.currentText())  # the style picker answers with the style id

    def chosen_output(self) -> str:
        """The bibliography's output format code (text, markdown, html)."""
        return str(self.output.currentData())


def start_export(
    window: MainWindow, dialog: ExportDialog, article_ids: list[int], path: Path,
    list_notes: dict[int, str] | None = None, title: str | None = None,
) -> None:  # fmt: skip
    """Run the export the dialog describes into PATH, telling the user in the status bar."""
    op = export_op(article_ids, path, dialog.chosen_format(), dialog.chosen_style(), dialog.chosen_output(),
                   list_notes, title)  # fmt: skip

    def success(written: Any) -> None:
        if dialog.chosen_format() in ("bibliography", "handout-html", "handout-md"):
            from refmgr.gui.citing import remember_recent_style

            remember_recent_style(window, dialog.chosen_style())
        window.statusBar().showMessage(f"Exported {len(article_ids)} article(s) to {written}", 10000)
        window.export_finished.emit(str(written))

    def failure(message: str, _details: str) -> None:
        window.statusBar().showMessage(f"Export failed: {message}", 15000)
        window.task_failed.emit(message)

    window.runner.run("export", op, on_success=success, on_failure=failure)


def export_dialog(
    window: MainWindow, article_ids: list[int], list_notes: dict[int, str] | None = None, title: str | None = None,
    style: str | None = None,
) -> ExportDialog:
    """Open the export dialog (non-blocking); on OK ask for a file and export there."""
    style = style or window.settings.citation_style
    citing = getattr(window, "citing", None)
    picker = citing.picker(article_ids, style) if citing is not None else None
    dialog = ExportDialog(style, len(article_ids), window, picker)

    def done(result: int) -> None:
        if not result or not article_ids:
            return
        name = (title or "references").replace("/", "-")
        suggestion = str(Path.home() / f"{name}.{dialog.extension()}")
        path, _ = QFileDialog.getSaveFileName(window, "Export to", suggestion)
        if path:
            start_export(window, dialog, article_ids, Path(path), list_notes, title)

    dialog.finished.connect(done)
    dialog.open()
    return dialog
