"""Search text compiled to FTS5 MATCH expressions (stemmed and exact index) and SQL conditions."""

from __future__ import annotations

from refmgr.core.search import ArticleQuery, build_query, parse_search


def test_plain_words_match_their_stems_in_the_stemmed_index() -> None:
    parsed = parse_search("renal metastases")
    assert parsed.fts == {"articles_stem": '("renal") AND ("metasta")'}
    assert (parsed.conditions, parsed.params, parsed.problems) == ([], [], [])


def test_the_word_being_typed_also_matches_as_a_prefix() -> None:
    assert parse_search("renal ablat", typing=True).fts == {"articles_stem": '("renal") AND (("ablat" OR "ablat"*))'}
    assert parse_search("renal ablat ", typing=True).fts == {"articles_stem": '("renal") AND ("ablat")'}


def test_phrases_and_prefixes_use_the_exact_index() -> None:
    parsed = parse_search('"randomised controlled" nephrect*')
    assert parsed.fts == {"articles_fts": '("randomised controlled") AND ("nephrect"*)'}


def test_field_prefixes_map_to_columns() -> None:
    parsed = parse_search('author:fung kw:cryoablation legend:"white arrow" note:club journal:lancet title:scalpel')
    assert parsed.fts == {
        "articles_stem": '(authors : "fung") AND (keywords : "cryoablat") AND (notes : "club") AND (title : "scalpel")',
        "articles_fts": '(legends : "white arrow") AND (journal : "lancet")',
    }


def test_filters_are_facet_tokens_of_the_stemmed_index() -> None:
    def facets(text: str) -> str:
        parsed = parse_search(text)
        assert parsed.conditions == [] and list(parsed.fts) == ["articles_stem"], text
        return parsed.fts["articles_stem"]

    assert facets("year:2025") == 'facets : "zqy2025"'
    assert facets("year:2020-2022") == 'facets : ("zqy2020" OR "zqy2021" OR "zqy2022")'
    assert facets("year:2019..") == facets("year:>=2019") == facets("year:>2018") == (
        'facets : ("zqy2019" OR "zqd202" OR "zqd203" OR "zqd204" OR "zqd205" OR "zqd206" OR "zqd207" OR "zqd208" '
        'OR "zqd209" OR "zqc21")'
    )
    assert facets("year:..1999") == facets("year:<2000") == 'facets : ("zqc18" OR "zqc19")'
    assert facets("year:<=2011") == 'facets : ("zqc18" OR "zqc19" OR "zqd200" OR "zqy2010" OR "zqy2011")'
    assert facets("status:unread rating:>=4") == '(facets : "zqsunread") AND (facets : ("zqr4" OR "zqr5"))'
    assert facets("type:rct") == 'facets : "zqtrandomizedcontrolledtrial"'
    assert facets("type:meta-analysis") == 'facets : ("zqtmetaanalysis" OR "zqtnetworkmetaanalysis")'
    assert facets("type:Case*") == 'facets : "zqtcase"*'
    assert facets("has:legends retracted:yes") == '(facets : "zqfigures") AND (facets : "zqretracted")'
    assert facets("ablation -retracted:yes") == '("ablat") NOT (facets : "zqretracted")'


def test_identifiers_are_normalised() -> None:
    parsed = parse_search("doi:https://doi.org/10.1016/S0140-6736(97)11096-0 pmid:https://pubmed.ncbi.nlm.nih.gov/10023944/")
    assert parsed.conditions == ["a.doi = ?", "a.pmid = ?"]
    assert parsed.params == ["10.1016/s0140-6736(97)11096-0", "10023944"]


def test_fts_syntax_typed_by_the_user_is_quoted() -> None:
    near = parse_search("NEAR(a b) x*")
    assert near.fts == {"articles_stem": '("near a") AND ("b")', "articles_fts": '"x"*'}
    assert parse_search('title:"a" ^b {c}').fts == {"articles_fts": 'title : "a"', "articles_stem": '("b") AND ("c")'}


def test_not_folds_into_the_match_or_becomes_not_in() -> None:
    assert parse_search("ablation -sunitinib").fts == {"articles_stem": '("ablat") NOT ("sunitinib")'}
    alone = parse_search("-sunitinib")
    assert alone.fts == {}
    subquery = "a.id IN (SELECT rowid FROM articles_stem WHERE articles_stem MATCH ?)"
    assert alone.conditions == [f"NOT coalesce(({subquery}), 0)"]


def test_build_query_with_scope_and_order() -> None:
    sql, params = build_query(ArticleQuery(text="fung year:2025", tag="RCC", sort="year", descending=False, limit=5))
    assert sql == (
        "SELECT a.id FROM articles_stem CROSS JOIN articles a ON a.id = articles_stem.rowid "
        "WHERE articles_stem MATCH ? AND a.id IN (SELECT at.article_id FROM article_tags at "
        "JOIN tags t ON t.id = at.tag_id WHERE t.name = ?) ORDER BY a.year ASC, a.id ASC LIMIT 5"
    )
    assert params == ['("fung") AND (facets : "zqy2025")', "RCC"]


def test_rank_order_puts_best_matches_first() -> None:
    sql, _ = build_query(ArticleQuery(text="ablation", sort="rank"))
    assert sql.endswith("ORDER BY bm25(articles_stem, 10.0, 5.0, 2.0, 1.0, 5.0, 1.0, 1.0, 3.0, 0.0) ASC, a.id DESC")
    sql, _ = build_query(ArticleQuery(text='"ablation zone"', sort="rank"))
    assert sql.endswith("ORDER BY bm25(articles_fts, 10.0, 5.0, 2.0, 1.0, 5.0, 1.0, 1.0) ASC, a.id DESC")
    sql, _ = build_query(ArticleQuery(text="", sort="rank"))
    assert sql == "SELECT a.id FROM articles a ORDER BY a.id DESC, a.id DESC"


def test_a_saved_search_scope_is_anded_in() -> None:
    sql, params = build_query(ArticleQuery(text="ablation tag:x", scope_text="type:rct renal"))
    assert params == ['("ablat") AND ((facets : "zqtrandomizedcontrolledtrial") AND ("renal"))', "x"]
    assert "article_tags" in sql
