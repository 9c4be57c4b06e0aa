"""Dialogs: questions behind replaceable functions, add by identifier, settings, report, about."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from refmgr import __version__
from refmgr.core.settings import DEFAULT_CROSSREF_URL, Settings

CITATION_STYLES = ("vancouver", "ama", "apa")
STATUS_COLORS = {
    "added": "#1e6b3a", "updated": "#1a4f9c", "duplicate": "#555555", "pending": "#9c5a00",
    "not_found": "#b3261e", "non_crossref": "#9c5a00", "failed": "#b3261e",
}  # fmt: skip


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask a yes/no question (tests replace this function)."""
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def ask_text(parent: QWidget | None, title: str, label: str, default: str = "") -> str | None:
    """Ask for one line of text; None when cancelled (tests replace this function)."""
    text, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, default)
    return text if ok else None


def tell(parent: QWidget | None, title: str, text: str) -> None:
    """Tell the user something that needs acknowledging (tests replace this function)."""
    QMessageBox.information(parent, title, text)


def choose_save_path(parent: QWidget | None, title: str, default: Path, file_filter: str) -> Path | None:
    """Ask where to write a file (overwriting is confirmed); None when cancelled (tests replace this function)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(default), file_filter)
    return Path(path) if path else None


def choose_open_path(parent: QWidget | None, title: str, folder: Path, file_filter: str) -> Path | None:
    """Ask for an existing file; None when cancelled (tests replace this function)."""
    path, _ = QFileDialog.getOpenFileName(parent, title, str(folder), file_filter)
    return Path(path) if path else None


def dialog_buttons(dialog: QDialog, ok_text: str = "", save: bool = False,
                   on_accept: Callable[[], object] | None = None) -> QDialogButtonBox:  # fmt: skip
    """OK (or Save) and Cancel wired to the dialog's accept (or on_accept) and reject; OK relabelled with ok_text."""
    main = QDialogButtonBox.StandardButton.Save if save else QDialogButtonBox.StandardButton.Ok
    buttons = QDialogButtonBox(main | QDialogButtonBox.StandardButton.Cancel)
    if ok_text:
        buttons.button(main).setText(ok_text)
    buttons.accepted.connect(on_accept or dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class AddByIdentifierDialog(QDialog):
    """Paste DOIs, doi.org or PubMed links, PMIDs: one or many, in any form."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add by identifier")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("DOIs, PMIDs, PMCIDs, doi.org, PubMed or PMC links — one or many, any form:"))
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText(
            "10.1007/s00270-025-04101-y\n30779529\nPMC8249384\nhttps://doi.org/10.1136/esmoopen-2020-000776"
        )
        layout.addWidget(self.editor)
        buttons = dialog_buttons(self, "Add")
        layout.addWidget(buttons)
        self.resize(520, 260)

    def text(self) -> str:
        """What the user typed or pasted."""
        return self.editor.toPlainText()


class SettingsDialog(QDialog):
    """Contact e-mail, Crossref address, library location and default citation style."""

    def __init__(self, settings: Settings, library_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        form = QFormLayout()
        self.mailto = QLineEdit(settings.mailto)
        self.mailto.setPlaceholderText("you@hospital.org (Crossref's polite pool)")
        self.crossref_url = QLineEdit(settings.crossref_url)
        self.crossref_url.setPlaceholderText(DEFAULT_CROSSREF_URL)
        self.library_path = QLineEdit(settings.library_path or str(library_path))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.library_path)
        row.addWidget(browse)
        self.style = QComboBox()
        self.style.setEditable(True)  # any CSL style id (the export dialog searches them by title)
        self.style.addItems(list(dict.fromkeys([*CITATION_STYLES, *settings.recent_styles])))
        if settings.citation_style:
            self.style.setCurrentText(settings.citation_style)
        self.enrich = QCheckBox("Fetch MeSH, keywords, trial numbers and figure legends from PubMed and Europe PMC")
        self.enrich.setChecked(settings.enrich)
        self.ncbi_api_key = QLineEdit(settings.ncbi_api_key)
        self.ncbi_api_key.setPlaceholderText("optional: your own NCBI API key (10 PubMed requests/s instead of 3)")
        self.ncbi_api_key.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        form.addRow("Contact e-mail:", self.mailto)
        form.addRow("Crossref address:", self.crossref_url)
        form.addRow("", self.enrich)
        form.addRow("NCBI API key:", self.ncbi_api_key)
        form.addRow("Library file:", row)
        form.addRow("Citation style:", self.style)
        note = QLabel("A new library location takes effect the next time refmgr starts.")
        note.setStyleSheet("color: palette(mid);")
        buttons = dialog_buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(560, 200)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Library file", self.library_path.text(), "refmgr library (*.sqlite)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )  # fmt: skip
        if path:
            self.library_path.setText(path)

    def apply(self) -> None:
        """Copy the fields into the settings object."""
        self.settings.mailto = self.mailto.text().strip()
        self.settings.crossref_url = self.crossref_url.text().strip()
        self.settings.library_path = self.library_path.text().strip()
        self.settings.citation_style = self.style.currentText().strip() or "vancouver"
        self.settings.enrich = self.enrich.isChecked()
        self.settings.ncbi_api_key = self.ncbi_api_key.text().strip()


class ReportDialog(QDialog):
    """The per-item result of an import; non-modal, so it can stay open while you work."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import report")
        self.setModal(False)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(("Result", "Item", "Details"))
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        copy = QPushButton("Copy report")
        copy.clicked.connect(self._copy)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(copy)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.text = ""
        self.resize(760, 360)

    def show_report(self, report: Any, note: str = "") -> None:
        """Fill the dialog from an ImportReport."""
        self.text = report.render()
        stopped = getattr(report, "stopped", "")  # a full disk or read-only library: what was saved, said first
        lines = [f"<b>{html.escape(report.summary())}</b>", html.escape(stopped), note]
        self.summary.setText("<br>".join(line for line in lines if line))
        rows = [("stopped", stopped, "")] if stopped else []
        rows += [(i.status, i.label, i.message) for i in report.items]
        rows += [("warning", w, "") for w in report.warnings]
        rows += [("unreadable", u, "") for u in report.unreadable]
        self.table.setRowCount(len(rows))
        for row, (status, label, message) in enumerate(rows):
            status_item = QTableWidgetItem(status.replace("_", " "))
            status_item.setForeground(QBrush(QColor(STATUS_COLORS.get(status, "#555555"))))
            self.table.setItem(row, 0, status_item)
            self.table.setItem(row, 1, QTableWidgetItem(label))
            self.table.setItem(row, 2, QTableWidgetItem(message))
        self.table.resizeColumnToContents(0)
        self.table.setCurrentItem(None)

    def statuses(self) -> list[str]:
        """The result column, top to bottom (for tests and the status bar)."""
        return [self.table.item(row, 0).text() for row in range(self.table.rowCount())]

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text)


def show_about(parent: QWidget | None) -> None:
    """The About box."""
    QMessageBox.about(
        parent,
        "About refmgr",
        f"<h3>refmgr {__version__}</h3>"
        "<p>A reference manager for clinicians who read and write oncology reviews: "
        "figure legends beside keywords, DOIs in by drag and drop, reading lists out.</p>"
        "<p>Metadata from Crossref's public API and PubMed pages. Your library stays on this computer.</p>"
        "<p>Licensed under the GNU GPL v3 or later. Built with Qt for Python (PySide6).</p>",
    )

