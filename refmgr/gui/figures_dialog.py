"""Adding and editing figure legends by hand, or pasting a block of legends at once."""

from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from refmgr.core.model import Figure
from refmgr.gui.dialogs import dialog_buttons

_LEGEND_START = re.compile(
    r"(?:^|(?<=[.!?])[ \t]+)\s*((?:Supplementary\s+)?Fig(?:ure)?\.?\s*S?\d+[A-Za-z]?)[.:)|]?\s+", re.M
)


def split_legends(text: str) -> list[Figure]:
    """Legends pasted as one block ("Figure 1. ...  Figure 2 ...") split into figures."""
    starts = list(_LEGEND_START.finditer(text))
    if not starts:
        return [Figure(label="Figure", legend=" ".join(text.split()))] if text.strip() else []
    figures = []
    for n, match in enumerate(starts):
        end = starts[n + 1].start() if n + 1 < len(starts) else len(text)
        legend = " ".join(text[match.end() : end].split())
        label = " ".join(match.group(1).split())
        if figures and figures[-1].label == label and not legend:
            continue
        if figures and figures[-1].label == label and not figures[-1].legend:
            figures[-1] = Figure(label=label, legend=legend)
            continue
        figures.append(Figure(label=label, legend=legend))
    return figures


class FiguresDialog(QDialog):
    """A list of figures on the left; the selected figure's label and legend on the right."""

    def __init__(self, figures: list[Figure], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Figures and legends")
        self.figures = [Figure(f.label, f.legend) for f in figures]
        self.list = QListWidget()
        self.label = QLineEdit()
        self.legend = QPlainTextEdit()
        self.legend.setPlaceholderText("Paste the legend from the full text")
        buttons_row = QHBoxLayout()
        for text, slot in (
            ("Add", self.add_figure), ("Remove", self.remove_figure), ("Up", lambda: self.move(-1)),
            ("Down", lambda: self.move(1)), ("Paste several legends…", self.paste_block),
        ):  # fmt: skip
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons_row.addWidget(button)
        buttons_row.addStretch(1)
        editor = QVBoxLayout()
        editor.addWidget(QLabel("Label:"))
        editor.addWidget(self.label)
        editor.addWidget(QLabel("Legend:"))
        editor.addWidget(self.legend)
        body = QHBoxLayout()
        body.addWidget(self.list, 1)
        body.addLayout(editor, 3)
        box = dialog_buttons(self, save=True)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addLayout(buttons_row)
        layout.addWidget(box)
        self.list.currentRowChanged.connect(self._show)
        self.label.textEdited.connect(self._store)
        self.legend.textChanged.connect(self._store)
        self._loading = False
        self._refresh_list(0)
        self.resize(760, 420)

    def _refresh_list(self, current: int) -> None:
        self._loading = True
        self.list.clear()
        self.list.addItems([f.label or f"Figure {i + 1}" for i, f in enumerate(self.figures)])
        self._loading = False
        self.list.setCurrentRow(min(current, len(self.figures) - 1))
        self._show(self.list.currentRow())

    def _show(self, row: int) -> None:
        if self._loading:
            return
        self._loading = True
        valid = 0 <= row < len(self.figures)
        self.label.setEnabled(valid)
        self.legend.setEnabled(valid)
        self.label.setText(self.figures[row].label if valid else "")
        self.legend.setPlainText(self.figures[row].legend if valid else "")
        self._loading = False

    def _store(self) -> None:
        row = self.list.currentRow()
        if self._loading or not 0 <= row < len(self.figures):
            return
        self.figures[row] = Figure(self.label.text().strip(), self.legend.toPlainText().strip())
        self.list.item(row).setText(self.figures[row].label or f"Figure {row + 1}")

    def add_figure(self) -> None:
        """Append an empty figure and select it."""
        self.figures.append(Figure(label=f"Figure {len(self.figures) + 1}", legend=""))
        self._refresh_list(len(self.figures) - 1)
        self.legend.setFocus()

    def remove_figure(self) -> None:
        """Remove the selected figure."""
        row = self.list.currentRow()
        if 0 <= row < len(self.figures):
            del self.figures[row]
            self._refresh_list(max(0, row - 1))

    def move(self, step: int) -> None:
        """Move the selected figure up or down."""
        row = self.list.currentRow()
        target = row + step
        if 0 <= row < len(self.figures) and 0 <= target < len(self.figures):
            self.figures[row], self.figures[target] = self.figures[target], self.figures[row]
            self._refresh_list(target)

    def paste_block(self) -> None:
        """Split the legend box's text (several pasted legends) into separate figures."""
        row = self.list.currentRow()
        text = self.legend.toPlainText()
        pieces = split_legends(text)
        if len(pieces) <= 1:
            return
        if 0 <= row < len(self.figures):
            self.figures[row : row + 1] = pieces
        else:
            self.figures.extend(pieces)
        self._refresh_list(max(0, row))

    def result_figures(self) -> list[Figure]:
        """The edited figures, empty ones dropped."""
        return [f for f in self.figures if f.legend.strip() or f.label.strip()]
