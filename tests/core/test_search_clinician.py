"""Every query from issue 13's "Why" returns what a clinician expects, through Library.search and `refmgr search`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core.library import Library
from refmgr.core.search import ArticleQuery
from tests.search_corpus import build

# query -> the corpus keys it must return (exactly)
EXPECTED = {
    "metastases": {"keynote", "checkmate", "eau", "immuno_ablation", "immuno_ablation_read", "retracted"},
    "metastasis": {"keynote", "checkmate", "eau", "immuno_ablation", "immuno_ablation_read", "retracted"},
    "randomized": {"keynote", "checkmate", "immuno_ablation", "immuno_ablation_old"},
    '"randomised"': {"checkmate"},  # a phrase stays exact
    "Rini BI": {"keynote"},
    'author:"Rini BI"': {"keynote"},
    'author:"Rini B"': {"keynote"},
    "author:Rini": {"keynote"},
    "Randomized Controlled Trial": {"keynote", "checkmate", "immuno_ablation", "immuno_ablation_old"},
    "NCT": {"keynote", "checkmate"},
    "trial:NCT02853331": {"keynote"},
    "tag:RCC": {"keynote", "eau", "ablation_ma"},
    "year:>2020": {"checkmate", "eau", "immuno_ablation", "immuno_ablation_read"},
    "year:2019-2020": {"keynote", "ablation_ma", "retracted"},
    "year:2019": {"keynote"},
    "nivolumab OR pembrolizumab": {"keynote", "checkmate", "immuno_ablation", "immuno_ablation_old"},
    "tumor": {"ablation_ma"},
    "hematology": {"oesophagus"},
    "esophageal": {"oesophagus"},
    "anemia": {"oesophagus"},
    "type:rct": {"keynote", "checkmate", "immuno_ablation", "immuno_ablation_old"},
    "type:meta-analysis": {"ablation_ma", "immuno_ablation_read"},
    "type:guideline": {"eau"},
    "type:review": {"ablation_ma"},
    "type:trial year:2021": {"checkmate"},
    "status:read": {"eau", "immuno_ablation_read"},
    "rating:>=3": {"checkmate", "eau", "immuno_ablation_read"},
    "has:legends": {"eau", "ablation_ma"},
    'list:"Journal club"': {"keynote", "eau"},
    "retracted:yes": {"retracted"},
    "journal:\"Eur Urol\"": {"eau", "immuno_ablation", "immuno_ablation_old"},
    'journal:"European Urology"': {"eau", "immuno_ablation", "immuno_ablation_old"},
    "legend:cryoablation": {"ablation_ma"},
    "mesh:*carcinoma": {"keynote"},
    "mesh:axitinib": {"keynote"},
    "(sunitinib OR cabozantinib) -retracted:yes": {"keynote", "checkmate", "eau"},
    "ablat*": {"ablation_ma", "immuno_ablation", "immuno_ablation_old", "immuno_ablation_read"},
    # the clinician screening for a review: RCTs and meta-analyses on immunotherapy plus ablation since 2019, unread
    "(type:rct OR type:meta-analysis) immunotherapy ablation year:2019.. status:unread": {"immuno_ablation"},
}


@pytest.fixture
def rcc(library: Library) -> tuple[Library, dict[str, int]]:
    return library, build(library)


def keys(ids: list[int], by_key: dict[str, int]) -> set[str]:
    names = {v: k for k, v in by_key.items()}
    return {names[i] for i in ids}


@pytest.mark.parametrize("text", EXPECTED)
def test_the_why_queries_in_the_library(rcc: tuple[Library, dict[str, int]], text: str) -> None:
    library, ids = rcc
    assert keys(library.search(text), ids) == EXPECTED[text]
    for sort in ("date_added", "title", "year"):  # the table's orders give the same set
        assert keys(library.query_ids(ArticleQuery(text=text, sort=sort)), ids) == EXPECTED[text]
    assert library.count_query(ArticleQuery(text=text)) == len(EXPECTED[text])


def test_not_sunitinib_excludes_every_article_mentioning_it(rcc: tuple[Library, dict[str, int]]) -> None:
    library, ids = rcc
    assert keys(library.search("-sunitinib"), ids) == set(ids) - {"keynote", "eau", "retracted"}
    assert keys(library.search("NOT sunitinib"), ids) == set(ids) - {"keynote", "eau", "retracted"}


def test_ranked_search_puts_title_hits_first(rcc: tuple[Library, dict[str, int]]) -> None:
    library, ids = rcc
    ranked = library.search("sunitinib")
    assert ranked[0] in (ids["retracted"], ids["keynote"])  # sunitinib in the title
    assert ranked[-1] == ids["eau"]  # only in the abstract
    assert library.search("sunitinib", limit=1) == ranked[:1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("text", ["metastases", "Rini BI", "-sunitinib", "nivolumab OR pembrolizumab", "tag:RCC",
                                  "year:>2020", "NCT", "Randomized Controlled Trial", "randomized"])  # fmt: skip
def test_the_why_queries_on_the_command_line(
    rcc: tuple[Library, dict[str, int]], library_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    library, ids = rcc
    expected = {ids[k] for k in EXPECTED[text]} if text in EXPECTED else set(library.search(text))
    code, out, err = run(capsys, "search", "--library", str(library_path), *text.split())
    assert code == 0, err
    printed = {int(line.split()[0]) for line in out.splitlines()}
    assert printed == expected
    assert f"{len(expected)} match" in err


def test_a_leading_dash_query_after_options_and_after_double_dash(
    rcc: tuple[Library, dict[str, int]], library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, ids = rcc
    expected = set(ids.values()) - {ids["keynote"], ids["eau"], ids["retracted"]}
    for argv in (["search", "-sunitinib", "--library", str(library_path)],
                 ["--library", str(library_path), "search", "--", "-sunitinib"],
                 ["search", "--json", "--library", str(library_path), "-sunitinib"]):  # fmt: skip
        code, out, err = run(capsys, *argv)
        assert code == 0, err
        if "--json" in argv:
            assert len(json.loads(out)) == len(expected)
        else:
            assert {int(line.split()[0]) for line in out.splitlines()} == expected


def test_a_malformed_query_gets_a_message_pointing_at_it(
    rcc: tuple[Library, dict[str, int]], library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "search", "--library", str(library_path), "(nivolumab", "year:20x")
    assert code == 2
    assert out == ""
    assert "column 1: this '(' is never closed" in err
    assert "column 12: year: takes" in err
    assert "Traceback" not in err


def test_only_the_search_commands_words_are_protected() -> None:
    from refmgr.cli.query_args import protect_query

    searched = protect_query(["search", "a", "-b", "--json", "--limit=3"])
    assert searched == ["search", "--json", "--limit=3", "--", "a", "-b"]
    assert protect_query(["lists", "add", "search", "12"]) == ["lists", "add", "search", "12"]
    assert protect_query(["--library", "search", "list"]) == ["--library", "search", "list"]
    saved = protect_query(["saved", "new", "N", "-x", "--library", "y"])
    assert saved == ["saved", "new", "--library", "y", "--", "N", "-x"]
