"""The window without Crossref: seed article pane, search, layout persistence, edits, delete and lists."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView

from refmgr.core import lists
from refmgr.core.highlight import EMPHASIS
from refmgr.core.library import Library
from refmgr.core.settings import Settings
from refmgr.gui import dialogs
from refmgr.gui.main_window import MainWindow
from refmgr.gui.table_model import COLUMN_KEYS
from refmgr.paths import settings_file
from tests.gui.conftest import drop, make_articles, open_window

SEED_DOI = "10.1007/s00270-025-04101-y"


def _open_seed(window: MainWindow) -> int:
    article_id = window.library.find(SEED_DOI)
    assert article_id is not None
    assert window.select_article(article_id)
    assert window.pane.article_id == article_id
    return article_id


def test_window_is_named_and_shows_the_seed(seeded_window: MainWindow) -> None:
    assert seeded_window.windowTitle() == "refmgr — library.sqlite"
    assert seeded_window.model.rowCount() == 1
    assert seeded_window.match_count.text() == "1 article"
    _open_seed(seeded_window)
    pane = seeded_window.pane
    assert pane.title.text().startswith("Beyond the Scalpel: the Role of Image-Guided Thermal Ablation")
    assert pane.citation.text() == "Cardiovasc Intervent Radiol. 2025;48(8):1104-1112."
    assert f'href="https://doi.org/{SEED_DOI}"' in pane.links.text()
    assert pane.references.model.rowCount() == 5
    assert pane.tabs.tabText(2) == "References (5)"
    assert "Renal cell carcinoma (RCC) is the most common type of kidney cancer" in pane.abstract.toPlainText()


def test_keywords_beside_the_three_legends_with_highlights(seeded_window: MainWindow) -> None:
    _open_seed(seeded_window)
    side = seeded_window.pane.side_by_side
    terms = [side.keyword_model.data(side.keyword_model.index(r, 0), Qt.ItemDataRole.UserRole)
             for r in range(side.keyword_model.rowCount())]  # fmt: skip
    assert {"Cryoablation", "Immunotherapy", "Metastasis", "Thermal Ablation"} <= set(terms)
    assert side.legends_title.text() == "<b>Figure legends</b> (3)"
    text = side.legends.toPlainText()
    assert text.count("Fig. ") >= 3 and "A 67-year-old woman" in text and "A 56-year-old man" in text
    metastasis = next(h for h in side.hits if h.keyword.term == "Metastasis")
    assert metastasis.legend_indexes == [0, 1, 2]
    cryo = next(h for h in side.hits if h.keyword.term == "Cryoablation")
    assert cryo.legend_indexes == [0]
    assert f"background-color:{cryo.color}; color:#1a1a1a;\">cryoablation</span>" in side.html()
    assert side.select_keyword("Cryoablation")
    assert side.selected is cryo
    rendered = side.html()
    assert rendered.count("◀") == 1
    assert f'background-color:{EMPHASIS}; font-weight:bold; color:#1a1a1a;">cryoablation' in rendered
    assert side.keywords.currentIndex().row() == terms.index("Cryoablation")
    assert not side.select_keyword("Not a keyword of this article")
    assert side.legends.refused == []


def test_search_narrows_the_table_as_you_type(qtbot, seeded_path: Path) -> None:
    with Library(seeded_path) as library:
        library.save_many(make_articles(30))
    window = open_window(qtbot, seeded_path)
    assert window.model.rowCount() == 31
    qtbot.keyClicks(window.search, "cryoablat")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert window.match_count.text() == "1 match"
    window.search.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 31)
    qtbot.keyClicks(window.search, "author:author3 year:2003")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert window.model.data(window.model.index(0, COLUMN_KEYS.index("year"))) == "2003"
    assert window.model.data(window.model.index(0, COLUMN_KEYS.index("first_author"))) == "Author3"
    window.search.setText("journal:lancet")
    qtbot.waitUntil(lambda: window.model.rowCount() == 8)
    assert window.match_count.text() == "8 matches"
    window.search.setText("")
    qtbot.waitUntil(lambda: window.model.rowCount() == 31)
    assert window.match_count.text() == "31 articles"


def test_layout_sort_and_columns_persist(qtbot, seeded_path: Path) -> None:
    window = open_window(qtbot, seeded_path)
    header = window.table.horizontalHeader()
    window.table.sortByColumn(COLUMN_KEYS.index("year"), Qt.SortOrder.AscendingOrder)
    header.setSectionHidden(COLUMN_KEYS.index("journal"), True)
    header.moveSection(header.visualIndex(COLUMN_KEYS.index("year")), 0)
    window.main_splitter.setSizes([300, 900])
    window.close()
    state = Settings.load(settings_file()).gui_state
    assert state["version"] == 1 and state["main_splitter"][0] == 300
    again = open_window(qtbot, seeded_path)
    header = again.table.horizontalHeader()
    assert header.isSectionHidden(COLUMN_KEYS.index("journal"))
    assert header.visualIndex(COLUMN_KEYS.index("year")) == 0
    assert header.sortIndicatorSection() == COLUMN_KEYS.index("year")
    assert again.model.query.sort == "year" and not again.model.query.descending
    assert again.main_splitter.sizes()[0] == 300
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Interactive


def test_notes_status_rating_and_tags_are_saved(qtbot, seeded_window: MainWindow, seeded_path: Path) -> None:
    article_id = _open_seed(seeded_window)
    pane = seeded_window.pane
    with qtbot.waitSignal(seeded_window.edits_saved, timeout=5000):
        qtbot.keyClicks(pane.notes, "Good overview of ablation + ICI")
    with qtbot.waitSignal(seeded_window.edits_saved, timeout=5000):
        pane.status.setCurrentIndex(2)
        pane.status.activated.emit(2)
    with qtbot.waitSignal(seeded_window.edits_saved, timeout=5000):
        pane.rating.setCurrentIndex(4)
        pane.rating.activated.emit(4)
    with qtbot.waitSignal(seeded_window.edits_saved, timeout=5000):
        pane.tags.setText("journal club, RCC")
        pane.tags.editingFinished.emit()
    with Library(seeded_path) as library:
        article = library.get(article_id)
        assert article.notes == "Good overview of ablation + ICI"
        assert (article.read_status, article.rating, article.tags) == ("read", 4, ["journal club", "RCC"])
    qtbot.waitUntil(lambda: "RCC  (1)" in [i.text(0) for i in seeded_window.sidebar.items()])
    assert seeded_window.model.data(seeded_window.model.index(0, COLUMN_KEYS.index("rating"))) == "★★★★"


def test_delete_asks_first_and_undo_restores(qtbot, seeded_window: MainWindow, monkeypatch) -> None:
    article_id = _open_seed(seeded_window)
    list_id = lists.create_list(seeded_window.library, "Journal club")
    lists.add_to_list(seeded_window.library, list_id, [article_id], note="present first")
    seeded_window.library.update_fields(article_id, notes="my notes")
    questions: list[str] = []
    monkeypatch.setattr(dialogs, "ask", lambda _parent, _title, text: questions.append(text) or False)
    seeded_window.delete_action.trigger()
    assert questions and questions[0].startswith("Delete “Beyond the Scalpel")
    assert seeded_window.library.count() == 1
    monkeypatch.setattr(dialogs, "ask", lambda *_args: True)
    with qtbot.waitSignal(seeded_window.table_refreshed, timeout=5000):
        seeded_window.delete_action.trigger()
    assert seeded_window.library.count() == 0 and seeded_window.model.rowCount() == 0
    assert seeded_window.undo_action.isEnabled()
    with qtbot.waitSignal(seeded_window.table_refreshed, timeout=5000):
        seeded_window.undo_action.trigger()
    restored = seeded_window.library.find(SEED_DOI)
    article = seeded_window.library.get(restored)
    assert article.notes == "my notes" and len(article.figures) == 3
    assert [(i.article_id, i.note) for i in lists.list_items(seeded_window.library, list_id)] == [
        (restored, "present first")
    ]


def test_rows_dragged_onto_a_reading_list_are_added(qtbot, seeded_path: Path) -> None:
    with Library(seeded_path) as library:
        library.save_many(make_articles(4))
        list_id = lists.create_list(library, "Ablation review")
    window = open_window(qtbot, seeded_path)
    item = window.sidebar.list_item(list_id)
    assert item is not None and item.text(0) == "Ablation review  (0)"
    mime = window.model.mimeData([window.model.index(0, 0), window.model.index(2, 0)])
    dragged = [window.model.article_id(0), window.model.article_id(2)]
    with qtbot.waitSignal(window.sidebar.rows_dropped_on_list) as dropped:
        assert drop(window.sidebar.viewport(), mime, window.sidebar.visualItemRect(item).center())
    assert dropped.args == [list_id, dragged]
    assert window.sidebar.drop_target is None  # the hover highlight is gone after the drop
    qtbot.waitUntil(lambda: [i.article_id for i in lists.list_items(window.library, list_id)] == dragged)
    qtbot.waitUntil(lambda: window.sidebar.list_item(list_id).text(0) == "Ablation review  (2)")
    assert not drop(window.table.viewport(), window.model.mimeData([window.model.index(1, 0)]))


def test_figures_can_be_added_by_hand(qtbot, seeded_window: MainWindow) -> None:
    from refmgr.gui.figures_dialog import split_legends

    article_id = _open_seed(seeded_window)
    seeded_window.figures_action.trigger()
    dialog = seeded_window.figures_dialog
    assert dialog.list.count() == 3
    dialog.add_figure()
    dialog.legend.setPlainText("Figure 4. Kaplan-Meier curves after cryoablation. Figure 5: Forest plot of ICI trials.")
    dialog.paste_block()
    assert [f.label for f in dialog.figures][3:] == ["Figure 4", "Figure 5"]
    with qtbot.waitSignal(seeded_window.edits_saved, timeout=5000):
        dialog.accept()
    figures = seeded_window.library.figures(article_id)
    assert [f.legend for f in figures[3:]] == ["Kaplan-Meier curves after cryoablation.", "Forest plot of ICI trials."]
    qtbot.waitUntil(lambda: seeded_window.pane.side_by_side.legends_title.text() == "<b>Figure legends</b> (5)")
    cryo = next(h for h in seeded_window.pane.side_by_side.hits if h.keyword.term == "Cryoablation")
    assert cryo.legend_indexes == [0, 3]
    assert [f.label for f in split_legends("Fig. 1 A\nFig. 2 B")] == ["Fig. 1", "Fig. 2"]


def test_sidebar_scopes_filter_the_table(qtbot, seeded_path: Path) -> None:
    from refmgr.gui.sidebar import Scope

    with Library(seeded_path) as library:
        library.save_many(make_articles(5))
        library.update_fields(library.find("10.5555/test.1"), read_status="read")
        list_id = lists.create_list(library, "To read")
        lists.add_to_list(library, list_id, [library.find(SEED_DOI)])
    window = open_window(qtbot, seeded_path)
    assert window.model.rowCount() == 6
    window.sidebar.select(Scope("unread"))
    assert window.model.rowCount() == 5
    window.sidebar.select(Scope("list", list_id))
    assert window.model.ids == [window.library.find(SEED_DOI)]
    window.sidebar.select(Scope("recent"))
    assert window.model.rowCount() == 1  # the generated articles were "added" in 2024
    labels = [i.text(0) for i in window.sidebar.items()]
    assert labels[:3] == ["All articles  (6)", "Recently added", "Unread  (5)"] and "To read  (1)" in labels


def test_refresh_during_typing_keeps_the_notes(qtbot, seeded_window: MainWindow) -> None:
    article_id = _open_seed(seeded_window)
    pane = seeded_window.pane
    pane.notes.setFocus()
    qtbot.keyClicks(pane.notes, "Check Fig. 2")
    with qtbot.waitSignal(seeded_window.edits_saved, timeout=5000):
        seeded_window.refresh()  # as when an import lands while the user types
        assert pane.notes.toPlainText() == "Check Fig. 2"
        assert pane.notes.textCursor().position() == len("Check Fig. 2")
    assert seeded_window.library.get(article_id).notes == "Check Fig. 2"
    assert pane.notes.toPlainText() == "Check Fig. 2"


def test_retracted_article_is_flagged_in_the_pane(qtbot, library_path: Path) -> None:
    articles = make_articles(2)
    articles[0].retracted = True
    with Library(library_path) as library:
        library.save_many(articles)
        retracted_id = library.find("10.5555/test.0")
    window = open_window(qtbot, library_path)
    window.select_article(retracted_id)
    assert window.pane.retracted.isVisible()
    assert window.pane.retracted.text() == "⚠ RETRACTED: this article has been retracted"
    window.select_article(window.library.find("10.5555/test.1"))
    assert not window.pane.retracted.isVisible()


def test_reading_lists_are_created_renamed_and_deleted(qtbot, seeded_window: MainWindow, monkeypatch) -> None:
    from refmgr.gui.sidebar import Scope

    names = iter(["Journal club", "Journal club (May)"])
    monkeypatch.setattr(dialogs, "ask_text", lambda *_args, **_kw: next(names))
    monkeypatch.setattr(dialogs, "ask", lambda *_args: True)
    told: list[str] = []
    monkeypatch.setattr(dialogs, "tell", lambda _parent, _title, text: told.append(text))
    seed_id = _open_seed(seeded_window)
    with qtbot.waitSignal(seeded_window.lists_changed, timeout=5000):
        seeded_window.new_list([seed_id])
    [reading_list] = lists.all_lists(seeded_window.library)
    assert (reading_list.name, reading_list.count) == ("Journal club", 1)
    seeded_window.sidebar.select(Scope("list", reading_list.id))
    assert seeded_window.model.ids == [seed_id]
    with qtbot.waitSignal(seeded_window.lists_changed, timeout=5000):
        seeded_window.sidebar.list_action.emit("rename", reading_list.id)
    assert seeded_window.sidebar.list_item(reading_list.id).text(0) == "Journal club (May)  (1)"
    names = iter(["journal CLUB (may)"])
    with qtbot.waitSignal(seeded_window.task_failed, timeout=5000):
        seeded_window.new_list()
    assert told == ["a reading list called 'journal CLUB (may)' already exists"]
    with qtbot.waitSignal(seeded_window.lists_changed, timeout=5000):
        seeded_window.sidebar.list_action.emit("delete", reading_list.id)
    assert lists.all_lists(seeded_window.library) == []
    assert seeded_window.sidebar.scope.kind == "all" and seeded_window.model.ids == [seed_id]
