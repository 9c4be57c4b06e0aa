"""PubMed XML (efetch): MEDLINE fields, MeSH headings with qualifiers and major topics, references."""

from __future__ import annotations

from pathlib import Path

from refmgr.core.formats import detect_reader, pubmed_xml
from refmgr.core.formats.pubmed_xml import expand_pages
from refmgr.core.importer import import_file

SAMPLE = Path(__file__).parent.parent / "data" / "formats" / "pubmed-efetch.xml"


def test_guideline_and_mesh() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert detect_reader(text, "efetch.txt").NAME == "pubmed-xml"
    first, second = pubmed_xml.parse(text)
    assert (first.location, second.location) == ("article 1 (PMID 35346519)", "article 2 (PMID 10023944)")
    article = first.article
    assert article.title == "European Association of Urology Guidelines on Renal Cell Carcinoma: The 2022 Update"
    assert (article.pmid, article.doi, article.date, article.pages) == (
        "35346519", "10.1016/j.eururo.2022.03.006", "2022-10", "399-410",
    )  # fmt: skip
    assert (article.journal, article.journal_abbrev, article.issn) == ("European urology", "Eur Urol", ["1873-7560"])
    assert article.abstract == ("CONTEXT: The European Association of Urology Renal Cell Carcinoma (RCC) Guideline "
                                "Panel has prepared evidence-based recommendations for the management of RCC. "
                                "OBJECTIVE: To provide an update of the 2019 RCC guideline.")
    assert [k.display for k in article.keywords] == [
        "Carcinoma, Renal Cell/pathology/therapy*", "Humans", "Kidney Neoplasms/therapy*", "Guidelines",
        "Renal cell carcinoma",
    ]  # fmt: skip
    assert [k.kind for k in article.keywords] == ["mesh", "mesh", "mesh", "author", "author"]
    assert article.publication_types == ["Journal Article", "Practice Guideline"]
    assert article.authors[0].affiliations[0].startswith("Department of Surgical and Perioperative Sciences")


def test_group_author_pages_and_references() -> None:
    _, second = pubmed_xml.parse(SAMPLE.read_text(encoding="utf-8"))
    article = second.article
    assert article.authors[0].literal == "Medical Research Council Renal Cancer Collaborators"
    assert (article.date, article.pages, article.doi) == ("1999-01-02", "14-17", "10.1016/s0140-6736(98)03544-2")
    assert [(r.doi, r.pmid, r.status) for r in article.references] == [
        ("", "", "unresolved"), ("10.1016/j.ejca.2018.07.005", "30100160", "resolved"),
    ]  # fmt: skip
    assert expand_pages("1277-90") == "1277-1290"
    assert expand_pages("e000776") == "e000776"


def test_merges_with_the_same_articles_from_ris(library) -> None:
    import_file(library, SAMPLE.parent / "rcc-references.ris")
    report = import_file(library, SAMPLE)
    assert [i.status for i in report.items] == ["updated", "updated"]
    assert library.count() == 6
    guideline = library.get(report.article_ids[0])
    assert [k.kind for k in guideline.keywords][:3] == ["mesh", "mesh", "mesh"]


def test_broken_article_spares_the_other() -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace("<Volume>353</Volume>", "<Volume>353</Volum>")
    first, second = pubmed_xml.parse(text)
    assert first.article.pmid == "35346519"
    assert second.article is None
    assert second.error == "article 2 (line 64): XML not well-formed at line 71 (mismatched tag); article skipped"
