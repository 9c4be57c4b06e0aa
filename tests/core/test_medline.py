"""The MEDLINE (.nbib) reader: every common tag, continuation lines, many records, truncated records."""

from __future__ import annotations

from pathlib import Path

import pytest

from refmgr.core.formats import ParsedRecord, detect_reader, medline, pubmed_page
from refmgr.core.model import Author, Keyword

SAMPLES = Path(__file__).parent.parent / "data" / "medline"


@pytest.fixture
def records() -> list[ParsedRecord]:
    """The three complete sample records."""
    return list(medline.parse((SAMPLES / "rcc-three.nbib").read_text(encoding="utf-8")))


def test_detected_by_content_whatever_the_extension() -> None:
    text = (SAMPLES / "rcc-three.nbib").read_text(encoding="utf-8")
    assert medline.sniff(text) == 95
    assert pubmed_page.sniff(text) == 0
    assert detect_reader(text, "export.txt") is medline
    assert detect_reader(text, "") is medline


def test_three_records_with_locations(records: list[ParsedRecord]) -> None:
    assert [(r.location, r.error) for r in records] == [
        ("record 1 (line 1) PMID 38912345", ""),
        ("record 2 (line 70) PMID 10023944", ""),
        ("record 3 (line 109) PMID 36554321", ""),
    ]


def test_trial_record_every_field(records: list[ParsedRecord]) -> None:
    a = records[0].article
    assert a is not None
    assert a.pmid == "38912345"
    assert a.title == (
        "Percutaneous cryoablation versus robotic partial nephrectomy for cT1a renal masses: "
        "a randomised non-inferiority trial"
    )
    assert a.abstract.startswith("BACKGROUND: Small renal masses are increasingly treated with image-guided ablation. ")
    assert a.abstract.endswith("CONCLUSIONS: Cryoablation was non-inferior for tumours up to 3 cm.")
    assert "\n" not in a.abstract and "  " not in a.abstract
    assert a.authors == [
        Author(
            family="Lindqvist",
            given="Maria Elena",
            orcid="https://orcid.org/0000-0002-1825-0097",
            affiliations=[
                "Department of Urology, Karolinska University Hospital, Stockholm, Sweden.",
                "Department of Molecular Medicine and Surgery, Karolinska Institutet, Stockholm, Sweden.",
            ],
        ),
        Author(
            family="van der Berg",
            given="Anna M",
            affiliations=["Department of Radiology, Leiden University Medical Center, Leiden, the Netherlands."],
        ),
        Author(family="O'Sullivan", given="Cian"),
        Author(literal="Nordic Renal Ablation Study Group"),
    ]
    assert (a.journal, a.journal_abbrev) == ("European urology", "Eur Urol")
    assert (a.year, a.date, a.volume, a.issue, a.pages) == (2024, "2024-08", "86", "2", "112-121")
    assert a.doi == "10.5555/eururo.2024.0112"
    assert a.article_number == ""
    assert a.issn == ["1873-7560", "0302-2838"]
    assert a.language == "en"
    assert a.publication_types == ["Journal Article", "Multicenter Study", "Randomized Controlled Trial"]
    assert a.keywords == [
        Keyword("Aged", "mesh"),
        Keyword("Carcinoma, Renal Cell", "mesh", ["pathology", "surgery"], major=True),
        Keyword("Cryosurgery", "mesh", ["adverse effects", "methods"], major=True),
        Keyword("Female", "mesh"),
        Keyword("Humans", "mesh"),
        Keyword("Kidney Neoplasms", "mesh", ["surgery"], major=True),
        Keyword("Nephrectomy", "mesh", ["methods"], major=True),
        Keyword("Robotic Surgical Procedures", "mesh"),
        Keyword("Cryoablation", "author"),
        Keyword("Partial nephrectomy", "author"),
        Keyword("Small renal mass", "author"),
    ]
    assert a.keywords[1].display == "Carcinoma, Renal Cell/pathology/surgery*"


def test_group_author_record_skips_investigators(records: list[ParsedRecord]) -> None:
    a = records[1].article
    assert a is not None
    assert a.authors == [Author(literal="Medical Research Council Renal Cancer Collaborators")]
    assert a.title == (
        "Interferon-alpha and survival in metastatic renal carcinoma: early results of a randomised controlled trial"
    )
    assert (a.journal, a.journal_abbrev, a.date, a.volume, a.issue, a.pages) == (
        "Lancet (London, England)", "Lancet", "1999-01-02", "353", "9146", "14-7"
    )
    assert (a.doi, a.pmcid, a.issn) == ("", "", ["0140-6736"])
    assert a.publication_types == [
        "Clinical Trial", "Journal Article", "Multicenter Study", "Randomized Controlled Trial"
    ]
    assert a.keywords[1] == Keyword("Carcinoma, Renal Cell", "mesh", ["drug therapy", "mortality", "secondary"], True)
    assert a.keywords[5] == Keyword("Medroxyprogesterone Acetate", "mesh", ["therapeutic use"], False)


def test_electronic_article_with_pmc_and_article_number(records: list[ParsedRecord]) -> None:
    a = records[2].article
    assert a is not None
    assert (a.pmid, a.pmcid, a.doi) == ("36554321", "PMC9817654", "10.5555/cancers15010173")
    assert (a.volume, a.issue, a.pages, a.article_number) == ("15", "1", "", "173")
    assert (a.year, a.date) == (2022, "2022-12-28")
    assert a.authors[0] == Author(
        family="Nakamura",
        given="Hiroshi",
        orcid="https://orcid.org/0000-0001-5109-3700",
        affiliations=["Department of Radiation Oncology, Kyoto University Hospital, Kyoto 606-8507, Japan."],
    )
    assert a.authors[1].family == "Chen" and a.authors[1].given == "Li-Wei"
    assert [k.term for k in a.keywords if k.kind == "author"] == [
        "immunotherapy", "oligometastasis", "renal cell carcinoma", "stereotactic ablative radiotherapy"
    ]


def test_truncated_record_fails_alone() -> None:
    records = list(medline.parse((SAMPLES / "truncated.nbib").read_text(encoding="utf-8")))
    assert [r.location for r in records] == [
        "record 1 (line 1) PMID 31000001",
        "record 2 (line 15) PMID 31000002",
        "record 3 (line 21) PMID 31000003",
    ]
    assert records[1].article is None
    assert records[1].error == "no title (TI); the record looks truncated"
    first, third = records[0].article, records[2].article
    assert first is not None and third is not None
    assert (first.date, first.doi) == ("2019-03", "10.5555/urolonc.2019.0201")
    assert first.authors == [Author("Okafor", "Chidi")]
    assert (third.date, third.language, third.authors) == ("2019", "fr", [Author("Brennan", "M")])
    assert third.keywords == [
        Keyword("Biopsy", "mesh", ["statistics & numerical data"], True),
        Keyword("Kidney Neoplasms", "mesh", [], True),
    ]


def test_records_without_blank_line_and_stray_lines() -> None:
    text = "PMID- 1\nTI  - First.\nPMID- 2\nTI  - Second\nthis line is cut off\n"
    records = list(medline.parse(text))
    assert records[0].article is not None and records[0].article.title == "First"
    assert records[1].article is None
    assert records[1].location == "record 2 (line 3) PMID 2"
    assert records[1].error == "line 5 is not a MEDLINE tag line: 'this line is cut off'"


@pytest.mark.parametrize(
    ("dp", "expected"),
    [
        ("2025 Aug", (2025, "2025-08")),
        ("1999 Jan 2", (1999, "1999-01-02")),
        ("2021 Mar-Apr", (2021, "2021-03")),
        ("2020 Spring", (2020, "2020")),
        ("2018", (2018, "2018")),
        ("", (None, "")),
    ],
)
def test_publication_dates(dp: str, expected: tuple[int | None, str]) -> None:
    assert medline.parse_dp(dp) == expected


def test_names_and_mesh_headings() -> None:
    assert medline.person("Fung, Kin Fen Kevin", full=True) == Author("Fung", "Kin Fen Kevin")
    assert medline.person("Fung KFK", full=False) == Author("Fung", "KFK")
    assert medline.mesh_keyword("*Kidney Neoplasms/drug therapy") == Keyword(
        "Kidney Neoplasms", "mesh", ["drug therapy"], True
    )
    assert medline.mesh_keyword("Humans") == Keyword("Humans", "mesh", [], False)
