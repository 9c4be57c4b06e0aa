"""Saved searches: created, matched live, renamed, deleted and exported, from Python and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core import smartlists
from refmgr.core.library import Library
from refmgr.core.model import Article
from tests.search_corpus import build


@pytest.fixture
def rcc(library: Library) -> tuple[Library, dict[str, int]]:
    return library, build(library)


def test_a_saved_search_follows_the_library(rcc: tuple[Library, dict[str, int]]) -> None:
    library, ids = rcc
    saved_id = smartlists.save_search(library, "RCTs since 2020", "type:rct year:2020..")
    saved = smartlists.get_saved(library, saved_id)
    assert saved is not None
    assert set(smartlists.matching_ids(library, saved)) == {ids["checkmate"], ids["immuno_ablation"]}
    article = Article(title="A randomized trial of belzutifan", year=2024,
                      publication_types=["Randomized Controlled Trial"])
    new = library.save(article, source="test").article_id
    assert new in smartlists.matching_ids(library, saved)
    assert [(s.name, s.count) for s in smartlists.all_saved(library, counts=True)] == [("RCTs since 2020", 3)]
    exported = json.loads(smartlists.export_saved(library, saved, "csl-json"))
    assert "A randomized trial of belzutifan" in {item["title"] for item in exported}
    assert len(exported) == 3
    smartlists.rename_saved(library, saved_id, "Recent RCTs")
    assert smartlists.find_saved(library, "recent rcts").id == saved_id  # type: ignore[union-attr]
    smartlists.delete_saved(library, saved_id)
    assert smartlists.all_saved(library) == []


def test_bad_names_and_queries_are_refused(rcc: tuple[Library, dict[str, int]]) -> None:
    library, _ = rcc
    with pytest.raises(smartlists.SavedSearchError, match="needs a name"):
        smartlists.save_search(library, " ", "x")
    with pytest.raises(smartlists.SavedSearchError, match="column 1: this '\\(' is never closed"):
        smartlists.save_search(library, "bad", "(x")
    first = smartlists.save_search(library, "a", "x")
    smartlists.save_search(library, "b", "y")
    with pytest.raises(smartlists.SavedSearchError, match="already exists"):
        smartlists.rename_saved(library, first, "B")
    assert smartlists.save_search(library, "A", "z") == first  # same name: the query is replaced
    assert smartlists.require_saved(library, "a").query == "z"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_saved_searches_on_the_command_line(
    rcc: tuple[Library, dict[str, int]], library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, ids = rcc
    lib = ["--library", str(library_path)]
    code, out, _ = run(capsys, "saved", "new", *lib, "Screening", "(type:rct", "OR", "type:meta-analysis)",
                       "ablation", "-status:read")  # fmt: skip
    assert code == 0
    assert out == "saved 'Screening': 3 match(es) now\n"
    code, out, _ = run(capsys, "search", *lib, "-sunitinib", "year:2023", "--save", "Not sunitinib 2023")
    assert code == 0
    code, out, _ = run(capsys, "saved", *lib)
    assert out.splitlines() == [
        "     1  Not sunitinib 2023  [-sunitinib year:2023]",
        "     3  Screening  [(type:rct OR type:meta-analysis) ablation -status:read]",
    ]
    code, out, _ = run(capsys, "saved", "show", *lib, "screening")
    assert {int(line.split()[0]) for line in out.splitlines()} == {
        ids["ablation_ma"], ids["immuno_ablation"], ids["immuno_ablation_old"]
    }
    code, out, _ = run(capsys, "export", *lib, "--saved", "Screening", "--format", "csl-json")
    assert code == 0
    assert len(json.loads(out)) == 3
    code, out, _ = run(capsys, "export", *lib, "--saved", "Screening", "--format", "handout-md")
    assert out.startswith("# Screening")
    code, _, err = run(capsys, "saved", "show", *lib, "nope")
    assert (code, err.strip()) == (2, "refmgr: no saved search called 'nope'")
    assert run(capsys, "saved", "rename", *lib, "Screening", "Screen")[0] == 0
    assert run(capsys, "saved", "delete", *lib, "Screen")[0] == 0
    assert run(capsys, "saved", *lib)[1].count("\n") == 1
