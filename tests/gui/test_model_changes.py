"""The table model applies Changes with row insertions, removals and moves, never a reset, keeping the selection."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from refmgr.core.library import Library
from refmgr.core.search import ArticleQuery
from refmgr.gui.main_window import MainWindow
from refmgr.gui.table_model import COLUMN_KEYS, ArticleTableModel
from tests.gui.conftest import make_articles, open_window


@pytest.fixture
def filled_path(library_path: Path) -> Path:
    """A library of 30 generated articles."""
    with Library(library_path) as library:
        library.save_many(make_articles(30), source="test")
    return library_path


def _expected(window: MainWindow) -> list[int]:
    return window.library.query_ids(window.model.query)


def _watch_resets(model: ArticleTableModel) -> list[int]:
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    return resets


def test_outside_additions_deletions_and_edits_update_rows_in_place(qtbot, qtmodeltester, filled_path: Path) -> None:
    window = open_window(qtbot, filled_path)
    model = window.model
    qtmodeltester.check(model)
    resets = _watch_resets(model)
    window.table.selectRow(4)
    kept = window.table.selected_ids()
    with Library(filled_path) as other:
        new = [r.article_id for r in other.save_many(make_articles(5, start=100), source="test")]
        window.refresh()
        assert model.ids == _expected(window) and set(new) <= set(model.ids)
        assert window.table.selected_ids() == kept
        other.delete([model.ids[0], model.ids[10], model.ids[11]])
        window.refresh()
        assert model.ids == _expected(window) and window.table.selected_ids() == kept
        rating = COLUMN_KEYS.index("rating")
        window.table.sortByColumn(rating, Qt.SortOrder.DescendingOrder)
        assert model.ids == _expected(window)
        other.update_fields(model.ids[-1], rating=5)  # the last row moves to the top
        window.refresh()
        assert model.ids == _expected(window) and window.table.selected_ids() == kept
        assert model.data(model.index(0, rating)) == "★★★★★"
    assert resets == []
    assert all(model.row_of(article_id) == row for row, article_id in enumerate(model.ids))
    qtmodeltester.check(model)


def test_search_results_follow_outside_changes(qtbot, filled_path: Path) -> None:
    window = open_window(qtbot, filled_path)
    window.search.setText("number 7*")  # a finished word is a whole word now; 7* also finds 7000
    window.apply_query()
    resets = _watch_resets(window.model)
    before = len(window.model.ids)
    with Library(filled_path) as other:
        other.save_many(make_articles(1, start=7000), source="test")  # "number 7000" matches too
        window.refresh()
    assert window.model.ids == _expected(window) and len(window.model.ids) == before + 1
    assert resets == []


def test_the_window_queries_its_rows_once_at_start(qtbot, filled_path: Path, monkeypatch) -> None:
    calls: list[ArticleQuery] = []
    original = Library.query_ids

    def counting(self: Library, query: ArticleQuery | None = None) -> list[int]:
        calls.append(query)
        return original(self, query)

    monkeypatch.setattr(Library, "query_ids", counting)
    window = open_window(qtbot, filled_path)
    assert len(calls) == 1 and window.model.rowCount() == 30


def test_sidebar_counts_update_without_a_rebuild(qtbot, filled_path: Path) -> None:
    window = open_window(qtbot, filled_path)
    first_item = window.sidebar.items()[0]
    with Library(filled_path) as other:
        other.save_many(make_articles(2, start=200), source="test")
    window.refresh()
    assert first_item.text(0) == "All articles  (32)"  # the same item, its text changed
    assert window.sidebar.items()[0] is first_item
