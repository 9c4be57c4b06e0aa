"""Two-way Zotero sync against the loopback Web API: first sync, increments, conflicts, deletions, notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from refmgr.core import lists
from refmgr.core.library import Library
from refmgr.core.model import Article, Author, Figure, Keyword
from refmgr.core.zotero.client import ZoteroClient, ZoteroError
from refmgr.core.zotero.mapping import item_record
from refmgr.core.zotero.sync import ZoteroSync
from tests.zotero_server import ZoteroLibrary, ZoteroState

DATA = Path(__file__).parent.parent / "data" / "zotero"


def remote_item(key: str, n: int) -> dict[str, Any]:
    """A Zotero journal article as a co-author's Zotero would write it."""
    return {
        "key": key, "itemType": "journalArticle", "title": f"Ablation versus nephrectomy cohort {n}",
        "creators": [{"creatorType": "author", "lastName": "Rini", "firstName": "Brian I."},
                     {"creatorType": "author", "name": "KEYNOTE-426 Investigators"}],
        "publicationTitle": "European Urology", "journalAbbreviation": "Eur Urol", "date": "2022-10-01",
        "volume": "82", "issue": "4", "pages": f"{n}-{n + 9}", "DOI": f"10.5555/zotero.{n}",
        "extra": f"PMID: {35000000 + n}\nOriginal date: 2021", "tags": [{"tag": "RCC", "type": 0}],
        "collections": [], "dateModified": "2020-01-01T00:00:00Z",
    }  # fmt: skip


def seed(library: ZoteroLibrary, count: int) -> list[str]:
    """Put `count` items into a Zotero library in one write; their keys."""
    version = library.bump()
    keys = [f"K{n:07d}" for n in range(count)]
    for n, key in enumerate(keys):
        library.put("items", remote_item(key, n), version)
    return keys


def sync(path: Path, url: str, state: ZoteroState, prefix: str | None = None) -> Any:
    client = ZoteroClient(state.api_key, url, sleep=lambda s: None)
    with Library(path) as library:
        report = ZoteroSync(library, client, prefix or f"/users/{state.user_id}", "test").run()
    client.close()
    return report


def local_article(n: int, **extra: Any) -> Article:
    return Article(title=f"Local trial {n}", doi=f"10.5555/local.{n}", pmid=str(36000000 + n), year=2023,
                   journal="Journal of Clinical Oncology", authors=[Author("Motzer", "Robert J")], **extra)  # fmt: skip


def test_first_full_sync_of_1000_items(tmp_path, zotero_server):
    url, state = zotero_server
    seed(state.user_library, 1000)
    report = sync(tmp_path / "lib.sqlite", url, state)
    assert report.pulled == 1000 and report.pushed == 0 and not report.failures
    with Library(tmp_path / "lib.sqlite") as library:
        assert library.count() == 1000
        article = library.get(library.find("10.5555/zotero.7"))
        assert article.pmid == "35000007" and article.journal_abbrev == "Eur Urol" and article.year == 2022
        assert [a.display for a in article.authors] == ["Rini Brian I.", "KEYNOTE-426 Investigators"]
        assert article.tags == ["RCC"]
    # 3 version look-ups + 20 reads of 50 items; nothing written back
    assert state.count("GET", "/items?itemKey") == 20 and state.count("POST") == 0
    again = sync(tmp_path / "lib.sqlite", url, state)
    assert (again.pulled, again.pushed) == (0, 0)


def test_local_articles_lists_and_notes_reach_zotero(tmp_path, zotero_server):
    url, state = zotero_server
    path = tmp_path / "lib.sqlite"
    with Library(path) as library:
        ids = [library.save(local_article(n)).article_id for n in range(3)]
        library.update_fields(ids[0], notes="Check the <dose>\n\nSecond paragraph & more")
        library.set_figures(ids[1], [Figure("Figure 1", "Kaplan-Meier curves of OS")])
        list_id = lists.create_list(library, "Journal club")
        lists.add_to_list(library, list_id, [ids[2], ids[0]])
    report = sync(path, url, state)
    assert report.pushed == 3 + 1 + 2 and not report.failures  # items, collection, notes
    remote = state.user_library.objects
    (collection,) = remote["collections"].values()
    assert collection["name"] == "Journal club"
    items = {d["DOI"]: d for d in remote["items"].values() if d["itemType"] == "journalArticle"}
    assert items["10.5555/local.0"]["collections"] == [collection["key"]]
    assert "PMID: 36000000" in items["10.5555/local.0"]["extra"]
    notes = [d for d in remote["items"].values() if d["itemType"] == "note"]
    texts = sorted(d["note"] for d in notes)
    assert "<p>Check the &lt;dose&gt;</p><p>Second paragraph &amp; more</p>" in texts
    assert any("refmgr: keywords and figure legends" in t and "Kaplan-Meier" in t for t in texts)
    assert (sync(path, url, state).pulled, sync(path, url, state).pushed) == (0, 0)


def test_incremental_sync_moves_exactly_the_changes(tmp_path, zotero_server):
    url, state = zotero_server
    keys = seed(state.user_library, 100)
    path = tmp_path / "lib.sqlite"
    sync(path, url, state)
    for key in keys[:10]:
        state.user_library.edit("items", key, abstractNote="Updated in Zotero")
    with Library(path) as library:
        for n in range(50, 60):
            article_id = library.find(f"10.5555/zotero.{n}")
            library.update_fields(article_id, volume="99")
    report = sync(path, url, state)
    assert (report.pulled, report.pushed, report.conflicts) == (10, 10, 0)
    assert sum(1 for d in state.user_library.objects["items"].values() if d.get("volume") == "99") == 10
    with Library(path) as library:
        assert library.get(library.find("10.5555/zotero.3")).abstract == "Updated in Zotero"


def test_a_field_changed_on_both_sides_keeps_both_values(tmp_path, zotero_server):
    url, state = zotero_server
    (key,) = seed(state.user_library, 1)
    path = tmp_path / "lib.sqlite"
    sync(path, url, state)
    with Library(path) as library:
        library.update_fields(library.find("10.5555/zotero.0"), title="Title edited in refmgr")
    state.user_library.edit("items", key, title="Title edited in Zotero", dateModified="2030-01-01T00:00:00Z")
    state.user_library.objects["items"][key]["dateModified"] = "2030-01-01T00:00:00Z"  # Zotero's edit is newer
    report = sync(path, url, state)
    assert report.conflicts == 1
    with Library(path) as library:
        assert library.get(library.find("10.5555/zotero.0")).title == "Title edited in Zotero"
        from refmgr.core.zotero.store import SyncStore

        (conflict,) = SyncStore(library, f"/users/{state.user_id}").conflicts()
    assert (conflict.field, conflict.kept, conflict.other) == (
        "title",
        "Title edited in Zotero",
        "Title edited in refmgr",
    )
    assert conflict.kept_side == "zotero"


def test_deletions_travel_both_ways(tmp_path, zotero_server):
    url, state = zotero_server
    keys = seed(state.user_library, 4)
    path = tmp_path / "lib.sqlite"
    sync(path, url, state)
    state.user_library.remove("items", keys[0])
    with Library(path) as library:
        library.delete([library.find("10.5555/zotero.1")])
    report = sync(path, url, state)
    assert (report.deleted_here, report.deleted_there) == (1, 1)
    assert sorted(state.user_library.objects["items"]) == keys[2:]
    with Library(path) as library:
        assert library.count() == 2
        from refmgr.core.zotero.store import SyncStore

        (deleted,) = [
            c for c in SyncStore(library, f"/users/{state.user_id}").conflicts() if c.field == "deleted in Zotero"
        ]
        assert json.loads(deleted.other)["DOI"] == "10.5555/zotero.0"  # kept so the user can restore it


def test_two_libraries_converge_through_a_group(tmp_path, zotero_server):
    url, state = zotero_server
    group = state.add_group(169947, "RCC review")
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    with Library(a) as library:
        first = library.save(local_article(1, keywords=[Keyword("Carcinoma, Renal Cell", "mesh", ["surgery"], True)],
                                           figures=[Figure("Figure 2", "Forest plot")])).article_id  # fmt: skip
        library.update_fields(first, notes="Screen for inclusion")
        lists.add_to_list(library, lists.create_list(library, "Included"), [first])
    with Library(b) as library:
        library.save(local_article(2))
    for path in (a, b, a, b):
        sync(path, url, state, group.prefix)

    def snapshot(path: Path) -> tuple:
        with Library(path) as library:
            articles = [library.get(i) for i in library.query_ids()]
            listed = {rl.name: [library.get(i.article_id).doi for i in lists.list_items(library, rl.id)]
                      for rl in lists.all_lists(library)}  # fmt: skip
            return (sorted((x.doi, x.title, x.notes, tuple(k.display for k in x.keywords),
                            tuple((f.label, f.legend) for f in x.figures)) for x in articles), listed)  # fmt: skip

    assert snapshot(a) == snapshot(b)
    dois, listed = snapshot(b)
    assert len(dois) == 2 and listed == {"Included": ["10.5555/local.1"]}
    assert ("Carcinoma, Renal Cell/surgery*",) in [d[3] for d in dois]


def test_a_write_refused_with_412_is_merged_and_retried(tmp_path, zotero_server):
    url, state = zotero_server
    keys = seed(state.user_library, 2)
    path = tmp_path / "lib.sqlite"
    sync(path, url, state)
    with Library(path) as library:
        library.save(local_article(9))
    client = ZoteroClient(state.api_key, url, sleep=lambda s: None)
    with Library(path) as library:
        syncer = ZoteroSync(library, client, f"/users/{state.user_id}")
        original_pull = syncer.pull

        def pull_then_someone_writes() -> None:
            original_pull()
            if syncer.report.rounds == 1:
                state.user_library.edit("items", keys[1], title="Changed by a co-author meanwhile")

        syncer.pull = pull_then_someone_writes
        report = syncer.run()
        assert report.rounds == 2 and report.pushed == 1
        assert library.get(library.find("10.5555/zotero.1")).title == "Changed by a co-author meanwhile"
    client.close()


def test_backoff_and_429_are_honoured(tmp_path, zotero_server):
    url, state = zotero_server
    seed(state.user_library, 120)
    state.backoff_every, state.requests_per_second = 3, 4
    waits: list[float] = []
    client = ZoteroClient(state.api_key, url, sleep=lambda s: (waits.append(s), __import__("time").sleep(s)))
    with Library(tmp_path / "lib.sqlite") as library:
        report = ZoteroSync(library, client, f"/users/{state.user_id}").run()
        assert report.pulled == 120 and library.count() == 120
    client.close()
    assert waits and client.waited > 0


def test_a_wrong_key_says_so(tmp_path, zotero_server):
    url, state = zotero_server
    client = ZoteroClient("wrong", url)
    with Library(tmp_path / "lib.sqlite") as library, pytest.raises(ZoteroError, match="refused the API key"):
        ZoteroSync(library, client, f"/users/{state.user_id}").run()
    client.close()


def test_recorded_item_maps_to_a_record():
    data = json.loads((DATA / "item_doc.json").read_text())["data"]
    record = item_record(data)
    assert record["itemType"] == "book" and record["creators"][0] == ["", "", "Institute of Physics (Great Britain)"]
    assert record["tags"] == [] and "Electron microscopy" in record["mesh"]  # automatic tags are not user tags
