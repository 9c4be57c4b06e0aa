"""CSL-JSON: Zotero's and Crossref's flavours, refmgr's own export read back, and invalid input."""

from __future__ import annotations

import json
from pathlib import Path

from refmgr.core.export import export_articles
from refmgr.core.formats import csl_json, detect_reader, ris
from refmgr.core.importer import import_file

DATA = Path(__file__).parent.parent / "data"
ZOTERO = DATA / "formats" / "rcc-zotero.json"
CROSSREF = DATA / "crossref" / "works_10.1136_esmoopen-2020-000776.json"


def test_detected_by_content() -> None:
    assert detect_reader(ZOTERO.read_text(encoding="utf-8"), "items.txt").NAME == "csl-json"
    assert detect_reader(CROSSREF.read_text(encoding="utf-8"), "work").NAME == "csl-json"
    assert csl_json.sniff("TY  - JOUR") == 0


def test_zotero_items_and_bad_items() -> None:
    records = list(csl_json.parse(ZOTERO.read_text(encoding="utf-8")))
    assert [r.error for r in records] == [
        "", "", "item 3 (broken-item): no title, DOI or PMID", "item 4: not a CSL-JSON object", "",
    ]  # fmt: skip
    guideline = records[0].article
    assert (guideline.journal, guideline.journal_abbrev, guideline.date) == ("European Urology", "Eur Urol", "2022-10")
    assert (guideline.pmid, guideline.issn, guideline.language) == ("35346519", ["1873-7560"], "eng")
    assert [k.term for k in guideline.keywords] == ["Guidelines", "Immunotherapy", "Nephrectomy"]
    assert guideline.notes == ""  # Zotero's "PMID: ..." note line is an identifier, not a user note
    assert guideline.authors[6].family == "Fernández-Pello"
    mrc = records[1].article
    assert (mrc.authors[0].literal, mrc.date, mrc.doi) == (
        "Medical Research Council Renal Cancer Collaborators", "1999-01-02", "10.1016/s0140-6736(98)03544-2",
    )  # fmt: skip
    assert records[4].article.pmcid == "PMC5972549"


def test_crossref_work_message() -> None:
    (record,) = csl_json.parse(CROSSREF.read_text(encoding="utf-8"))
    article = record.article
    assert article.title == ("Phase II study of lenvatinib for metastatic colorectal cancer refractory to standard "
                             "chemotherapy: the LEMON study (NCCH1503)")
    assert (article.type, article.journal, article.journal_abbrev) == ("article-journal", "ESMO Open", "ESMO Open")
    assert (article.doi, article.year, article.article_number) == ("10.1136/esmoopen-2020-000776", 2020, "e000776")
    assert (article.authors[0].family, article.authors[0].orcid) == ("Iwasa", "0000-0003-3863-9582")
    assert len(article.references) == 28
    assert article.license == "https://www.elsevier.com/tdm/userlicense/1.0/"


def test_invalid_json_names_the_line(library) -> None:
    text = '[\n  {"title": "A", "DOI": "10.1/a"},\n  {"title": "B",, }\n]'
    (record,) = csl_json.parse(text)
    assert record.article is None
    assert record.error == ("invalid JSON at line 3, column 17: Expecting property name enclosed in double quotes; "
                            "nothing imported from this file")
    path = library.path.parent / "bad.json"
    path.write_text(text, encoding="utf-8")
    report = import_file(library, path)
    assert report.counts() == {"failed": 1}
    assert library.count() == 0


def test_refmgr_csl_json_round_trip(library) -> None:
    articles = [r.article for r in ris.parse((DATA / "formats" / "rcc-references.ris").read_text(encoding="utf-8"))]
    exported = export_articles(articles, "csl-json")
    back = [r.article for r in csl_json.parse(exported)]
    assert [a.to_dict() for a in back] == [a.to_dict() for a in articles]
    path = library.path.parent / "items.json"
    path.write_text(exported, encoding="utf-8")
    ids = import_file(library, path).article_ids
    assert json.loads(export_articles(library.get_many(ids), "csl-json"))[0]["title"] == articles[0].title


def test_absurdly_nested_json_is_one_clear_error() -> None:
    (record,) = csl_json.parse("[" * 100_000 + "]" * 100_000)
    assert record.article is None
    assert record.error == "JSON nested too deeply to be CSL-JSON; nothing imported from this file"
