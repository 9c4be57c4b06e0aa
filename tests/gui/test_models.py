"""The window's models: qtmodeltester on each, lazy paging, SQL sorting, drag payloads."""

from __future__ import annotations

from PySide6.QtCore import Qt

from refmgr.core.highlight import find_hits
from refmgr.core.library import Library
from refmgr.core.model import Figure, Keyword, Reference
from refmgr.core.search import ArticleQuery
from refmgr.gui.pane_models import KeywordModel, ReferenceModel
from refmgr.gui.table_model import COLUMN_KEYS, PAGE_SIZE, ArticleTableModel, ids_from_mime
from tests.gui.conftest import make_articles


def test_article_table_model_passes_modeltester(qtmodeltester, library: Library) -> None:
    library.save_many(make_articles(40))
    model = ArticleTableModel(library)
    model.set_query(ArticleQuery())
    qtmodeltester.check(model, force_py=True)  # the tester stays connected and checks every change below
    model.sort(COLUMN_KEYS.index("year"), Qt.SortOrder.AscendingOrder)
    assert model.data(model.index(0, COLUMN_KEYS.index("year"))) == "2000"
    model.set_query(ArticleQuery(text="author:author3"))
    assert model.rowCount() == 6
    model.forget([model.article_id(0)])
    model.reload()


def test_rows_are_fetched_lazily_in_pages(library: Library) -> None:
    library.save_many(make_articles(3 * PAGE_SIZE))
    model = ArticleTableModel(library)
    model.set_query(ArticleQuery(sort="id", descending=False))
    assert model.rowCount() == 3 * PAGE_SIZE
    assert model.cache == {}
    assert model.data(model.index(0, COLUMN_KEYS.index("title"))) == "Ablation study number 0 in renal cell carcinoma"
    assert len(model.cache) == PAGE_SIZE
    last = model.index(3 * PAGE_SIZE - 1, COLUMN_KEYS.index("first_author"))
    assert model.data(last) == f"Author{(3 * PAGE_SIZE - 1) % 7}"
    assert len(model.cache) < 3 * PAGE_SIZE


def test_sorting_happens_in_sql_and_columns_show_values(library: Library) -> None:
    library.save_many(make_articles(10))
    model = ArticleTableModel(library)
    model.set_query(ArticleQuery())
    model.sort(COLUMN_KEYS.index("citation_count"), Qt.SortOrder.DescendingOrder)
    assert model.query.sort == "citation_count" and model.query.descending
    cited = [model.data(model.index(r, COLUMN_KEYS.index("citation_count"))) for r in range(10)]
    assert cited == [str(i * 3) for i in range(9, -1, -1)]
    model.sort(COLUMN_KEYS.index("retracted"), Qt.SortOrder.AscendingOrder)  # not sortable: order kept
    assert model.query.sort == "citation_count"
    row = model.row_of(library.find("10.5555/test.3"))
    assert model.data(model.index(row, COLUMN_KEYS.index("extras"))) == "F"
    assert model.data(model.index(row, COLUMN_KEYS.index("date_added"))) == "2024-01-04"
    assert model.data(model.index(row, COLUMN_KEYS.index("read_status"))) == "Unread"
    assert model.data(model.index(row, COLUMN_KEYS.index("year"))) == "2003"


def test_retracted_articles_are_flagged(library: Library) -> None:
    articles = make_articles(2)
    articles[1].retracted = True
    library.save_many(articles)
    model = ArticleTableModel(library)
    model.set_query(ArticleQuery(sort="id", descending=False))
    flag = COLUMN_KEYS.index("retracted")
    assert model.data(model.index(0, flag)) == ""
    assert model.data(model.index(1, flag)) == "⚠"
    assert model.data(model.index(1, flag), Qt.ItemDataRole.ToolTipRole) == "This article has been retracted"
    assert model.data(model.index(1, 3), Qt.ItemDataRole.ForegroundRole).color().name() == "#b3261e"


def test_drag_payload_carries_ids_and_doi_links(library: Library) -> None:
    library.save_many(make_articles(3))
    model = ArticleTableModel(library)
    model.set_query(ArticleQuery(sort="id", descending=False))
    mime = model.mimeData([model.index(0, 0), model.index(0, 3), model.index(2, 1)])
    ids = ids_from_mime(mime)
    assert ids == [model.article_id(0), model.article_id(2)]
    assert mime.text() == "https://doi.org/10.5555/test.0\nhttps://doi.org/10.5555/test.2"


def test_keyword_model_passes_modeltester(qtmodeltester) -> None:
    model = KeywordModel()
    keywords = [Keyword("Cryoablation"), Keyword("Neoplasm Metastasis", "mesh", ["therapy"], major=True,
                                                 source="pubmed")]
    model.set_hits(find_hits(keywords, [Figure("Fig. 1", "cryoablation of the node")]))
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0, 0)) == "Cryoablation   1 legend"
    assert model.data(model.index(1, 0)) == "Neoplasm Metastasis/therapy*"
    assert model.data(model.index(1, 0), Qt.ItemDataRole.ToolTipRole) == (
        "MeSH heading (major topic); 0 occurrence(s) in 0 legend(s); from PubMed"
    )
    assert model.data(model.index(1, 0), Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole) is None


def test_reference_model_passes_modeltester(qtmodeltester) -> None:
    model = ReferenceModel()
    model.set_references([
        Reference("Ljungberg B, et al. EAU guidelines. Eur Urol. 2022.", doi="10.1016/j.eururo.2022.03.006",
                  status="resolved", confidence=0.97),
        Reference("Tran J. Clinical review. JCO Oncol Pract. 2022.", doi="10.1200/op.21.00419", status="resolved",
                  cited_article_id=4),
        Reference("Dudani S, et al. Sites of metastasis. JCO. 2020."),
    ])  # fmt: skip
    qtmodeltester.check(model, force_py=True)
    statuses = [model.data(model.index(r, 2)) for r in range(3)]
    assert statuses == ["Resolved", "In library", "Unresolved"]
    assert model.data(model.index(0, 2), Qt.ItemDataRole.ToolTipRole) == "match confidence 97%"


def test_abbreviated_journal_shown_when_the_full_title_is_unknown(library: Library) -> None:
    articles = make_articles(2)
    articles[0].journal, articles[0].journal_abbrev = "", "Cardiovasc Intervent Radiol"
    library.save_many(articles)
    model = ArticleTableModel(library)
    model.set_query(ArticleQuery(sort="id", descending=False))
    journal = COLUMN_KEYS.index("journal")
    assert [model.data(model.index(r, journal)) for r in range(2)] == ["Cardiovasc Intervent Radiol", "Lancet Oncol"]


def test_sidebar_lists_scopes_lists_and_tags_with_counts(qtbot, library: Library) -> None:
    from refmgr.core import lists
    from refmgr.gui.sidebar import Sidebar

    library.save_many(make_articles(3))
    lists.create_list(library, "Journal club")
    library.set_tags(library.find("10.5555/test.1"), ["RCC"])
    sidebar = Sidebar(library)
    qtbot.addWidget(sidebar)  # a QTreeWidget: Qt's own item model, not one of ours
    sidebar.populate()
    labels = [item.text(0) for item in sidebar.items()]
    assert labels == ["All articles  (3)", "Recently added", "Unread  (3)", "Journal club  (0)", "RCC  (1)"]
