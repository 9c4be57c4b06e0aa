"""XML recovery in linear time: article blocks found in one pass, each parsed safely on its own."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from refmgr.core.formats import jats, pubmed_xml
from refmgr.core.formats.xmlrecords import article_blocks

GOOD = "<article><front><article-meta><title-group><article-title>T{n}</article-title></title-group>" \
       "</article-meta></front></article>"  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<article>", "<article id='x'>", "</article>", "</article >", "text", "\n", "<b>"])))
def test_blocks_are_those_a_non_greedy_pattern_finds(pieces: list[str]) -> None:
    text = "".join(pieces)
    pattern = re.compile(r"<article[\s>].*?</article\s*>", re.DOTALL)  # the old, backtracking way
    assert article_blocks(text, "article") == [m.span() for m in pattern.finditer(text)]


def test_a_megabyte_of_unclosed_tags_is_one_clear_error() -> None:
    text = "<records>" + "<article><front>unclosed " * 40_000  # 1 MB: took many minutes with the old pattern
    records = list(jats.parse(text))
    assert len(records) == 1 and records[0].article is None
    assert "no complete <article>" in records[0].error


def test_unclosed_tags_around_good_articles_spare_the_good_ones() -> None:
    text = "<records>" + "<article>broken " * 5_000 + "".join(GOOD.format(n=n) for n in range(3)) + "<article>"
    records = list(jats.parse(text))
    titles = [r.article.title for r in records if r.article is not None]
    assert titles == ["T1", "T2"]  # the first good one is swallowed by the unclosed tag before it
    assert sum(1 for r in records if r.error) == 1


def test_external_entities_stay_refused_during_recovery() -> None:
    evil = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><PubmedArticle>&e;</PubmedArticle>'
    records = list(pubmed_xml.parse("<PubmedArticleSet><broken>" + evil))
    assert records and all(r.article is None for r in records)
    assert not any("root:" in (r.article.title if r.article else r.error) for r in records)
