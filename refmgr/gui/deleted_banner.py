"""The pane's notice for an article deleted elsewhere: it says so and offers to copy the notes typed on it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

MESSAGE = ("This article was deleted in another window or from the command line. "
           "Your notes are kept below until you choose another article; copy them to keep them.")  # fmt: skip


class DeletedBanner(QFrame):
    """A bar above the article: "deleted elsewhere" and a Copy notes button."""

    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deletedBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(MESSAGE)
        self.label.setWordWrap(True)
        self.copy_button = QPushButton("Copy notes")
        self.copy_button.setToolTip("Put the notes typed on this article on the clipboard")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.copy_button)
        self.notes = ""
        self.copy_button.clicked.connect(lambda: self.copy(self.notes))
        self.hide()

    def copy(self, text: str) -> None:
        """Put text on the clipboard and say so."""
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(text)
