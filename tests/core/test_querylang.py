"""The query parser: operators, fields, problems with their columns, and fuzzing with arbitrary text."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refmgr.core.library import Library
from refmgr.core.querycompile import compile_query
from refmgr.core.querylang import And, Not, Or, Term, parse
from refmgr.core.search import ArticleQuery
from tests.search_corpus import build


def test_or_binds_looser_than_and_and_not_tighter() -> None:
    tree = parse("a b OR c -d").tree
    assert tree == Or([And([Term("a", 0), Term("b", 2)]), And([Term("c", 7), Not(Term("d", 10))])])
    assert parse("a AND (b OR NOT c)").tree == And([Term("a", 0), Or([Term("b", 7), Not(Term("c", 16))])])
    assert parse("NOT NOT a").tree == Term("a", 8)


def test_fields_phrases_and_prefixes() -> None:
    assert parse('author:"Rini BI"').tree == Term("Rini BI", 0, "author", phrase=True)
    assert parse("kw:ablat*").tree == Term("ablat", 0, "keyword", prefix=True)
    assert parse('mesh:*"renal cell"').tree == Term("renal cell", 0, "mesh*", phrase=True)
    assert parse("doi:10.1016/S0140-6736(97)11096-0").tree == Term("10.1016/S0140-6736(97)11096-0", 0, "doi")
    assert parse("PD-L1 -x").tree == And([Term("PD-L1", 0), Not(Term("x", 7))])
    assert parse("or and not").tree == And([Term("or", 0), Term("and", 3), Term("not", 7)])  # operators are upper case


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"open quote', 'column 1: this quote is never closed'),
        ("(a OR b", "column 1: this '(' is never closed"),
        ("a) b", "column 2: this ')' has no '('"),
        ("a OR", "column 3: OR needs a search term on both sides"),
        ("OR a", "column 1: OR needs a search term on both sides"),
        ("a AND", "column 3: AND needs a search term after it"),
        ("a -", None),  # a lone dash is a word without letters: ignored
        ("NOT", "column 1: NOT needs a search term after it"),
        ("author:", "column 1: author: needs a value"),
        ("x year:20", "column 3: year: takes 2019, 2019-2022"),
        ("rating:9", "column 1: rating: takes 0-5"),
        ("status:done", "column 1: status: is one of unread, reading, read"),
        ("has:video", "column 1: has: is one of pdf, legends"),
        ("retracted:maybe", "column 1: retracted: takes yes or no"),
        ("foo:bar", "column 1: 'foo:' is not a field"),
        ("tag:(a OR b)", "column 1: tag: takes one value"),
    ],
)
def test_problems_point_at_their_column(text: str, message: str | None) -> None:
    problems = [str(p) for p in compile_query(text).problems]
    if message is None:
        assert problems == []
    else:
        assert any(p.startswith(message) for p in problems), problems


QUERY_ALPHABET = st.sampled_from(
    [*'abcXYZ019 "()-*:^{}.,;+/\\\'|&%_<>=éü\t\n', "OR", "AND", "NOT", "NEAR", "author:", "year:", "type:",
     "tag:", "mesh:*", "rating:>=", "has:", "list:", "trial:", "title:", "journal:", "status:", "retracted:", "doi:"]
)  # fmt: skip


@pytest.fixture(scope="module")
def fuzz_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    library = Library(tmp_path_factory.mktemp("fuzz") / "library.sqlite")
    build(library)
    yield library
    library.close()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=60), st.lists(QUERY_ALPHABET, max_size=25).map("".join)))
def test_any_text_is_safe(fuzz_library: Library, text: str) -> None:
    """Arbitrary text never raises and never reaches SQLite as broken FTS5 or SQL, in any order or scope."""
    compile_query(text, typing=True)
    for query in (ArticleQuery(text=text), ArticleQuery(text=text, sort="rank", limit=5),
                  ArticleQuery(text=text, typing=True, sort="title"), ArticleQuery(text="ablation", scope_text=text),
                  ArticleQuery(text=text, list_id=1, sort="year")):  # fmt: skip
        try:
            fuzz_library.query_ids(query)
        except sqlite3.Error as error:  # pragma: no cover - the failure message names the query
            pytest.fail(f"{text!r}: {error}")


def test_the_fts_error_guard_is_not_what_keeps_queries_safe(fuzz_library: Library, monkeypatch) -> None:
    """Every compiled MATCH is valid FTS5: run them directly, without query_ids' guard."""
    for text in ['"', "a OR", "(((", "NEAR(a", "x*y", '"a" "', "-", "a:b:c", "^", "*", "year:>", "AND OR NOT",
                 "\x00", "a\x00b", '"\x08"', "tag:\x00", "é\x00"]:
        compiled = compile_query(text, typing=True)
        for table, expr in compiled.fts.items():
            fuzz_library.conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (expr,)).fetchall()
