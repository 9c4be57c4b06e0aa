"""The PubMed abstract page reader: the seed page field by field, and saved-page variations."""

from __future__ import annotations

from pathlib import Path

import pytest

from refmgr.core.formats import detect_reader, pubmed_page
from refmgr.core.model import Article, Author, Figure, Keyword

LEGEND_1 = (
    "A 67-year-old woman with asynchronous right paraaortic nodal RCC metastasis treated with cryoablation, allowing "
    "delay of initiation of immunotherapy. a Coronal reformatted contrast-enhanced CT abdomen showed primary right "
    "upper pole RCC (white arrow), which was resected by radial nephrectomy. Pathology showed clear cell RCC. b Axial "
    "contrast-enhanced CT abdomen performed 1 year after right nephrectomy showed right paraaortic nodal metastasis "
    "(white circle), c and d Under (c) CT and (d) fluoroscopic guidance, cryoablation of the right paraaortic nodal "
    "metastasis performed using two 17G cryoprobes (white arrow). A 22G spinal needle (dashed white arrow) was used "
    "for hydrodissection. Coil embolisation of a parasitic right diaphragmatic artery supplying the node also "
    "performed to reduce cold sink effect. e axial contrast-enhanced CT at 6 months post-cryoablation confirmed "
    "necrosis of nodal metastasis"
)
LEGEND_2 = (
    "A 70-year-old man who received 18 months of immunotherapy with residual liver metastasis treated with microwave "
    "ablation. a Graphical illustration demonstrates that, after immunotherapy, the number of liver metastasis reduced "
    "from four to one but the patient was unable to reach complete response. b Axial T1-weighed post-contrast MR "
    "abdomen showed residual metastatic focus at subcapsular region of hepatic segment V (white circle). c Under US "
    "and CT guidance, the lesion was ablated using 16G microwave antenna (white arrow). A 22G spinal needle (dashed "
    "white arrow) was used for hydrodissection. d Contrast-enhanced CT performed four years after microwave ablation "
    "of liver metastasis confirmed complete disease remission."
)
LEGEND_3 = (
    "A 56-year-old man with advanced RCC and painful right ischial bone metastasis. a Unenhanced axial CT pelvis "
    "showed aggressive lytic bone metastasis at right ischium. b Under CT guidance, electrochemotherapy, i.e. "
    "reversible electroporation with intravenous bleomycin administration, was used to treat the right ischial bone "
    "metastasis. Electroporation needle was indicated by dashed white arrow. c Axial T1-weighed post-contrast MR "
    "pelvis showed necrosis of right ischial metastasis. The patient remained opioid-free for 6 months"
)
REFERENCES = [
    "Ljungberg B, Albiges L, Abu-Ghanem Y, Bedke J, Capitanio U, Dabestani S, et al. European association of urology "
    "guidelines on renal cell carcinoma: The 2022 update. Eur Urol. 2022;82:399–410.",
    "Ferlay J, Colombet M, Soerjomataram I, Dyba T, Randi G, Bettio M, et al. Cancer incidence and mortality patterns "
    "in Europe: estimates for 40 countries and 25 major cancers in 2018. Eur J Cancer. 2018;103:356–87.",
    "Tran J, Ornstein MC. Clinical review on the management of metastatic renal cell carcinoma. JCO Oncol Pract. "
    "2022;18:187–96.",
    "Dudani S, de Velasco G, Wells C, Gan CL, Donskov F, Porta C, et al. Sites of metastasis and survival in "
    "metastatic renal cell carcinoma (mRCC): Results from the International mRCC database consortium (IMDC). JCO. "
    "2020;38:642–642.",
    "Medical Research Council Renal Cancer Collaborators. Interferon-α and survival in metastatic renal carcinoma: "
    "early results of a randomised controlled trial. The Lancet. 1999;353:14–7.",
]
ABSTRACT = (
    "Renal cell carcinoma (RCC) is the most common type of kidney cancer and accounts for approximately 90% of all "
    "renal malignancies. About 30% of patients have metastatic disease at their initial presentation. Historically, "
    "these patients have very poor prognosis with a median survival of 12 months. The recent introduction of immune "
    "checkpoint inhibitors (ICI)-based immunotherapy, which disrupts cancer-induced immune tolerance and promotes "
    "immune-mediated cancer cell killing, has significantly improved patient outcome. While ICI-based therapy "
    "represents the standard of care for metastatic RCC, there are significant treatment-related adverse effects. This "
    "review article will examine how image-guided ablation, as an adjunct to immunotherapy, can improve survival and "
    "quality of life in patients with metastatic RCC."
)
TITLE = (
    "Beyond the Scalpel: the Role of Image-Guided Thermal Ablation in Management of Metastatic Renal Cell Carcinoma "
    "in the Era of Immunotherapy"
)

HEADER = """Skip to main page content
U.S. flag

An official website of the United States government

Access keys NCBI Homepage MyNCBI Homepage Main Content Main Navigation
"""

# A constructed variation: full author list with numbered affiliations, PMID/PMCID line, "Free PMC article",
# a structured abstract, no figures, references with DOI and PMC link labels.
MULTI_AUTHOR_PAGE = HEADER + """Meta-Analysis
J Clin Oncol. 2021 Mar 1;39(7):741-752.
doi: 10.1200/JCO.20.02345. Epub 2021 Jan 20.

Percutaneous ablation versus partial nephrectomy for small renal masses: a meta-analysis

Anna M van der Berg 1 2 , Li Wei 2 , Jean-Pierre Dubois 3
Affiliations

    1 Department of Urology, Leiden University Medical Center, Leiden, the Netherlands.
    2 Department of Radiology, Leiden University Medical Center, Leiden, the Netherlands.
    3 Service d'Urologie, Hôpital Européen Georges-Pompidou, Paris, France.

    PMID: 33471234 PMCID: PMC7891234 DOI: 10.1200/JCO.20.02345

Free PMC article
Meta-Analysis

Percutaneous ablation versus partial nephrectomy for small renal masses: a meta-analysis

Anna M van der Berg et al. J Clin Oncol. 2021.

Abstract

Purpose: To compare local recurrence after ablation and partial nephrectomy.
Methods: Systematic search of MEDLINE and Embase; random-effects meta-analysis.
Results: Twenty studies (4,310 patients) were included.
Conclusion: Ablation is an option for selected T1a tumours.

Keywords: Cryoablation; Partial nephrectomy; Renal mass.

Conflict of interest statement

The authors declare no competing interests.

Cited by

    Some citing article. Eur Urol. 2022. PMID: 35000001

References

    1. Smith A, Jones B. Renal ablation. Eur Urol. 2019;75:1–10. doi: 10.1016/j.eururo.2018.08.001. - DOI - PubMed
    2. Lee C. Partial nephrectomy trends. J Urol. 2020;203:50–8. - PMC - PubMed

Publication types

    Meta-Analysis

MeSH terms

    Carcinoma, Renal Cell* / surgery
"""

# A constructed variation: a group author, a single affiliation, a PMID line, an erratum, no keywords or figures.
GROUP_AUTHOR_PAGE = HEADER + """Clinical Trial
Lancet. 1999 Jan 2;353(9146):14-7.

Interferon-alpha and survival in metastatic renal carcinoma: early results of a randomised controlled trial

Medical Research Council Renal Cancer Collaborators
Affiliation

    1 MRC Clinical Trials Unit, London, UK.

PMID: 10023944

Erratum in

    Lancet 1999 Mar 27;353(9158):1114. PMID: 10199390

Clinical Trial

Interferon-alpha and survival in metastatic renal carcinoma: early results of a randomised controlled trial

Medical Research Council Renal Cancer Collaborators. Lancet. 1999.

Abstract

Background: Interferon-alpha is widely used in metastatic renal carcinoma.
Interpretation: Interferon-alpha gives a modest survival benefit.

PubMed Disclaimer

Similar articles

    Another trial. Br J Urol. 1998. PMID: 9000001
"""


@pytest.fixture
def seed_article(seed_page: Path) -> Article:
    """The seed page parsed."""
    (record,) = pubmed_page.parse(seed_page.read_text(encoding="utf-8"))
    assert record.error == ""
    assert record.article is not None
    return record.article


def test_seed_page_is_detected_by_content(seed_page: Path) -> None:
    text = seed_page.read_text(encoding="utf-8")
    assert pubmed_page.sniff(text) >= 80
    assert detect_reader(text, "no-extension") is pubmed_page


def test_seed_bibliographic_fields(seed_article: Article) -> None:
    a = seed_article
    assert a.title == TITLE
    assert a.authors == [Author(family="Fung", given="Kin Fen Kevin")]
    assert a.journal_abbrev == "Cardiovasc Intervent Radiol"
    assert a.journal == ""
    assert (a.year, a.date, a.volume, a.issue, a.pages) == (2025, "2025-08", "48", "8", "1104-1112")
    assert a.doi == "10.1007/s00270-025-04101-y"
    assert (a.pmid, a.pmcid) == ("", "")
    assert a.publication_types == ["Review"]
    assert a.abstract == ABSTRACT
    assert a.type == "article-journal"


def test_seed_keywords(seed_article: Article) -> None:
    assert seed_article.keywords == [
        Keyword("Cryoablation", "author"),
        Keyword("Immunotherapy", "author"),
        Keyword("Metastasis", "author"),
        Keyword("Renal cell carcinoma", "author"),
        Keyword("Thermal Ablation", "author"),
    ]


def test_seed_figures_have_full_legends(seed_article: Article) -> None:
    assert seed_article.figures == [
        Figure("Fig. 1", LEGEND_1),
        Figure("Fig. 2", LEGEND_2),
        Figure("Fig. 3", LEGEND_3),
    ]


def test_seed_references_text_exact(seed_article: Article) -> None:
    assert [r.text for r in seed_article.references] == REFERENCES
    assert all(r.doi == "" and r.status == "unresolved" for r in seed_article.references)


def test_multi_author_page_with_affiliations_and_identifiers() -> None:
    (record,) = pubmed_page.parse(MULTI_AUTHOR_PAGE)
    a = record.article
    assert a is not None
    assert a.title == "Percutaneous ablation versus partial nephrectomy for small renal masses: a meta-analysis"
    assert a.authors == [
        Author(
            family="van der Berg",
            given="Anna M",
            affiliations=[
                "Department of Urology, Leiden University Medical Center, Leiden, the Netherlands.",
                "Department of Radiology, Leiden University Medical Center, Leiden, the Netherlands.",
            ],
        ),
        Author(family="Wei", given="Li", affiliations=[
            "Department of Radiology, Leiden University Medical Center, Leiden, the Netherlands."
        ]),
        Author(family="Dubois", given="Jean-Pierre", affiliations=[
            "Service d'Urologie, Hôpital Européen Georges-Pompidou, Paris, France."
        ]),
    ]
    assert (a.journal_abbrev, a.year, a.date, a.volume, a.issue, a.pages) == (
        "J Clin Oncol", 2021, "2021-03-01", "39", "7", "741-752"
    )
    assert (a.doi, a.pmid, a.pmcid) == ("10.1200/jco.20.02345", "33471234", "PMC7891234")
    assert a.publication_types == ["Meta-Analysis"]
    assert a.abstract == (
        "Purpose: To compare local recurrence after ablation and partial nephrectomy.\n"
        "Methods: Systematic search of MEDLINE and Embase; random-effects meta-analysis.\n"
        "Results: Twenty studies (4,310 patients) were included.\n"
        "Conclusion: Ablation is an option for selected T1a tumours."
    )
    assert [k.term for k in a.keywords] == ["Cryoablation", "Partial nephrectomy", "Renal mass"]
    assert a.figures == []
    assert [(r.text, r.doi) for r in a.references] == [
        (
            "Smith A, Jones B. Renal ablation. Eur Urol. 2019;75:1–10. doi: 10.1016/j.eururo.2018.08.001.",
            "10.1016/j.eururo.2018.08.001",
        ),
        ("Lee C. Partial nephrectomy trends. J Urol. 2020;203:50–8.", ""),
    ]


def test_group_author_page_with_erratum_and_pmid_line() -> None:
    (record,) = pubmed_page.parse(GROUP_AUTHOR_PAGE)
    a = record.article
    assert a is not None
    assert a.authors == [
        Author(literal="Medical Research Council Renal Cancer Collaborators", affiliations=[
            "MRC Clinical Trials Unit, London, UK."
        ])
    ]
    assert a.pmid == "10023944"
    assert a.doi == ""
    assert (a.journal_abbrev, a.date, a.volume, a.issue, a.pages) == ("Lancet", "1999-01-02", "353", "9146", "14-7")
    assert a.publication_types == ["Clinical Trial"]
    assert a.abstract == (
        "Background: Interferon-alpha is widely used in metastatic renal carcinoma.\n"
        "Interpretation: Interferon-alpha gives a modest survival benefit."
    )
    assert (a.keywords, a.figures, a.references) == ([], [], [])


def test_page_without_title_is_a_failed_record() -> None:
    text = HEADER + "Review\n. 2025 Aug;48(8):1104-1112.\ndoi: 10.1007/s00270-025-04101-y.\n\nAbstract\n\nText.\n"
    (record,) = pubmed_page.parse(text)
    assert record.article is None
    assert record.error == "no article title found after the citation line (line 8)"


def test_text_without_citation_line_is_a_failed_record() -> None:
    (record,) = pubmed_page.parse("PubMed Disclaimer\n\nSimilar articles\n")
    assert record.article is None
    assert record.error.startswith("no citation line")


def test_sniff_rejects_medline_and_prose() -> None:
    assert pubmed_page.sniff("PMID- 123\nTI  - A title\n") == 0
    assert pubmed_page.sniff("A letter to a colleague about renal cancer.\n") == 0


@pytest.mark.parametrize(
    "pasted",
    [
        "doi: 10.1136/esmoopen-2020-000776",
        "PMID: 35346519\ndoi: 10.1016/j.eururo.2022.03.006",
        "Found on PubMed: doi: 10.1007/s00270-025-04101-y",
    ],
)
def test_pasted_identifiers_are_not_claimed_as_a_page(pasted: str) -> None:
    assert pubmed_page.sniff(pasted) == 0
    assert detect_reader(pasted) is None


def test_ahead_of_print_page_copied_without_site_header() -> None:
    text = """Randomized Controlled Trial
Eur Urol. 2025 Jun 24:S0302-2838(25)00321-4.
doi: 10.1016/j.eururo.2025.06.001. Online ahead of print.

Cryoablation before checkpoint inhibitors in metastatic renal cell carcinoma (CRYO-ICI): a phase 2 trial

Wei Zhang 1 , Maria Elena Lindqvist 2 , CRYO-ICI Investigators
Affiliations

    1 Department of Urology, Peking University First Hospital, Beijing, China.
    2 Department of Urology, Karolinska University Hospital, Stockholm, Sweden.

    PMID: 40555123 DOI: 10.1016/j.eururo.2025.06.001

Abstract

Background: Text.

Keywords: Cryoablation; Immunotherapy.

Similar articles
"""
    (record,) = pubmed_page.parse(text)
    a = record.article
    assert a is not None
    assert a.title == (
        "Cryoablation before checkpoint inhibitors in metastatic renal cell carcinoma (CRYO-ICI): a phase 2 trial"
    )
    assert [(x.family, x.given, x.literal) for x in a.authors] == [
        ("Zhang", "Wei", ""), ("Lindqvist", "Maria Elena", ""), ("", "", "CRYO-ICI Investigators")
    ]
    assert a.authors[1].affiliations == ["Department of Urology, Karolinska University Hospital, Stockholm, Sweden."]
    assert (a.journal_abbrev, a.date, a.volume, a.pages, a.article_number) == (
        "Eur Urol", "2025-06-24", "", "", "S0302-2838(25)00321-4"
    )
    assert (a.doi, a.pmid) == ("10.1016/j.eururo.2025.06.001", "40555123")
    assert a.publication_types == ["Randomized Controlled Trial"]
    assert [k.term for k in a.keywords] == ["Cryoablation", "Immunotherapy"]
    assert a.abstract == "Background: Text."
