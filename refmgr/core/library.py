"""The SQLite library: open and migrate, save with duplicate merging, read, search, delete."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from refmgr.core import schema
from refmgr.core.identifiers import normalise_doi, normalise_pmcid, normalise_pmid
from refmgr.core.model import (
    Article,
    Author,
    Figure,
    Keyword,
    Reference,
    normalise_name,
    normalise_title,
)
from refmgr.core.search import SORT_COLUMNS, ArticleQuery, build_query, parse_search

BUSY_TIMEOUT_S = 30.0
SCALAR_FIELDS = (
    "title", "journal", "journal_abbrev", "year", "date", "volume", "issue", "pages",
    "article_number", "publisher", "type", "language", "abstract", "abstract_jats", "url",
    "license", "citation_count", "source",
)  # fmt: skip
JSON_FIELDS = ("issn", "publication_types", "updates")
SUMMARY_COLUMNS = (
    "id", "first_author", "year", "title", "journal", "date_added", "read_status", "rating",
    "citation_count", "n_figures", "n_references", "retracted", "doi", "pmid",
)  # fmt: skip


class LibraryError(RuntimeError):
    """A library problem to tell the user about (locked, full, corrupt, too new)."""


@dataclass
class SaveResult:
    """What saving one article did: added, updated (merged) or duplicate (nothing new)."""

    article_id: int
    action: str
    matched_by: str = ""


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection in autocommit mode with WAL, foreign keys and a busy timeout."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -32768")  # 32 MB of pages (default 2 MB): search and sort at 100,000 articles
    return conn


class Library:
    """A clinician's library in one SQLite file; one instance per thread."""

    def __init__(
        self,
        path: str | Path,
        before_migration: Callable[[Path, int], None] | None = None,
    ) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = connect(self.path)
            hook = (lambda version: before_migration(self.path, version)) if before_migration else None
            schema.migrate(self.conn, hook)
        except sqlite3.DatabaseError as error:
            raise LibraryError(f"cannot open library {self.path}: {describe_sqlite_error(error)}") from error
        except schema.SchemaTooNewError as error:
            self.conn.close()
            raise LibraryError(f"cannot open library {self.path}: {error}") from error
        self.db = sqlite_utils.Database(self.conn)
        self._depth = 0
        self._positions: dict[tuple[str, bool], tuple[list[int], dict[int, int]]] = {}
        self._positions_stamp: tuple[int, int] | None = None

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE, retried while another writer holds the lock).

        Nested calls are savepoints: an error inside one undoes only its own writes, so a failing
        record in a batch leaves nothing half-written while the rest of the batch goes on.
        """
        if self._depth:
            savepoint = f"sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {savepoint}")
                self.conn.execute(f"RELEASE {savepoint}")
                raise
            finally:
                self._depth -= 1
            self.conn.execute(f"RELEASE {savepoint}")
            return
        self._begin_immediate()
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self._commit()

    def _begin_immediate(self) -> None:
        deadline = time.monotonic() + BUSY_TIMEOUT_S * 2
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise LibraryError(describe_sqlite_error(error)) from error
                if time.monotonic() > deadline:
                    raise LibraryError(f"the library {self.path} stayed locked by another program") from error
                time.sleep(0.05)

    def _commit(self) -> None:
        for _ in range(200):
            try:
                self.conn.execute("COMMIT")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    self.conn.execute("ROLLBACK")
                    raise LibraryError(describe_sqlite_error(error)) from error
                time.sleep(0.05)
        self.conn.execute("ROLLBACK")
        raise LibraryError(f"could not commit to {self.path}: it stayed locked")

    # ----- saving -------------------------------------------------------------------------

    def find_duplicate(self, article: Article) -> tuple[int, str] | None:
        """The id of an article that is the same work (DOI, PMID, or title+year+first author)."""
        doi = normalise_doi(article.doi)
        if doi and (row := self.conn.execute("SELECT id FROM articles WHERE doi = ?", (doi,)).fetchone()):
            return row[0], "DOI"
        pmid = normalise_pmid(article.pmid)
        if pmid and (row := self.conn.execute("SELECT id FROM articles WHERE pmid = ?", (pmid,)).fetchone()):
            return row[0], "PMID"
        title_norm = normalise_title(article.title)
        if title_norm and article.year:
            rows = self.conn.execute(
                "SELECT id, first_author_norm, doi FROM articles WHERE title_norm = ? AND year = ?",
                (title_norm, article.year),
            ).fetchall()
            author_norm = normalise_name(article.first_author)
            for row_id, existing_author, existing_doi in rows:
                if doi and existing_doi and existing_doi != doi:
                    continue
                if existing_author == author_norm:
                    return row_id, "title, year and first author"
        return None

    def save(self, article: Article, source: str = "") -> SaveResult:
        """Add an article, or merge it into the existing record of the same work."""
        with self.transaction():
            duplicate = self.find_duplicate(article)
            if duplicate is None:
                article_id = self._insert(article, source)
                self._link_citations(article_id, outgoing=bool(article.references))
                return SaveResult(article_id, "added")
            article_id, matched_by = duplicate
            changed = self._merge(article_id, article)
            return SaveResult(article_id, "updated" if changed else "duplicate", matched_by)

    def save_many(self, articles: Iterable[Article], source: str = "") -> list[SaveResult]:
        """Save several articles in one transaction (new works written in bulk, as save_batch does)."""
        results = self.save_batch(list(articles), source)
        return [r for r in results if isinstance(r, SaveResult)]

    def save_batch(
        self, articles: Sequence[Article], source: str = "", catch: tuple[type[Exception], ...] = ()
    ) -> list[SaveResult | Exception]:
        """Save articles in one transaction with the results save() one by one gives, in order.

        Articles that no duplicate check can match (nothing in the library or earlier in the batch with the
        same DOI, PMID or title and year) are inserted together, one executemany per table; the others go
        through save() and its merge. If a bulk group raises, it is undone and saved one by one. An exception
        of a `catch` type fails only its own article (its savepoint rolled back) and is returned in its place.
        """
        results: list[SaveResult | Exception | None] = [None] * len(articles)
        with self.transaction():
            keys = [_match_key(article) for article in articles]
            known = self._known_keys([key for key in keys if key is not None])
            group: list[int] = []
            for index, key in enumerate(keys):
                if key is not None and not known.matches(key):
                    group.append(index)
                    known.add(key)
                    continue
                self._save_group(articles, group, source, catch, results)
                group = []
                results[index] = result = self._save_one(articles[index], source, catch)
                if isinstance(result, SaveResult):
                    row = self.conn.execute(
                        "SELECT doi, pmid, title_norm, year FROM articles WHERE id = ?", (result.article_id,)
                    ).fetchone()
                    if row:
                        known.add(row)
            self._save_group(articles, group, source, catch, results)
        return [r for r in results if r is not None]

    def _save_one(self, article: Article, source: str, catch: tuple[type[Exception], ...]) -> SaveResult | Exception:
        try:
            return self.save(article, source)
        except catch as error:
            return error

    def _save_group(
        self,
        articles: Sequence[Article],
        group: list[int],
        source: str,
        catch: tuple[type[Exception], ...],
        results: list[SaveResult | Exception | None],
    ) -> None:
        """Insert new articles in bulk; if anything fails, undo that and save them one by one."""
        if not group:
            return
        try:
            with self.transaction():
                ids = self._insert_many([articles[i] for i in group], source)
        except Exception:
            for index in group:
                results[index] = self._save_one(articles[index], source, catch)
            return
        for index, article_id in zip(group, ids, strict=True):
            results[index] = SaveResult(article_id, "added")

    def _known_keys(self, keys: list[tuple[str, str, str, int | None]]) -> _KnownKeys:
        """The DOIs, PMIDs and (normalised title, year) pairs of these keys that the library already holds."""
        known = _KnownKeys()
        for column, values, target in (
            ("doi", {k[0] for k in keys if k[0]}, known.dois),
            ("pmid", {k[1] for k in keys if k[1]}, known.pmids),
        ):
            for chunk in _chunks(sorted(values)):
                marks = ", ".join("?" * len(chunk))
                sql = f"SELECT {column} FROM articles WHERE {column} IN ({marks})"
                target.update(r[0] for r in self.conn.execute(sql, chunk))
        titles = sorted({k[2] for k in keys if k[2] and k[3]})
        for chunk in _chunks(titles):
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT title_norm, year FROM articles WHERE title_norm IN ({marks})"
            known.titles.update(self.conn.execute(sql, chunk))
        return known

    def _insert_many(self, articles: list[Article], source: str) -> list[int]:
        """Insert articles that have no duplicate, with children, index rows and citation links, in bulk."""
        conn = self.conn
        first = (conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0) + 1
        ids = list(range(first, first + len(articles)))
        stamp = now_iso()
        rows = []
        identifiers = []
        for article_id, article in zip(ids, articles, strict=True):
            row = {"id": article_id, **self._article_row(article)}
            identifiers.append((article_id, row["doi"], row["pmid"]))
            row.update(
                notes=article.notes,
                read_status=article.read_status or "unread",
                rating=article.rating or 0,
                date_added=article.date_added or stamp,
                date_modified=stamp,
                source=source or article.source,
                n_figures=len(article.figures),
                n_references=len(article.references),
            )
            rows.append(tuple(row.values()))
        conn.executemany(f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", rows)
        conn.executemany(
            "INSERT INTO authors VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (article_id, i, a.family, a.given, a.literal, a.orcid, _json(a.affiliations))
                for article_id, article in zip(ids, articles, strict=True)
                for i, a in enumerate(article.authors)
            ],
        )
        conn.executemany(
            "INSERT INTO keywords VALUES (?, ?, ?, ?, ?, ?)",
            [
                (article_id, i, k.term, k.kind, _json(k.qualifiers), int(k.major))
                for article_id, article in zip(ids, articles, strict=True)
                for i, k in enumerate(article.keywords)
            ],
        )
        conn.executemany(
            "INSERT INTO figures VALUES (?, ?, ?, ?)",
            [
                (article_id, i, f.label, f.legend)
                for article_id, article in zip(ids, articles, strict=True)
                for i, f in enumerate(article.figures)
            ],
        )
        conn.executemany("INSERT INTO refs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._reference_rows(ids, articles))
        conn.executemany(
            "INSERT OR IGNORE INTO publication_types VALUES (?, ?)",
            [
                (article_id, name)
                for article_id, article in zip(ids, articles, strict=True)
                for name in article.publication_types
            ],
        )
        for article_id, article in zip(ids, articles, strict=True):
            if article.tags:
                self.set_tags(article_id, article.tags)
        conn.executemany(
            "INSERT INTO articles_fts (rowid, title, authors, journal, abstract, keywords, legends, notes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(article_id, *fts_values_of(article)) for article_id, article in zip(ids, articles, strict=True)],
        )
        # older articles' references to the new ones (the new ones' own references are linked above)
        if conn.execute("SELECT 1 FROM refs WHERE article_id < ? LIMIT 1", (first,)).fetchone():
            conn.executemany(
                "UPDATE refs SET cited_article_id = ? WHERE +article_id < ? AND (doi = ? OR pmid = ?)",
                [(article_id, first, doi, pmid) for article_id, doi, pmid in identifiers if doi or pmid],
            )
        return ids

    def _reference_rows(self, ids: list[int], articles: list[Article]) -> list[tuple[Any, ...]]:
        """Reference rows of new articles, linked as save() one by one links them.

        One by one, an article's references first point at the library article of the same DOI or PMID, then
        each later article re-points the references matching it; so the last matching article wins.
        """
        rows = []
        for article_id, article in zip(ids, articles, strict=True):
            for i, r in enumerate(article.references):
                rows.append([article_id, i, r.text, normalise_doi(r.doi), normalise_pmid(r.pmid), r.status,
                             r.confidence, r.cited_article_id, _json(r.parts)])
        by_doi = self._ids_by("doi", {row[3] for row in rows if row[3]})
        by_pmid = self._ids_by("pmid", {row[4] for row in rows if row[4]})
        for article_id, article in zip(ids, articles, strict=True):
            doi, pmid = normalise_doi(article.doi), normalise_pmid(article.pmid)
            if doi:
                by_doi[doi] = article_id
            if pmid:
                by_pmid[pmid] = article_id
        for row in rows:
            if not (row[3] or row[4]):
                continue
            by_doi_id = by_doi.get(row[3]) if row[3] else None
            by_pmid_id = by_pmid.get(row[4]) if row[4] else None
            later = [x for x in (by_doi_id, by_pmid_id) if x is not None and x >= row[0]]
            row[7] = max(later) if later else by_doi_id if by_doi_id is not None else by_pmid_id
        return [tuple(row) for row in rows]

    def _ids_by(self, column: str, values: set[str]) -> dict[str, int]:
        """Article ids by DOI or PMID for the values the library holds."""
        found: dict[str, int] = {}
        for chunk in _chunks(sorted(values)):
            marks = ", ".join("?" * len(chunk))
            found.update(self.conn.execute(f"SELECT {column}, id FROM articles WHERE {column} IN ({marks})", chunk))
        return found

    def _insert(self, article: Article, source: str) -> int:
        stamp = now_iso()
        row = self._article_row(article)
        row.update(
            notes=article.notes,
            read_status=article.read_status or "unread",
            rating=article.rating or 0,
            date_added=article.date_added or stamp,
            date_modified=stamp,
            source=source or article.source,
        )
        row.update(n_figures=len(article.figures), n_references=len(article.references))
        columns = ", ".join(row)
        placeholders = ", ".join("?" for _ in row)
        cursor = self.conn.execute(f"INSERT INTO articles ({columns}) VALUES ({placeholders})", list(row.values()))
        article_id = int(cursor.lastrowid)
        self._write_children(article_id, article, fresh=True)
        if article.tags:
            self.set_tags(article_id, article.tags)
        self.conn.execute(
            "INSERT INTO articles_fts (rowid, title, authors, journal, abstract, keywords, legends, notes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (article_id, *fts_values_of(article)),
        )
        return article_id

    def _article_row(self, article: Article) -> dict[str, Any]:
        row: dict[str, Any] = {name: getattr(article, name) for name in SCALAR_FIELDS}
        row["doi"] = normalise_doi(article.doi) or None
        row["pmid"] = normalise_pmid(article.pmid) or None
        row["pmcid"] = normalise_pmcid(article.pmcid) or None
        row["title_norm"] = normalise_title(article.title)
        row["first_author"] = article.first_author
        row["first_author_norm"] = normalise_name(article.first_author)
        row["retracted"] = int(article.retracted)
        for name in JSON_FIELDS:
            row[name] = _json(getattr(article, name))
        return row

    def _merge(self, article_id: int, incoming: Article) -> bool:
        existing = self.get(article_id)
        assert existing is not None
        merged = merge_articles(existing, incoming)
        if merged.to_dict() == existing.to_dict():
            return False
        row = self._article_row(merged)
        if row["doi"] and self._id_for("doi", row["doi"]) not in (None, article_id):
            row.pop("doi")
        if row["pmid"] and self._id_for("pmid", row["pmid"]) not in (None, article_id):
            row.pop("pmid")
        row["date_modified"] = now_iso()
        assignments = ", ".join(f"{name} = ?" for name in row)
        self.conn.execute(f"UPDATE articles SET {assignments} WHERE id = ?", [*row.values(), article_id])
        self._write_children(article_id, merged)
        self.reindex(article_id)
        self._link_citations(article_id)
        return True

    def _id_for(self, column: str, value: str) -> int | None:
        row = self.conn.execute(f"SELECT id FROM articles WHERE {column} = ?", (value,)).fetchone()
        return row[0] if row else None

    def _write_children(self, article_id: int, article: Article, fresh: bool = False) -> None:
        """Write authors, keywords, figures, references and types; `fresh` skips clearing old rows."""
        conn = self.conn
        if not fresh:
            for table in ("authors", "keywords", "figures", "refs", "publication_types"):
                conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))
        conn.executemany(
            "INSERT INTO authors VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (article_id, i, a.family, a.given, a.literal, a.orcid, _json(a.affiliations))
                for i, a in enumerate(article.authors)
            ],
        )
        conn.executemany(
            "INSERT INTO keywords VALUES (?, ?, ?, ?, ?, ?)",
            [
                (article_id, i, k.term, k.kind, _json(k.qualifiers), int(k.major))
                for i, k in enumerate(article.keywords)
            ],
        )
        if fresh:
            self._insert_figures(article_id, article.figures)
            self._insert_references(article_id, article.references)
        else:
            self._write_figures(article_id, article.figures)
            self._write_references(article_id, article.references)
        conn.executemany(
            "INSERT OR IGNORE INTO publication_types VALUES (?, ?)",
            [(article_id, name) for name in article.publication_types],
        )

    def _write_figures(self, article_id: int, figures: list[Figure]) -> None:
        self.conn.execute("DELETE FROM figures WHERE article_id = ?", (article_id,))
        self._insert_figures(article_id, figures)
        self.conn.execute("UPDATE articles SET n_figures = ? WHERE id = ?", (len(figures), article_id))

    def _insert_figures(self, article_id: int, figures: list[Figure]) -> None:
        self.conn.executemany(
            "INSERT INTO figures VALUES (?, ?, ?, ?)",
            [(article_id, i, f.label, f.legend) for i, f in enumerate(figures)],
        )

    def _write_references(self, article_id: int, references: list[Reference]) -> None:
        self.conn.execute("DELETE FROM refs WHERE article_id = ?", (article_id,))
        self._insert_references(article_id, references)
        self.conn.execute("UPDATE articles SET n_references = ? WHERE id = ?", (len(references), article_id))

    def _insert_references(self, article_id: int, references: list[Reference]) -> None:
        self.conn.executemany(
            "INSERT INTO refs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    article_id, i, r.text, normalise_doi(r.doi), normalise_pmid(r.pmid), r.status,
                    r.confidence, r.cited_article_id, _json(r.parts),
                )
                for i, r in enumerate(references)
            ],
        )

    def _link_citations(self, article_id: int, outgoing: bool = True) -> None:
        """Point references at library articles with the same DOI or PMID, both directions."""
        if outgoing:
            self._link_outgoing(article_id)
        row = self.conn.execute("SELECT doi, pmid FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row and (row[0] or row[1]):  # NULL, not '', for a missing one: `doi = ''` would scan every bare reference
            self.conn.execute(
                "UPDATE refs SET cited_article_id = ? WHERE doi = ? OR pmid = ?",
                (article_id, row[0] or None, row[1] or None),
            )

    def _link_outgoing(self, article_id: int) -> None:
        self.conn.execute(
            "UPDATE refs SET cited_article_id = (SELECT a.id FROM articles a WHERE "
            "(refs.doi != '' AND a.doi = refs.doi) OR (refs.pmid != '' AND a.pmid = refs.pmid) LIMIT 1) "
            "WHERE article_id = ? AND (doi != '' OR pmid != '')",
            (article_id,),
        )

    def reindex(self, article_id: int) -> None:
        """Rewrite the full-text index row of one article from its tables."""
        values = self.fts_row(article_id)
        self.conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (article_id,))
        if values is None:
            return
        self.conn.execute(
            "INSERT INTO articles_fts (rowid, title, authors, journal, abstract, keywords, legends, notes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (article_id, *values),
        )

    def fts_row(self, article_id: int) -> tuple[str, ...] | None:
        """What the full-text index holds for an article (title, authors, ..., notes); None if it is gone."""
        conn = self.conn
        row = conn.execute(
            "SELECT title, journal, journal_abbrev, abstract, notes FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        if row is None:
            return None

        def rows(sql: str) -> sqlite3.Cursor:
            return conn.execute(f"{sql} WHERE article_id = ? ORDER BY position", (article_id,))

        return fts_values(
            row,
            rows("SELECT family, given, literal FROM authors"),
            ((term, json.loads(qualifiers)) for term, qualifiers in rows("SELECT term, qualifiers FROM keywords")),
            rows("SELECT label, legend FROM figures"),
        )

    # ----- reading ------------------------------------------------------------------------

    def get(self, article_id: int) -> Article | None:
        """The full article with that id, or None."""
        self.conn.row_factory = sqlite3.Row
        try:
            row = self.conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                return None
            return self._article_from_row(row)
        finally:
            self.conn.row_factory = None

    def get_many(self, article_ids: Iterable[int]) -> list[Article]:
        """Full articles for these ids, in the given order, skipping missing ones."""
        articles = (self.get(i) for i in article_ids)
        return [a for a in articles if a is not None]

    def _article_from_row(self, row: sqlite3.Row) -> Article:
        article_id = row["id"]
        article = Article(id=article_id, **{name: row[name] for name in SCALAR_FIELDS})
        article.doi = row["doi"] or ""
        article.pmid = row["pmid"] or ""
        article.pmcid = row["pmcid"] or ""
        for name in JSON_FIELDS:
            setattr(article, name, json.loads(row[name]))
        article.retracted = bool(row["retracted"])
        article.notes = row["notes"]
        article.read_status = row["read_status"]
        article.rating = row["rating"]
        article.date_added = row["date_added"]
        q = self.conn.execute
        article.authors = [
            Author(
                family=r["family"],
                given=r["given"],
                literal=r["literal"],
                orcid=r["orcid"],
                affiliations=json.loads(r["affiliations"]),
            )
            for r in q("SELECT * FROM authors WHERE article_id = ? ORDER BY position", (article_id,))
        ]
        article.keywords = [
            Keyword(
                term=r["term"], kind=r["kind"], qualifiers=json.loads(r["qualifiers"]), major=bool(r["major"])
            )
            for r in q("SELECT * FROM keywords WHERE article_id = ? ORDER BY position", (article_id,))
        ]
        article.figures = self.figures(article_id)
        article.references = self.references(article_id)
        article.tags = self.tags_of(article_id)
        return article

    def figures(self, article_id: int) -> list[Figure]:
        """An article's figures in order."""
        rows = self.conn.execute(
            "SELECT label, legend FROM figures WHERE article_id = ? ORDER BY position", (article_id,)
        )
        return [Figure(label=label, legend=legend) for label, legend in rows]

    def references(self, article_id: int) -> list[Reference]:
        """An article's reference list in order, with resolution state."""
        rows = self.conn.execute(
            "SELECT text, doi, pmid, status, confidence, cited_article_id, parts FROM refs "
            "WHERE article_id = ? ORDER BY position",
            (article_id,),
        )
        return [
            Reference(text=t, doi=d, pmid=p, status=s, confidence=c, cited_article_id=cited, parts=json.loads(parts))
            for t, d, p, s, c, cited, parts in rows
        ]

    def find(self, token: str) -> int | None:
        """The id of the article a user means by an id, DOI or PMID (or PMCID)."""
        token = token.strip()
        if token.isdigit() and self._id_for("id", token) is not None:
            return int(token)
        if doi := normalise_doi(token):
            return self._id_for("doi", doi)
        if pmcid := normalise_pmcid(token):
            return self._id_for("pmcid", pmcid)
        if pmid := normalise_pmid(token):
            return self._id_for("pmid", pmid)
        return None

    def count(self) -> int:
        """The number of articles in the library."""
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def query_ids(self, query: ArticleQuery | None = None) -> list[int]:
        """Ids of the articles a query selects, filtered and sorted in SQL."""
        query = query or ArticleQuery()
        fast = self._text_search_ids(query)
        if fast is not None:
            return fast
        sql, params = build_query(query)
        try:
            return [row[0] for row in self.conn.execute(sql, params)]
        except sqlite3.OperationalError as error:
            if "fts5" in str(error) or "MATCH" in str(error):
                return []
            raise

    def _text_search_ids(self, query: ArticleQuery) -> list[int] | None:
        """A plain text search in a column order: the bare FTS5 rowids put in order by cached positions.

        Looking every match up in the wide articles table to sort it costs 3-5x the full-text query itself
        at 100,000 articles; the position of every id in each sort order is read once from an index instead
        (and again whenever this or another connection changes the library). None when the query has filters.
        """
        if query.list_id is not None or query.tag or query.read_status or query.added_since:
            return None
        if query.sort not in SORT_COLUMNS or query.sort in ("id", "rank"):  # rank: bm25 inside FTS5 already
            return None
        parsed = parse_search(query.text)
        if not parsed.fts or parsed.conditions:
            return None
        ordered, position = self._sort_positions(query.sort, query.descending)
        try:
            sql = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
            rows = self.conn.execute(sql, (parsed.fts,)).fetchall()
        except sqlite3.OperationalError as error:
            if "fts5" in str(error) or "MATCH" in str(error):
                return []
            raise
        try:
            found = sorted([position[rowid] for (rowid,) in rows])
        except KeyError:  # an index row without its article (refmgr check repairs that): leave it out
            found = sorted(position[rowid] for (rowid,) in rows if rowid in position)
        if query.limit is not None:
            found = found[: max(0, query.limit)]
        return [ordered[i] for i in found]

    def _sort_positions(self, sort: str, descending: bool) -> tuple[list[int], dict[int, int]]:
        """Every article id in one sort order, and each id's place in it; rebuilt after any change."""
        stamp = (self.conn.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes)
        if stamp != self._positions_stamp:
            self._positions.clear()
            self._positions_stamp = stamp
        key = (sort, descending)
        if key not in self._positions:
            if len(self._positions) >= 2:  # two orders of 100,000 ids are about 20 MB
                self._positions.clear()
            sql, params = build_query(ArticleQuery(sort=sort, descending=descending))
            ordered = [row[0] for row in self.conn.execute(sql, params)]
            self._positions[key] = (ordered, {article_id: i for i, article_id in enumerate(ordered)})
        return self._positions[key]

    def search(self, text: str, limit: int | None = None) -> list[int]:
        """Ids of the articles matching a search, best match first."""
        return self.query_ids(ArticleQuery(text=text, sort="rank", descending=True, limit=limit))

    def summaries(self, article_ids: list[int]) -> dict[int, dict[str, Any]]:
        """Display rows (first author, year, title, ...) for these ids, in one query per 500."""
        result: dict[int, dict[str, Any]] = {}
        columns = ", ".join(SUMMARY_COLUMNS)
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for row in self.conn.execute(f"SELECT {columns} FROM articles WHERE id IN ({marks})", chunk):
                result[row[0]] = dict(zip(SUMMARY_COLUMNS, row, strict=True))
        return result

    # ----- editing ------------------------------------------------------------------------

    def delete(self, article_ids: Iterable[int]) -> int:
        """Delete articles (and their children); return how many existed."""
        ids = list(article_ids)
        with self.transaction():
            deleted = 0
            for article_id in ids:
                cursor = self.conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                if cursor.rowcount:
                    deleted += 1
                    self.conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (article_id,))
            self.conn.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM article_tags)")
        return deleted

    def update_fields(self, article_id: int, **values: Any) -> None:
        """Set user fields (notes, read_status, rating, title, ...) and keep the index current."""
        allowed = {"notes", "read_status", "rating", *SCALAR_FIELDS}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"cannot set {', '.join(sorted(unknown))}")
        if "title" in values:
            values["title_norm"] = normalise_title(values["title"])
        values["date_modified"] = now_iso()
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self.transaction():
            self.conn.execute(f"UPDATE articles SET {assignments} WHERE id = ?", [*values.values(), article_id])
            self.reindex(article_id)

    def set_figures(self, article_id: int, figures: list[Figure]) -> None:
        """Replace an article's figures (for legends pasted by hand)."""
        with self.transaction():
            self._write_figures(article_id, figures)
            self.reindex(article_id)

    def set_references(self, article_id: int, references: list[Reference]) -> None:
        """Replace an article's reference list (resolution results included)."""
        with self.transaction():
            self._write_references(article_id, references)
            self._link_citations(article_id)

    def update_reference(self, article_id: int, position: int, **values: Any) -> None:
        """Change one reference's DOI, PMID, status, confidence or parts."""
        allowed = {"doi", "pmid", "status", "confidence", "parts"}
        if set(values) - allowed:
            raise ValueError(f"cannot set {', '.join(sorted(set(values) - allowed))}")
        if "doi" in values:
            values["doi"] = normalise_doi(values["doi"])
        if "parts" in values:
            values["parts"] = json.dumps(values["parts"], ensure_ascii=False)
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self.transaction():
            self.conn.execute(
                f"UPDATE refs SET {assignments} WHERE article_id = ? AND position = ?",
                [*values.values(), article_id, position],
            )
            self._link_citations(article_id)

    def tags_of(self, article_id: int) -> list[str]:
        """Tag names of one article, alphabetically."""
        rows = self.conn.execute(
            "SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id "
            "WHERE at.article_id = ? ORDER BY t.name",
            (article_id,),
        )
        return [r[0] for r in rows]

    def set_tags(self, article_id: int, tags: Iterable[str]) -> None:
        """Replace an article's tags, creating new tag names as needed."""
        names = sorted({t.strip() for t in tags if t.strip()}, key=str.lower)
        with self.transaction():
            self.conn.execute("DELETE FROM article_tags WHERE article_id = ?", (article_id,))
            for name in names:
                self.conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (name,))
                tag_id = self.conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()[0]
                self.conn.execute("INSERT OR IGNORE INTO article_tags VALUES (?, ?)", (article_id, tag_id))
            self.conn.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM article_tags)")

    def all_tags(self) -> list[tuple[str, int]]:
        """Every tag with the number of articles carrying it."""
        return self.conn.execute(
            "SELECT t.name, count(*) FROM tags t JOIN article_tags at ON at.tag_id = t.id GROUP BY t.id ORDER BY t.name"
        ).fetchall()

    def get_setting(self, key: str, default: str = "") -> str:
        """A per-library setting."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        """Store a per-library setting."""
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value))


@dataclass
class _KnownKeys:
    """Identifiers a batch must not bulk-insert under: held by the library or by an earlier article of the batch."""

    dois: set[str] = field(default_factory=set)
    pmids: set[str] = field(default_factory=set)
    titles: set[tuple[str, Any]] = field(default_factory=set)

    def matches(self, key: tuple[str, str, str, int | None]) -> bool:
        """True when find_duplicate might match an article with this key (it may also find nothing)."""
        doi, pmid, title_norm, year = key
        return bool(
            (doi and doi in self.dois)
            or (pmid and pmid in self.pmids)
            or (title_norm and year and (title_norm, year) in self.titles)
        )

    def add(self, key: Sequence[Any]) -> None:
        """Remember one article's (doi, pmid, title_norm, year)."""
        doi, pmid, title_norm, year = key
        if doi:
            self.dois.add(doi)
        if pmid:
            self.pmids.add(pmid)
        if title_norm:
            self.titles.add((title_norm, year))


def _match_key(article: Article) -> tuple[str, str, str, int | None] | None:
    """(doi, pmid, title_norm, year) as find_duplicate reads them; None when the article cannot be read so."""
    year = article.year
    if year is not None and not isinstance(year, int):  # SQL would compare "2022" or 2022.0 equal to 2022
        return None
    try:
        return normalise_doi(article.doi), normalise_pmid(article.pmid), normalise_title(article.title), year
    except (TypeError, ValueError, AttributeError):
        return None


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    """Lists of at most `size` values (SQLite caps the parameters of one statement)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _json(value: list[Any] | dict[str, Any]) -> str:
    """JSON text of a list or dict, with the common empty cases skipped."""
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value, ensure_ascii=False)


def fts_values(
    scalars: Sequence[str],
    authors: Iterable[Sequence[str]],
    keywords: Iterable[tuple[str, list[str]]],
    figures: Iterable[Sequence[str]],
) -> tuple[str, ...]:
    """The full-text columns from (title, journal, abbrev, abstract, notes) and the child rows."""
    title, journal, abbrev, abstract, notes = scalars
    author_text = " ; ".join(" ".join(filter(None, names)) for names in authors)
    keyword_text = " ; ".join(" ".join([term, *qualifiers]) for term, qualifiers in keywords)
    legends = "\n".join(f"{label} {legend}" for label, legend in figures)
    return (title, author_text, f"{journal} {abbrev}".strip(), abstract, keyword_text, legends, notes)


def fts_values_of(article: Article) -> tuple[str, ...]:
    """The full-text columns for an article object (same text as Library.fts_row gives)."""
    return fts_values(
        (article.title, article.journal, article.journal_abbrev, article.abstract, article.notes),
        ((a.family, a.given, a.literal) for a in article.authors),
        ((k.term, k.qualifiers) for k in article.keywords),
        ((f.label, f.legend) for f in article.figures),
    )


def merge_articles(existing: Article, incoming: Article) -> Article:
    """The existing record completed and refreshed by the incoming one; user fields kept."""
    merged = Article.from_dict(existing.to_dict())
    identifiers = {
        "doi": normalise_doi(incoming.doi),
        "pmid": normalise_pmid(incoming.pmid),
        "pmcid": normalise_pmcid(incoming.pmcid),
    }
    for name in (*SCALAR_FIELDS, *identifiers):
        value = identifiers[name] if name in identifiers else getattr(incoming, name)
        if value not in ("", None) and name != "source":
            if name == "type" and value == "article-journal" and existing.type != "article-journal":
                continue
            if name == "title" and normalise_title(value) == normalise_title(existing.title):
                continue  # same title spelled differently: keep the one the user has
            setattr(merged, name, value)
    for name in JSON_FIELDS:
        if getattr(incoming, name):
            setattr(merged, name, getattr(incoming, name))
    merged.retracted = existing.retracted or incoming.retracted
    if incoming.authors and _authors_richer(incoming.authors, existing.authors):
        merged.authors = incoming.authors
    if incoming.keywords:
        kinds = {k.kind for k in incoming.keywords}
        merged.keywords = [k for k in existing.keywords if k.kind not in kinds] + incoming.keywords
    if incoming.figures:
        merged.figures = incoming.figures
    if incoming.references and len(incoming.references) >= len(existing.references):
        merged.references = _keep_resolutions(existing.references, incoming.references)
    if incoming.notes and incoming.notes not in existing.notes:
        merged.notes = f"{existing.notes}\n\n{incoming.notes}".strip()
    merged.tags = sorted({*existing.tags, *incoming.tags}, key=str.lower)
    return merged


def _authors_richer(incoming: list[Author], existing: list[Author]) -> bool:
    if not existing:
        return True
    def score(authors: list[Author]) -> int:
        return sum(1 + bool(a.orcid) + bool(a.affiliations) + (len(a.given) > 3) for a in authors)
    return score(incoming) >= score(existing)


def _keep_resolutions(existing: list[Reference], incoming: list[Reference]) -> list[Reference]:
    by_text = {normalise_title(r.text): r for r in existing}
    result = []
    for reference in incoming:
        previous = by_text.get(normalise_title(reference.text))
        if previous and previous.doi and not reference.doi:
            reference.doi, reference.status, reference.confidence = previous.doi, previous.status, previous.confidence
        same_target = previous and (normalise_doi(previous.doi), previous.pmid) == (
            normalise_doi(reference.doi), normalise_pmid(reference.pmid)
        )
        if same_target and reference.cited_article_id is None:
            # the link to a library article is recomputed on save; keeping it makes re-imports no-ops
            reference.cited_article_id = previous.cited_article_id
        result.append(reference)
    return result


def describe_sqlite_error(error: sqlite3.Error) -> str:
    """A sentence for the user about a SQLite error."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return "the library is busy in another program; try again in a moment"
    if "disk is full" in text or "full" in text:
        return "the disk is full; free some space and try again"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return "the library file is damaged; restore it from a backup (refmgr restore)"
    if "readonly" in text or "read-only" in text:
        return "the library file is read-only"
    if "unable to open" in text:
        return "the library file cannot be opened (check the folder exists and is writable)"
    return text
