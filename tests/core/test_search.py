"""Search text with field prefixes turned into FTS5 and SQL conditions."""

from __future__ import annotations

from refmgr.core.search import ArticleQuery, build_query, parse_search


def test_plain_words_are_prefix_phrases() -> None:
    parsed = parse_search("renal ablat")
    assert parsed.fts == '"renal"* AND "ablat"*'
    assert (parsed.conditions, parsed.params) == ([], [])


def test_field_prefixes_map_to_fts_columns() -> None:
    parsed = parse_search('author:fung kw:cryoablation legend:"white arrow" note:club journal:lancet title:scalpel')
    assert parsed.fts == (
        'authors : "fung"* AND keywords : "cryoablation"* AND legends : "white arrow" AND notes : "club"* '
        'AND journal : "lancet"* AND title : "scalpel"*'
    )


def test_year_ranges() -> None:
    assert (parse_search("year:2025").conditions, parse_search("year:2025").params) == (["a.year = ?"], [2025])
    parsed = parse_search("year:2020-2022")
    assert (parsed.conditions, parsed.params) == (["a.year >= ?", "a.year <= ?"], [2020, 2022])
    parsed = parse_search("year:..1999")
    assert (parsed.conditions, parsed.params) == (["a.year <= ?"], [1999])
    parsed = parse_search("year:2010-")
    assert (parsed.conditions, parsed.params) == (["a.year >= ?"], [2010])


def test_identifiers_are_normalised() -> None:
    parsed = parse_search("doi:https://doi.org/10.1016/S0140-6736(97)11096-0 pmid:https://pubmed.ncbi.nlm.nih.gov/10023944/")
    assert parsed.conditions == ["a.doi = ?", "a.pmid = ?"]
    assert parsed.params == ["10.1016/s0140-6736(97)11096-0", "10023944"]


def test_quotes_and_fts_syntax_are_neutralised() -> None:
    assert parse_search('unbalanced "quote').fts == '"unbalanced"* AND "quote"*'
    assert parse_search("NEAR(a b) OR x*").fts == '"NEAR(a"* AND "b)"* AND "OR"* AND "x*"*'
    assert parse_search("unknown:prefix").fts == '"unknown:prefix"*'


def test_build_query_with_scope_and_order() -> None:
    sql, params = build_query(ArticleQuery(text="fung year:2025", tag="RCC", sort="year", descending=False, limit=5))
    assert sql == (
        "SELECT a.id FROM articles_fts CROSS JOIN articles a ON a.id = articles_fts.rowid "
        "WHERE articles_fts MATCH ? AND a.year = ? AND a.id IN (SELECT at.article_id FROM article_tags at "
        "JOIN tags t ON t.id = at.tag_id WHERE t.name = ?) ORDER BY a.year ASC, a.id ASC LIMIT 5"
    )
    assert params == ['"fung"*', 2025, "RCC"]


def test_rank_order_puts_best_matches_first() -> None:
    sql, _ = build_query(ArticleQuery(text="ablation", sort="rank"))
    assert sql.endswith("ORDER BY bm25(articles_fts, 10.0, 5.0, 2.0, 1.0, 5.0, 1.0, 1.0) ASC, a.id DESC")
    sql, _ = build_query(ArticleQuery(text="", sort="rank"))
    assert sql == "SELECT a.id FROM articles a ORDER BY a.id DESC, a.id DESC"
