"""Plain text searches sorted by cached positions give exactly what the SQL query gives, and stay current."""

from __future__ import annotations

import pytest

from bench.generate import generate_articles
from refmgr.core.library import Library
from refmgr.core.search import SORT_COLUMNS, ArticleQuery, build_query

TEXTS = ("carcinoma", "overall survival", "author:smith", "keyword:humans", "legend:kaplan", "surv", "egfr",
         "title:versus", "journal:lancet", "nothing-matches-this")  # fmt: skip


def sql_ids(library: Library, query: ArticleQuery) -> list[int]:
    sql, params = build_query(query)
    return [row[0] for row in library.conn.execute(sql, params)]


@pytest.fixture
def filled(library: Library) -> Library:
    library.save_many(generate_articles(150, 12))
    return library


@pytest.mark.parametrize("sort", sorted(set(SORT_COLUMNS) - {"id", "rank"}))
def test_every_sort_matches_the_sql_order(filled: Library, sort: str) -> None:
    for text in TEXTS:
        for descending in (True, False):
            for limit in (None, 7):
                query = ArticleQuery(text=text, sort=sort, descending=descending, limit=limit)
                assert filled._text_search_ids(query) is not None
                assert filled.query_ids(query) == sql_ids(filled, query), (text, sort, descending, limit)
    assert filled.query_ids(ArticleQuery(text="carcinoma", sort=sort))  # the texts do match something


def test_filtered_queries_sort_by_positions_like_sql(filled: Library) -> None:
    filled.set_tags(5, ["x"])
    for query in (ArticleQuery(text="carcinoma year:2010-2020"), ArticleQuery(text="carcinoma", read_status="unread"),
                  ArticleQuery(text="carcinoma", tag="x"), ArticleQuery(text="surv -carcinoma", sort="title"),
                  ArticleQuery(text="carcinoma type:rct", sort="year"),
                  ArticleQuery(text="carcinoma", list_id=1)):  # fmt: skip
        assert filled._text_search_ids(query) is not None
        assert filled.query_ids(query) == sql_ids(filled, query), query
    for text in ("carcinoma OR tag:x", "tag:x OR list:nope", "-carcinoma OR tag:x", "(surv OR tag:x) year:2015..",
                 '"overall survival" OR tag:x'):  # an OR across index and SQL: the union of id sets drives
        for scope in ("", "tag:x OR egfr"):
            mixed = ArticleQuery(text=text, sort="year", scope_text=scope)
            assert filled._text_search_ids(mixed) is not None
            assert filled.query_ids(mixed) == sql_ids(filled, mixed), (text, scope)
            assert filled.count_query(mixed) == len(sql_ids(filled, mixed))
    assert set(filled.query_ids(ArticleQuery(text="carcinoma OR tag:x"))) == set(filled.search("carcinoma")) | {5}
    assert filled._text_search_ids(ArticleQuery(text="")) is None
    assert filled._text_search_ids(ArticleQuery(text="tag:x")) is None  # no full-text part: the sort index serves it


def test_positions_follow_this_and_other_connections_writes(filled: Library, library_path) -> None:
    query = ArticleQuery(text="cryoablation", sort="title", descending=False)
    assert filled.query_ids(query) == []
    filled.update_fields(3, title="Cryoablation of small renal masses")
    assert filled.query_ids(query) == [3]
    with Library(library_path) as other:
        other.update_fields(4, title="Another cryoablation series")
        other.update_fields(3, title="Zz cryoablation, renamed")
    assert filled.query_ids(query) == [4, 3] == sql_ids(filled, query)
    filled.delete([4])
    assert filled.query_ids(query) == [3]


def test_an_index_row_without_article_is_left_out(filled: Library) -> None:
    filled.conn.execute("INSERT INTO articles_fts (rowid, title) VALUES (9999, 'orphan carcinoma')")
    query = ArticleQuery(text="carcinoma")
    assert 9999 not in filled.query_ids(query)
    assert filled.query_ids(query) == [i for i in sql_ids(filled, query) if i != 9999]


def test_ranked_search_without_filters_matches_the_sql_order(filled: Library) -> None:
    for text in ("carcinoma", "overall survival", "author:smith", '"overall survival"', "surv*", "egfr OR kras"):
        for limit in (None, 5):
            query = ArticleQuery(text=text, sort="rank", descending=True, limit=limit)
            assert filled._ranked_ids(query) is not None
            assert filled.query_ids(query) == sql_ids(filled, query), (text, limit)
    assert filled._ranked_ids(ArticleQuery(text="carcinoma year:2010", sort="rank")) is not None  # facets: in FTS
    assert filled._ranked_ids(ArticleQuery(text="carcinoma", tag="x", sort="rank")) is None  # SQL filter: one join
