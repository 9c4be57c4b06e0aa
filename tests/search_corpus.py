"""A small test-authored library of renal cell carcinoma trials and guidelines for the search tests.

Titles and abstracts are written for these tests (modelled on the kind of records a clinician keeps);
they are not copies of real abstracts.
"""

from __future__ import annotations

from refmgr.core.library import Library
from refmgr.core.model import Article, Author, Figure, Keyword

RCT = ["Journal Article", "Randomized Controlled Trial"]


def corpus() -> dict[str, Article]:
    """Articles by a short key."""
    return {
        "keynote": Article(
            title="Pembrolizumab plus axitinib versus sunitinib for advanced renal-cell carcinoma",
            authors=[Author("Rini", "Brian I."), Author("Plimack", "Elizabeth R.")],
            journal="The New England Journal of Medicine", journal_abbrev="N Engl J Med", year=2019,
            abstract="Patients with previously untreated metastatic renal-cell carcinoma received pembrolizumab "
                     "plus axitinib or sunitinib (KEYNOTE-426 ClinicalTrials.gov number, NCT02853331).",
            publication_types=[*RCT, "Clinical Trial, Phase III"],
            keywords=[Keyword("Carcinoma, Renal Cell", "mesh", ["drug therapy"], True), Keyword("Axitinib", "mesh")],
            tags=["RCC"],
        ),
        "checkmate": Article(
            title="A randomised phase III trial of nivolumab plus cabozantinib in advanced kidney cancer",
            authors=[Author("Choueiri", "Toni K."), Author("Powles", "Thomas")],
            journal="The New England Journal of Medicine", journal_abbrev="N Engl J Med", year=2021,
            abstract="Distant metastasis was present in all patients. Registered at NCT03141177.",
            publication_types=[*RCT, "Clinical Trial, Phase III"],
            keywords=[Keyword("Kidney Neoplasms", "mesh", [], True)],
        ),
        "eau": Article(
            title="European Association of Urology Guidelines on Renal Cell Carcinoma: The 2022 Update",
            authors=[Author("Ljungberg", "Börje"), Author("Albiges", "Laurence")],
            journal="European Urology", journal_abbrev="Eur Urol", year=2022,
            abstract="Recommendations for localised disease and for patients with metastases, including sunitinib "
                     "as an alternative first-line option.",
            publication_types=["Journal Article", "Practice Guideline"],
            tags=["RCC", "guidelines"],
            figures=[Figure("Figure 1", "Treatment algorithm for metastatic clear-cell RCC.")],
        ),
        "ablation_ma": Article(
            title="Thermal ablation versus partial nephrectomy for T1 renal tumours: a meta-analysis",
            authors=[Author("Pierorazio", "Phillip M.")],
            journal="Journal of Urology", journal_abbrev="J Urol", year=2020,
            abstract="Ablation of small renal masses gave oncological outcomes similar to surgery.",
            publication_types=["Journal Article", "Meta-Analysis", "Systematic Review", "Review"],
            tags=["RCC"],
            figures=[Figure("Figure 2", "Forest plot of local recurrence after cryoablation of renal tumours.")],
        ),
        "oesophagus": Article(
            title="Haematological toxicity of chemoradiotherapy for oesophageal cancer",
            authors=[Author("Smith", "Jane A.")],
            journal="Radiotherapy and Oncology", journal_abbrev="Radiother Oncol", year=2018,
            abstract="Grade 3 anaemia and neutropenia were the commonest haematological events.",
            publication_types=["Journal Article"],
        ),
        "immuno_ablation": Article(
            title="Cryoablation combined with immunotherapy for metastatic renal cell carcinoma: a randomized trial",
            authors=[Author("Okafor", "Chidi")],
            journal="European Urology", journal_abbrev="Eur Urol", year=2023,
            abstract="Ablation of one lesion plus nivolumab improved responses at untreated sites.",
            publication_types=RCT,
        ),
        "immuno_ablation_old": Article(
            title="Ablation and immunotherapy for renal cell carcinoma: an early randomized study",
            authors=[Author("Okafor", "Chidi")],
            journal="European Urology", journal_abbrev="Eur Urol", year=2017,
            abstract="Radiofrequency ablation before nivolumab in a small cohort.",
            publication_types=RCT,
        ),
        "immuno_ablation_read": Article(
            title="Microwave ablation plus immunotherapy for hepatic metastases: a meta-analysis",
            authors=[Author("Lee", "Min")],
            journal="Radiology", year=2021,
            abstract="Pooled analysis of ablation combined with immune checkpoint inhibitors.",
            publication_types=["Journal Article", "Meta-Analysis"],
        ),
        "retracted": Article(
            title="Sunitinib dose escalation in metastatic renal cell carcinoma",
            authors=[Author("Doe", "John")],
            journal="Urologic Oncology", year=2020, retracted=True,
        ),
    }


def build(library: Library) -> dict[str, int]:
    """Save the corpus; return ids by key. One article is read and rated, one sits on a reading list."""
    from refmgr.core import lists

    ids = {key: library.save(article, source="test").article_id for key, article in corpus().items()}
    library.update_fields(ids["immuno_ablation_read"], read_status="read", rating=4)
    library.update_fields(ids["eau"], read_status="read", rating=5)
    library.update_fields(ids["checkmate"], rating=3)
    club = lists.create_list(library, "Journal club")
    lists.add_to_list(library, club, [ids["keynote"], ids["eau"]])
    return ids
