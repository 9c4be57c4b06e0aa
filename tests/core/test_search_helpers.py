"""Core helpers behind the window: badges, filter-bar text rewriting and the words to mark."""

from __future__ import annotations

from refmgr.core.matchwords import highlighter
from refmgr.core.pubtypes import badges, stored_types
from refmgr.core.querytext import filters_of, with_filters


def test_badges_are_short_and_ordered() -> None:
    trial = ["Journal Article", "Clinical Trial, Phase III", "Randomized Controlled Trial"]
    assert badges(trial) == ["RCT", "Phase III"]
    assert badges(["Review", "Systematic Review", "Meta-Analysis"]) == ["MA", "SR"]
    assert badges(["Practice Guideline", "Guideline"]) == ["Guideline"]
    assert badges(["review"]) == ["Review"]
    assert badges(["Journal Article", "Case Reports"]) == []


def test_type_names_map_to_stored_types() -> None:
    assert stored_types("rct") == ("Randomized Controlled Trial",)
    assert stored_types("Meta Analysis") == ("Meta-Analysis", "Network Meta-Analysis")
    assert "Clinical Trial, Phase III" in stored_types("trial")
    assert stored_types("Case Reports") == ("Case Reports",)


def test_filters_are_read_and_rewritten_at_the_top_level_only() -> None:
    text = 'ablation type:rct (tag:x OR tag:y) year:2019.. -status:read tag:"Journal club"'
    assert filters_of(text) == {"type": "rct", "year": "2019..", "tag": "Journal club"}
    assert with_filters(text, {"type": "", "tag": "RCC", "rating": ">=3"}) == (
        "ablation (tag:x OR tag:y) year:2019.. -status:read rating:>=3 tag:RCC"
    )
    assert with_filters("", {"tag": "My tag", "year": "2019-2022"}) == 'year:2019-2022 tag:"My tag"'


def test_marked_words_follow_the_index() -> None:
    text = "Metastatic renal-cell carcinoma: randomised trial of nephrectomy; sunitinib arm"
    marks = highlighter('metastases randomized "renal cell" nephr* -sunitinib')
    assert [text[a:b] for a, b in marks.spans(text)] == ["Metastatic renal-cell", "randomised", "nephrectomy"]
    assert [text[a:b] for a, b in highlighter("sunit", typing=True).spans(text)] == ["sunitinib"]
    assert highlighter("year:2020 type:rct").spans(text) == []
