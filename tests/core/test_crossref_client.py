"""The habanero-based client against the loopback Crossref server."""

from __future__ import annotations

import pytest

from refmgr import __version__
from refmgr.core.crossref.client import (
    ERROR,
    FAILED,
    FOUND,
    NON_CROSSREF,
    NOT_FOUND,
    CrossrefClient,
    client_from_settings,
    quote_doi,
)  # fmt: skip
from refmgr.core.crossref.ratelimit import LIST, Limit, RateLimiter
from refmgr.core.settings import Settings
from tests.crossref_server import CrossrefServer, FakeClock

SEED_DOIS = [
    "10.1016/j.eururo.2022.03.006", "10.1016/j.ejca.2018.07.005", "10.1200/OP.21.00419",
    "10.1200/JCO.2020.38.6_suppl.642", "10.1016/S0140-6736(98)03544-2",
]  # fmt: skip


def test_batched_fetch_uses_one_list_request_per_chunk(crossref_server: CrossrefServer, crossref_client) -> None:
    crossref_client.batch_size = 3
    results = crossref_client.fetch(SEED_DOIS)
    assert {d: r.status for d, r in results.items()} == {d.lower(): FOUND for d in SEED_DOIS}
    assert results["10.1200/op.21.00419"].work["container-title"] == ["JCO Oncology Practice"]
    lists = crossref_server.requests("list")
    assert len(lists) == 2 and crossref_server.requests("single") == []
    assert [len(r.filter_dois) for r in lists] == [3, 2]
    assert lists[0].query["rows"] == ["3"]
    assert crossref_client.requests_made == 2


def test_user_agent_names_refmgr_and_the_mailto(crossref_server: CrossrefServer, crossref_client) -> None:
    crossref_client.fetch(SEED_DOIS[:1])
    agent = crossref_server.log[0].headers["user-agent"]
    assert f"refmgr/{__version__}" in agent
    assert "mailto:clinician@example.org" in agent


def test_absent_dois_are_explained_through_the_agency_route(crossref_server: CrossrefServer, crossref_client) -> None:
    results = crossref_client.fetch(["10.5281/zenodo.3233118", "10.1371/notarealdoi", "10.1038/srep16696"])
    assert results["10.5281/zenodo.3233118"].status == NON_CROSSREF
    assert results["10.5281/zenodo.3233118"].reason == "registered with DataCite, not Crossref"
    assert results["10.1371/notarealdoi"].status == NOT_FOUND
    assert results["10.1038/srep16696"].status == FOUND
    singles = [r.path for r in crossref_server.requests("single")]
    assert sorted(singles) == ["/works/10.1371/notarealdoi/agency", "/works/10.5281/zenodo.3233118/agency"]


def test_single_lookup_percent_encodes_awkward_dois(crossref_server: CrossrefServer, crossref_client) -> None:
    assert quote_doi('10.1234/a#b?c%d "e"') == "10.1234/a%23b%3Fc%25d%20%22e%22"
    sici = "10.1002/(sici)1097-4636(199605)31:1<1::aid-jbm1>3.0.co;2-t"
    for doi in ("10.1234/ab#c?d%e", sici):
        crossref_server.add({**crossref_server.records["10.1038/srep16696"], "DOI": doi})
        lookup = crossref_client.work(doi)
        assert lookup.status == FOUND and lookup.work["DOI"] == doi
    assert crossref_server.log[0].path == "/works/10.1234/ab%23c%3Fd%25e"


def test_429_is_retried_after_retry_after(
    crossref_server: CrossrefServer, crossref_client, fake_clock: FakeClock
) -> None:
    crossref_server.retry_after = "12"
    crossref_server.fail_next("429", "503")
    results = crossref_client.fetch(SEED_DOIS[:2])
    assert all(r.status == FOUND for r in results.values())
    assert [r.fault for r in crossref_server.log] == ["429", "503", ""]
    assert 12.0 in fake_clock.sleeps and 2.0 in fake_clock.sleeps


@pytest.mark.parametrize("fault", ["500", "html", "truncated", "drop", "empty"])
def test_transient_faults_are_retried(crossref_server: CrossrefServer, crossref_client, fault: str) -> None:
    crossref_server.fail_next(fault)
    lookup = crossref_client.work("10.1038/srep16696")
    assert lookup.status == FOUND
    assert [r.fault for r in crossref_server.log] == [fault, ""]


def test_retries_are_bounded(crossref_server: CrossrefServer, crossref_client, fake_clock: FakeClock) -> None:
    crossref_server.fault_all = "500"
    results = crossref_client.fetch(SEED_DOIS[:2])
    assert {r.status for r in results.values()} == {FAILED}
    assert results["10.1016/j.eururo.2022.03.006"].reason == "Crossref answered HTTP 500"
    assert len(crossref_server.log) == crossref_client.max_retries + 1
    assert fake_clock.sleeps == [1.0, 2.0, 4.0, 8.0]


def test_html_maintenance_page_is_reported(crossref_server: CrossrefServer, crossref_client) -> None:
    crossref_server.fault_all = "html"
    lookup = crossref_client.work("10.1038/srep16696")
    assert lookup.status == FAILED and "HTML" in lookup.reason


def test_bad_request_is_permanent(crossref_server: CrossrefServer, crossref_client) -> None:
    crossref_server.fail_doi("10.1000/bad", "500")
    crossref_server.doi_faults.clear()
    crossref_server.records["10.1000/bad"] = crossref_server.records["10.1038/srep16696"]
    assert crossref_client.work("10.1000/bad").status == FOUND


def test_connection_refused_fails_fast(crossref_server: CrossrefServer, fake_clock: FakeClock) -> None:
    url = crossref_server.url
    crossref_server.stop()
    limiter = RateLimiter(clock=fake_clock, sleep=fake_clock.sleep)
    with CrossrefClient(url, mailto="x@example.org", limiter=limiter, batch_size=2) as client:
        results = client.fetch(SEED_DOIS)
        assert {r.status for r in results.values()} == {FAILED}
        assert "cannot connect" in results["10.1016/j.eururo.2022.03.006"].reason
        assert client.requests_made == 2  # one try and one retry, then the other batches fail without a request
        fake_clock.now += 31.0
        assert client.work(SEED_DOIS[0]).status == FAILED
        assert client.requests_made == 4  # after the hold the host is asked again


def test_dns_failure_is_offline(fake_clock: FakeClock) -> None:
    limiter = RateLimiter(clock=fake_clock, sleep=fake_clock.sleep)
    with CrossrefClient("http://crossref.invalid", limiter=limiter) as client:
        lookup = client.work("10.1038/srep16696")
    assert lookup.status == FAILED
    assert lookup.reason == "cannot find crossref.invalid (DNS failure; offline?)"


def test_timeout_is_transient(crossref_server: CrossrefServer, fake_clock: FakeClock) -> None:
    crossref_server.delay = 0.5
    crossref_server.fail_next("delay")
    limiter = RateLimiter(clock=fake_clock, sleep=fake_clock.sleep)
    with CrossrefClient(crossref_server.url, limiter=limiter, timeout=0.1) as client:
        lookup = client.work("10.1038/srep16696")
    assert lookup.status == FOUND
    assert [r.fault for r in crossref_server.log] == ["delay", ""]
    assert fake_clock.sleeps == [1.0]


def test_headers_from_the_server_reach_the_limiter(crossref_server: CrossrefServer, crossref_client) -> None:
    crossref_server.limits["polite-array"] = (2, 1)
    crossref_client.fetch(SEED_DOIS[:1])
    assert crossref_client.limiter.limits[LIST] == Limit(2, 1.0, 1)


def test_list_requests_are_paced_in_real_time(crossref_server: CrossrefServer) -> None:
    limiter = RateLimiter()
    limiter.limits[LIST] = Limit(10, 1.0, 1)
    crossref_server.limits["public-array"] = (10, 1)
    with CrossrefClient(crossref_server.url, limiter=limiter, batch_size=1) as client:
        client.fetch(SEED_DOIS)
    times = [r.time for r in crossref_server.requests("list")]
    assert len(times) == 5
    # Three spacings of 0.1 s after the second request (the first one's connection set-up may delay it). The server
    # stamps a request when its handler thread runs, which a loaded machine delays by some milliseconds: unpaced,
    # the five requests would take a few milliseconds in all.
    assert times[-1] - times[1] >= 0.25


def test_bibliographic_query(crossref_server: CrossrefServer, crossref_client) -> None:
    items = crossref_client.query_bibliographic("Tran Ornstein metastatic renal cell carcinoma JCO Oncol Pract 2022")
    assert items[0]["DOI"] == "10.1200/OP.21.00419"
    request = crossref_server.requests("list")[0]
    assert request.query["rows"] == ["5"] and "query.bibliographic" in request.query


def test_permanent_errors_do_not_retry(crossref_server: CrossrefServer, crossref_client) -> None:
    crossref_server.records.clear()
    lookup = crossref_client.work("10.1000/xyz")
    assert lookup.status == NOT_FOUND
    assert lookup.status != ERROR


def test_client_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFMGR_CROSSREF_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("REFMGR_MAILTO", "me@example.org")
    with client_from_settings(Settings(crossref_url="http://ignored")) as client:
        assert client.base_url == "http://127.0.0.1:9"
        assert client.mailto == "me@example.org"
        assert client.limiter.concurrency == 3


def test_chunks_respect_count_and_url_length(crossref_client) -> None:
    short = [f"10.5555/{n}" for n in range(250)]
    assert [len(c) for c in crossref_client.chunks(short)] == [100, 100, 50]
    long = [f"10.5555/{'x' * 90}{n}" for n in range(100)]
    sizes = [len(c) for c in crossref_client.chunks(long)]
    assert sum(sizes) == 100 and max(sizes) <= 41
