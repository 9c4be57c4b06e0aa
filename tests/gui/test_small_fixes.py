"""Small window fixes: search keys, the Title column at 900x600, reading lists in their order, readable export names."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from refmgr.core import lists
from refmgr.core.library import Library
from refmgr.gui.library_view import MIN_TITLE
from refmgr.gui.sidebar import Scope
from refmgr.gui.table_model import COLUMN_KEYS
from tests.gui.conftest import make_articles, open_window


@pytest.fixture
def listed_path(library_path: Path) -> Path:
    """Ten articles, five of them on a list in an order unlike the order they were added."""
    with Library(library_path) as library:
        ids = [r.article_id for r in library.save_many(make_articles(10), source="test")]
        list_id = lists.create_list(library, "GU journal club")
        lists.add_to_list(library, list_id, [ids[3], ids[0], ids[7], ids[5], ids[1]])
    return library_path


def test_escape_clears_the_search_and_down_enters_the_results(qtbot, listed_path: Path) -> None:
    window = open_window(qtbot, listed_path)
    window.search.setFocus()
    qtbot.keyClicks(window.search, "number 3")
    qtbot.keyClick(window.search, Qt.Key.Key_Down)
    assert window.model.rowCount() == 1  # searched at once, not after the debounce
    assert window.focusWidget() is window.table and window.table.current_id() == window.model.ids[0]
    window.search.setFocus()
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.search.text() == "" and window.model.rowCount() == 10


def test_title_keeps_its_width_in_a_small_window(qtbot, listed_path: Path) -> None:
    window = open_window(qtbot, listed_path)
    window.resize(900, 600)
    qtbot.waitUntil(lambda: window.width() == 900)
    header = window.table.horizontalHeader()
    title, journal = COLUMN_KEYS.index("title"), COLUMN_KEYS.index("journal")
    qtbot.waitUntil(lambda: header.sectionSize(title) >= MIN_TITLE)  # it shrank to 40 px before
    assert header.sectionSize(journal) < header.sectionSize(title)  # Journal gave way
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: header.sectionSize(journal) == 200)  # and takes its width back when there is room


def test_a_reading_list_shows_in_its_order_and_can_be_reordered(qtbot, listed_path: Path) -> None:
    window = open_window(qtbot, listed_path)
    with Library(listed_path) as library:
        list_id = lists.find_list(library, "GU journal club")
        order = [item.article_id for item in lists.list_items(library, list_id)]
    window.sidebar.select(Scope("list", list_id))
    assert window.model.ids == order
    assert window.select_article(order[2])
    with qtbot.waitSignal(window.lists_changed, timeout=10_000):
        window.move_up_action.trigger()
    expected = [order[0], order[2], order[1], order[3], order[4]]
    assert window.model.ids == expected and window.table.current_id() == order[2]
    with qtbot.waitSignal(window.lists_changed, timeout=10_000):
        window.move_down_action.trigger()
    assert window.model.ids == order
    window.sidebar.select(Scope("all"))
    assert window.model.query.sort == "date_added" and window.model.rowCount() == 10


def test_the_export_dialog_shows_names_not_codes(qtbot, listed_path: Path) -> None:
    from refmgr.gui.exporting import ExportDialog

    window = open_window(qtbot, listed_path)
    dialog = ExportDialog("apa", 3, window)
    styles = [dialog.style.itemText(i) for i in range(dialog.style.count())]
    outputs = [dialog.output.itemText(i) for i in range(dialog.output.count())]
    assert "Vancouver (NLM)" in styles and "vancouver" not in styles
    assert outputs == ["Plain text", "Markdown", "HTML (web page)"]
    assert dialog.chosen_style() == "apa" and dialog.chosen_output() == "text"


def test_rows_dragged_within_a_reading_list_move_there(qtbot, listed_path: Path) -> None:
    from PySide6.QtCore import QMimeData

    from refmgr.gui.table_model import ARTICLE_IDS_MIME
    from tests.gui.conftest import drop

    window = open_window(qtbot, listed_path)
    with Library(listed_path) as library:
        list_id = lists.find_list(library, "GU journal club")
    window.sidebar.select(Scope("list", list_id))
    order = list(window.model.ids)
    mime = QMimeData()
    mime.setData(ARTICLE_IDS_MIME, f"[{order[3]}, {order[4]}]".encode())
    target = window.table.visualRect(window.model.index(1, 1)).center()
    with qtbot.waitSignal(window.lists_changed, timeout=10_000):
        assert drop(window.table.viewport(), mime, target)
    assert window.model.ids == [order[0], order[3], order[4], order[1], order[2]]
    window.sidebar.select(Scope("all"))
    assert not drop(window.table.viewport(), mime)  # outside a list, rows dragged onto the table do nothing
