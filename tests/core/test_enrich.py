"""Enrichment end to end: imports by DOI or PMID arrive with MeSH, keywords, types, trials and legends."""

from __future__ import annotations

import json
from typing import Any

import pytest

from refmgr.core.intake import import_inputs, refresh_articles, sync_pending
from refmgr.core.library import Library
from refmgr.core.model import Article, Figure, Keyword
from refmgr.core.sources.enrich import Sources, enrich_articles, pending_enrichment
from tests.crossref_server import CrossrefServer
from tests.enrich_server import EnrichServer

RCT = "10.1056/nejmoa1715274"  # recorded: PMID 29768149, NCT02149199
LUNG = "10.1111/1759-7714.13823"  # recorded: PMID 33474827, PMC7919130 (not open access here)


def crossref_work(entry: dict[str, Any]) -> dict[str, Any]:
    """A minimal Crossref work for an authored record (Crossref has no MeSH, keywords or legends)."""
    return {"DOI": entry["doi"], "type": "journal-article", "title": [entry["title"]],
            "author": [{"family": "Tester", "given": "Ada"}], "container-title": [entry["journal"]],
            "issued": {"date-parts": [[entry["year"]]]}, "volume": "12", "page": "101-109"}  # fmt: skip


@pytest.fixture
def both(crossref_server: CrossrefServer, enrich_server: EnrichServer) -> EnrichServer:
    """The Crossref server knows the authored and recorded DOIs too."""
    for entry in enrich_server.authored:
        crossref_server.add(crossref_work(entry))
    for doi, title in ((RCT, "Budesonide-formoterol as needed in mild asthma"), (LUNG, "Platelets in NSCLC")):
        crossref_server.add(crossref_work({"doi": doi, "title": title, "journal": "J", "year": 2018}))
    return enrich_server


def test_ten_rcts_and_guidelines_arrive_complete(library: Library, both: EnrichServer, crossref_client: Any,
                                                 sources: Sources) -> None:  # fmt: skip
    dois = [e["doi"] for e in both.authored] + [RCT, LUNG]
    report = import_inputs(library, texts=["\n".join(dois)], client=crossref_client, sources=sources)
    assert report.counts() == {"added": 10, "enriched": 10}
    assert sources.requests() == {"europepmc": 1 + 3, "eutils": 1, "429": 0}  # 1 search, 1 efetch, 3 full texts
    by_doi = {a.doi: a for a in library.get_many(library.query_ids())}
    for entry in both.authored:
        article = by_doi[entry["doi"]]
        assert article.pmid == entry["pmid"]
        mesh = {k.term: k for k in article.keywords if k.kind == "mesh"}
        assert {t for t, major, _ in entry["mesh"] if major} == {t for t, k in mesh.items() if k.major}
        assert [k.term for k in article.keywords if k.kind == "author"] == entry["keywords"]
        assert article.publication_types == entry["types"]
        assert [t.accession for t in article.trials] == entry["trials"]
        assert len(article.figures) == len(entry.get("figures", []))
        assert all(k.source == "pubmed" for k in article.keywords if k.kind != "subject")
        assert all(f.source == "europepmc" for f in article.figures)
        assert article.journal_abbrev == entry["ta"]  # MedlineTA replaces Crossref's (absent) short title
        assert bool(article.open_access_url) == bool(entry.get("figures"))
    rct = by_doi[RCT]
    assert rct.pmid == "29768149" and [t.accession for t in rct.trials] == ["NCT02149199"]
    assert "Randomized Controlled Trial" in rct.publication_types
    assert by_doi[LUNG].pmcid == "PMC7919130" and not by_doi[LUNG].figures
    legend = by_doi["10.5555/enrich.rct.0001"].figures[0]
    assert (legend.label, legend.legend[:22]) == ("Figure 1", "Disease-free survival.")
    assert by_doi["10.5555/enrich.rct.0001"].license == "https://creativecommons.org/licenses/by/4.0/"


def test_search_covers_trials_mesh_keywords_and_legends(library: Library, both: EnrichServer, crossref_client: Any,
                                                        sources: Sources) -> None:  # fmt: skip
    import_inputs(library, texts=["10.5555/enrich.rct.0001 10.5555/enrich.rct.0007"], client=crossref_client,
                  sources=sources)  # fmt: skip
    first = library.find("10.5555/enrich.rct.0001")
    seventh = library.find("10.5555/enrich.rct.0007")
    assert library.search("trial:NCT03142334") == [first]
    assert library.search("trial:nct03142334") == [first]
    assert library.search("trial:ISRCTN12345678") == [seventh]
    assert library.search("NCT02859753") == [seventh]  # plain search: trial numbers are indexed with keywords
    assert library.search("mesh:nephrectomy") == [first]
    assert library.search("keyword:pembrolizumab") == [first]
    assert library.search("legend:Kaplan") == [first]
    assert library.search("trial:NCT00000000") == []


def test_crossref_only_articles_stay_as_they_are(library: Library, crossref_server: CrossrefServer,
                                                 crossref_client: Any, sources: Sources) -> None:  # fmt: skip
    report = import_inputs(library, texts=["10.1016/j.eururo.2022.03.006"], client=crossref_client, sources=sources)
    assert report.counts() == {"added": 1} and report.ok and not report.warnings
    article = library.get(library.find("10.1016/j.eururo.2022.03.006"))
    assert article is not None and not article.pmid and not article.trials
    assert pending_enrichment(library) == []


def test_user_edits_and_imported_pages_are_never_overwritten(library: Library, both: EnrichServer,
                                                             sources: Sources) -> None:  # fmt: skip
    doi = "10.5555/enrich.rct.0001"
    typed = Keyword("my own tag", source="hand")
    article_id = library.save(Article(title="RCT", doi=doi, keywords=[typed]), source="crossref").article_id
    enrich_articles(library, sources, [article_id])
    library.set_figures(article_id, [Figure("Figure 1", "My corrected legend")])
    enrich_articles(library, sources, [article_id], refresh=True)
    article = library.get(article_id)
    assert [(f.legend, f.source) for f in article.figures] == [("My corrected legend", "hand")]
    assert ("my own tag", "hand") in [(k.term, k.source) for k in article.keywords]
    assert any(k.kind == "mesh" and k.source == "pubmed" for k in article.keywords)
    # an article imported from its PubMed page keeps the page's keywords and legends; MeSH is added
    page_id = library.save(Article(title="From the page", doi="10.5555/enrich.rct.0006", source="pubmed-page",
                                   keywords=[Keyword("page keyword")], figures=[Figure("Fig. 1", "From the page")]),
                           source="page.txt").article_id  # fmt: skip
    enrich_articles(library, sources, [page_id])
    page = library.get(page_id)
    assert [(f.legend, f.source) for f in page.figures] == [("From the page", "page")]
    assert [k.term for k in page.keywords if k.kind == "author"] == ["page keyword"]
    assert {k.source for k in page.keywords if k.kind == "mesh"} == {"pubmed"}


def test_network_failures_leave_articles_pending_for_sync(library: Library, both: EnrichServer,
                                                          crossref_client: Any, sources: Sources) -> None:  # fmt: skip
    both.fault_all["europepmc"] = "503"
    both.fault_all["eutils"] = "503"
    report = import_inputs(library, texts=[f"{RCT} 10.5555/enrich.rct.0002"], client=crossref_client,
                           sources=sources)  # fmt: skip
    assert report.counts() == {"added": 2} and report.ok
    assert report.warnings == ["PubMed/Europe PMC: 2 article(s) not enriched yet (Europe PMC answered HTTP 503); "
                               "kept for `refmgr sync`"]  # fmt: skip
    assert len(pending_enrichment(library)) == 2
    both.fault_all.clear()
    synced = sync_pending(library, crossref_client, sources=sources)
    assert synced.counts() == {"enriched": 2}
    assert pending_enrichment(library) == []
    assert library.get(library.find(RCT)).pmid == "29768149"


def test_refresh_asks_pubmed_again(library: Library, both: EnrichServer, crossref_client: Any,
                                   sources: Sources) -> None:  # fmt: skip
    import_inputs(library, texts=[RCT], client=crossref_client, sources=sources)
    before = sources.requests()
    import_inputs(library, texts=[RCT], client=crossref_client, sources=sources)
    assert sources.requests() == before  # already enriched: nothing asked
    refresh_articles(library, crossref_client, [library.find(RCT)], sources=sources)
    assert sources.requests()["eutils"] == before["eutils"] + 1


def test_pmids_and_pmcids_are_first_class_input(library: Library, both: EnrichServer, crossref_client: Any,
                                                sources: Sources) -> None:  # fmt: skip
    report = import_inputs(library, texts=["PMID: 29768149", "https://pubmed.ncbi.nlm.nih.gov/90000002/",
                                           "PMC9000001", "PMID: 12345"], client=crossref_client,
                           sources=sources)  # fmt: skip
    statuses = {item.label.split(" “")[0]: item.status for item in report.items}
    assert statuses == {"PMID 29768149": "added", "PMID 90000002": "added", "PMC9000001": "added",
                        "PMID 12345": "failed", "doi:10.5555/enrich.rct.0001": "enriched"}  # fmt: skip
    # the PubMed records already gave the other two everything; the open-access one gained its legends
    failed = next(i for i in report.items if i.status == "failed")
    assert failed.message == "PubMed has no record with this PMID"
    rct = library.get(library.find("29768149"))
    assert rct.doi == RCT and rct.title.startswith("Budesonide")  # Crossref's record merged in by its DOI
    assert [t.accession for t in rct.trials] == ["NCT02149199"]
    from_pmc = library.get(library.find("PMC9000001"))
    assert from_pmc.pmid == "90000001" and len(from_pmc.figures) == 2


def test_dropped_pmids_and_broken_full_texts_spare_the_rest(library: Library, both: EnrichServer,
                                                            sources: Sources) -> None:  # fmt: skip
    ids = [library.save(Article(title=d, doi=d), source="crossref").article_id
           for d in ("10.5555/enrich.rct.0001", "10.5555/enrich.rct.0002", "10.5555/enrich.rct.0006")]  # fmt: skip
    both.dropped_pmids = {"90000002"}  # efetch leaves it out silently: Europe PMC's MeSH is used instead
    both.full_text_faults = {"PMC9000001": "truncated"}  # that full text is always cut off
    report = enrich_articles(library, sources, ids)
    items = {item.label: item for item in report.items}
    assert items["doi:10.5555/enrich.rct.0002"].status == "enriched"
    assert items["doi:10.5555/enrich.rct.0002"].message.startswith("Europe PMC: PMID 90000002")
    assert {k.source for k in library.get(ids[1]).keywords} == {"europepmc"}
    cut = items["doi:10.5555/enrich.rct.0001"]
    assert cut.status == "pending" and "full text PMC9000001: Europe PMC sent a malformed or truncated" in cut.message
    assert library.get(ids[0]).pmid == "90000001"  # what did arrive is saved
    assert items["doi:10.5555/enrich.rct.0006"].status == "enriched" and len(library.get(ids[2]).figures) == 3
    assert pending_enrichment(library) == [ids[0]]


def test_dois_europepmc_misses_are_found_through_esearch_and_checked(library: Library, both: EnrichServer,
                                                                     sources: Sources) -> None:  # fmt: skip
    both.search_unknown = {"10.5555/enrich.rct.0004", "10.5555/not.in.pubmed"}
    both.esearch_extra = ["29768149"]  # [doi] is a tokenised Publisher ID search: a near-miss can come back
    ids = [library.save(Article(title=d, doi=d), source="crossref").article_id
           for d in ("10.5555/enrich.rct.0004", "10.5555/not.in.pubmed", "10.5555/enrich.guideline.0005")]  # fmt: skip
    report = enrich_articles(library, sources, ids)
    assert [i.status for i in report.items] == ["enriched", "unchanged", "enriched"]
    assert library.get(ids[0]).pmid == "90000004" and [t.accession for t in library.get(ids[0]).trials] == [
        "NCT02680587"
    ]
    assert library.get(ids[1]).pmid == ""  # the near-miss record's DOI is not this one: not taken
    assert len(both.requests("/efetch.fcgi")) == 1 and len(both.requests("/esearch.fcgi")) == 1


def test_retraction_and_erratum_links_are_kept_beside_crossrefs(library: Library, enrich_server: EnrichServer,
                                                                sources: Sources) -> None:  # fmt: skip
    entry = {**enrich_server.authored[1], "pmid": "90000099", "doi": "10.5555/enrich.retracted"}
    enrich_server.add_record(entry)
    citation = enrich_server.records["90000099"].find("MedlineCitation")
    from xml.etree.ElementTree import SubElement

    links = SubElement(citation, "CommentsCorrectionsList")
    for ref_type, pmid in (("RetractionIn", "90000100"), ("ErratumIn", "90000101"), ("CommentIn", "90000102")):
        link = SubElement(links, "CommentsCorrections", RefType=ref_type)
        SubElement(link, "RefSource").text = "J Test Urol. 2023;1:1"
        SubElement(link, "PMID").text = pmid
    crossref_update = {"direction": "updated-by", "type": "correction", "label": "Correction",
                       "doi": "10.5555/notice", "date": "2023-01-02", "source": "publisher"}  # fmt: skip
    article_id = library.save(Article(title="T", doi="10.5555/enrich.retracted", updates=[crossref_update]),
                              source="crossref").article_id  # fmt: skip
    report = enrich_articles(library, sources, [article_id])
    assert "RETRACTED: RetractionIn PMID 90000100" in report.items[0].message
    article = library.get(article_id)
    assert article.retracted
    assert [(u["type"], u.get("pmid") or u["doi"], u["source"]) for u in article.updates] == [
        ("correction", "10.5555/notice", "publisher"), ("retraction", "90000100", "pubmed"),
        ("erratum", "90000101", "pubmed"),
    ]  # fmt: skip
    # Europe PMC's recorded retracted article: the free-text "Retraction in" is understood too
    from refmgr.core.sources.mapping import article_from_epmc
    from tests.enrich_server import DATA

    recorded = json.loads((DATA / "europepmc_search_core_ext-id-39466770_retracted.json").read_text())
    mapped = article_from_epmc(recorded["resultList"]["result"][0])
    assert mapped.retracted and [(u["type"], u["pmid"]) for u in mapped.updates] == [("retraction", "41926417")]


def test_a_cancelled_enrichment_leaves_the_rest_pending(
    library: Library, enrich_server: EnrichServer, sources: Sources, monkeypatch: pytest.MonkeyPatch
) -> None:
    from refmgr.core.sources import enrich

    monkeypatch.setattr(enrich, "ENRICH_BATCH", 2)
    ids = [library.save(Article(title=e["title"], doi=e["doi"]), source="crossref").article_id
           for e in enrich_server.authored[:5]]  # fmt: skip
    seen: list[str] = []
    report = enrich_articles(library, sources, ids, on_item=lambda item: seen.append(item.status),
                             cancel=lambda: len(seen) >= 2)  # fmt: skip
    assert report.cancelled and seen == ["enriched", "enriched"]
    assert pending_enrichment(library) == ids[2:]  # not lost: `refmgr sync` or `refmgr enrich` picks them up
    assert enrich_articles(library, sources, pending_enrichment(library)).counts() == {"enriched": 3}
