"""Bulk imports: Library.save_batch gives the same results and library as save() one by one; the GC pause."""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from refmgr.core.formats import ParsedRecord
from refmgr.core.importer import paused_gc, save_records
from refmgr.core.library import Library, SaveResult
from refmgr.core.model import Article, Author, Figure, Keyword, Reference

TITLES = [f"Adjuvant therapy {n} in renal cell carcinoma" for n in range(25)]
FAMILIES = ["Ljungberg", "Albiges", "Bedke"]


def _doi(r: random.Random) -> str:
    return f"10.1000/rcc.{r.randrange(40)}" if r.random() < 0.6 else ""


def _pmid(r: random.Random) -> str:
    return str(30000000 + r.randrange(40)) if r.random() < 0.5 else ""


def make_articles(seed: int, n: int) -> list[Article]:
    """Articles that often share DOIs, PMIDs or title+year+author, citing each other by DOI or PMID."""
    r = random.Random(seed)
    articles = []
    for _ in range(n):
        references = [
            Reference(f"Reference {r.randrange(1000)}", doi=_doi(r), pmid=_pmid(r), cited_article_id=None)
            for _ in range(r.randrange(4))
        ]
        articles.append(
            Article(
                title=r.choice(TITLES),
                year=r.choice([2021, 2022]),
                doi=_doi(r),
                pmid=_pmid(r),
                journal=r.choice(["Eur Urol", "", "Lancet Oncol"]),
                abstract=r.choice(["", "Disease-free survival improved."]),
                authors=[Author(family=r.choice(FAMILIES), given="B")] if r.random() < 0.9 else [],
                keywords=[Keyword(term=r.choice(["Nephrectomy", "Pembrolizumab"]))] if r.random() < 0.5 else [],
                figures=[Figure(label="Fig. 1", legend=f"Survival {r.randrange(9)}")] if r.random() < 0.3 else [],
                references=references,
                publication_types=["Review"] if r.random() < 0.3 else [],
                tags=["journal club"] if r.random() < 0.1 else [],
                notes=r.choice(["", "", "discuss"]),
            )
        )
    return articles


def snapshot(library: Library) -> dict[int, dict[str, Any]]:
    """Every article as a dict (timestamps left out), by id, and its full-text row."""
    ids = [row[0] for row in library.conn.execute("SELECT id FROM articles ORDER BY id")]
    result = {}
    for article_id in ids:
        article = library.get(article_id)
        assert article is not None
        data = article.to_dict()
        data.pop("date_added")
        data["fts"] = library.conn.execute("SELECT * FROM articles_fts WHERE rowid = ?", (article_id,)).fetchone()
        result[article_id] = data
    return result


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_batch_matches_one_by_one(tmp_path: Path, seed: int) -> None:
    existing = make_articles(seed + 100, 15)

    def incoming() -> list[Article]:  # fresh objects for each library (a merge may adjust references in place)
        return make_articles(seed, 120) + make_articles(seed, 120)[:20]

    with Library(tmp_path / "one.sqlite") as one, Library(tmp_path / "batch.sqlite") as batch:
        for library in (one, batch):
            for article in existing:
                library.save(article)
        with one.transaction():
            expected = [one.save(article) for article in incoming()]
        results = batch.save_batch(incoming())
        assert results == expected
        assert {r.action for r in results} == {"added", "updated", "duplicate"}
        assert snapshot(batch) == snapshot(one)


def test_batch_links_references_both_ways(library: Library) -> None:
    old = library.save(Article(title="Old review", year=2020, references=[Reference("New trial", doi="10.1000/new")]))
    results = library.save_batch(
        [
            Article(title="Citing", year=2023, doi="10.1000/citing", references=[Reference("New", pmid="123")]),
            Article(title="New trial", year=2022, doi="10.1000/new", pmid="123"),
        ]
    )
    assert [r.action for r in results] == ["added", "added"]
    citing_id, new_id = (r.article_id for r in results)
    assert library.references(old.article_id)[0].cited_article_id == new_id
    assert library.references(citing_id)[0].cited_article_id == new_id


def test_bad_article_fails_alone(library: Library) -> None:
    bad = Article(title="Bad", year=2022, references=[Reference("x", parts={"x": object()})])
    results = library.save_batch(
        [Article(title="Good one", year=2022), bad, Article(title="Good two", year=2022)], catch=(TypeError,)
    )
    assert isinstance(results[0], SaveResult) and isinstance(results[2], SaveResult)
    assert isinstance(results[1], TypeError)
    assert [a.title for a in library.get_many(r.article_id for r in (results[0], results[2]))] == [
        "Good one",
        "Good two",
    ]
    assert library.count() == 2
    assert library.conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == 2


def test_save_many_raises_without_catch(library: Library) -> None:
    bad = Article(title="Bad", year=2022, references=[Reference("x", parts={"x": object()})])
    with pytest.raises(TypeError):
        library.save_many([Article(title="Good one", year=2022), bad])
    assert library.count() == 0


def test_import_pauses_the_garbage_collector_and_restores_it(library: Library) -> None:
    seen = []

    def records() -> Iterator[ParsedRecord]:
        for n in range(3):
            seen.append(gc.isenabled())
            yield ParsedRecord(f"record {n}", Article(title=f"Trial {n}", year=2022))

    assert gc.isenabled()
    report = save_records(library, records(), "trials.ris")
    assert [i.status for i in report.items] == ["added", "added", "added"]
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_nested_pauses_restore_the_collector_once_and_respect_a_disabled_one() -> None:
    with paused_gc():
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_year_given_as_text_still_finds_the_duplicate(library: Library) -> None:
    first = library.save(Article(title="Nephrectomy outcomes", year=2022, authors=[Author("Bedke", "J")]))
    again = Article(title="Nephrectomy outcomes", authors=[Author("Bedke", "J")])
    again.year = "2022"  # type: ignore[assignment]  # a sloppy caller; SQL compares it equal to 2022
    (result,) = library.save_batch([again])
    assert isinstance(result, SaveResult)
    assert (result.article_id, result.matched_by) == (first.article_id, "title, year and first author")
    assert library.count() == 1
