"""intake.import_inputs / sync_pending / refresh_articles against the loopback Crossref server."""

from __future__ import annotations

from pathlib import Path

from refmgr.core.crossref import cache
from refmgr.core.crossref.client import CrossrefClient
from refmgr.core.crossref.ratelimit import RateLimiter
from refmgr.core.importer import ItemReport
from refmgr.core.intake import NO_CLIENT, import_inputs, pending_dois, refresh_articles, sync_pending
from refmgr.core.library import Library
from refmgr.core.lists import create_list, list_items
from refmgr.core.model import Article, Author
from tests.crossref_server import CrossrefServer, FakeClock

SEED_REFS = (
    "Refs: doi:10.1016/j.eururo.2022.03.006; https://doi.org/10.1016/j.ejca.2018.07.005, "
    "10.1200/OP.21.00419 and DOI 10.1016/S0140-6736(98)03544-2."
)


def _statuses(report) -> dict[str, str]:
    return {item.label.split(" ")[0]: item.status for item in report.items}


def test_dois_in_text_are_fetched_in_one_batch_and_saved(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    seen: list[ItemReport] = []
    progress: list[tuple[int, int]] = []
    report = import_inputs(library, texts=[SEED_REFS], client=crossref_client, on_item=seen.append,
                           progress=lambda done, total: progress.append((done, total)))  # fmt: skip
    assert _statuses(report) == {
        "doi:10.1016/j.eururo.2022.03.006": "added", "doi:10.1016/j.ejca.2018.07.005": "added",
        "doi:10.1200/op.21.00419": "added", "doi:10.1016/s0140-6736(98)03544-2": "added",
    }  # fmt: skip
    assert seen == report.items and report.ok
    assert len(crossref_server.log) == 1 and crossref_server.log[0].is_list
    assert progress[-1] == (5, 5)
    article = library.get(library.find("10.1200/OP.21.00419"))
    assert article.journal == "JCO Oncology Practice" and article.authors[1].orcid == "0000-0003-1212-1751"
    assert article.source == "crossref"
    assert cache.fetched_at(library, "10.1200/op.21.00419") is not None


def test_complete_articles_are_duplicates_without_a_request(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    library.save(Article(title="Clinical review", doi="10.1200/op.21.00419", year=2022, authors=[Author("Tran", "J")]))
    report = import_inputs(library, texts=["10.1200/OP.21.00419"], client=crossref_client)
    assert [(i.status, i.message) for i in report.items] == [("duplicate", "already in the library")]
    assert crossref_server.log == []


def test_cache_avoids_a_second_fetch_and_refresh_bypasses_it(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    first = import_inputs(library, texts=["10.1038/srep16696"], client=crossref_client)
    library.delete(first.article_ids)
    again = import_inputs(library, texts=["10.1038/srep16696"], client=crossref_client)
    assert [(i.status, i.message) for i in again.items] == [("added", "from the cache")]
    assert len(crossref_server.log) == 1
    refreshed = refresh_articles(library, crossref_client, again.article_ids)
    assert [i.status for i in refreshed.items] == ["duplicate"]
    assert len(crossref_server.log) == 2


def test_list_id_puts_every_imported_article_on_the_list(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    list_id = create_list(library, "RCC journal club")
    library.save(Article(title="Clinical review", doi="10.1200/op.21.00419", year=2022, authors=[Author("Tran", "J")]))
    report = import_inputs(library, texts=[SEED_REFS], client=crossref_client, list_id=list_id)
    assert sorted(i.article_id for i in list_items(library, list_id)) == sorted(report.article_ids)
    assert len(list_items(library, list_id)) == 4


def test_non_crossref_and_unknown_dois_are_reported(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    report = import_inputs(library, texts=["10.5281/zenodo.3233118 10.1371/notarealdoi"], client=crossref_client)
    assert [(i.status, i.message) for i in report.items] == [
        ("non_crossref", "registered with DataCite, not Crossref"),
        ("not_found", "not in Crossref (no registration agency knows this DOI)"),
    ]
    assert pending_dois(library) == []


def test_pmids_without_doi_are_explained(library: Library, crossref_client: CrossrefClient) -> None:
    library.save(Article(title="Known", pmid="35346519", year=2022))
    report = import_inputs(library, texts=["PMID: 35346519", "PMID: 30100160"], client=crossref_client)
    assert [(i.label, i.status) for i in report.items] == [("PMID 35346519", "duplicate"), ("PMID 30100160", "failed")]
    assert "PubMed cannot be reached" in report.items[1].message


def test_files_without_a_known_format_are_scanned_for_dois(
    library: Library, crossref_client: CrossrefClient, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("To read: https://doi.org/10.1016/j.eururo.2019.02.011\n", encoding="utf-8")
    empty = tmp_path / "nothing.txt"
    empty.write_text("no identifiers here\n", encoding="utf-8")
    report = import_inputs(library, paths=[notes, empty, tmp_path / "missing.txt"], client=crossref_client)
    assert [(i.status, i.source) for i in report.items] == [("added", str(notes))]
    assert len(report.unreadable) == 2
    assert any("no DOI or PMID" in u for u in report.unreadable)


def test_one_failing_batch_goes_pending_the_rest_completes_and_sync_finishes_it(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    list_id = create_list(library, "pending test")
    crossref_client.batch_size = 2
    crossref_server.fail_doi("10.1200/OP.21.00419", "500")
    report = import_inputs(library, texts=[SEED_REFS], client=crossref_client, list_id=list_id)
    statuses = _statuses(report)
    assert statuses["doi:10.1016/j.eururo.2022.03.006"] == "added"
    assert statuses["doi:10.1200/op.21.00419"] == "pending"
    assert statuses["doi:10.1016/s0140-6736(98)03544-2"] == "pending"
    assert [(d, r, n, lid) for d, r, n, lid in pending_dois(library)] == [
        ("10.1016/s0140-6736(98)03544-2", "Crossref answered HTTP 500", 1, list_id),
        ("10.1200/op.21.00419", "Crossref answered HTTP 500", 1, list_id),
    ]
    assert len(list_items(library, list_id)) == 2
    crossref_server.doi_faults.clear()
    synced = sync_pending(library, crossref_client)
    assert sorted(i.status for i in synced.items) == ["added", "added"]
    assert pending_dois(library) == [] and len(list_items(library, list_id)) == 4
    assert library.count() == 4


def _offline_import(library: Library, url: str, clock: FakeClock):
    with CrossrefClient(url, limiter=RateLimiter(clock=clock, sleep=clock.sleep)) as client:
        return import_inputs(library, texts=[SEED_REFS], client=client)


def test_connection_refused_keeps_everything_pending_then_sync_completes(
    library: Library, crossref_server: CrossrefServer, fake_clock: FakeClock
) -> None:
    dead = CrossrefServer()
    url = dead.url
    dead.stop()
    report = _offline_import(library, url, fake_clock)
    assert {i.status for i in report.items} == {"pending"}
    assert len(pending_dois(library)) == 4
    assert all("cannot connect to 127.0.0.1" in reason for _, reason, _, _ in pending_dois(library))
    with CrossrefClient(crossref_server.url, limiter=RateLimiter(clock=fake_clock, sleep=fake_clock.sleep)) as client:
        synced = sync_pending(library, client)
    assert [i.status for i in synced.items] == ["added"] * 4
    assert pending_dois(library) == [] and library.count() == 4


def test_dns_failure_is_pending(library: Library, fake_clock: FakeClock) -> None:
    report = _offline_import(library, "http://crossref.invalid", fake_clock)
    assert {i.status for i in report.items} == {"pending"}
    assert {reason for _, reason, _, _ in pending_dois(library)} == {
        "cannot find crossref.invalid (DNS failure; offline?)"
    }


def test_persistent_bad_bodies_are_pending_and_retried_by_sync(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    for fault, reason in (("html", "Crossref sent an HTML page instead of JSON"), ("truncated", "cut off"),
                          ("429", "HTTP 429"), ("drop", "dropped the connection"), ("empty", "empty")):  # fmt: skip
        crossref_server.fault_all = fault
        import_inputs(library, texts=["10.1038/srep16696"], client=crossref_client)
        [(doi, stored_reason, _, _)] = pending_dois(library)
        assert doi == "10.1038/srep16696" and reason in stored_reason
    assert pending_dois(library)[0][2] == 5
    crossref_server.fault_all = ""
    assert [i.status for i in sync_pending(library, crossref_client).items] == ["added"]
    assert pending_dois(library) == []


def test_without_a_client_dois_wait_in_pending(library: Library) -> None:
    report = import_inputs(library, texts=["10.1038/srep16696"], client=None)
    assert [(i.status, i.message) for i in report.items] == [("pending", f"{NO_CLIENT}; kept for `refmgr sync`")]
    assert pending_dois(library)[0][:2] == ("10.1038/srep16696", NO_CLIENT)


def test_cancel_keeps_unfetched_dois_pending(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    checks: list[int] = []

    def cancel_after_reading() -> bool:
        checks.append(1)
        return len(checks) > 1

    report = import_inputs(library, texts=["10.1038/srep16696"], client=crossref_client, cancel=cancel_after_reading)
    assert report.cancelled
    assert [(i.status, i.label) for i in report.items] == [("pending", "doi:10.1038/srep16696")]
    assert pending_dois(library)[0][:2] == ("10.1038/srep16696", "import cancelled before the lookup")
    assert crossref_server.log == []


def test_seed_page_end_to_end(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient, seed_page: Path
) -> None:
    from refmgr.core.crossref.resolve import resolve_references

    report = import_inputs(library, paths=[seed_page], client=crossref_client)
    [item] = report.items  # the page shows "Fung KFK et al.": Crossref is asked for the authors, quietly
    assert item.status == "added" and len(crossref_server.log) == 1
    assert library.get(item.article_id).journal == "CardioVascular and Interventional Radiology"  # merged
    assert library.get(item.article_id).authors_incomplete  # Crossref lists only the first author too
    results = resolve_references(library, item.article_id, crossref_client)  # Crossref's record gave four DOIs
    assert [r.status for r in results] == ["resolved"]
    assert library.get(item.article_id).references[0].doi == "10.1016/j.eururo.2022.03.006"
    again = import_inputs(library, texts=["doi: 10.1007/s00270-025-04101-y"], client=crossref_client)
    assert [(i.status, i.article_id) for i in again.items] == [("duplicate", item.article_id)]
    refreshed = refresh_articles(library, crossref_client, [item.article_id])
    assert [i.status for i in refreshed.items] == ["updated"]
    article = library.get(item.article_id)
    assert article.journal == "CardioVascular and Interventional Radiology"
    assert len(article.figures) == 3  # the PubMed page's legends survive the Crossref merge
    assert {k.kind for k in article.keywords} == {"author", "subject"}
    assert [r.status for r in article.references] == ["resolved"] * 5
    assert article.references[3].doi == "10.1200/jco.2020.38.6_suppl.642"


def test_items_are_reported_after_commit(
    library: Library, library_path: Path, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    seen_by_reader: list[int] = []
    with Library(library_path) as reader:

        def on_item(item: ItemReport) -> None:
            seen_by_reader.append(reader.count())

        import_inputs(library, texts=[SEED_REFS], client=crossref_client, on_item=on_item)
    assert seen_by_reader == [4, 4, 4, 4]


def test_oversized_pasted_text_is_refused_like_a_file(library: Library, crossref_server: CrossrefServer,
                                                      crossref_client: CrossrefClient) -> None:  # fmt: skip
    from refmgr.core.textio import MAX_INPUT_BYTES

    limit = MAX_INPUT_BYTES // 2**20
    over = f"MB is over the {limit} MB limit (the same as for one file)"
    ascii_text = "10.1038/srep16696 " + "x" * MAX_INPUT_BYTES
    report = import_inputs(library, texts=[ascii_text], client=crossref_client)
    assert report.items == [] and crossref_server.log == []
    assert report.unreadable == [f"pasted or dropped text: {len(ascii_text) / 2**20:.1f} {over}"]
    # Under the limit in characters, over it in UTF-8 bytes; a second, small text still goes through.
    accented = "é" * (MAX_INPUT_BYTES // 2 + 1)
    report = import_inputs(library, texts=[accented, "10.1038/srep16696"], client=crossref_client)
    assert report.unreadable == [f"pasted or dropped text 1: {limit:.1f} {over}"]
    assert [(i.status, i.source) for i in report.items] == [("added", "text 2")]
