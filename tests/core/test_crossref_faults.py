"""Bad replies to a batch are the fault of one item: the batch is split, the others complete, that one waits."""

from __future__ import annotations

import copy

import pytest

from refmgr.core.crossref.client import ERROR, FAILED, FOUND, SPLIT_STREAK_LIMIT, CrossrefClient
from refmgr.core.crossref.transport import MAX_WORK_BYTES, STEP, reply_limit
from refmgr.core.intake import import_inputs, pending_dois, sync_pending
from refmgr.core.library import Library
from tests.crossref_server import CrossrefServer, LoggedRequest

SEED = ["10.1016/j.eururo.2022.03.006", "10.1016/j.ejca.2018.07.005", "10.1200/op.21.00419",
        "10.1016/s0140-6736(98)03544-2"]  # fmt: skip
BAD = "10.1200/op.21.00419"
REASONS = {
    "html": "Crossref sent an HTML page instead of JSON",
    "truncated": "Crossref sent truncated JSON (the reply was cut off)",
    "empty": "Crossref sent an empty reply",
}


def _shape(request: LoggedRequest) -> tuple[str, str]:
    """A request as (what it asked for, the fault it got)."""
    asked = f"list of {len(request.filter_dois)}" if request.is_list else request.path
    return asked, request.fault


def _synthetic(server: CrossrefServer, count: int) -> list[str]:
    """Register `count` works on Crossref's test prefix; return their DOIs."""
    dois = []
    for number in range(count):
        work = copy.deepcopy(server.records[SEED[0]])
        work["DOI"] = doi = f"10.5555/split.{number:03d}"
        server.add(work)
        dois.append(doi)
    return dois


@pytest.mark.parametrize("fault", sorted(REASONS))
def test_one_bad_reply_in_a_batch_keeps_only_that_doi_pending(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient, fault: str
) -> None:
    crossref_server.fail_doi(BAD, fault)
    report = import_inputs(library, texts=[" ".join(SEED)], client=crossref_client)
    statuses = {item.label.split(" ")[0]: (item.status, item.message) for item in report.items}
    assert {doi: statuses[f"doi:{doi}"][0] for doi in SEED} == {
        SEED[0]: "added", SEED[1]: "added", BAD: "pending", SEED[3]: "added",
    }  # fmt: skip
    assert statuses[f"doi:{BAD}"][1] == f"{REASONS[fault]}; kept for `refmgr sync`"
    assert pending_dois(library) == [(BAD, REASONS[fault], 1, None)]
    # The batch is tried 5 times (4 retries), then halved: the good half completes in one request, the bad
    # half is split into single lookups, asked once each since the batch already showed the fault persists.
    assert [_shape(r) for r in crossref_server.log] == [("list of 4", fault)] * 5 + [
        ("list of 2", ""), ("list of 2", fault), (f"/works/{BAD}", fault), (f"/works/{SEED[3]}", ""),
    ]  # fmt: skip
    crossref_server.doi_faults.clear()
    synced = sync_pending(library, crossref_client)
    assert [(i.label.split(" ")[0], i.status) for i in synced.items] == [(f"doi:{BAD}", "added")]
    assert pending_dois(library) == [] and library.count() == 4


def test_splitting_a_full_batch_finds_the_bad_doi_in_few_requests(
    crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    dois = _synthetic(crossref_server, 100)
    crossref_server.fail_doi(dois[37], "truncated")
    results = crossref_client.fetch(dois)
    assert [d for d, r in results.items() if r.status != FOUND] == [dois[37]]
    assert results[dois[37]].status == FAILED
    failed = [_shape(r)[0] for r in crossref_server.log if r.fault]
    # 5 tries of the batch, then one bad half per level and the single lookup; each good half is one request.
    assert failed == ["list of 100"] * 5 + ["list of 50", "list of 25", "list of 13", "list of 6", "list of 3"] + [
        f"/works/{dois[37]}"
    ]
    assert len(crossref_server.log) == 17


def test_two_bad_dois_in_one_batch_are_both_isolated(
    crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    dois = _synthetic(crossref_server, 40)
    crossref_server.fail_doi(dois[3], "html")
    crossref_server.fail_doi(dois[30], "empty")
    results = crossref_client.fetch(dois)
    assert {d: r.reason for d, r in results.items() if r.status != FOUND} == {
        dois[3]: REASONS["html"], dois[30]: REASONS["empty"],
    }  # fmt: skip
    assert sum(r.status == FOUND for r in results.values()) == 38


def test_a_server_wide_bad_reply_is_not_split_down_to_every_doi(
    crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    dois = _synthetic(crossref_server, 150)
    crossref_server.fault_all = "html"
    results = crossref_client.fetch(dois)
    assert {(r.status, r.reason) for r in results.values()} == {(FAILED, REASONS["html"])}
    # The first batch: 5 tries, its two halves, then two of the quarters (SPLIT_STREAK_LIMIT bad replies in a
    # row); the next batch is tried as usual but no longer split.
    assert [_shape(r) for r in crossref_server.log] == [("list of 100", "html")] * 5 + [
        ("list of 50", "html"), ("list of 50", "html"), ("list of 25", "html"), ("list of 25", "html"),
    ] + [("list of 50", "html")] * 5  # fmt: skip
    assert SPLIT_STREAK_LIMIT == 4


def test_a_network_outage_during_a_batch_is_not_split(
    crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    crossref_server.fail_doi(BAD, "503")
    results = crossref_client.fetch(SEED)
    assert {r.reason for r in results.values()} == {"Crossref answered HTTP 503"}
    assert [_shape(r) for r in crossref_server.log] == [("list of 4", "503")] * 5


def test_a_work_announced_over_the_cap_is_refused_unread_and_the_batch_completes(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    huge = copy.deepcopy(crossref_server.records[SEED[0]])
    huge["DOI"] = "10.5555/forty-megabytes"
    huge["abstract"] = "<jats:p>" + "a" * (40 * 2**20) + "</jats:p>"
    crossref_server.add(huge)
    report = import_inputs(library, texts=[" ".join([*SEED, huge["DOI"]])], client=crossref_client)
    statuses = {item.label.split(" ")[0]: (item.status, item.message) for item in report.items}
    assert [statuses[f"doi:{doi}"][0] for doi in SEED] == ["added"] * 4
    status, message = statuses["doi:10.5555/forty-megabytes"]
    assert status == "failed"
    assert message == "Crossref's reply was too large (40.0 MB announced; the limit is 5.0 MB)"
    assert pending_dois(library) == [] and library.count() == 4
    # Never retried (the record will not shrink): the batch once, its halves, then singles of the bad half.
    assert [_shape(r)[0] for r in crossref_server.log] == [
        "list of 5", "list of 2", "list of 3", "list of 2", f"/works/{SEED[2]}", f"/works/{SEED[3]}",
        "/works/10.5555/forty-megabytes",
    ]  # fmt: skip
    assert crossref_client.bytes_received < 2**20  # only the small replies were read


def test_a_streamed_reply_is_cut_off_at_the_cap(
    crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    crossref_server.fail_next("huge")
    lookup = crossref_client.work(SEED[0])
    assert lookup.status == ERROR
    assert lookup.reason == "Crossref's reply was too large (cut off past the limit of 5.0 MB)"
    assert MAX_WORK_BYTES < crossref_client.bytes_received <= MAX_WORK_BYTES + STEP
    assert [r.fault for r in crossref_server.log] == ["huge"]
    assert crossref_client.work(SEED[0]).status == FOUND  # the connection pool recovered


def test_a_streamed_reply_in_a_batch_fails_only_its_doi(
    crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    crossref_server.fail_doi(SEED[1], "huge")
    results = crossref_client.fetch(SEED)
    assert {d: r.status for d, r in results.items()} == {SEED[0]: FOUND, SEED[1]: ERROR, BAD: FOUND, SEED[3]: FOUND}
    # The list reply is cut at the cap for 4 works, the half with SEED[1] at that for 2, the single at 5 MB.
    assert crossref_client.bytes_received <= reply_limit(4) + reply_limit(2) + reply_limit(1) + 3 * 2**20


def test_reply_limits_grow_with_the_batch() -> None:
    assert reply_limit(1) == MAX_WORK_BYTES == 5 * 2**20
    assert reply_limit(100) == 5 * 2**20 + 99 * 256 * 2**10


def test_nothing_broken_costs_one_request_per_hundred_dois(
    crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    dois = _synthetic(crossref_server, 250)
    results = crossref_client.fetch(dois)
    assert {r.status for r in results.values()} == {FOUND}
    assert [len(r.filter_dois) for r in crossref_server.log] == [100, 100, 50]


def test_compressed_replies_are_read_and_a_compression_bomb_is_cut_off(
    crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    crossref_server.gzip = True
    lookup = crossref_client.work(SEED[0])
    assert lookup.status == FOUND and lookup.work["DOI"].lower() == SEED[0]
    assert crossref_server.log[0].headers["accept-encoding"] == "gzip, deflate"
    bomb = copy.deepcopy(crossref_server.records[SEED[1]])
    bomb["DOI"] = "10.5555/bomb"
    bomb["abstract"] = "a" * (40 * 2**20)  # about 40 KB once compressed: under the cap until decoded
    crossref_server.add(bomb)
    received = crossref_client.bytes_received
    lookup = crossref_client.work("10.5555/bomb")
    assert lookup.status == ERROR
    assert lookup.reason == "Crossref's reply was too large (cut off past the limit of 5.0 MB)"
    assert crossref_client.bytes_received - received <= MAX_WORK_BYTES + STEP  # decoded a step at a time
