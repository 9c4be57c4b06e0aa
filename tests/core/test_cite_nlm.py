"""Vancouver exactly as NLM prints it, from DOI-added records (loopback Crossref), and the journal abbreviations."""

from __future__ import annotations

from pathlib import Path

import pytest

from refmgr.core.crossref.client import CrossrefClient
from refmgr.core.export import export_articles, journals
from refmgr.core.export.bibliography import format_entries, single_page, supplement_issue
from refmgr.core.intake import import_inputs
from refmgr.core.library import Library
from refmgr.core.model import Article, Author
from refmgr.core.settings import Settings
from tests.crossref_server import CrossrefServer

EAU, MRC, KEYNOTE, JCO = (
    "10.1016/j.eururo.2022.03.006", "10.1016/S0140-6736(98)03544-2", "10.1056/NEJMoa1816714",
    "10.1200/JCO.2020.38.6_suppl.642",
)  # fmt: skip
NLM = {
    EAU: "Ljungberg B, Albiges L, Abu-Ghanem Y, Bedke J, Capitanio U, Dabestani S, et al. European Association "
    "of Urology Guidelines on Renal Cell Carcinoma: The 2022 Update. Eur Urol. 2022 Oct;82(4):399-410.",
    MRC: "Medical Research Council Renal Cancer Collaborators. Interferon-α and survival in metastatic renal "
    "carcinoma: early results of a randomised controlled trial. Lancet. 1999 Jan;353(9146):14-7.",
    KEYNOTE: "Rini BI, Plimack ER, Stus V, Gafanov R, Hawkins R, Nosov D, et al. Pembrolizumab plus Axitinib versus "
    "Sunitinib for Advanced Renal-Cell Carcinoma. N Engl J Med. 2019 Mar 21;380(12):1116-27.",
    JCO: "Dudani S, de Velasco G, Wells C, Gan CL, Donskov F, Porta C, et al. Sites of metastasis and survival in "
    "metastatic renal cell carcinoma (mRCC): Results from the International mRCC Database Consortium (IMDC). "
    "J Clin Oncol. 2020;38(6 Suppl):642.",
}


@pytest.fixture
def added(library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient) -> list[Article]:
    """The four articles, added by DOI from the loopback Crossref server."""
    report = import_inputs(library, texts=[" ".join(NLM)], client=crossref_client)
    assert [i.status for i in report.items] == ["added"] * 4
    return [library.get(library.find(doi)) for doi in NLM]


def test_doi_added_records_export_as_nlm_prints_them(added: list[Article]) -> None:
    text = export_articles(added, "bibliography", "vancouver")
    assert text.splitlines() == [f"{n}. {entry}" for n, entry in enumerate(NLM.values(), 1)]
    assert added[0].journal == "European Urology" and added[1].journal == "The Lancet"  # Crossref's names kept


def test_ama_prints_one_page_once_and_the_nlm_journal(added: list[Article]) -> None:
    jco = format_entries(added[3:], "ama")[0]
    assert jco.endswith("J Clin Oncol. 2020;38(6 Suppl):642. doi:10.1200/JCO.2020.38.6_suppl.642")


def test_et_al_when_the_page_showed_only_the_first_author(library: Library, seed_page: Path) -> None:
    report = import_inputs(library, paths=[seed_page], client=None)
    article = library.get(report.items[0].article_id)
    assert article.authors_incomplete and len(article.authors) == 1
    assert format_entries([article], "vancouver")[0].startswith("Fung KFK, et al. Beyond the Scalpel")
    apa = format_entries([article], "apa")[0]
    assert apa.startswith("Fung, K. F. K., et al. (2025).")


def test_crossref_completes_an_incomplete_author_list(library: Library) -> None:
    library.save(Article(title="A trial", doi="10.1234/x", year=2020, authors=[Author("Rini", "BI")],
                         authors_incomplete=True, source="pubmed-page"))  # fmt: skip
    full = Article(title="A trial", doi="10.1234/x", year=2020,
                   authors=[Author("Rini", "Brian I."), Author("Plimack", "E")])
    library.save(full, source="crossref")
    article = library.get(library.find("10.1234/x"))
    assert [a.family for a in article.authors] == ["Rini", "Plimack"] and not article.authors_incomplete


def test_article_numbers_and_group_authors_without_doubled_punctuation() -> None:
    article = Article(title="Survival after ablation?", journal="JAMA Network Open", journal_abbrev="JAMA Netw Open",
                      year=2021, date="2021-01",
                      volume="4", issue="1", article_number="e2021869", source="crossref",
                      authors=[Author(literal="IMDC Investigators.")])  # fmt: skip
    assert format_entries([article], "vancouver")[0] == (
        "IMDC Investigators. Survival after ablation? JAMA Netw Open. 2021 Jan;4(1):e2021869."
    )


@pytest.mark.parametrize(("issue", "nlm"), [("6_suppl", "6 Suppl"), ("suppl_2", "Suppl 2"), ("Supplement 3", "Suppl 3"),
                                            ("12", "12"), ("S1", "S1")])  # fmt: skip
def test_supplement_issues(issue: str, nlm: str) -> None:
    assert supplement_issue(issue) == nlm


def test_single_pages() -> None:
    assert [single_page(p) for p in ("642-642", "642–", "399-410", "e2021869")] == ["642", "642", "399-410", "e2021869"]


@pytest.mark.parametrize(("journal", "short", "source", "expected"), [
    ("European Urology", "European Urology", "crossref", ("Eur Urol", "list")),
    ("The Lancet", "The Lancet", "crossref", ("Lancet", "list")),
    ("Journal of Clinical Oncology", "JCO", "crossref", ("J Clin Oncol", "list")),  # NLM subtitle ignored
    ("CardioVascular and Interventional Radiology", "", "crossref", ("Cardiovasc Intervent Radiol", "list")),
    ("JCO Oncology Practice", "JCO Oncol Pract", "crossref", ("JCO Oncol Pract", "crossref")),
    ("Unheard-of Journal", "Unheard-of Journal", "crossref", ("Unheard-of Journal", "title")),
    ("Clinical Cancer Research", "Clin. Cancer Res.", "ris", ("Clin Cancer Res", "article")),
    ("The Lancet Oncology", "", "crossref", ("Lancet Oncol", "list")),
    ("Journal of Urology & Nephrology", "", "crossref", ("Journal of Urology & Nephrology", "title")),
])  # fmt: skip
def test_resolution_order(journal: str, short: str, source: str, expected: tuple[str, str]) -> None:
    found = journals.resolve(Article(journal=journal, journal_abbrev=short, source=source))
    assert (found.text, found.source) == expected


def test_user_overrides_by_title_or_issn_win(tmp_path: Path) -> None:
    settings = Settings(journal_abbreviations={"european urology": "EUR UROL", "0732-183x": "JCO"})
    settings.save(tmp_path / "settings.json")
    journals.load_overrides_from_settings(tmp_path / "settings.json")
    try:
        assert journals.resolve(Article(journal="European Urology", source="medline")).text == "EUR UROL"
        jco = Article(journal="Journal of Clinical Oncology", issn=["0732-183X"], source="crossref", year=2020)
        assert journals.resolve(jco) == journals.Abbreviation("JCO", "override")
        assert "JCO. 2020." in format_entries([Article(title="T", authors=[Author("A", "B")], **{
            k: getattr(jco, k) for k in ("journal", "issn", "source", "year")})], "vancouver")[0]
    finally:
        journals.set_overrides({})


def test_normalised_titles() -> None:
    assert journals.normalise_journal("The Journal of Urology & Nephrology.") == "journal of urology and nephrology"
    assert journals.normalise_issn("0732183x") == "0732-183X" and journals.normalise_issn("12") == ""


def test_light_loading_gives_the_same_citations(added: list[Article], library: Library, seed_page: Path) -> None:
    from refmgr.core.export.bibliography import STYLES, citeproc_item
    from refmgr.core.export.loading import citation_articles

    seed = import_inputs(library, paths=[seed_page], client=None).items[0].article_id
    ids = [seed, *(a.id for a in reversed(added)), 999]
    light, full = citation_articles(library, ids), library.get_many(ids)
    assert [a.id for a in light] == [a.id for a in full] == ids[:-1]
    for spec in STYLES.values():
        assert [citeproc_item(a, spec) for a in light] == [citeproc_item(a, spec) for a in full]


def test_the_prebuilt_table_matches_the_lists() -> None:
    """resources/journal-abbreviations/nlm-table.json is what the CSV lists give (rebuild it when they change)."""
    import json as json_module

    from refmgr.paths import resources_dir

    folder = resources_dir() / "journal-abbreviations"
    prebuilt = json_module.loads((folder / journals.PREBUILT).read_text(encoding="utf-8"))
    paths = [folder / name for name in journals.LIST_FILES]
    assert prebuilt["version"] == journals.TABLE_VERSION
    assert prebuilt["stamp"] == [[p.name, p.stat().st_size] for p in paths]
    assert prebuilt["table"] == journals._read_lists(paths)
    assert prebuilt["table"]["european urology"] == "Eur Urol" and prebuilt["table"]["lancet"] == "Lancet"


PARALLEL_SCRIPT = """
import json, os, sys
from bench.generate import generate_articles
from refmgr.core.export import bibliography
from refmgr.core.export.citecache import EntryCache
articles = list(generate_articles(240, seed=5))
for n, article in enumerate(articles, 1):
    article.id = n
bibliography.os.cpu_count = lambda: 2
in_parent = []
original = bibliography._run_citeproc
bibliography._run_citeproc = lambda items, *rest: in_parent.append(len(items)) or original(items, *rest)
articles[7].authors, articles[7].year = articles[3].authors, articles[3].year  # same author and year
parallel = [bibliography.format_entries(articles, s, cache=EntryCache(None)) for s in ("vancouver", "apa")]
forked = not in_parent  # the children formatted everything
bibliography.PARALLEL_MIN = 10_000
single = [bibliography.format_entries(articles, s, cache=EntryCache(None)) for s in ("vancouver", "apa")]
print(json.dumps({"forked": forked, "same": parallel == single, "n": len(single[1]), "single_calls": in_parent}))
"""


def test_many_entries_formatted_on_several_processes_match_one(tmp_path: Path) -> None:
    """A process without threads or Qt (the CLI) formats 200+ new entries on every core; same entries as one."""
    import json as json_module
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "REFMGR_CACHE_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", PARALLEL_SCRIPT], capture_output=True, text=True, env=env,
                            check=True, cwd=root, timeout=300)  # fmt: skip
    outcome = json_module.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"forked": True, "same": True, "n": 240, "single_calls": [240, 240]}


def test_readers_record_author_lists_their_source_cut_short() -> None:
    """PubMed XML's AuthorList CompleteYN="N" and JATS's <etal/> mark an incomplete list, as the page's "et al."."""
    from refmgr.core.formats import jats, pubmed_xml

    data = Path(__file__).parent.parent / "data" / "formats"
    efetch = (data / "pubmed-efetch.xml").read_text(encoding="utf-8")
    assert not any(r.article.authors_incomplete for r in pubmed_xml.parse(efetch))
    cut = efetch.replace("<AuthorList CompleteYN=\"Y\">", "<AuthorList CompleteYN=\"N\">", 1)
    assert cut != efetch and next(iter(pubmed_xml.parse(cut))).article.authors_incomplete
    pmc = (data / "pmc-articleset.xml").read_text(encoding="utf-8")
    assert not any(r.article.authors_incomplete for r in jats.parse(pmc))
    with_etal = pmc.replace("</contrib-group>", "<etal/></contrib-group>", 1)
    assert with_etal != pmc and next(iter(jats.parse(with_etal))).article.authors_incomplete
