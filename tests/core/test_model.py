"""The Vancouver-like source line shared by `refmgr show` and the article pane."""

from __future__ import annotations

from refmgr.core.model import Article, citation_line


def test_full_source_line() -> None:
    article = Article(
        journal_abbrev="Cardiovasc Intervent Radiol", year=2025, volume="48", issue="8", pages="1104-1112"
    )
    assert citation_line(article) == "Cardiovasc Intervent Radiol. 2025;48(8):1104-1112."


def test_article_number_stands_in_for_pages_and_full_name_for_abbreviation() -> None:
    article = Article(journal="ESMO Open", year=2020, volume="5", issue="4", article_number="e000776")
    assert citation_line(article) == "ESMO Open. 2020;5(4):e000776."


def test_missing_parts_leave_no_stray_punctuation() -> None:
    assert citation_line(Article(journal="Eur Urol", year=2022)) == "Eur Urol. 2022."
    assert citation_line(Article(year=2022, volume="82")) == "2022;82."
    assert citation_line(Article()) == ""
