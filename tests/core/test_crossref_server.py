"""The loopback Crossref stand-in answers like api.crossref.org."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.crossref_server import CrossrefServer, seed_reference_texts


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_single_work_recorded_and_authored(crossref_server: CrossrefServer) -> None:
    status, headers, body = _get(crossref_server.url + "/works/10.1016/S0140-6736(97)11096-0")
    assert status == 200
    assert json.loads(body)["message"]["DOI"] == "10.1016/s0140-6736(97)11096-0"
    assert headers["x-rate-limit-limit"] == "5" and headers["x-api-pool"] == "public-single"
    status, _, body = _get(crossref_server.url + "/works/10.1016%2Fj.eururo.2022.03.006")
    assert json.loads(body)["message"]["volume"] == "82"


def test_unknown_doi_is_plain_text_404(crossref_server: CrossrefServer) -> None:
    status, headers, body = _get(crossref_server.url + "/works/10.1371/notarealdoi")
    assert (status, body) == (404, b"Resource not found.")
    assert headers["Content-Type"] == "text/plain"


def test_filter_returns_known_items_lower_cased(crossref_server: CrossrefServer) -> None:
    url = crossref_server.url + "/works?filter=doi:10.1200/OP.21.00419,doi:10.1371/nothing,doi:10.1038/srep16696&rows=3"
    status, _, body = _get(url)
    message = json.loads(body)["message"]
    assert status == 200 and message["total-results"] == 2
    assert sorted(item["DOI"] for item in message["items"]) == ["10.1038/srep16696", "10.1200/op.21.00419"]
    sent = crossref_server.requests("list")[0].filter_dois
    assert sent == ["10.1200/OP.21.00419", "10.1371/nothing", "10.1038/srep16696"]


def test_bibliographic_query_ranks_the_right_edition_first(crossref_server: CrossrefServer) -> None:
    reference = seed_reference_texts()[0]
    url = crossref_server.url + "/works?rows=5&query.bibliographic=" + urllib.request.quote(reference)
    items = json.loads(_get(url)[2])["message"]["items"]
    dois = [item["DOI"] for item in items]
    assert dois[0] == "10.1016/j.eururo.2022.03.006"
    assert {"10.1016/j.eururo.2019.02.011", "10.1016/j.eururo.2015.01.005"} <= set(dois)
    assert items[0]["score"] > items[1]["score"] > 0


def test_faults_in_order(crossref_server: CrossrefServer) -> None:
    crossref_server.fail_next("429", "html", "500")
    status, headers, _ = _get(crossref_server.url + "/works/10.1038/srep16696")
    assert status == 429 and headers["Retry-After"] == "1"
    status, headers, body = _get(crossref_server.url + "/works/10.1038/srep16696")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and body.startswith(b"<!DOCTYPE")
    assert _get(crossref_server.url + "/works/10.1038/srep16696")[0] == 500
    assert _get(crossref_server.url + "/works/10.1038/srep16696")[0] == 200
    assert [r.fault for r in crossref_server.log] == ["429", "html", "500", ""]


def test_dropped_connection(crossref_server: CrossrefServer) -> None:
    crossref_server.fail_next("drop")
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        _get(crossref_server.url + "/works/10.1038/srep16696")


def test_seed_reference_texts() -> None:
    texts = seed_reference_texts()
    assert len(texts) == 5
    assert texts[0].startswith("Ljungberg B, Albiges L") and texts[0].endswith("2022;82:399–410.")
    assert texts[4].endswith("The Lancet. 1999;353:14–7.")


def test_enforced_limits_refuse_a_burst(crossref_server: CrossrefServer) -> None:
    crossref_server.enforce_limits = True
    statuses = [_get(crossref_server.url + "/works?filter=doi:10.1038/srep16696")[0] for _ in range(3)]
    assert statuses == [200, 429, 429] and crossref_server.refused == 2
