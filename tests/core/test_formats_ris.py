"""RIS: reading realistic Zotero-style records, malformed input, encodings, and the RIS -> library -> RIS round trip."""

from __future__ import annotations

from pathlib import Path

import rispy

from refmgr.core.export import export_articles
from refmgr.core.formats import detect_reader, ris
from refmgr.core.formats.ris import LIST_TAGS
from refmgr.core.importer import import_file
from refmgr.core.textio import decode_bytes

SAMPLE = Path(__file__).parent.parent / "data" / "formats" / "rcc-references.ris"


def parse_sample() -> list:
    return list(ris.parse(SAMPLE.read_text(encoding="utf-8")))


def test_detected_by_content_not_extension() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert detect_reader(text, "export.txt").NAME == "ris"
    assert detect_reader(text, "").NAME == "ris"
    assert ris.sniff("@article{x, title={y}}") == 0


def test_guideline_record_fields() -> None:
    records = parse_sample()
    assert [r.error for r in records] == [""] * 6
    article = records[0].article
    assert article.title == "European Association of Urology Guidelines on Renal Cell Carcinoma: The 2022 Update"
    assert [a.vancouver for a in article.authors[:7]] == [
        "Ljungberg B", "Albiges L", "Abu-Ghanem Y", "Bedke J", "Capitanio U", "Dabestani S", "Fernández-Pello S",
    ]  # fmt: skip
    assert len(article.authors) == 18
    assert article.authors[7].given == "Rachel H."
    assert article.authors[0].affiliations == [
        "Department of Surgical and Perioperative Sciences, Urology and Andrology, Umeå University, Umeå, Sweden"
    ]
    assert (article.journal, article.journal_abbrev) == ("European Urology", "Eur Urol")
    assert (article.year, article.date, article.volume, article.issue, article.pages) == (
        2022, "2022-10", "82", "4", "399-410",
    )  # fmt: skip
    assert article.issn == ["0302-2838", "1873-7560"]
    assert (article.doi, article.pmid, article.language) == ("10.1016/j.eururo.2022.03.006", "35346519", "eng")
    assert article.publication_types == ["Practice Guideline"]
    assert [k.term for k in article.keywords] == ["Guidelines", "Renal cell carcinoma", "Immunotherapy", "Nephrectomy"]
    assert article.abstract.startswith("Context: The European Association of Urology Renal Cell Carcinoma (RCC)")
    assert article.abstract.endswith("Objective: To provide an update of the 2019 RCC guideline, based on a "
                                     "structured literature assessment.")
    assert article.url == "https://doi.org/10.1016/j.eururo.2022.03.006"
    assert article.notes.startswith("Seed reference 1")


def test_group_author_supplement_issue_and_pmcid() -> None:
    records = parse_sample()
    mrc = records[4].article
    assert mrc.authors[0].literal == "Medical Research Council Renal Cancer Collaborators"
    assert mrc.title == ("Interferon-α and survival in metastatic renal carcinoma: early results of a randomised "
                         "controlled trial")
    assert (mrc.date, mrc.pages, mrc.publication_types) == (
        "1999-01-02", "14-17", ["Clinical Trial", "Randomized Controlled Trial"],
    )  # fmt: skip
    dudani = records[3].article
    assert (dudani.issue, dudani.pages, dudani.doi) == ("6_suppl", "642", "10.1200/jco.2020.38.6_suppl.642")
    motzer = records[5].article
    assert motzer.pmcid == "PMC5972549"
    assert motzer.authors[3].family == "Arén Frontera"
    assert motzer.authors[-1].literal == "CheckMate 214 Investigators"


def test_record_without_er_is_reported_and_the_rest_imported(library) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    broken = text.replace("AN  - 30100160\nLA  - eng\nKW  - Cancer\nKW  - Epidemiology\nKW  - Europe\n"
                          "KW  - Incidence\nKW  - Mortality\nER  - \n", "AN  - 30100160\n")
    records = list(ris.parse(broken))
    assert len(records) == 6
    assert records[1].article is None
    assert records[1].error == "record 2 (line 46): no 'ER  -' line ends this record; record skipped"
    assert [r.article.pmid for r in records if r.article] == ["35346519", "34529499", "", "10023944", "29562145"]
    path = library.path.parent / "broken.ris"
    path.write_text(broken, encoding="utf-8")
    report = import_file(library, path)
    assert report.counts() == {"added": 5, "failed": 1}
    assert library.count() == 5


def test_crlf_bom_and_latin1() -> None:
    raw = SAMPLE.read_bytes()
    decoded = decode_bytes(b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"), "zotero.ris")
    assert [r.article.title for r in ris.parse(decoded.text)] == [r.article.title for r in parse_sample()]
    latin = "TY  - JOUR\nTI  - Néphrectomie partielle\nAU  - Méjean, Arnaud\nPY  - 2019\nER  - \n".encode("latin-1")
    decoded = decode_bytes(latin, "endnote.ris")
    assert decoded.warnings == ["endnote.ris: not valid UTF-8 (byte 18); read as Latin-1"]
    (record,) = ris.parse(decoded.text)
    assert (record.article.title, record.article.authors[0].family) == ("Néphrectomie partielle", "Méjean")


def _rispy_records(text: str) -> list[dict]:
    records = rispy.loads(text, list_tags=LIST_TAGS)
    for record in records:
        if "doi" in record:
            record["doi"] = record["doi"].lower()  # the library stores DOIs lower-cased
        if "abstract" in record:
            record["abstract"] = " ".join(record["abstract"].split())
    return records


def test_round_trip_ris_library_ris(library) -> None:
    report = import_file(library, SAMPLE)
    assert report.counts() == {"added": 6}
    articles = library.get_many(report.article_ids)
    exported = export_articles(articles, "ris")
    assert _rispy_records(exported) == _rispy_records(SAMPLE.read_text(encoding="utf-8"))
    again = library.get_many(import_file(library, _write(library, exported)).article_ids)
    assert export_articles(again, "ris") == exported


def _write(library, text: str) -> Path:
    path = library.path.parent / "again.ris"
    path.write_text(text, encoding="utf-8")
    return path


def test_reimport_is_duplicate(library) -> None:
    import_file(library, SAMPLE)
    report = import_file(library, SAMPLE)
    assert report.counts() == {"duplicate": 6}
    assert library.count() == 6
