"""Two-way sync of a refmgr library with one Zotero library: pull, three-way merge, push, by versions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from refmgr.core import lists
from refmgr.core.loading import CHUNK
from refmgr.core.model import Article, to_csl
from refmgr.core.zotero.client import BATCH, VersionConflict, ZoteroClient, ZoteroError
from refmgr.core.zotero.mapping import (
    SCALAR_FIELDS,
    SET_FIELDS,
    SYNCED_TYPES,
    article_record,
    item_payload,
    item_record,
)
from refmgr.core.zotero.notes import (
    html_to_text,
    normalise_text,
    parse_signature,
    signature_html,
    signature_record,
    text_to_html,
)
from refmgr.core.zotero.store import DELETED_IN_ZOTERO, Link, SyncStore, article_from_record, new_key

if TYPE_CHECKING:
    from refmgr.core.library import Library

SYNC_PARTS = frozenset({"authors", "keywords", "figures", "tags"})  # what a sync record and its notes read
MAX_ROUNDS = 5  # pull-push rounds when Zotero keeps changing under the sync (412)
Progress = Callable[[str, int, int], None]


@dataclass
class SyncReport:
    """What one sync did, counted per direction."""

    pulled: int = 0
    pushed: int = 0
    added_here: int = 0
    deleted_here: int = 0
    deleted_there: int = 0
    conflicts: int = 0
    skipped: int = 0
    rounds: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the status bar and the CLI."""
        parts = [f"{self.pulled} received from Zotero", f"{self.pushed} sent"]
        if self.deleted_here or self.deleted_there:
            parts.append(f"{self.deleted_here} deleted here, {self.deleted_there} deleted in Zotero")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflict(s) kept for review")
        if self.skipped:
            parts.append(f"{self.skipped} Zotero item(s) of other types left alone")
        if self.failures:
            parts.append(f"{len(self.failures)} failed")
        return "; ".join(parts)


def merge_fields(
    base: dict[str, Any] | None, local: dict[str, Any], remote: dict[str, Any], local_newer: bool
) -> tuple[dict[str, Any], list[tuple[str, Any, Any, str]]]:
    """Three-way merge: the merged record and the conflicts as (field, kept, other, kept side)."""
    merged = dict(local)
    conflicts = []
    for name in SCALAR_FIELDS:
        mine, theirs = local.get(name), remote.get(name)
        old = base.get(name) if base else None
        if mine == theirs or theirs == old:
            continue
        if mine == old or (base is None and not mine):
            merged[name] = theirs
        elif base is None and not theirs:
            continue
        else:
            winner, loser, side = (mine, theirs, "refmgr") if local_newer else (theirs, mine, "zotero")
            merged[name] = winner
            conflicts.append((name, winner, loser, side))
    for name in SET_FIELDS:
        mine, theirs = set(local.get(name, [])), set(remote.get(name, []))
        old = set(base.get(name, [])) if base else mine & theirs
        merged[name] = sorted((old | (mine - old) | (theirs - old)) - (old - mine) - (old - theirs))
    return merged, conflicts


class ZoteroSync:
    """Sync one refmgr library with one Zotero library (personal or group)."""

    def __init__(self, library: Library, client: ZoteroClient, prefix: str, name: str = "") -> None:
        self.library = library
        self.client = client
        self.prefix = prefix
        self.store = SyncStore(library, prefix, name)
        self.report = SyncReport()
        self.progress: Progress = lambda stage, done, total: None

    def run(self, progress: Progress | None = None) -> SyncReport:
        """Pull, then push; when Zotero changed meanwhile (412), pull again and retry."""
        if progress:
            self.progress = progress
        for _ in range(MAX_ROUNDS):
            self.report.rounds += 1
            self.pull()
            try:
                self.push()
                return self.report
            except VersionConflict:
                continue
        raise ZoteroError("the Zotero library kept changing during the sync; nothing was lost, try again later")

    # -- pull ---------------------------------------------------------------------------------------------------

    def pull(self) -> None:
        """Fetch what changed in Zotero since the stored version and apply it in one local transaction."""
        since = self.store.version
        self.progress("Checking Zotero for changes", 0, 0)
        collection_versions, v1 = self.client.versions(self.prefix, "collections", since)
        item_versions, v2 = self.client.versions(self.prefix, "items", since)
        deleted, v3 = self.client.deleted(self.prefix, since)
        known_items = self.store.links()
        known_collections = self.store.collections()
        wanted_collections = [k for k, v in collection_versions.items() if known_collections.get(k, (0, -1))[1] != v]
        wanted_items = [k for k, v in item_versions.items() if k not in known_items or known_items[k].version != v]
        collections = self.client.fetch(self.prefix, "collections", wanted_collections)
        items: list[dict[str, Any]] = []
        for start in range(0, len(wanted_items), BATCH):
            items.extend(self.client.fetch(self.prefix, "items", wanted_items[start : start + BATCH]))
            self.progress("Receiving from Zotero", len(items), len(wanted_items))
        with self.library.transaction():
            for data in collections:
                self._apply_collection(data)
            parents = [d for d in items if d.get("itemType") != "note" and not d.get("parentItem")]
            notes = [d for d in items if d.get("itemType") == "note" and d.get("parentItem")]
            self.report.skipped += len(items) - len(parents) - len(notes)
            for data in parents:
                self._apply_item(data)
            for data in notes:
                self._apply_note(data)
            self._apply_deletions(deleted)
            self.store.set_version(min(v1, v2, v3))
        self.report.pulled += len(collections) + len(items)

    def _apply_collection(self, data: dict[str, Any]) -> None:
        key, name = data["key"], str(data.get("name", "")).strip() or "Untitled"
        list_id, _, base = self.store.collections().get(key, (None, 0, None))
        if list_id is None and base is not None:
            return  # deleted here: the push deletes it in Zotero
        if list_id is None:
            list_id = lists.find_list(self.library, name) or lists.create_list(self.library, name)
        else:
            current = lists.list_name(self.library, list_id)
            if current != name and current == base:
                self._rename_list(list_id, name)
            elif current != name and current != base:
                self.store.record_conflict(None, key, "collection name", current, name, "refmgr")
                self.report.conflicts += 1
        self.store.put_collection(key, list_id, int(data.get("version", 0)), name)

    def _rename_list(self, list_id: int, name: str) -> None:
        clash = lists.find_list(self.library, name)
        lists.rename_list(self.library, list_id, name if clash in (None, list_id) else f"{name} (Zotero)")

    def _apply_item(self, data: dict[str, Any]) -> None:
        key = data["key"]
        if data.get("itemType") not in SYNCED_TYPES:
            self.report.skipped += 1
            return
        remote = item_record(data)
        link = self.store.links().get(key)
        try:
            with self.library.transaction():
                if link is not None and link.article_id is None:
                    return  # deleted here since the last sync: the push deletes it in Zotero
                if link is None:
                    article_id = self._article_for(remote)
                    link = Link(key, "item", article_id, "", 0, None, "")
                self._merge_into(link, remote, str(data.get("dateModified", "")))
                link.version, link.base, link.extra = int(data.get("version", 0)), remote, str(data.get("extra", ""))
                self.store.put_link(link)
        except Exception as error:
            self.report.failures.append(f"Zotero item {key} ({remote['title'][:60]!r}): {error}")

    def _article_for(self, remote: dict[str, Any]) -> int:
        article = article_from_record(remote)
        duplicate = self.library.find_duplicate(article)
        if duplicate is not None:
            return duplicate[0]
        self.report.added_here += 1
        return self.library.save(article, source="zotero").article_id

    def _merge_into(self, link: Link, remote: dict[str, Any], remote_modified: str) -> None:
        article = self.library.get(link.article_id)
        assert article is not None
        local = self._record_of(article)
        merged, conflicts = merge_fields(
            link.base, local, remote, _newer(self.store.modified_at(article.id), remote_modified)
        )
        for name, kept, other, side in conflicts:
            self.store.record_conflict(article.id, link.key, name, kept, other, side)
        self.report.conflicts += len(conflicts)
        changes = {name: value for name, value in merged.items() if local.get(name) != value}
        if changes:
            collections = {key: lid for key, (lid, _, _) in self.store.collections().items() if lid is not None}
            self.store.apply_record(article.id, changes, collections)

    def _apply_note(self, data: dict[str, Any]) -> None:
        key, parent = data["key"], str(data["parentItem"])
        links = self.store.links()
        parent_link = links.get(parent)
        if parent_link is None or parent_link.article_id is None:
            self.report.skipped += 1
            return
        article = self.library.get(parent_link.article_id)
        assert article is not None
        note_html = str(data.get("note", ""))
        link = links.get(key)
        signature = parse_signature(note_html)
        newer = _newer(self.store.modified_at(article.id), str(data.get("dateModified", "")))
        if signature is not None:
            remote: Any = signature_record(*signature)
            local: Any = signature_record(article.keywords, article.figures)
            kind = "signature"
        else:
            has_note = any(li.kind == "note" and li.parent_key == parent for li in links.values() if li.key != key)
            kind = link.kind if link else ("other" if has_note else "note")
            remote = html_to_text(note_html)
            local = normalise_text(article.notes) if kind == "note" else remote
        base = link.base if link else None
        if local != remote and remote != base:
            if local == base or (base is None and _empty(local)):
                self._write_note(article, kind, signature, remote)
            else:
                kept, other, side = (local, remote, "refmgr") if newer else (remote, local, "zotero")
                self.store.record_conflict(article.id, key, "notes" if kind == "note" else "keywords and legends",
                                           kept, other, side)  # fmt: skip
                self.report.conflicts += 1
                if side == "zotero":
                    self._write_note(article, kind, signature, remote)
        self.store.put_link(Link(key, kind, article.id, parent, int(data.get("version", 0)), remote, ""))

    def _write_note(self, article: Article, kind: str, signature: Any, remote: Any) -> None:
        if kind == "signature":
            self.store.set_signature(article.id, *signature)
        elif kind == "note":
            self.store.set_notes(article.id, remote)

    def _apply_deletions(self, deleted: dict[str, list[str]]) -> None:
        links = self.store.links()
        for key in deleted["items"]:
            link = links.get(key)
            if link is None:
                continue
            if link.kind == "item" and link.article_id is not None:
                article = self.library.get(link.article_id)
                if article is not None and self._record_of(article) != link.base and link.base is not None:
                    self.store.record_conflict(
                        article.id, key, DELETED_IN_ZOTERO, "kept here (changed here)", "", "refmgr"
                    )
                    self.report.conflicts += 1
                elif article is not None:
                    self.store.record_conflict(None, key, DELETED_IN_ZOTERO, "", _article_json(article), "zotero")
                    self.library.delete([article.id])
                    self.report.deleted_here += 1
            elif link.kind == "note" and link.article_id is not None:
                self.store.set_notes(link.article_id, "")
            self.store.drop_links([key])
        for key in deleted["collections"]:
            list_id = self.store.collections().get(key, (None, 0, None))[0]
            if list_id is not None:
                lists.delete_list(self.library, list_id)
            self.store.drop_collection(key)

    # -- push ---------------------------------------------------------------------------------------------------

    def push(self) -> None:
        """Send local changes: collections, items, notes, then deletions; each batch committed with its version."""
        self._push_collections()
        self._push_items()
        self._push_notes()
        self._push_deletions()

    def _write_batches(
        self, kind: str, payloads: list[dict[str, Any]], on_done: Callable[[dict[str, int]], None]
    ) -> None:
        """Send the payloads in batches of BATCH and record what the server kept or refused."""
        for start in range(0, len(payloads), BATCH):
            batch = payloads[start : start + BATCH]
            result = self.client.write(self.prefix, kind, batch, self.store.version)
            for key, reason in result.failed.items():
                self.report.failures.append(f"Zotero refused {kind[:-1]} {key}: {reason}")
            with self.library.transaction():
                on_done({**result.versions, **{k: -1 for k in result.unchanged}})
                self.store.set_version(max(result.library_version, self.store.version))
            self.report.pushed += len(result.versions)
            self.progress("Sending to Zotero", start + len(batch), len(payloads))

    def _push_collections(self) -> None:
        with self.library.transaction():
            for list_id, _name in self.store.unlinked_lists():
                self.store.put_collection(new_key(), list_id, 0, None)
        payloads, names = [], {}
        for key, (list_id, version, base) in self.store.collections().items():
            if list_id is None:
                continue
            name = lists.list_name(self.library, list_id)
            if version == 0 or name != base:
                payloads.append({"key": key, "version": version, "name": name})
                names[key] = (list_id, name)

        def done(versions: dict[str, int]) -> None:
            for key, version in versions.items():
                list_id, name = names[key]
                old_version = self.store.collections()[key][1]
                self.store.put_collection(key, list_id, version if version > 0 else old_version, name)

        self._write_batches("collections", payloads, done)

    def _push_items(self) -> None:
        with self.library.transaction():
            for article_id in self.store.unlinked_article_ids():
                self.store.put_link(Link(new_key(), "item", article_id, "", 0, None, ""))
        payloads, records = [], {}
        for key, link, article in self._linked_articles(self.store.links("item").items()):
            record = self._record_of(article)
            if link.version == 0 or record != link.base:
                payloads.append(item_payload(record, key, link.version, link.extra))
                records[key] = (link, record)

        def done(versions: dict[str, int]) -> None:
            for key, version in versions.items():
                link, record = records[key]
                link.version, link.base = (version if version > 0 else link.version), record
                self.store.put_link(link)

        self._write_batches("items", payloads, done)

    def _push_notes(self) -> None:
        links = self.store.links()
        by_parent: dict[str, dict[str, Link]] = {}
        for link in links.values():
            if link.kind in ("note", "signature"):
                by_parent.setdefault(link.parent_key, {})[link.kind] = link
        payloads, pending = [], {}
        pushed = ((key, item) for key, item in links.items() if item.kind == "item" and item.version != 0)
        for key, _item, article in self._linked_articles(pushed):
            existing = by_parent.get(key, {})
            notes_text = normalise_text(article.notes)
            signature = signature_record(article.keywords, article.figures)
            wanted = [("note", notes_text, text_to_html(notes_text), bool(notes_text)),
                      ("signature", signature, signature_html(article.keywords, article.figures),
                       bool(article.keywords or article.figures))]  # fmt: skip
            for kind, value, note_html, present in wanted:
                link = existing.get(kind)
                if link is None and not present:
                    continue
                if link is not None and link.base == value:
                    continue
                link = link or Link(new_key(), kind, article.id, key, 0, None, "")
                pending[link.key] = (link, value)
                payloads.append({"key": link.key, "version": link.version, "itemType": "note",
                                 "parentItem": key, "note": note_html, "tags": [], "collections": []})  # fmt: skip
        with self.library.transaction():
            for link, _ in pending.values():
                if link.version == 0:
                    self.store.put_link(link)

        def done(versions: dict[str, int]) -> None:
            for key, version in versions.items():
                link, value = pending[key]
                link.version, link.base = (version if version > 0 else link.version), value
                self.store.put_link(link)

        self._write_batches("items", payloads, done)

    def _push_deletions(self) -> None:
        gone = [k for k, link in self.store.links("item").items() if link.article_id is None]
        for start in range(0, len(gone), BATCH):
            keys = gone[start : start + BATCH]
            version = self.client.delete(self.prefix, "items", keys, self.store.version)
            with self.library.transaction():
                self.store.drop_links(keys)
                self.store.set_version(version)
            self.report.deleted_there += len(keys)
        lost = [k for k, (list_id, _, base) in self.store.collections().items() if list_id is None]
        for start in range(0, len(lost), BATCH):
            keys = lost[start : start + BATCH]
            version = self.client.delete(self.prefix, "collections", keys, self.store.version)
            with self.library.transaction():
                for key in keys:
                    self.store.drop_collection(key)
                self.store.set_version(version)

    def _linked_articles(self, links: Iterable[tuple[str, Link]]) -> Iterator[tuple[str, Link, Article]]:
        """(key, link, article) for the links whose article is in the library, articles read a chunk at a time."""
        pairs = [(key, link) for key, link in links if link.article_id is not None]
        for start in range(0, len(pairs), CHUNK):
            chunk = pairs[start : start + CHUNK]
            ids = [link.article_id for _, link in chunk]
            articles = {article.id: article for article in self.library.get_many(ids, SYNC_PARTS)}
            for key, link in chunk:
                article = articles.get(link.article_id)
                if article is not None:
                    yield key, link, article

    def _record_of(self, article: Article) -> dict[str, Any]:
        memberships = self.store.list_memberships().get(article.id or 0, [])
        return article_record(article, memberships)


def _empty(value: Any) -> bool:
    """A note text or signature record with nothing in it."""
    return not any(value.values()) if isinstance(value, dict) else not value


def _newer(local_modified: str, remote_modified: str) -> bool:
    """Whether the local change is the newer one (ISO times; Zotero writes "Z" for UTC)."""
    return local_modified.replace("+00:00", "Z") > remote_modified


def _article_json(article: Article) -> str:
    return json.dumps(to_csl(article), ensure_ascii=False)
