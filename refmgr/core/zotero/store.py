"""The sync state kept in the library: linked libraries, items, collections, conflicts; local writes of pulls."""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from refmgr.core import lists
from refmgr.core.db import now_iso
from refmgr.core.identifiers import normalise_doi, normalise_pmcid, normalise_pmid
from refmgr.core.model import Article, Figure, Keyword, normalise_name, normalise_title
from refmgr.core.zotero.mapping import CSL_TYPES, record_authors, year_of

if TYPE_CHECKING:
    from refmgr.core.library import Library

DELETED_IN_ZOTERO = "deleted in Zotero"
KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"  # the characters Zotero object keys are made of

SCHEMA = """
CREATE TABLE IF NOT EXISTS zotero_libraries (
    id INTEGER PRIMARY KEY,
    prefix TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0,
    last_sync TEXT
);
CREATE TABLE IF NOT EXISTS zotero_items (
    library_id INTEGER NOT NULL REFERENCES zotero_libraries(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    parent_key TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0,
    base TEXT,
    extra TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (library_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS zotero_items_article ON zotero_items(article_id);
CREATE TABLE IF NOT EXISTS zotero_collections (
    library_id INTEGER NOT NULL REFERENCES zotero_libraries(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    list_id INTEGER REFERENCES reading_lists(id) ON DELETE SET NULL,
    version INTEGER NOT NULL DEFAULT 0,
    base TEXT,
    PRIMARY KEY (library_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS zotero_conflicts (
    id INTEGER PRIMARY KEY,
    library_id INTEGER NOT NULL REFERENCES zotero_libraries(id) ON DELETE CASCADE,
    article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    item_key TEXT NOT NULL DEFAULT '',
    field TEXT NOT NULL,
    kept TEXT NOT NULL,
    other TEXT NOT NULL,
    kept_side TEXT NOT NULL,
    at TEXT NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0
)
"""


def migrate(conn: sqlite3.Connection) -> None:
    """Create the Zotero sync tables."""
    for statement in SCHEMA.split(";\n"):
        if statement.strip():
            conn.execute(statement)


def new_key() -> str:
    """A fresh Zotero object key, made here so that a sync killed after writing can recognise its items."""
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(8))


@dataclass
class Link:
    """One Zotero object known to this library."""

    key: str
    kind: str
    article_id: int | None
    parent_key: str
    version: int
    base: Any
    extra: str


@dataclass
class Conflict:
    """A field both sides changed: the value kept, the other one, and which side's was kept."""

    id: int
    article_id: int | None
    item_key: str
    field: str
    kept: str
    other: str
    kept_side: str
    at: str


class SyncStore:
    """Sync state of one Zotero library inside a refmgr library."""

    def __init__(self, library: Library, prefix: str, name: str = "") -> None:
        self.library = library
        self.conn = library.conn
        with library.transaction():
            self.conn.execute("INSERT OR IGNORE INTO zotero_libraries (prefix, name) VALUES (?, ?)", (prefix, name))
        self.id, self.version = self.conn.execute(
            "SELECT id, version FROM zotero_libraries WHERE prefix = ?", (prefix,)
        ).fetchone()
        self._links: dict[str, Link] | None = None
        self._collections: dict[str, tuple[int | None, int, str | None]] | None = None
        self._memberships: dict[int, list[str]] | None = None

    def set_version(self, version: int) -> None:
        """Remember the library version everything up to which is applied here (call inside the transaction)."""
        self.version = version
        self.conn.execute(
            "UPDATE zotero_libraries SET version = ?, last_sync = ? WHERE id = ?", (version, now_iso(), self.id)
        )

    def links(self, kind: str | None = None) -> dict[str, Link]:
        """Known objects by key (of one kind, or all); read once, then kept current by put_link and drop_links."""
        if self._links is None:
            sql = (
                "SELECT key, kind, article_id, parent_key, version, base, extra FROM zotero_items WHERE library_id = ?"
            )
            rows = self.conn.execute(sql, (self.id,))
            self._links = {
                r[0]: Link(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]) if r[5] else None, r[6]) for r in rows
            }
        if kind is None:
            return dict(self._links)
        return {key: link for key, link in self._links.items() if link.kind == kind}

    def put_link(self, link: Link) -> None:
        """Insert or replace one object's link."""
        self.conn.execute(
            "INSERT OR REPLACE INTO zotero_items VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self.id, link.key, link.kind, link.article_id, link.parent_key, link.version,
             None if link.base is None else json.dumps(link.base, sort_keys=True), link.extra),
        )  # fmt: skip
        if self._links is not None:
            self._links[link.key] = link

    def drop_links(self, keys: list[str]) -> None:
        """Forget objects (and their child notes)."""
        for key in keys:
            self.conn.execute(
                "DELETE FROM zotero_items WHERE library_id = ? AND (key = ? OR parent_key = ?)", (self.id, key, key)
            )
        self._links = None

    def collections(self) -> dict[str, tuple[int | None, int, str | None]]:
        """Known collections: key -> (list id, version, base name)."""
        if self._collections is None:
            rows = self.conn.execute(
                "SELECT key, list_id, version, base FROM zotero_collections WHERE library_id = ?", (self.id,)
            )
            self._collections = {r[0]: (r[1], r[2], r[3]) for r in rows}
        return dict(self._collections)

    def put_collection(self, key: str, list_id: int | None, version: int, base: str | None) -> None:
        """Insert or replace one collection's link."""
        self.conn.execute(
            "INSERT OR REPLACE INTO zotero_collections VALUES (?, ?, ?, ?, ?)", (self.id, key, list_id, version, base)
        )
        self._collections = self._memberships = None

    def drop_collection(self, key: str) -> None:
        """Forget a collection."""
        self.conn.execute("DELETE FROM zotero_collections WHERE library_id = ? AND key = ?", (self.id, key))
        self._collections = self._memberships = None

    def unlinked_article_ids(self) -> list[int]:
        """Articles not yet linked to an item of this Zotero library."""
        rows = self.conn.execute(
            "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM zotero_items "
            "WHERE library_id = ? AND kind = 'item' AND article_id IS NOT NULL) ORDER BY id",
            (self.id,),
        )
        return [r[0] for r in rows]

    def unlinked_lists(self) -> list[tuple[int, str]]:
        """Reading lists not yet linked to a collection."""
        return self.conn.execute(
            "SELECT id, name FROM reading_lists WHERE id NOT IN (SELECT list_id FROM zotero_collections "
            "WHERE library_id = ? AND list_id IS NOT NULL) ORDER BY id",
            (self.id,),
        ).fetchall()

    def list_memberships(self) -> dict[int, list[str]]:
        """Article id -> keys of the linked collections it is on."""
        if self._memberships is not None:
            return self._memberships
        rows = self.conn.execute(
            "SELECT i.article_id, c.key FROM reading_list_items i JOIN zotero_collections c ON c.list_id = i.list_id "
            "WHERE c.library_id = ?",
            (self.id,),
        )
        memberships: dict[int, list[str]] = {}
        for article_id, key in rows:
            memberships.setdefault(article_id, []).append(key)
        self._memberships = memberships
        return memberships

    def record_conflict(self, article_id: int | None, key: str, field: str, kept: Any, other: Any, side: str) -> None:
        """Keep the value that lost, visible until the user resolves it."""
        self.conn.execute(
            "INSERT INTO zotero_conflicts (library_id, article_id, item_key, field, kept, other, kept_side, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self.id, article_id, key, field, _text(kept), _text(other), side, now_iso()),
        )

    def conflicts(self, include_resolved: bool = False) -> list[Conflict]:
        """Conflicts recorded for this Zotero library, newest first."""
        rows = self.conn.execute(
            "SELECT id, article_id, item_key, field, kept, other, kept_side, at FROM zotero_conflicts "
            "WHERE library_id = ? AND (resolved = 0 OR ?) ORDER BY id DESC",
            (self.id, include_resolved),
        )
        return [Conflict(*row) for row in rows]

    def restore_deleted(self, conflict: Conflict) -> int:
        """Bring back an article deleted in Zotero (kept with its conflict); its new id. The next sync sends it."""
        if conflict.field != DELETED_IN_ZOTERO or not conflict.other:
            raise ValueError("only an article deleted in Zotero can be restored")
        from refmgr.core.model import from_csl

        with self.library.transaction():
            article_id = self.library.save(from_csl(json.loads(conflict.other)), source="zotero").article_id
            self.conn.execute("UPDATE zotero_conflicts SET resolved = 1 WHERE id = ?", (conflict.id,))
        return article_id

    def resolve_conflict(self, conflict_id: int) -> None:
        """Mark a conflict as seen and settled."""
        with self.library.transaction():
            self.conn.execute("UPDATE zotero_conflicts SET resolved = 1 WHERE id = ?", (conflict_id,))

    # -- local writes of pulled changes ------------------------------------------------------------------------

    def apply_record(self, article_id: int, changes: dict[str, Any], collections: dict[str, int]) -> None:
        """Write the fields of a merged record that differ from the article (inside a transaction)."""
        columns: dict[str, Any] = {}
        simple = {"title": "title", "container": "journal", "journalAbbreviation": "journal_abbrev",
                  "volume": "volume", "issue": "issue", "pages": "pages", "abstractNote": "abstract",
                  "language": "language", "url": "url"}  # fmt: skip
        for field, column in simple.items():
            if field in changes:
                columns[column] = changes[field]
        if "title" in changes:
            columns["title_norm"] = normalise_title(changes["title"])
        if "date" in changes:
            columns.update(date=changes["date"], year=year_of(changes["date"]))
        if "itemType" in changes:
            columns["type"] = CSL_TYPES.get(changes["itemType"], "article-journal")
        if "ISSN" in changes:
            columns["issn"] = json.dumps([s.strip() for s in changes["ISSN"].split(",") if s.strip()])
        for field, normalise in (("DOI", normalise_doi), ("pmid", normalise_pmid), ("pmcid", normalise_pmcid)):
            if field in changes:
                columns[field.lower()] = normalise(changes[field]) or None
        if "creators" in changes:
            self._write_authors(article_id, changes["creators"])
        if columns:
            columns["date_modified"] = now_iso()
            sets = ", ".join(f"{name} = ?" for name in columns)
            self.conn.execute(f"UPDATE articles SET {sets} WHERE id = ?", [*columns.values(), article_id])
        if "tags" in changes:
            self.library.set_tags(article_id, changes["tags"])
        if "collections" in changes:
            self._write_memberships(article_id, set(changes["collections"]), collections)
        self.library.reindex(article_id)

    def _write_authors(self, article_id: int, creators: list[list[str]]) -> None:
        record = {"creators": creators}
        authors = record_authors(record)
        self.conn.execute("DELETE FROM authors WHERE article_id = ?", (article_id,))
        self.conn.executemany(
            "INSERT INTO authors (article_id, position, family, given, literal) VALUES (?, ?, ?, ?, ?)",
            [(article_id, i, a.family, a.given, a.literal) for i, a in enumerate(authors)],
        )
        first = authors[0] if authors else None
        first_author = (first.literal or first.family) if first else ""
        self.conn.execute(
            "UPDATE articles SET first_author = ?, first_author_norm = ? WHERE id = ?",
            (first_author, normalise_name(first_author), article_id),
        )

    def _write_memberships(self, article_id: int, wanted: set[str], collections: dict[str, int]) -> None:
        linked = {key: list_id for key, (list_id, _, _) in self.collections().items() if list_id is not None}
        for key, list_id in linked.items():
            if key in wanted:
                lists.add_to_list(self.library, list_id, [article_id])
            else:
                lists.remove_from_list(self.library, list_id, [article_id])
        self._memberships = None

    def modified_at(self, article_id: int | None) -> str:
        """When the article was last changed here (ISO time)."""
        row = self.conn.execute("SELECT date_modified FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else ""

    def set_notes(self, article_id: int, text: str) -> None:
        """Replace an article's notes (inside a transaction)."""
        self.conn.execute(
            "UPDATE articles SET notes = ?, date_modified = ? WHERE id = ?", (text, now_iso(), article_id)
        )
        self.library.reindex(article_id)

    def set_signature(self, article_id: int, keywords: list[Keyword], figures: list[Figure]) -> None:
        """Replace an article's keywords and figure legends (inside a transaction)."""
        self.conn.execute("DELETE FROM keywords WHERE article_id = ?", (article_id,))
        self.conn.executemany(
            "INSERT INTO keywords (article_id, position, term, kind, qualifiers, major, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(article_id, i, k.term, k.kind, json.dumps(k.qualifiers), int(k.major), k.source or "zotero")
             for i, k in enumerate(keywords)],
        )
        self.library.set_figures(article_id, figures)


def synced_prefixes(library: Library) -> list[str]:
    """The Zotero libraries this library has synced with, most recent first."""
    rows = library.conn.execute("SELECT prefix FROM zotero_libraries ORDER BY last_sync IS NULL, last_sync DESC")
    return [row[0] for row in rows]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def article_from_record(record: dict[str, Any]) -> Article:
    """A new article from a Zotero item's sync record."""
    return Article(
        title=record["title"], authors=record_authors(record), journal=record["container"],
        journal_abbrev=record["journalAbbreviation"], date=record["date"], year=year_of(record["date"]),
        volume=record["volume"], issue=record["issue"], pages=record["pages"], doi=record["DOI"],
        pmid=record["pmid"], pmcid=record["pmcid"],
        issn=[s.strip() for s in record["ISSN"].split(",") if s.strip()], abstract=record["abstractNote"],
        language=record["language"], url=record["url"], type=CSL_TYPES.get(record["itemType"], "article-journal"),
        tags=list(record["tags"]), source="zotero",
    )  # fmt: skip
