"""The SQLite library: duplicates and merging, full-text search, pragmas, migrations, transactions."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from refmgr.core import schema
from refmgr.core.formats import ParsedRecord, medline, pubmed_page
from refmgr.core.importer import import_files, save_records
from refmgr.core.library import Library, LibraryError
from refmgr.core.model import Article, Author, Figure, Keyword, Reference

DATA = Path(__file__).parent.parent / "data"


def seed_article(seed_page: Path) -> Article:
    """The seed page parsed into an article."""
    (record,) = pubmed_page.parse(seed_page.read_text(encoding="utf-8"))
    assert record.article is not None
    return record.article


def medline_articles() -> list[Article]:
    """The three MEDLINE sample articles."""
    records = medline.parse((DATA / "medline" / "rcc-three.nbib").read_text(encoding="utf-8"))
    return [r.article for r in records if r.article is not None]


def count_rows(library: Library, table: str = "articles") -> int:
    """Rows in one table."""
    return library.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_pragmas_and_schema_version(library: Library) -> None:
    assert library.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert library.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert library.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION >= 1


def test_saved_article_reads_back_identically(library: Library, seed_page: Path) -> None:
    article = seed_article(seed_page)
    result = library.save(article, source="seed")
    assert (result.action, result.matched_by) == ("added", "")
    stored = library.get(result.article_id)
    assert stored is not None
    for name in ("title", "authors", "journal_abbrev", "year", "date", "volume", "issue", "pages", "doi",
                 "publication_types", "abstract", "keywords", "figures", "references"):  # fmt: skip
        assert getattr(stored, name) == getattr(article, name), name
    assert stored.date_added.endswith("+00:00")
    assert library.find("10.1007/S00270-025-04101-Y") == result.article_id
    assert library.find(f"https://doi.org/{article.doi}") == result.article_id
    assert library.find(str(result.article_id)) == result.article_id
    assert library.find("999") is None


def test_same_doi_is_a_duplicate_then_an_update(library: Library, seed_page: Path) -> None:
    first = library.save(seed_article(seed_page))
    again = library.save(seed_article(seed_page))
    assert (again.article_id, again.action, again.matched_by) == (first.article_id, "duplicate", "DOI")
    richer = seed_article(seed_page)
    richer.doi = "https://doi.org/10.1007/S00270-025-04101-Y"
    richer.pmid = "40555794"
    richer.journal = "Cardiovascular and interventional radiology"
    updated = library.save(richer)
    assert (updated.article_id, updated.action, updated.matched_by) == (first.article_id, "updated", "DOI")
    assert count_rows(library) == 1
    stored = library.get(first.article_id)
    assert stored is not None
    assert (stored.pmid, stored.journal, stored.doi) == (
        "40555794", "Cardiovascular and interventional radiology", "10.1007/s00270-025-04101-y"
    )


def test_same_pmid_matches(library: Library) -> None:
    trial = medline_articles()[1]
    first = library.save(trial)
    copy = Article(title="Interferon alpha in renal carcinoma (PubMed record)", pmid="PMID: 10023944", year=1999)
    result = library.save(copy)
    assert (result.article_id, result.action, result.matched_by) == (first.article_id, "updated", "PMID")
    assert count_rows(library) == 1


def test_same_title_year_first_author_matches(library: Library) -> None:
    first = library.save(
        Article(title="Beyond the Scalpel: the role of ablation", year=2025, authors=[Author("Fung", "Kin Fen Kevin")])
    )
    other = Article(title="BEYOND THE SCALPEL — The Role of Ablation.", year=2025, authors=[Author("Fung", "K")])
    result = library.save(other)
    assert (result.action, result.matched_by) == ("duplicate", "title, year and first author")
    assert result.article_id == first.article_id
    assert library.get(first.article_id).title == "Beyond the Scalpel: the role of ablation"  # type: ignore[union-attr]
    different_year = Article(title="Beyond the Scalpel: the role of ablation", year=2024, authors=[Author("Fung")])
    different_doi = Article(
        title="Beyond the Scalpel: the role of ablation", year=2025, authors=[Author("Fung")], doi="10.5555/other"
    )
    library.update_fields(first.article_id, title="Beyond the Scalpel: the role of ablation")
    library.conn.execute("UPDATE articles SET doi = '10.5555/first' WHERE id = ?", (first.article_id,))
    assert library.save(different_year).action == "added"
    assert library.save(different_doi).action == "added"
    assert count_rows(library) == 3


def test_merge_keeps_user_fields(library: Library, seed_page: Path) -> None:
    article_id = library.save(seed_article(seed_page)).article_id
    library.update_fields(article_id, notes="Read for journal club", rating=4, read_status="read")
    library.set_tags(article_id, ["RCC", "ablation"])
    incoming = seed_article(seed_page)
    incoming.pmid = "40555794"
    incoming.keywords = [Keyword("Carcinoma, Renal Cell", "mesh", ["therapy"], major=True)]
    assert library.save(incoming).action == "updated"
    stored = library.get(article_id)
    assert stored is not None
    assert (stored.notes, stored.rating, stored.read_status, stored.tags) == (
        "Read for journal club", 4, "read", ["ablation", "RCC"]
    )
    assert [k.kind for k in stored.keywords] == ["author"] * 5 + ["mesh"]
    assert len(stored.figures) == 3 and len(stored.references) == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("fung", ["seed"]),
        ("author:fung", ["seed"]),
        ('author:"van der berg"', ["trial"]),
        ("author:collaborators", ["mrc"]),
        ("journal:lancet", ["mrc"]),
        ('journal:"cardiovasc intervent"', ["seed"]),
        ("abstract:medroxyprogesterone", ["mrc"]),
        ("keyword:cryoablation", ["trial", "seed"]),
        ("keyword:drug", ["mrc"]),
        ("legend:hydrodissection", ["seed"]),
        ("legend:bleomycin", ["seed"]),
        ("note:journal", ["sabr"]),
        ("title:scalpel", ["seed"]),
        ("immunotherapy year:2025", ["seed"]),
        ("year:2020-2024", ["sabr", "trial"]),
        ("year:..2000", ["mrc"]),
        ("doi:https://doi.org/10.1007/S00270-025-04101-Y", ["seed"]),
        ("pmid:10023944", ["mrc"]),
        ("renal ablat", ["sabr", "trial", "seed"]),
        ("metastatic", ["mrc", "seed"]),
        ("nothingmatchesthis", []),
        ('unbalanced "quote', []),
    ],
)
def test_full_text_search(library: Library, seed_page: Path, query: str, expected: list[str]) -> None:
    names = {}
    names[library.save(seed_article(seed_page)).article_id] = "seed"
    for name, article in zip(["trial", "mrc", "sabr"], medline_articles(), strict=True):
        names[library.save(article).article_id] = name
    sabr = next(i for i, n in names.items() if n == "sabr")
    library.update_fields(sabr, notes="Discussed at journal club")
    assert [names[i] for i in library.search(query)] == expected


def test_delete_cascades(library: Library, seed_page: Path) -> None:
    article_id = library.save(seed_article(seed_page)).article_id
    library.set_tags(article_id, ["RCC"])
    assert library.delete([article_id, 12345]) == 1
    for table in ("articles", "authors", "keywords", "figures", "refs", "publication_types", "article_tags", "tags"):
        assert count_rows(library, table) == 0, table
    assert library.search("scalpel") == []


def test_references_link_to_library_articles(library: Library) -> None:
    citing = Article(title="A review", year=2025, references=[Reference("MRC trial", pmid="10023944")])
    citing_id = library.save(citing).article_id
    cited_id = library.save(medline_articles()[1]).article_id
    assert library.references(citing_id)[0].cited_article_id == cited_id


def test_failing_record_in_a_batch_leaves_nothing_half_written(library: Library, seed_page: Path) -> None:
    good_1, good_2 = medline_articles()[:2]
    bad = seed_article(seed_page)
    bad.references.append(Reference("unserialisable parts", parts={"x": object()}))
    records = [ParsedRecord("record 1", good_1), ParsedRecord("record 2", bad), ParsedRecord("record 3", good_2)]
    report = save_records(library, records, "batch.nbib")
    assert [(i.status, i.source) for i in report.items] == [
        ("added", "batch.nbib record 1"),
        ("failed", "batch.nbib record 2"),
        ("added", "batch.nbib record 3"),
    ]
    assert report.items[1].message == "not saved: Object of type object is not JSON serializable"
    assert count_rows(library) == 2
    assert library.find("10.1007/s00270-025-04101-y") is None
    assert count_rows(library, "figures") == 0
    assert count_rows(library, "authors") == 4 + 1  # the trial's four authors and the MRC group author
    assert library.search("scalpel") == []


def test_outer_transaction_rolls_back_everything(library: Library, seed_page: Path) -> None:
    with pytest.raises(RuntimeError), library.transaction():
        library.save(seed_article(seed_page))
        raise RuntimeError("cancelled")
    assert count_rows(library) == 0


def test_newer_schema_is_refused(library_path: Path) -> None:
    conn = sqlite3.connect(library_path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(LibraryError) as caught:
        Library(library_path)
    assert str(caught.value) == (
        f"cannot open library {library_path}: this library uses schema version {schema.SCHEMA_VERSION + 1}, "
        f"but this refmgr only knows up to {schema.SCHEMA_VERSION}; upgrade refmgr to open it"
    )


def test_damaged_file_is_a_clear_error(library_path: Path) -> None:
    library_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LibraryError, match="the library file is damaged"):
        Library(library_path)


def test_empty_v0_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v0.sqlite"
    shutil.copy(DATA / "library-v0.sqlite", path)
    seen: list[int] = []
    with Library(path, before_migration=lambda _path, version: seen.append(version)) as library:
        assert library.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert library.count() == 0
        assert library.save(Article(title="First article", year=2020)).action == "added"
    assert seen == []  # nothing to back up in an empty library


def test_v1_database_is_migrated_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    shutil.copy(DATA / "library-v1.sqlite", path)
    seen: list[int] = []
    with Library(path, before_migration=lambda _path, version: seen.append(version)) as library:
        assert library.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert seen == ([1] if schema.SCHEMA_VERSION > 1 else [])
        assert library.count() == 4
        seed = library.get(library.find("10.1007/s00270-025-04101-y") or 0)
        assert seed is not None
        assert (seed.notes, seed.rating, seed.read_status, seed.tags) == (
            "Journal club 2025-09: ablation before ICI", 4, "read", ["ablation", "RCC"]
        )
        assert [f.label for f in seed.figures] == ["Fig. 1", "Fig. 2", "Fig. 3"]
        # provenance of rows older than sources: a file the user imported (never replaced by a fetch)
        assert {f.source for f in seed.figures} == {k.source for k in seed.keywords} == {"file"}
        assert len(seed.references) == 5
        assert library.search("legend:hydrodissection") == [seed.id]
        mrc = library.get(library.find("10023944") or 0)
        assert mrc is not None
        assert mrc.authors == [Author(literal="Medical Research Council Renal Cancer Collaborators")]


def test_set_figures_and_update_reference(library: Library, seed_page: Path) -> None:
    article_id = library.save(seed_article(seed_page)).article_id
    library.set_figures(article_id, [Figure("Figure 1", "Pasted legend about nephrometry")])
    assert library.search("legend:nephrometry") == [article_id]
    assert library.search("legend:hydrodissection") == []
    library.update_reference(article_id, 4, doi="https://doi.org/10.1016/S0140-6736(98)03544-2", status="resolved")
    reference = library.references(article_id)[4]
    assert (reference.doi, reference.status) == ("10.1016/s0140-6736(98)03544-2", "resolved")
    with pytest.raises(ValueError, match="cannot set text"):
        library.update_reference(article_id, 0, text="x")


def test_get_many_groups_children_by_article_in_the_asked_order(library: Library, seed_page: Path) -> None:
    report = import_files(library, [seed_page, *sorted((seed_page.parent / "medline").glob("rcc-*.nbib"))])
    ids = report.article_ids
    assert len(ids) >= 3
    library.set_tags(ids[0], ["RCC", "ablation"])
    asked = [*reversed(ids), 999_999]
    articles = library.get_many(asked)
    assert [a.id for a in articles] == list(reversed(ids))
    assert articles == [library.get(i) for i in reversed(ids)]
    seed = articles[-1]
    assert (len(seed.figures), len(seed.references), seed.tags) == (3, 5, ["ablation", "RCC"])
    assert all(a.authors for a in articles)


def test_ids_with_identifier(library: Library) -> None:
    doi = library.save(Article(title="With a DOI", year=2020, doi="10.1200/abc.1")).article_id
    pmid = library.save(Article(title="With a PMID", year=2021, pmid="123")).article_id
    library.save(Article(title="With neither", year=2022))
    assert library.ids_with_identifier("doi") == [doi]
    assert library.ids_with_identifier("doi", "pmid", "pmcid") == [doi, pmid]
    with pytest.raises(ValueError, match="identifier columns"):
        library.ids_with_identifier("title")
