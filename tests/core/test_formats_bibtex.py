"""BibTeX: LaTeX decoding, biblatex fields, malformed entries, cite keys, BibTeX -> library -> BibTeX round trip."""

from __future__ import annotations

from pathlib import Path

import bibtexparser

from refmgr.core.export import export_articles
from refmgr.core.export.bibtex import cite_keys, protect_title
from refmgr.core.formats import bibtex, detect_reader
from refmgr.core.formats.bibtex import decode_latex
from refmgr.core.importer import import_file
from refmgr.core.model import Article, Author

SAMPLE = Path(__file__).parent.parent / "data" / "formats" / "rcc-references.bib"


def parse_sample() -> list:
    return list(bibtex.parse(SAMPLE.read_text(encoding="utf-8")))


def test_detected_by_content() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert detect_reader(text, "refs.txt").NAME == "bibtex"
    assert bibtex.sniff("TY  - JOUR\nER  - \n") == 0


def test_accents_braces_and_fields_decoded() -> None:
    records = parse_sample()
    assert [r.error for r in records] == [""] * 6
    guideline = records[0].article
    assert guideline.title == "European Association of Urology Guidelines on Renal Cell Carcinoma: The 2022 Update"
    assert guideline.authors[0].given == "Börje"
    assert guideline.authors[6].family == "Fernández-Pello"
    assert (guideline.journal, guideline.journal_abbrev, guideline.date, guideline.pages) == (
        "European Urology", "Eur Urol", "2022-10", "399-410",
    )  # fmt: skip
    assert [k.term for k in guideline.keywords] == [
        "Guidelines", "Renal cell carcinoma", "Immunotherapy", "Nephrectomy",
    ]  # fmt: skip
    assert guideline.language == "english"
    ferlay = records[1].article
    assert ferlay.title == ("Cancer incidence and mortality patterns in Europe: Estimates for 40 countries and 25 "
                            "major cancers in 2018")
    assert (ferlay.date, ferlay.pmid) == ("2018-11", "30100160")
    dudani = records[3].article
    assert dudani.title == ("Sites of metastasis and survival in metastatic renal cell carcinoma (mRCC): Results "
                            "from the International mRCC Database Consortium (IMDC)")
    assert (dudani.date, dudani.issue) == ("2020-02-20", "6_suppl")
    assert dudani.notes == "Genitourinary Cancers Symposium abstract"
    assert dudani.authors[1].family == "de Velasco"
    mrc = records[4].article
    assert mrc.authors[0].literal == "Medical Research Council Renal Cancer Collaborators"
    assert mrc.title.startswith("Interferon-α and survival")
    motzer = records[5].article
    assert [a.family for a in motzer.authors[3:8]] == [
        "Arén Frontera", "Melichar", "Choueiri", "Plimack", "Barthélémy",
    ]  # fmt: skip
    assert motzer.authors[-1].literal == "CheckMate 214 Investigators"
    assert (motzer.pmcid, motzer.date) == ("PMC5972549", "2018-04")
    assert "42% versus 27%" in motzer.abstract


def test_decode_latex_common_forms() -> None:
    assert decode_latex(r"B{\"o}rje \"{U}ber Fran\c{c}ois {\o}stergaard Stra\ss e \'{\i}ndice") == (
        "Börje Über François østergaard Straße índice"
    )
    assert decode_latex(r"50\% \& 1--2 ``q'' a~b {RCC}") == "50% & 1–2 “q” a b RCC"
    assert decode_latex(r"Interferon-$\alpha$ \ensuremath{\beta}") == "Interferon-α β"


def test_unbalanced_braces_reported_rest_imported(library) -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "title   = {Clinical Review on the Management of Metastatic Renal Cell Carcinoma},",
        "title   = {Clinical Review on the {Management of Metastatic Renal Cell Carcinoma},",
    )
    records = list(bibtex.parse(text))
    failed = [r for r in records if r.article is None]
    assert len(failed) == 1
    assert failed[0].location == "line 31"
    assert failed[0].error == (
        "entry at line 31: Unexpected block start: `@article`. Was still looking for field-value closing `,` or `}`; "
        "entry skipped"
    )
    assert [r.article.pmid for r in records if r.article] == ["35346519", "30100160", "", "10023944", "29562145"]
    path = library.path.parent / "broken.bib"
    path.write_text(text, encoding="utf-8")
    assert import_file(library, path).counts() == {"added": 5, "failed": 1}


def test_cite_keys_readable_stable_unique() -> None:
    guideline = parse_sample()[0].article
    same_author_year = Article(title="The European experience of cytoreductive nephrectomy", year=2022,
                               authors=[Author(family="Ljungberg", given="B")])
    group = Article(title="Interferon and survival", year=1999,
                    authors=[Author(literal="Medical Research Council Renal Cancer Collaborators")])
    keys = cite_keys([guideline, same_author_year, guideline, guideline, group, Article(title="A note")])
    assert keys == ["ljungberg2022european", "ljungberg2022europeana", "ljungberg2022europeanb",
                    "ljungberg2022europeanc", "medical1999interferon", "anonnote"]
    assert cite_keys([guideline]) == ["ljungberg2022european"]


def test_titles_protect_acronyms_and_escape_latex() -> None:
    assert protect_title("Sites of metastasis in mRCC: the IMDC & CheckMate 214 Renal-Cell café, 50%") == (
        r"Sites of metastasis in {mRCC}: the {IMDC} \& {CheckMate} 214 Renal-Cell caf\'e, 50\%"
    )


def _fields_by_title(text: str) -> dict[str, dict[str, str]]:
    """Decoded fields of each entry, keyed by title, synonyms folded the way refmgr reads them."""
    result = {}
    for record in bibtex.parse(text):
        article = record.article
        assert article is not None, record.error
        result[article.title] = {
            "authors": [a.display for a in article.authors], "journal": article.journal,
            "shortjournal": article.journal_abbrev, "date": article.date, "volume": article.volume,
            "number": article.issue, "pages": article.pages, "doi": article.doi.lower(), "pmid": article.pmid,
            "pmcid": article.pmcid, "issn": article.issn, "language": article.language, "abstract": article.abstract,
            "keywords": [k.term for k in article.keywords], "note": article.notes, "type": article.type,
        }  # fmt: skip
    return result


def test_round_trip_bibtex_library_bibtex(library) -> None:
    report = import_file(library, SAMPLE)
    assert report.counts() == {"added": 6}
    exported = export_articles(library.get_many(report.article_ids), "bibtex")
    assert _fields_by_title(exported) == _fields_by_title(SAMPLE.read_text(encoding="utf-8"))
    entries = bibtexparser.parse_string(exported).entries
    assert [e.key for e in entries] == [
        "ljungberg2022european", "ferlay2018cancer", "tran2022clinical", "dudani2020sites", "medical1999interferon",
        "motzer2018nivolumab",
    ]  # fmt: skip
    assert entries[0].fields_dict["author"].value.startswith(r"Ljungberg, B\"orje and Albiges, Laurence")
    assert entries[0].fields_dict["pages"].value == "399--410"
    assert entries[4].fields_dict["author"].value == "{Medical Research Council Renal Cancer Collaborators}"
    assert entries[5].fields_dict["author"].value.split(" and ")[3] == r"{Ar\'en Frontera}, Osvaldo"
    path = library.path.parent / "again.bib"
    path.write_text(exported, encoding="utf-8")
    again = import_file(library, path)
    assert again.counts() == {"duplicate": 6}
    assert export_articles(library.get_many(again.article_ids), "bibtex") == exported
