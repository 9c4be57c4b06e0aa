"""PubMed and Europe PMC clients against the loopback server: batching, matching, limits and bad replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refmgr.core.crossref.ratelimit import RateLimiter
from refmgr.core.sources.enrich import Sources
from refmgr.core.sources.europepmc import BATCH, MAX_GET_QUERY, as_pmcid, is_open_access
from refmgr.core.sources.fulltext import MAX_LEGEND_CHARS, parse_full_text
from refmgr.core.sources.pubmed import EFETCH_BATCH, article_from_record, parse_esearch, record_doi
from refmgr.core.sources.service import ServiceClient, SourceError
from tests.crossref_server import FakeClock
from tests.enrich_server import DATA, EnrichServer, jats_xml

RCT = "10.1056/nejmoa1715274"  # PMID 29768149, NEJM, NCT02149199 in its DataBankList


def test_europepmc_batches_dois_twenty_per_search_and_matches_by_identifier(
    enrich_server: EnrichServer, sources: Sources
) -> None:
    known = [(e["doi"], e["pmid"]) for e in enrich_server.authored] + [(RCT, "29768149")]
    unknown = [f"10.5555/absent.{n}" for n in range(40)]
    keys = [("doi", d) for d, _ in known] + [("doi", d) for d in unknown]
    outcome = sources.europepmc.lookup(keys)
    searches = enrich_server.requests("/search") + enrich_server.requests("/searchPOST")
    assert len(searches) == -(-len(keys) // BATCH) == 3  # 49 DOIs: at most one request per 20
    assert {k[1]: r["pmid"] for k, r in outcome.found.items()} == dict(known)  # shuffled replies, matched by DOI
    assert not outcome.failed
    assert all(r.params["resultType"] == ["core"] and r.params["format"] == ["json"] for r in searches)


def test_long_queries_go_to_search_post(enrich_server: EnrichServer, sources: Sources) -> None:
    long_dois = [f"10.5555/a-rather-long-suffix-for-a-doi-{'x' * 60}.{n}" for n in range(19)] + [RCT]
    outcome = sources.europepmc.lookup([("doi", d) for d in long_dois])
    (request,) = enrich_server.requests()
    assert request.method == "POST" and request.path.endswith("/searchPOST")
    assert len(request.params["query"][0]) > MAX_GET_QUERY
    assert outcome.found[("doi", RCT)]["pmid"] == "29768149"


def test_efetch_posts_at_most_200_pmids_with_tool_and_email(enrich_server: EnrichServer, sources: Sources) -> None:
    pmids = [str(90000000 + n) for n in range(1, 9)] + [str(80000000 + n) for n in range(400)]
    outcome = sources.pubmed.efetch(pmids)
    fetches = enrich_server.requests("/efetch.fcgi")
    assert len(fetches) == 3 and all(r.method == "POST" for r in fetches)
    assert max(len(r.params["id"][0].split(",")) for r in fetches) == EFETCH_BATCH
    assert all(r.params["tool"] == ["refmgr"] and r.params["email"] == ["dev@example.org"] for r in fetches)
    assert all("api_key" not in r.params for r in fetches)
    assert sorted(outcome.records) == [str(90000000 + n) for n in range(1, 9)]  # unknown PMIDs are simply absent
    assert not outcome.failed


def test_the_users_ncbi_key_is_sent_and_raises_the_pace(enrich_server: EnrichServer) -> None:
    from refmgr.core.sources.enrich import make_sources

    clock = FakeClock()
    with make_sources(enrich_server.europepmc_url, enrich_server.eutils_url, "a@example.org", api_key="k123",
                      eutils_limiter=RateLimiter(clock=clock, sleep=clock.sleep)) as keyed:  # fmt: skip
        assert keyed.pubmed.service.limiter.limits
        keyed.pubmed.efetch(["29768149"])
    assert enrich_server.requests("/efetch.fcgi")[0].params["api_key"] == ["k123"]
    from refmgr.core.crossref.ratelimit import SINGLE, shared_limiter
    from refmgr.core.sources.pubmed import WITH_KEY, WITHOUT_KEY

    assert shared_limiter("ncbi.example:1", True, WITH_KEY).limits[SINGLE].requests == 10
    assert shared_limiter("ncbi.example:1", False, WITHOUT_KEY).limits[SINGLE].requests == 3


def test_429_is_retried_after_the_servers_retry_after(enrich_server: EnrichServer, sources: Sources) -> None:
    enrich_server.retry_after = "7"
    enrich_server.fail_next("eutils", "429", "429")
    outcome = sources.pubmed.efetch(["29768149"])
    assert list(outcome.records) == ["29768149"]
    assert sources.pubmed.service.stats.too_many == 2
    clock = sources.pubmed.service.limiter.clock
    assert clock.sleeps and max(clock.sleeps) >= 7  # Retry-After honoured (longer than the 1 s, 2 s backoff)


def test_efetch_that_drops_pmids_leaves_them_absent(enrich_server: EnrichServer, sources: Sources) -> None:
    enrich_server.dropped_pmids = {"33474827"}
    outcome = sources.pubmed.efetch(["29768149", "33474827"])
    assert list(outcome.records) == ["29768149"] and not outcome.failed


def test_html_maintenance_page_and_server_errors_fail_with_a_reason(enrich_server: EnrichServer,
                                                                    sources: Sources) -> None:  # fmt: skip
    enrich_server.fault_all["eutils"] = "html"
    outcome = sources.pubmed.efetch(["29768149"])
    assert outcome.failed == {"29768149": "PubMed sent an HTML page instead of data (maintenance?)"}
    assert len(enrich_server.requests("/efetch.fcgi")) == 2  # asked once more, then left pending
    enrich_server.fault_all["eutils"] = "503"
    with pytest.raises(SourceError, match="HTTP 503") as error:
        sources.pubmed.service.request("GET", "/efetch.fcgi", lambda body: body, 1000)
    assert error.value.transient


def test_truncated_efetch_keeps_the_complete_records(enrich_server: EnrichServer, sources: Sources) -> None:
    enrich_server.fail_next("eutils", "truncated", "truncated")
    outcome = sources.pubmed.efetch(["29768149"])
    assert not outcome.records
    assert "malformed or truncated" in outcome.failed["29768149"]


def test_a_malformed_search_reply_is_split_to_spare_the_other_dois(enrich_server: EnrichServer,
                                                                   sources: Sources) -> None:  # fmt: skip
    enrich_server.fail_next("europepmc", "json-garbage", "json-garbage")  # the batch and its retry
    outcome = sources.europepmc.lookup([("doi", RCT), ("doi", "10.5555/enrich.rct.0002")])
    assert set(outcome.found) == {("doi", RCT), ("doi", "10.5555/enrich.rct.0002")}


def test_offline_services_fail_fast(tmp_path: Path) -> None:
    clock = FakeClock()
    service = ServiceClient("PubMed", "http://127.0.0.1:9/entrez/eutils", RateLimiter(clock=clock, sleep=clock.sleep))
    with pytest.raises(SourceError, match="offline") as error:
        service.request("GET", "/efetch.fcgi", lambda body: body, 1000)
    assert error.value.offline and service.stats.requests == 2
    with pytest.raises(SourceError, match="offline"):
        service.request("GET", "/efetch.fcgi", lambda body: body, 1000)
    assert service.stats.requests == 2  # held offline without asking again
    service.close()


def test_esearch_by_doi_gives_candidates(enrich_server: EnrichServer, sources: Sources) -> None:
    pmids, failed = sources.pubmed.esearch_dois(["10.5555/enrich.rct.0002", "10.5555/nowhere"])
    assert pmids == ["90000002"] and not failed
    recorded = (DATA / "esearch_pubmed_doi_10.1056_nejmoa1504720.json").read_bytes()
    assert parse_esearch(recorded) == ["26378978"]


def test_pubmed_record_mapping_trials_mesh_and_own_identifiers() -> None:
    from defusedxml.ElementTree import fromstring

    rct = fromstring((DATA / "efetch_pubmed_29768149_rct-databank.xml").read_bytes()).find("PubmedArticle")
    article = article_from_record(rct)
    assert [(t.accession, t.registry, t.source) for t in article.trials] == [
        ("NCT02149199", "ClinicalTrials.gov", "pubmed")
    ]
    assert "Randomized Controlled Trial" in article.publication_types
    assert all(k.source == "pubmed" for k in article.keywords) and any(k.major for k in article.keywords)
    lung = fromstring((DATA / "efetch_pubmed_33474827_thorac-cancer.xml").read_bytes()).find("PubmedArticle")
    mapped = article_from_record(lung)
    assert mapped.pmcid == "PMC7919130"  # the article's own, not a reference's PMC4452852
    assert record_doi(lung) == "10.1111/1759-7714.13823"
    nsclc = next(k for k in mapped.keywords if k.term == "Carcinoma, Non-Small-Cell Lung")
    assert nsclc.major and nsclc.qualifiers == ["blood", "pathology"]


def test_full_text_figures_everywhere_with_licence() -> None:
    recorded = parse_full_text((DATA / "europepmc_fulltextxml_PMC8249384.xml").read_bytes())
    assert recorded.figures and recorded.figures[0].label.startswith("Fig")
    assert recorded.license == "https://creativecommons.org/licenses/by/4.0/"
    assert all(f.source == "europepmc" for f in recorded.figures)
    old_style = parse_full_text((DATA / "pmc_oa_jats_PMC3574550_annonc-mds526.nxml").read_bytes())
    assert [f.label for f in old_style.figures] == ["Figure 1.", "Figure 2."]
    assert old_style.license.startswith("http")
    caption = "<title>Design</title><p>The <italic>flow</italic>.</p>"
    floats = parse_full_text(jats_xml({"pmcid": "PMC1", "doi": "10.5555/x", "title": "T",
                                       "figures": [["Figure 1", caption]]}))  # fmt: skip
    assert [(f.label, f.legend) for f in floats.figures] == [("Figure 1", "Design. The flow.")]


def test_hostile_captions_are_text_and_bounded() -> None:
    script = "<title>Survival</title><p>Curves<script>alert('x')</script> by arm.</p>"
    huge = "<p>" + "word " * 20_000 + "</p>"
    parsed = parse_full_text(jats_xml({"pmcid": "PMC1", "doi": "10.5555/x", "title": "T",
                                       "figures": [["Figure 1", script], ["Figure 2", huge]]}))  # fmt: skip
    assert parsed.figures[0].legend == "Survival. Curves by arm."
    assert len(parsed.figures[1].legend) <= MAX_LEGEND_CHARS + 2
    assert parsed.notes == ["Figure 2: legend of 99,999 characters cut to 10,000"]
    empty = parse_full_text(b'<article><front><article-meta/></front><body><p>No figures.</p></body></article>')
    assert empty.figures == [] and empty.license == ""
    with pytest.raises(ValueError, match="not a JATS article"):
        parse_full_text(b"<html><body>maintenance</body></html>")


def test_pmcids_without_their_prefix_are_understood() -> None:
    assert as_pmcid("8249384") == as_pmcid("PMC8249384") == as_pmcid("pmc8249384") == "PMC8249384"
    assert as_pmcid("") == as_pmcid("0") == as_pmcid("PMCabc") == ""
    assert is_open_access({"isOpenAccess": "Y", "pmcid": "8249384"})
    assert not is_open_access({"isOpenAccess": "N", "pmcid": "PMC1"})
    recorded = json.loads((DATA / "europepmc_search_core_ext-id-39466770_retracted.json").read_text())
    assert is_open_access(recorded["resultList"]["result"][0])


def test_services_on_crossrefs_host_get_their_own_limiters() -> None:
    from refmgr.core.crossref.client import CrossrefClient
    from refmgr.core.sources.enrich import make_sources

    made = make_sources("http://127.0.0.1:9/europepmc", "http://127.0.0.1:9/eutils")
    with made, CrossrefClient("http://127.0.0.1:9", mailto="a@example.org") as crossref:
        limiters = {id(made.europepmc.service.limiter), id(made.pubmed.service.limiter), id(crossref.limiter)}
        assert len(limiters) == 3
        assert {"single", "list"} <= set(crossref.limiter.limits)


def test_cancelled_pubmed_requests_name_what_was_not_asked(sources: Sources) -> None:
    outcome = sources.pubmed.efetch(["29768149", "33474827"], cancel=lambda: True)
    assert outcome.failed == dict.fromkeys(["29768149", "33474827"], "cancelled before PubMed was asked")
    pmids, failed = sources.pubmed.esearch_dois(["10.5555/x"], cancel=lambda: True)
    assert pmids == [] and failed == {"10.5555/x": "cancelled before PubMed was asked"}


def test_europe_pmc_links_are_identifiers_too() -> None:
    from refmgr.core.identifiers import Identifier, extract_identifiers

    text = "https://europepmc.org/article/MED/30779529 https://europepmc.org/abstract/MED/123 " \
           "https://europepmc.org/article/PMC/PMC8249384"  # fmt: skip
    assert extract_identifiers(text) == [
        Identifier("pmid", "30779529"), Identifier("pmid", "123"), Identifier("pmcid", "PMC8249384"),
    ]  # fmt: skip


def test_a_contact_email_with_a_line_break_is_refused_before_any_request(enrich_server: EnrichServer) -> None:
    from refmgr.core.sources.enrich import make_sources

    with pytest.raises(ValueError, match="line break"):
        make_sources(enrich_server.europepmc_url, enrich_server.eutils_url, "me@example.org\r\nX-Evil: 1")
    assert enrich_server.requests() == []
