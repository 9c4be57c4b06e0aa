"""Saving one article: duplicate lookup, save with merge, child rows, citation links and the full-text row."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from refmgr.core import stemindex
from refmgr.core.db import JSON_FIELDS, SCALAR_FIELDS, LibraryBase, now_iso
from refmgr.core.fulltext import fts_values, fts_values_of
from refmgr.core.identifiers import normalise_doi, normalise_pmcid, normalise_pmid
from refmgr.core.merge import merge_articles
from refmgr.core.model import Article, Figure, Reference, Trial, normalise_name, normalise_title
from refmgr.core.provenance import stamp_sources
from refmgr.core.schema import REFS_DOI_INDEX, REFS_PMID_INDEX


@dataclass
class SaveResult:
    """What saving one article did: added, updated (merged) or duplicate (nothing new)."""

    article_id: int
    action: str
    matched_by: str = ""


class SavingMixin(LibraryBase):
    """Library methods that add or merge articles and write their child rows, citation links and index row."""

    if TYPE_CHECKING:  # from ReadingMixin and EditingMixin

        def get(self, article_id: int) -> Article | None: ...

        def set_tags(self, article_id: int, tags: Iterable[str]) -> None: ...

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
        stamp_sources(article, source)
        with self.transaction():
            duplicate = self.find_duplicate(article)
            if duplicate is None:
                article_id = self._insert(article, source)
                self._link_citations(article_id, outgoing=bool(article.references))
                return SaveResult(article_id, "added")
            article_id, matched_by = duplicate
            changed = self._merge(article_id, article)
            return SaveResult(article_id, "updated" if changed else "duplicate", matched_by)

    def _new_article_row(self, article: Article, source: str, stamp: str) -> dict[str, Any]:
        """The articles row of a new record: bibliographic columns, user fields, dates and child counts."""
        row = self._article_row(article)
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
        return row

    def _insert(self, article: Article, source: str) -> int:
        row = self._new_article_row(article, source, now_iso())
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
        self.conn.execute(stemindex.INSERT, (article_id, *stemindex.stem_values_of(article)))
        return article_id

    def _article_row(self, article: Article) -> dict[str, Any]:
        row: dict[str, Any] = {name: getattr(article, name) for name in SCALAR_FIELDS}
        row["doi"] = normalise_doi(article.doi) or None
        given = article.doi.strip()
        row["doi_given"] = given if row["doi"] and given != row["doi"] and given.lower() == row["doi"] else ""
        row["pmid"] = normalise_pmid(article.pmid) or None
        row["pmcid"] = normalise_pmcid(article.pmcid) or None
        row["title_norm"] = normalise_title(article.title)
        row["first_author"] = article.first_author
        row["first_author_norm"] = normalise_name(article.first_author)
        row["retracted"] = int(article.retracted)
        row["authors_incomplete"] = int(article.authors_incomplete)
        for name in JSON_FIELDS:
            row[name] = _json(getattr(article, name))
        return row

    def merge_into(self, article_id: int, incoming: Article) -> bool:
        """Merge a partial record (an enrichment) into one article, stronger sources kept; True if it changed."""
        with self.transaction():
            return self._merge(article_id, incoming)

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

    def _write_children(self, article_id: int, article: Article, fresh: bool = False) -> None:
        """Write authors, keywords, figures, references and types; `fresh` skips clearing old rows."""
        conn = self.conn
        if not fresh:
            for table in ("authors", "keywords", "figures", "refs", "publication_types", "trials"):
                conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))
        conn.executemany(
            "INSERT INTO authors VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (article_id, i, a.family, a.given, a.literal, a.orcid, _json(a.affiliations))
                for i, a in enumerate(article.authors)
            ],
        )
        conn.executemany(
            "INSERT INTO keywords (article_id, position, term, kind, qualifiers, major, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (article_id, i, k.term, k.kind, _json(k.qualifiers), int(k.major), k.source)
                for i, k in enumerate(article.keywords)
            ],
        )
        self._insert_trials(article_id, article.trials)
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
            "INSERT INTO figures (article_id, position, label, legend, source) VALUES (?, ?, ?, ?, ?)",
            [(article_id, i, f.label, f.legend, f.source) for i, f in enumerate(figures)],
        )

    def _insert_trials(self, article_id: int, trials: list[Trial]) -> None:
        self.conn.executemany(
            "INSERT INTO trials (article_id, position, accession, registry, source) VALUES (?, ?, ?, ?, ?)",
            [(article_id, i, t.accession, t.registry, t.source) for i, t in enumerate(trials)],
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
        for column, value in zip(("doi", "pmid"), row or (), strict=True):
            if value:
                self.conn.execute(link_citations_sql(column), (article_id, value))

    def _link_outgoing(self, article_id: int) -> None:
        self.conn.execute(
            "UPDATE refs SET cited_article_id = (SELECT a.id FROM articles a WHERE "
            "(refs.doi != '' AND a.doi = refs.doi) OR (refs.pmid != '' AND a.pmid = refs.pmid) LIMIT 1) "
            "WHERE article_id = ? AND (doi != '' OR pmid != '')",
            (article_id,),
        )

    def reindex(self, article_id: int) -> None:
        """Rewrite the full-text index row of one article from its tables."""
        parts = stemindex.saved_parts(self.conn, article_id)  # read once for both indexes
        self.conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (article_id,))
        self.conn.execute("DELETE FROM articles_stem WHERE rowid = ?", (article_id,))
        if parts is None:
            return
        scalars, authors, keywords, figures, _types, _state, trials = parts
        self.conn.execute(stemindex.INSERT, (article_id, *stemindex.stem_values(*parts)))
        self.conn.execute(
            "INSERT INTO articles_fts (rowid, title, authors, journal, abstract, keywords, legends, notes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (article_id, *fts_values(scalars, authors, keywords, figures, trials)),
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
            [accession for (accession,) in rows("SELECT accession FROM trials")],
        )


def link_citations_sql(column: str, older_only: bool = False) -> str:
    """UPDATE pointing the references with one DOI (or PMID) at an article: parameters id, value[, first new id].

    One identifier per statement, on the partial index of non-empty values named outright: with `doi = ? OR
    pmid = ?`, or once ANALYZE has seen that nearly every PMID is empty, SQLite scanned every reference
    (1.3 s per new article at 100,000 articles). INDEXED BY makes the plan independent of statistics.
    """
    index = REFS_DOI_INDEX if column == "doi" else REFS_PMID_INDEX
    older = " AND +article_id < ?" if older_only else ""
    return f"UPDATE refs INDEXED BY {index} SET cited_article_id = ? WHERE {column} = ? AND {column} != ''{older}"


def _json(value: list[Any] | dict[str, Any]) -> str:
    """JSON text of a list or dict, with the common empty cases skipped."""
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value, ensure_ascii=False)
