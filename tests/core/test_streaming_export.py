"""Streaming exports and `list --json`: chunked loading with only the printed parts, same text as whole exports."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bench.generate import make_article
from refmgr.cli import main
from refmgr.core.export import export_articles
from refmgr.core.export.citekeys import keys_of
from refmgr.core.export.stream import STREAMED_FORMATS, stream_export, write_csl_json
from refmgr.core.library import Library
from refmgr.core.model import Article, Keyword, Reference
from refmgr.core.search import ArticleQuery


@pytest.fixture
def filled(library: Library) -> Library:
    articles = [make_article(i, seed=3, total=23) for i in range(23)]
    articles[4].tags = ["journal club", "Adjuvant"]
    articles[5].references.append(Reference("Parsed", doi="10.1/x", parts={"authors": "Smith J"}))
    articles[6].keywords.append(Keyword("Liver Neoplasms", kind="mesh", qualifiers=["surgery"], major=True))
    twin = make_article(7, seed=3, total=23)  # same first author, year and title word: cite keys must differ
    twin.doi, twin.pmid, twin.title = "10.1000/twin", "1", twin.title + " (update)"
    articles.append(twin)
    library.save_many(articles)
    return library


def test_iter_articles_matches_get_in_any_order_and_chunk_size(filled: Library) -> None:
    ids = [*reversed(filled.query_ids()), 99999]  # a missing id is skipped
    whole = [filled.get(i) for i in ids[:-1]]
    for chunk in (1, 5, 500):
        assert list(filled.iter_articles(ids, chunk=chunk)) == whole
    assert filled.get_many(ids) == whole


def test_parts_leave_unprinted_children_unread(filled: Library) -> None:
    ids = filled.query_ids()
    for article in filled.iter_articles(ids, parts={"authors"}):
        assert article.authors and not article.references and not article.keywords and not article.tags
        assert article.issn and article.publication_types  # columns of the articles row are always there
    with pytest.raises(ValueError, match="unknown article parts: legends"):
        list(filled.iter_articles(ids, parts={"legends"}))


@pytest.mark.parametrize("format", STREAMED_FORMATS)
@pytest.mark.parametrize("chunk", [1, 4, 500])
def test_stream_export_gives_the_whole_export_text(filled: Library, format: str, chunk: int) -> None:
    ids = filled.query_ids()
    stream = io.StringIO()
    assert stream_export(filled, ids, format, stream, chunk=chunk) == len(ids)
    keys = keys_of(filled, ids) if format == "bibtex" else None  # BibTeX: the library's cite keys
    whole = export_articles(filled.get_many(ids), format, cite_keys=keys)
    assert stream.getvalue() == whole
    if format == "bibtex":
        keys = [line.split("{", 1)[1].rstrip(",") for line in whole.splitlines() if line.startswith("@")]
        assert len(keys) == len(set(keys)) == len(ids)


def test_csl_json_is_one_item_per_line_and_empty_is_an_empty_array() -> None:
    stream = io.StringIO()
    assert write_csl_json([], stream) == 0
    assert json.loads(stream.getvalue()) == []
    stream = io.StringIO()
    write_csl_json([Article(id=1, title="Résumé"), Article(id=2, title="B")], stream, extra={2: {"list-note": "n"}})
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 4
    assert json.loads(stream.getvalue())[1]["list-note"] == "n" and "Résumé" in lines[1]


def test_list_json_and_file_export_stream(filled: Library, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lib = ["--library", str(filled.path)]
    assert main([*lib, "list", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 24 and {"keywords", "figures", "references"} <= set(items[0])
    newest_first = filled.query_ids(ArticleQuery(sort="date_added", descending=True))
    assert [item["id"] for item in items] == [str(i) for i in newest_first]
    target = tmp_path / "all.ris"
    assert main([*lib, "export", "--all", "--format", "ris", "-o", str(target)]) == 0
    assert "exported 24 article(s)" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8").count("ER  - ") == 24


def test_loading_is_lazy_a_chunk_at_a_time(filled: Library) -> None:
    ids = filled.query_ids()
    taken: list[int] = []

    def feed():
        for article_id in ids:
            taken.append(article_id)
            yield article_id

    articles = filled.iter_articles(feed(), chunk=5)
    next(articles)
    assert len(taken) == 5  # only the first chunk's ids were read, so only its rows are in memory

    class Recorder(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.sizes: list[int] = []

        def write(self, text: str) -> int:
            self.sizes.append(self.tell())
            return super().write(text)

    for format in STREAMED_FORMATS:
        out = Recorder()
        stream_export(filled, ids, format, out, chunk=4)
        assert len(out.sizes) >= len(ids) // 4  # written chunk by chunk, not as one string at the end
