"""JATS (PMC) XML: metadata, keywords, figure captions, reference lists, and hostile or broken XML."""

from __future__ import annotations

from pathlib import Path

from refmgr.core.formats import detect_reader, jats
from refmgr.core.importer import import_file

SAMPLE = Path(__file__).parent.parent / "data" / "formats" / "pmc-articleset.xml"


def parse_sample() -> list:
    return list(jats.parse(SAMPLE.read_text(encoding="utf-8")))


def test_detected_by_content() -> None:
    assert detect_reader(SAMPLE.read_text(encoding="utf-8"), "efetch").NAME == "jats"
    assert jats.sniff("<html><body>no</body></html>") == 0


def test_seed_article_metadata_keywords_figures_references() -> None:
    records = parse_sample()
    assert [r.error for r in records] == ["", ""]
    article = records[0].article
    assert article.title.startswith("Beyond the Scalpel: the Role of Image-Guided Thermal Ablation")
    assert (article.doi, article.journal, article.journal_abbrev) == (
        "10.1007/s00270-025-04101-y", "Cardiovascular and Interventional Radiology", "Cardiovasc Intervent Radiol",
    )  # fmt: skip
    assert (article.year, article.date, article.volume, article.issue, article.pages) == (
        2025, "2025-08", "48", "8", "1104-1112",
    )  # fmt: skip
    assert article.issn == ["0174-1551", "1432-086X"]
    assert (article.publisher, article.language, article.publication_types) == ("Springer US", "en", ["Review"])
    assert article.license == "http://creativecommons.org/licenses/by/4.0/"
    assert article.authors[0].vancouver == "Fung KFK"
    assert article.authors[0].affiliations == ["Department of Radiology, Hong Kong, China"]
    assert article.abstract.startswith("Renal cell carcinoma (RCC) is the most common type of kidney cancer")
    assert article.abstract_jats.startswith('<abstract id="Abs1">')
    assert [(k.term, k.kind) for k in article.keywords] == [
        ("Cryoablation", "author"), ("Immunotherapy", "author"), ("Metastasis", "author"),
        ("Renal cell carcinoma", "author"), ("Thermal Ablation", "author"),
    ]  # fmt: skip
    assert [f.label for f in article.figures] == ["Fig. 1", "Fig. 2", "Fig. 3"]
    assert article.figures[1].legend == ("A 70-year-old man who received 18 months of immunotherapy with residual "
                                         "liver metastasis treated with microwave ablation.")
    assert article.figures[2].legend == ("Electrochemotherapy of a bone metastasis. A 56-year-old man with advanced "
                                         "RCC and painful right ischial bone metastasis.")
    refs = article.references
    assert [(r.doi, r.pmid, r.status) for r in refs] == [
        ("10.1016/j.eururo.2022.03.006", "35346519", "resolved"),
        ("10.1016/j.ejca.2018.07.005", "30100160", "resolved"),
        ("10.1200/op.21.00419", "34529499", "resolved"),
        ("10.1200/jco.2020.38.6_suppl.642", "", "resolved"),
        ("", "10023944", "unresolved"),
    ]
    assert refs[0].text == ("Ljungberg B, Albiges L, Abu-Ghanem Y, Bedke J, Capitanio U, Dabestani S, et al. European "
                            "association of urology guidelines on renal cell carcinoma: The 2022 update. Eur Urol. "
                            "2022;82:399–410.")


def test_structured_abstract_mesh_keywords_and_element_citation() -> None:
    article = parse_sample()[1].article
    assert (article.pmid, article.date, article.issn) == ("34529499", "2022-03", ["2688-1535"])
    assert article.abstract == ("Purpose: To review the systemic management of metastatic renal cell carcinoma. "
                                "Summary: Immune checkpoint inhibitor combinations are the first-line standard for "
                                "most patients.")
    assert [(k.term, k.kind) for k in article.keywords] == [
        ("Carcinoma, Renal Cell", "mesh"), ("Kidney Neoplasms", "mesh"),
    ]  # fmt: skip
    assert article.authors[1].orcid == "0000-0000-0000-0000"
    assert [(f.label, f.legend) for f in article.figures] == [
        ("FIG 1", "First-line treatment algorithm for clear-cell mRCC. IMDC, International Metastatic RCC Database "
                  "Consortium.")
    ]
    (ref,) = article.references
    assert ref.text == ("Motzer RJ, Tannir NM, et al. Nivolumab plus ipilimumab versus sunitinib in advanced "
                        "renal-cell carcinoma. N Engl J Med. 2018;378:1277-1290.")
    assert (ref.doi, ref.pmid) == ("10.1056/nejmoa1712126", "29562145")


def test_import_links_references_to_library_articles(library) -> None:
    report = import_file(library, SAMPLE)
    assert report.counts() == {"added": 2}
    seed_id, review_id = report.article_ids
    references = library.references(seed_id)
    assert references[2].cited_article_id == review_id


def test_broken_article_spares_the_others(library) -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace("<volume>18</volume>", "<volume>18</volum>")
    records = list(jats.parse(text))
    assert records[0].article is not None
    assert records[1].article is None
    assert records[1].location == "article 2 (line 126)"
    assert records[1].error == "article 2 (line 126): XML not well-formed at line 156 (mismatched tag); article skipped"
    report = import_file(library, _write(library, text))
    assert report.counts() == {"added": 1, "failed": 1}


def _write(library, text: str) -> Path:
    path = library.path.parent / "set.xml"
    path.write_text(text, encoding="utf-8")
    return path


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<article><front><article-meta><title-group><article-title>&lol3;</article-title></title-group></article-meta></front>
</article>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE article [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<article><front><article-meta><title-group><article-title>&secret;</article-title></title-group></article-meta>
</front></article>"""


def test_xml_bomb_and_external_entity_refused(library) -> None:
    for hostile in (BOMB, EXTERNAL):
        (record,) = jats.parse(hostile)
        assert record.article is None
        assert record.error.startswith("unsafe XML refused (EntitiesForbidden")
    path = library.path.parent / "bomb.xml"
    path.write_text(BOMB, encoding="utf-8")
    assert import_file(library, path).counts() == {"failed": 1}
    assert library.count() == 0
