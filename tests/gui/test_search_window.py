"""The window searches like `refmgr search`: the Why queries, filter bar, saved searches, badges and marked words."""

from __future__ import annotations

from pathlib import Path

import pytest

from refmgr.core.library import Library
from refmgr.core.model import Article
from refmgr.gui import dialogs
from refmgr.gui.main_window import MainWindow
from refmgr.gui.sidebar import Scope
from refmgr.gui.table_model import COLUMN_KEYS
from tests.core.test_search_clinician import EXPECTED
from tests.gui.conftest import open_window
from tests.search_corpus import build


@pytest.fixture
def rcc_window(qtbot, library_path: Path) -> tuple[MainWindow, dict[str, int]]:
    with Library(library_path) as library:
        ids = build(library)
    return open_window(qtbot, library_path), ids


def search(window: MainWindow, text: str) -> set[int]:
    window.search.setText(text)
    window.apply_query()
    return set(window.model.ids)


def test_the_why_queries_in_the_window(rcc_window: tuple[MainWindow, dict[str, int]]) -> None:
    window, ids = rcc_window
    for text, expected in EXPECTED.items():
        assert search(window, text + " ") == {ids[k] for k in expected}, text  # a finished word
    assert search(window, "-sunitinib") == set(ids.values()) - {ids["keynote"], ids["eau"], ids["retracted"]}
    assert window.search_problem.text() == ""


def test_the_word_being_typed_matches_as_a_prefix(rcc_window: tuple[MainWindow, dict[str, int]]) -> None:
    window, ids = rcc_window
    assert search(window, "nivolum") == {ids["checkmate"], ids["immuno_ablation"], ids["immuno_ablation_old"]}
    assert search(window, "nivolum ") == set()  # once finished, a word is a word


def test_a_malformed_query_is_pointed_at_beside_the_field(rcc_window: tuple[MainWindow, dict[str, int]]) -> None:
    window, ids = rcc_window
    assert search(window, "(nivolumab") == {ids["checkmate"], ids["immuno_ablation"], ids["immuno_ablation_old"]}
    assert window.search_problem.text() == "⚠ column 1: this '(' is never closed (add a ')')"
    assert search(window, "year:20x") == set()
    assert "year: takes" in window.search_problem.text()


def test_the_filter_bar_writes_the_query_text(rcc_window: tuple[MainWindow, dict[str, int]]) -> None:
    window, ids = rcc_window
    window.search.setText("ablation")
    bar = window.filter_bar
    bar.type.setCurrentIndex(bar.type.findData("rct"))
    bar.status.setCurrentIndex(bar.status.findData("unread"))
    bar.year_from.setValue(2019)
    bar._emit()
    assert window.search.text() == "ablation type:rct year:2019.. status:unread"
    assert set(window.model.ids) == {ids["immuno_ablation"]}
    bar.tag.setCurrentIndex(bar.tag.findData("RCC"))
    bar.type.setCurrentIndex(0)
    bar._emit()
    assert window.search.text() == "ablation year:2019.. status:unread tag:RCC"
    assert set(window.model.ids) == {ids["ablation_ma"]}
    search(window, "type:guideline rating:>=4 sunitinib")  # typed filters show in the bar
    assert (bar.type.currentData(), bar.rating.currentData()) == ("guideline", ">=4")
    assert bar.year_from.value() == bar.year_from.minimum()


def test_saved_searches_live_in_the_sidebar_with_counts(
    rcc_window: tuple[MainWindow, dict[str, int]], qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, ids = rcc_window
    monkeypatch.setattr(dialogs, "ask_text", lambda *_args, **_kw: "RCTs")
    window.search.setText("type:rct")
    with qtbot.waitSignal(window.lists_changed, timeout=10_000):
        window.save_current_search()
    item = window.sidebar.item_for(Scope("saved", 1))
    assert item is not None
    assert item.text(0) == "RCTs  (4)"
    window.search.clear()
    window.sidebar.setCurrentItem(item)
    rcts = {ids["keynote"], ids["checkmate"], ids["immuno_ablation"], ids["immuno_ablation_old"]}
    assert set(window.model.ids) == rcts
    assert search(window, "nivolumab") == {ids["checkmate"], ids["immuno_ablation"], ids["immuno_ablation_old"]}
    window.library.save(Article(title="A randomized trial", publication_types=["Randomized Controlled Trial"]), "test")
    window.refresh()
    assert window.sidebar.item_for(Scope("saved", 1)).text(0) == "RCTs  (5)"  # type: ignore[union-attr]
    monkeypatch.setattr(dialogs, "ask", lambda *_args: True)
    with qtbot.waitSignal(window.lists_changed, timeout=10_000):
        window.saved_search_action("delete", 1)
    assert window.sidebar.item_for(Scope("saved", 1)) is None
    assert window.sidebar.scope.kind == "all"


def test_badges_in_the_table_and_the_pane(rcc_window: tuple[MainWindow, dict[str, int]]) -> None:
    window, ids = rcc_window
    search(window, "")
    column = COLUMN_KEYS.index("types")
    shown = {window.model.ids[r]: window.model.index(r, column).data() for r in range(window.model.rowCount())}
    assert shown[ids["keynote"]] == "RCT Phase III"
    assert shown[ids["ablation_ma"]] == "MA SR"
    assert shown[ids["eau"]] == "Guideline"
    assert shown[ids["oesophagus"]] == ""
    window.select_article(ids["keynote"])
    assert "RCT" in window.pane.badges.text() and "Phase III" in window.pane.badges.text()


def test_searched_words_are_marked_in_table_title_abstract_and_legends(
    rcc_window: tuple[MainWindow, dict[str, int]],
) -> None:
    window, ids = rcc_window
    search(window, "cryoablation tumours ")
    assert window.model.ids == [ids["ablation_ma"]]
    window.select_article(ids["ablation_ma"])
    delegate = window.marking_delegate
    marked = delegate.marked("Thermal ablation versus partial nephrectomy for T1 renal tumours: a meta-analysis")
    assert marked is not None and ">tumours</span>" in marked
    assert ">tumours</span>" in window.pane.title.text()
    assert len(window.pane.side_by_side.legends.extraSelections()) == 2  # cryoablation, tumours
    search(window, "surgery ")
    window.select_article(ids["ablation_ma"])
    assert len(window.pane.abstract.extraSelections()) == 1
    window.table.viewport().grab()  # the delegate paints without error


def test_the_help_popover_explains_the_language(rcc_window: tuple[MainWindow, dict[str, int]], qtbot) -> None:
    window, _ = rcc_window
    window.search_help.click()
    qtbot.waitUntil(window.search_help.popup.isVisible)
    assert 'author:"Rini BI"' in window.search_help.label.text()
    window.search_help.popup.hide()
