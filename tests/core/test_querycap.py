"""Search queries are capped at the entry point, with a note the window and CLI show."""

from __future__ import annotations

from refmgr.cli import main
from refmgr.core.library import Library
from refmgr.core.querycap import MAX_QUERY_CHARS, MAX_QUERY_TERMS, cap_query
from tests.gui.conftest import make_articles

PASTE = " ".join(["renal", "ablation"] + [f"word{i}" for i in range(5_000)])


def test_short_queries_pass_untouched() -> None:
    assert cap_query('author:Ljungberg "renal cell" year:2022') == ('author:Ljungberg "renal cell" year:2022', "")


def test_a_pasted_page_is_cut_to_the_first_words_with_a_note() -> None:
    text, note = cap_query(PASTE)
    assert text.split() == PASTE.split()[:MAX_QUERY_TERMS]
    assert "shortened to its first 32 words" in note


def test_one_enormous_word_is_cut_to_the_character_cap() -> None:
    text, note = cap_query("a" * 10 + " " + "b" * 100_000)
    assert text == "a" * 10 and len(text) <= MAX_QUERY_CHARS and note


def test_the_library_search_answers_the_capped_query(library: Library) -> None:
    library.save_many(make_articles(20))
    assert library.search(PASTE) == library.search(cap_query(PASTE)[0])


def test_the_cli_says_the_search_was_shortened(library_path, capsys) -> None:
    Library(library_path).close()
    assert main(["--library", str(library_path), "search", *PASTE.split()]) == 0
    assert "search shortened" in capsys.readouterr().err
