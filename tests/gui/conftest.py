"""GUI fixtures: a window on a test library, the seed article imported, real drops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from refmgr.core.importer import import_files
from refmgr.core.library import Library
from refmgr.gui.main_window import MainWindow


@pytest.fixture
def seeded_path(library_path: Path, seed_page: Path) -> Path:
    """A library holding the seed article (imported from the PubMed page)."""
    with Library(library_path) as library:
        report = import_files(library, [seed_page])
        assert report.counts() == {"added": 1}
    return library_path


def open_window(qtbot, path: Path) -> MainWindow:
    """A shown main window on a library, closed by qtbot at the end of the test."""
    from refmgr.gui import create_main_window

    window = create_main_window(str(path))
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot, library_path: Path) -> Iterator[MainWindow]:
    """A window on an empty library."""
    yield open_window(qtbot, library_path)


@pytest.fixture
def seeded_window(qtbot, seeded_path: Path) -> Iterator[MainWindow]:
    """A window on a library holding the seed article."""
    yield open_window(qtbot, seeded_path)


def drop(target: QWidget, mime: QMimeData, pos: QPoint | None = None) -> bool:
    """Deliver a real drag-enter and drop of MIME at POS on TARGET; True when the drop was accepted."""
    point = QPointF(pos if pos is not None else target.rect().center())
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    try:
        enter = QDragEnterEvent(point, actions, mime, buttons, modifiers)
        move = QDragMoveEvent(point, actions, mime, buttons, modifiers)
    except TypeError:  # PySide6 6.11 takes a QPoint for drag-enter and drag-move events, 6.12 a QPointF
        enter = QDragEnterEvent(point.toPoint(), actions, mime, buttons, modifiers)
        move = QDragMoveEvent(point.toPoint(), actions, mime, buttons, modifiers)
    QApplication.sendEvent(target, enter)
    QApplication.sendEvent(target, move)
    event = QDropEvent(point, actions, mime, buttons, modifiers)
    QApplication.sendEvent(target, event)
    return event.isAccepted()


def make_articles(n: int, start: int = 0) -> list:
    """N distinct articles with authors, years, journals and DOIs (for tables and sorting)."""
    from refmgr.core.model import Article, Author, Figure

    journals = ("Eur Urol", "Lancet Oncol", "JCO Oncol Pract", "Radiology")
    return [
        Article(
            title=f"Ablation study number {i} in renal cell carcinoma",
            doi=f"10.5555/test.{i}",
            authors=[Author(family=f"Author{i % 7}", given="A")],
            journal=journals[i % len(journals)],
            year=2000 + i % 25,
            citation_count=i * 3,
            date_added=f"2024-01-{1 + i % 28:02d}T00:00:{i % 60:02d}+00:00",
            figures=[Figure("Fig. 1", "A legend")] if i % 3 == 0 else [],
        )
        for i in range(start, start + n)
    ]
