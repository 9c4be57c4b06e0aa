"""Reading articles: get, figures, references, find by identifier, count, queries, search and table rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from refmgr.core.db import LibraryBase
from refmgr.core.identifiers import normalise_doi, normalise_pmcid, normalise_pmid
from refmgr.core.loading import ALL_PARTS, CHUNK, iter_articles
from refmgr.core.model import Article, Figure, Reference
from refmgr.core.querycap import cap_query
from refmgr.core.search import (
    RANK_ORDER,
    SORT_COLUMNS,
    ArticleQuery,
    build_query,
    compile_article_query,
    driver_table,
    where_parts,
)

SUMMARY_COLUMNS = (
    "id", "first_author", "year", "title", "journal", "date_added", "read_status", "rating",
    "citation_count", "n_figures", "n_references", "retracted", "doi", "pmid", "publication_types",
)  # fmt: skip


class ReadingMixin(LibraryBase):
    """Library methods that read articles and select them by query."""

    _positions: dict[tuple[str, bool], tuple[list[int], dict[int, int]]]
    _positions_stamp: tuple[int, int] | None

    if TYPE_CHECKING:  # from EditingMixin

        def tags_of(self, article_id: int) -> list[str]: ...

    def get(self, article_id: int) -> Article | None:
        """The full article with that id, or None."""
        return next(iter_articles(self.conn, [article_id]), None)

    def get_many(self, article_ids: Iterable[int], parts: Iterable[str] = ALL_PARTS) -> list[Article]:
        """Articles for these ids, in the given order, skipping missing ones; `parts` as for iter_articles."""
        return list(iter_articles(self.conn, article_ids, parts))

    def iter_articles(
        self, article_ids: Iterable[int], parts: Iterable[str] = ALL_PARTS, chunk: int = CHUNK
    ) -> Iterator[Article]:
        """Articles read `chunk` at a time with only the child rows named in `parts`: for streaming exports."""
        return iter_articles(self.conn, article_ids, parts, chunk)

    def figures(self, article_id: int) -> list[Figure]:
        """An article's figures in order."""
        rows = self.conn.execute(
            "SELECT label, legend, source FROM figures WHERE article_id = ? ORDER BY position", (article_id,)
        )
        return [Figure(label=label, legend=legend, source=source) for label, legend, source in rows]

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

    def ids_with_identifier(self, *columns: str) -> list[int]:
        """Ids of the articles that have any of the named identifiers (doi, pmid, pmcid), in id order."""
        if not columns or not set(columns) <= {"doi", "pmid", "pmcid"}:
            raise ValueError(f"identifier columns are doi, pmid and pmcid, not {columns!r}")
        where = " OR ".join(f"{column} IS NOT NULL" for column in columns)
        return [row[0] for row in self.conn.execute(f"SELECT id FROM articles WHERE {where} ORDER BY id")]

    def query_ids(self, query: ArticleQuery | None = None) -> list[int]:
        """Ids of the articles a query selects, filtered and sorted in SQL."""
        query = query or ArticleQuery()
        if query.text:
            query = replace(query, text=cap_query(query.text)[0])  # callers show the note (window, CLI)
        if query.scope_text:
            query = replace(query, scope_text=cap_query(query.scope_text)[0])
        try:
            fast = self._text_search_ids(query)
            if fast is not None:
                return fast
            ranked = self._ranked_ids(query)
            if ranked is not None:
                return ranked
            sql, params = build_query(query)
            return [row[0] for row in self.conn.execute(sql, params)]
        except sqlite3.OperationalError as error:
            if "fts5" in str(error) or "MATCH" in str(error):  # the compiler quotes everything; kept as a guard
                return []
            raise

    def count_query(self, query: ArticleQuery) -> int:
        """How many articles a query selects, without ordering them (sidebar counts of saved searches)."""
        compiled = compile_article_query(query)
        driver = driver_table(compiled)
        conditions, params, joins = where_parts(query, compiled)
        try:
            if driver and len(conditions) == 1 and not joins:  # may count an index row without article (check)
                return self.conn.execute(f"SELECT count(*) FROM {driver} WHERE {driver} MATCH ?", params).fetchone()[0]
            if driver is None and compiled.source is None:  # a scan in an index's order reads less than the table
                return len(self.query_ids(query))
            if compiled.source is not None and not conditions and not joins:
                source_sql, source_params = compiled.source
                return self.conn.execute(f"SELECT count(*) FROM ({source_sql})", source_params).fetchone()[0]
            sql, params = build_query(query, ordered=False)
            return self.conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
        except sqlite3.OperationalError as error:
            if "fts5" in str(error) or "MATCH" in str(error):
                return 0
            raise

    def _ranked_ids(self, query: ArticleQuery) -> list[int] | None:
        """Best match first with no filter: bm25 order and LIMIT inside the full-text table, then the page alone.

        Only the page's ids are checked against the articles table (an index row without its article, which
        `refmgr check` repairs, is left out). Walking the ranked rowids and checking filters chunk by chunk
        measured slower than one joined statement at 100,000 articles, so filtered searches use build_query.
        None when the query has filters, no full-text part, or another order.
        """
        if query.sort != "rank":
            return None
        compiled = compile_article_query(query)
        driver = driver_table(compiled)
        if driver is None:
            return None
        direction = "ASC" if query.descending else "DESC"
        limit = f" LIMIT {max(0, int(query.limit))}" if query.limit is not None else ""
        conditions, params, joins = where_parts(query, compiled)
        if len(conditions) == 1 and not joins:
            order = f"{RANK_ORDER[driver]} {direction}, rowid DESC"
            sql = f"SELECT rowid FROM {driver} WHERE {driver} MATCH ? ORDER BY {order}{limit}"
            ids = [row[0] for row in self.conn.execute(sql, params)]
            present = set(self.existing_ids(ids))
            return [i for i in ids if i in present]
        return None  # with filters: one statement joining every match and sorting by bm25 (build_query)

    def existing_ids(self, article_ids: list[int]) -> list[int]:
        """Which of these ids are articles in the library."""
        found: list[int] = []
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            found += [r[0] for r in self.conn.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk)]
        return found

    def _text_search_ids(self, query: ArticleQuery) -> list[int] | None:
        """A text search in a column order: the matching ids (unsorted) put in order by cached positions.

        Looking every match up in the wide articles table to sort it costs 3-5x the full-text query itself
        at 100,000 articles; the position of every id in each sort order is read once from an index instead
        (and again whenever this or another connection changes the library). Filters run in SQL without
        ORDER BY. None when no full-text table or id set drives the query, or it sorts by id, rank or list position.
        """
        if query.sort not in SORT_COLUMNS or query.sort in ("id", "rank"):  # rank: bm25 inside FTS5 already
            return None
        compiled = compile_article_query(query)
        driver = driver_table(compiled)
        if driver is None and compiled.source is None:
            return None
        ordered, position = self._sort_positions(query.sort, query.descending)
        conditions, params, joins = where_parts(query, compiled)
        if driver and len(conditions) == 1 and not joins:
            rows = self.conn.execute(f"SELECT rowid FROM {driver} WHERE {driver} MATCH ?", params).fetchall()
        elif compiled.source is not None and not conditions and not joins:
            rows = self.conn.execute(*compiled.source).fetchall()
        else:
            sql, params = build_query(query, ordered=False)
            rows = self.conn.execute(sql, params).fetchall()
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
