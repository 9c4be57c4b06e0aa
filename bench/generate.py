"""Deterministic generator of realistic oncology libraries (articles with authors, MeSH, legends, references)."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from refmgr.core.library import Library
from refmgr.core.model import Article, Author, Figure, Keyword, Reference

CANCERS = (
    "hepatocellular carcinoma", "non-small cell lung cancer", "small cell lung cancer", "breast cancer",
    "triple-negative breast cancer", "colorectal cancer", "rectal cancer", "pancreatic ductal adenocarcinoma",
    "glioblastoma", "melanoma", "prostate cancer", "ovarian cancer", "endometrial cancer", "cervical cancer",
    "gastric cancer", "oesophageal adenocarcinoma", "renal cell carcinoma", "urothelial carcinoma",
    "diffuse large B-cell lymphoma", "Hodgkin lymphoma", "multiple myeloma", "acute myeloid leukaemia",
    "chronic lymphocytic leukaemia", "head and neck squamous cell carcinoma", "nasopharyngeal carcinoma",
    "cholangiocarcinoma", "neuroendocrine tumours", "soft tissue sarcoma", "osteosarcoma", "mesothelioma",
    "thyroid cancer", "colorectal liver metastases", "brain metastases", "neuroblastoma", "medulloblastoma",
)  # fmt: skip
INTERVENTIONS = (
    "pembrolizumab", "nivolumab", "atezolizumab", "durvalumab", "ipilimumab", "trastuzumab", "pertuzumab",
    "trastuzumab deruxtecan", "osimertinib", "alectinib", "lorlatinib", "sotorasib", "olaparib", "niraparib",
    "bevacizumab", "cetuximab", "sorafenib", "lenvatinib", "regorafenib", "cabozantinib", "palbociclib",
    "abemaciclib", "enzalutamide", "abiraterone", "temozolomide", "FOLFOX", "FOLFIRINOX", "gemcitabine",
    "nab-paclitaxel", "docetaxel", "cisplatin", "capecitabine", "CAR T-cell therapy", "stereotactic body radiotherapy",
    "proton beam therapy", "radiofrequency ablation", "microwave ablation", "transarterial chemoembolisation",
    "selective internal radiation therapy", "hepatectomy", "laparoscopic resection", "robotic surgery",
    "neoadjuvant chemoradiotherapy", "adjuvant chemotherapy", "active surveillance", "whole-brain radiotherapy",
)  # fmt: skip
BIOMARKERS = (
    "EGFR", "KRAS G12C", "BRAF V600E", "HER2", "PD-L1", "BRCA1", "BRCA2", "TP53", "ALK", "ROS1", "MSI-H",
    "tumour mutational burden", "circulating tumour DNA", "MGMT promoter methylation", "IDH1", "NTRK",
    "alpha-fetoprotein", "CA 19-9", "PSA", "Ki-67", "FGFR2", "MET exon 14", "RET", "PIK3CA", "ESR1",
)  # fmt: skip
OUTCOMES = (
    "overall survival", "progression-free survival", "disease-free survival", "objective response rate",
    "local tumour progression", "recurrence-free survival", "pathological complete response",
    "quality of life", "grade 3 or higher adverse events", "treatment-related mortality",
    "time to recurrence", "duration of response", "complete ablation rate", "30-day morbidity",
)  # fmt: skip
DESIGNS = (
    "randomised controlled trial", "phase III trial", "phase II trial", "meta-analysis", "systematic review",
    "retrospective cohort study", "prospective cohort study", "propensity score-matched analysis",
    "population-based study", "case-control study", "single-arm study", "real-world analysis",
)  # fmt: skip
PUBLICATION_TYPES = {
    "randomised controlled trial": ["Journal Article", "Randomized Controlled Trial"],
    "phase III trial": ["Journal Article", "Clinical Trial, Phase III"],
    "phase II trial": ["Journal Article", "Clinical Trial, Phase II"],
    "meta-analysis": ["Journal Article", "Meta-Analysis"],
    "systematic review": ["Journal Article", "Systematic Review", "Review"],
}
MESH = (
    ("Carcinoma, Hepatocellular", ("therapy", "surgery", "mortality")),
    ("Liver Neoplasms", ("therapy", "secondary", "surgery")),
    ("Lung Neoplasms", ("drug therapy", "genetics", "pathology")),
    ("Carcinoma, Non-Small-Cell Lung", ("drug therapy", "genetics")),
    ("Breast Neoplasms", ("drug therapy", "pathology", "genetics")),
    ("Colorectal Neoplasms", ("surgery", "drug therapy", "mortality")),
    ("Pancreatic Neoplasms", ("drug therapy", "surgery")),
    ("Glioblastoma", ("therapy", "radiotherapy")),
    ("Melanoma", ("drug therapy", "immunology")),
    ("Immune Checkpoint Inhibitors", ("therapeutic use", "adverse effects")),
    ("Antineoplastic Combined Chemotherapy Protocols", ("therapeutic use", "adverse effects")),
    ("Radiofrequency Ablation", ("methods", "adverse effects")),
    ("Radiosurgery", ("methods",)),
    ("Neoplasm Recurrence, Local", ("epidemiology", "prevention & control")),
    ("Survival Analysis", ()), ("Treatment Outcome", ()), ("Retrospective Studies", ()),
    ("Prospective Studies", ()), ("Humans", ()), ("Male", ()), ("Female", ()), ("Aged", ()),
    ("Middle Aged", ()), ("Adult", ()), ("Biomarkers, Tumor", ("genetics", "blood")),
    ("Mutation", ()), ("Neoplasm Staging", ()), ("Prognosis", ()), ("Quality of Life", ()),
)  # fmt: skip
JOURNALS = (
    ("The Lancet Oncology", "Lancet Oncol", "1470-2045"), ("Journal of Clinical Oncology", "J Clin Oncol", "0732-183X"),
    ("JAMA Oncology", "JAMA Oncol", "2374-2437"), ("Annals of Oncology", "Ann Oncol", "0923-7534"),
    ("New England Journal of Medicine", "N Engl J Med", "0028-4793"), ("Cancer", "Cancer", "0008-543X"),
    ("European Journal of Cancer", "Eur J Cancer", "0959-8049"),
    ("British Journal of Cancer", "Br J Cancer", "0007-0920"),
    ("Radiology", "Radiology", "0033-8419"), ("Hepatology", "Hepatology", "0270-9139"),
    ("Journal of Hepatology", "J Hepatol", "0168-8278"), ("Annals of Surgery", "Ann Surg", "0003-4932"),
    ("ESMO Open", "ESMO Open", "2059-7029"), ("Clinical Cancer Research", "Clin Cancer Res", "1078-0432"),
    ("International Journal of Radiation Oncology", "Int J Radiat Oncol Biol Phys", "0360-3016"),
    ("Neuro-Oncology", "Neuro Oncol", "1522-8517"), ("Cancers", "Cancers (Basel)", "2072-6694"),
    ("Frontiers in Oncology", "Front Oncol", "2234-943X"), ("BMC Cancer", "BMC Cancer", "1471-2407"),
    ("Cardiovascular and Interventional Radiology", "Cardiovasc Intervent Radiol", "0174-1551"),
)  # fmt: skip
FAMILY_NAMES = (
    "Smith", "Jones", "Müller", "Schmidt", "García", "Martínez", "Rossi", "Bianchi", "Dubois", "Lefèvre",
    "Kim", "Lee", "Park", "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Tanaka", "Suzuki", "Sato",
    "Nguyen", "Tran", "Kowalski", "Nowak", "Andersson", "Johansson", "Ljungberg", "Hansen", "Jensen", "O'Brien",
    "MacDonald", "Patel", "Shah", "Singh", "Kumar", "Gupta", "Cohen", "Levi", "Silva", "Santos", "Oliveira",
    "Fernández", "López", "Ivanov", "Petrov", "Novák", "Horváth", "Yilmaz", "Kaya", "Haddad", "Fung", "Wong",
    "van der Berg", "de Vries", "Janssen", "Peeters", "Murphy", "Kelly", "Brown", "Taylor", "Wilson", "Evans",
)  # fmt: skip
GIVEN_NAMES = (
    "Anna", "Maria", "Sofia", "Elena", "Laura", "Sarah", "Emma", "Julia", "Chloé", "Ingrid", "Mei", "Yuki",
    "Ji-woo", "Priya", "Fatima", "John", "David", "Michael", "Thomas", "Peter", "Luca", "Marco", "Jean-Pierre",
    "Hans", "Lars", "Kenji", "Wei", "Hiroshi", "Rajesh", "Ahmed", "Carlos", "José", "Pavel", "Mehmet", "Kin Fung",
)  # fmt: skip
INSTITUTIONS = (
    "Department of Oncology, Karolinska Institutet, Stockholm, Sweden",
    "Department of Radiology, Massachusetts General Hospital, Boston, MA, USA",
    "Division of Hepatobiliary Surgery, Queen Mary Hospital, Hong Kong",
    "Department of Medical Oncology, Gustave Roussy, Villejuif, France",
    "National Cancer Center, Tokyo, Japan",
    "Department of Radiation Oncology, MD Anderson Cancer Center, Houston, TX, USA",
    "Royal Marsden Hospital, London, UK",
    "Charité – Universitätsmedizin Berlin, Germany",
    "Seoul National University Hospital, Seoul, Republic of Korea",
    "Tata Memorial Centre, Mumbai, India",
)  # fmt: skip
FIGURE_TEMPLATES = (
    "Kaplan-Meier curves of {outcome} in patients with {cancer} treated with {x} versus {y}. "
    "Shaded areas show 95% confidence intervals; numbers at risk are given below the axis.",
    "Forest plot of hazard ratios for {outcome} across prespecified subgroups, including {marker} status, "
    "age, sex and ECOG performance status.",
    "CONSORT flow diagram of patient enrolment, allocation to {x} or {y}, follow-up and analysis.",
    "Representative contrast-enhanced CT images before and after {x} showing complete response of {cancer}.",
    "Waterfall plot of best percentage change from baseline in target lesions; bars coloured by {marker} status.",
    "Cumulative incidence of {outcome} with death as a competing risk, stratified by tumour size (<3 cm vs ≥3 cm).",
    "Swimmer plot of duration of response to {x} in {cancer}; arrows mark ongoing responses at data cut-off.",
)  # fmt: skip
DOI_PREFIXES = ("10.1016", "10.1200", "10.1001", "10.1093", "10.1056", "10.1002", "10.1038", "10.1148", "10.3389")


def _rng(seed: int, index: int) -> random.Random:
    return random.Random(seed * 1_000_003 + index)


def article_doi(seed: int, index: int) -> str:
    """The DOI the generator gives article number `index` (used for citation links)."""
    return f"{DOI_PREFIXES[index % len(DOI_PREFIXES)]}/bench.{seed}.{index:07d}"


def _title(r: random.Random, cancer: str, x: str, y: str, outcome: str, design: str) -> str:
    forms = (
        f"{x.capitalize()} versus {y} in {cancer}: a {design}",
        f"Effect of {x} on {outcome} in {cancer}",
        f"{outcome.capitalize()} after {x} for {cancer}: results of a {design}",
        f"Long-term outcomes of {x} compared with {y} for early-stage {cancer}",
        f"{x.capitalize()} plus {y} as first-line treatment of advanced {cancer}",
    )
    return r.choice(forms)


def _abstract(r: random.Random, cancer: str, x: str, y: str, outcome: str, design: str, marker: str) -> str:
    n = r.randint(40, 1200)
    hr = r.uniform(0.45, 1.1)
    return " ".join((
        f"Background: The optimal treatment of {cancer} remains debated, and the role of {x} relative to {y} "
        f"is uncertain, particularly in patients with {marker}-positive disease.",
        f"Methods: In this {design}, {n} patients with {cancer} were assigned to {x} or {y}. "
        f"The primary end point was {outcome}; secondary end points included "
        f"{r.choice(OUTCOMES)} and safety. Analyses were by intention to treat.",
        f"Results: After a median follow-up of {r.randint(12, 96)} months, {outcome} was "
        f"{'longer' if hr < 1 else 'similar'} with {x} (hazard ratio {hr:.2f}; 95% CI "
        f"{hr * 0.8:.2f}-{hr * 1.2:.2f}; P={r.uniform(0.001, 0.4):.3f}). Grade 3 or higher adverse events "
        f"occurred in {r.randint(5, 60)}% and {r.randint(5, 60)}% of patients, respectively. "
        f"Benefit was consistent across subgroups defined by {marker} status and age.",
        f"Conclusions: Among patients with {cancer}, {x} {'improved' if hr < 0.9 else 'did not improve'} "
        f"{outcome} compared with {y}. These findings support further evaluation in {r.choice(DESIGNS)}s.",
    ))


def _authors(r: random.Random) -> list[Author]:
    count = r.choice((1, 2, 3, 4, 5, 6, 6, 8, 10, 12, 25))
    authors = []
    for _ in range(count):
        given = r.choice(GIVEN_NAMES)
        affiliations = [r.choice(INSTITUTIONS)] if r.random() < 0.8 else []
        orcid = f"0000-000{r.randint(1, 3)}-{r.randint(1000, 9999)}-{r.randint(1000, 9999)}" if r.random() < 0.3 else ""
        authors.append(Author(family=r.choice(FAMILY_NAMES), given=given, orcid=orcid, affiliations=affiliations))
    if r.random() < 0.03:
        authors.append(Author(literal=f"{r.choice(CANCERS).title()} Study Group"))
    return authors


def _keywords(r: random.Random, cancer: str, x: str, marker: str) -> list[Keyword]:
    keywords = [Keyword(term) for term in dict.fromkeys((cancer, x, marker, r.choice(OUTCOMES), "oncology"))]
    for term, qualifiers in r.sample(MESH, r.randint(5, 12)):
        chosen = r.sample(qualifiers, r.randint(0, len(qualifiers))) if qualifiers else []
        keywords.append(Keyword(term, kind="mesh", qualifiers=chosen, major=r.random() < 0.25))
    return keywords


def _references(r: random.Random, seed: int, index: int, total: int, id_offset: int) -> list[Reference]:
    references = []
    for position in range(r.randint(8, 45)):
        family, given = r.choice(FAMILY_NAMES), r.choice(GIVEN_NAMES)[0]
        cancer, x = r.choice(CANCERS), r.choice(INTERVENTIONS)
        journal = r.choice(JOURNALS)
        year = r.randint(1995, 2024)
        text = (
            f"{position + 1}. {family} {given}, {r.choice(FAMILY_NAMES)} {r.choice(GIVEN_NAMES)[0]}, et al. "
            f"{x.capitalize()} in {cancer}. {journal[1]}. {year};{r.randint(1, 80)}:{r.randint(1, 2000)}-"
            f"{r.randint(2001, 2100)}."
        )
        doi = ""
        if r.random() < 0.5:
            # about a third of the DOIs point at another article of the same generated library
            if r.random() < 0.35 and total > 1:
                doi = article_doi(seed, id_offset + r.randrange(total))
            else:
                doi = f"{r.choice(DOI_PREFIXES)}/ext.{r.randint(1, 10**8)}"
        status = "resolved" if doi else "unresolved"
        references.append(Reference(text=text, doi=doi, status=status, confidence=1.0 if doi else None))
    return references


def make_article(index: int, seed: int = 0, total: int = 1, id_offset: int = 0) -> Article:
    """Article number `index` of a generated library; the same index and seed always give the same article."""
    r = _rng(seed, index)
    cancer, (x, y), outcome = r.choice(CANCERS), r.sample(INTERVENTIONS, 2), r.choice(OUTCOMES)
    design, marker = r.choice(DESIGNS), r.choice(BIOMARKERS)
    journal, abbrev, issn = r.choice(JOURNALS)
    year = r.randint(1998, 2025)
    figures = [
        Figure(f"Figure {k + 1}", template.format(outcome=outcome, cancer=cancer, x=x, y=y, marker=marker))
        for k, template in enumerate(r.sample(FIGURE_TEMPLATES, r.choice((0, 2, 3, 4, 5))))
    ]
    month = r.randint(1, 12)
    return Article(
        title=_title(r, cancer, x, y, outcome, design),
        doi=article_doi(seed, index),
        pmid=str(30_000_000 + seed * 10_000_000 + index),
        authors=_authors(r),
        journal=journal,
        journal_abbrev=abbrev,
        year=year,
        date=f"{year}-{month:02d}-{r.randint(1, 28):02d}",
        volume=str(r.randint(1, 400)),
        issue=str(r.randint(1, 24)),
        pages=f"{(start := r.randint(1, 3000))}-{start + r.randint(3, 15)}",
        issn=[issn],
        publisher=r.choice(("Elsevier", "Wiley", "Springer Nature", "Oxford University Press", "BMJ")),
        language="eng",
        abstract=_abstract(r, cancer, x, y, outcome, design, marker),
        keywords=_keywords(r, cancer, x, marker),
        publication_types=PUBLICATION_TYPES.get(design, ["Journal Article"]),
        figures=figures,
        references=_references(r, seed, index, total, id_offset),
        citation_count=int(r.paretovariate(1.2)) - 1,
        date_added=f"{r.randint(2018, 2025)}-{month:02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:00:00+00:00",
        read_status=r.choice(("unread", "unread", "unread", "reading", "read")),
        rating=r.choice((0, 0, 0, 3, 4, 5)),
    )


def generate_articles(n: int, seed: int = 0, start: int = 0) -> Iterator[Article]:
    """Articles number start..start+n-1 of the library with this seed."""
    for index in range(start, start + n):
        yield make_article(index, seed, total=n, id_offset=start)


def build_library(
    path: str | Path, n: int, seed: int = 0, batch: int = 5000, progress: bool = False
) -> Path:
    """Create (or complete) a library of n generated articles at path, through Library.save_many."""
    path = Path(path)
    with Library(path) as library:
        have = library.count()
        started = time.perf_counter()
        for begin in range(have, n, batch):
            count = min(batch, n - begin)
            articles = [make_article(i, seed, total=n) for i in range(begin, begin + count)]
            library.save_many(articles, source="bench")
            if progress:
                done = begin + count
                rate = (done - have) / (time.perf_counter() - started)
                print(f"  generated {done:,}/{n:,} articles ({rate:,.0f}/s)", file=sys.stderr, flush=True)
        library.conn.execute("PRAGMA optimize")
    return path


def main() -> None:
    """`python -m bench.generate PATH N [--seed S]`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    build_library(args.path, args.n, args.seed, progress=True)


if __name__ == "__main__":
    main()
