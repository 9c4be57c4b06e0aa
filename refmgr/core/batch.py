"""The batched save path: new works written with one executemany per table, the rest through save()."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from refmgr.core import stemindex
from refmgr.core.db import LibraryBase, now_iso
from refmgr.core.fulltext import fts_values_of
from refmgr.core.identifiers import normalise_doi, normalise_pmid
from refmgr.core.model import Article, normalise_title
from refmgr.core.provenance import stamp_sources
from refmgr.core.saving import SaveResult, _json, link_citations_sql


class BatchSavingMixin(LibraryBase):
    """Library methods that save many articles in one transaction, inserting the new ones in bulk."""

    if TYPE_CHECKING:  # from SavingMixin and EditingMixin

        def save(self, article: Article, source: str = "") -> SaveResult: ...

        def _new_article_row(self, article: Article, source: str, stamp: str) -> dict[str, Any]: ...

        def set_tags(self, article_id: int, tags: Iterable[str]) -> None: ...

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
        for article in articles:
            stamp_sources(article, source)
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
            row = {"id": article_id, **self._new_article_row(article, source, stamp)}
            identifiers.append((article_id, row["doi"], row["pmid"]))
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
            "INSERT INTO keywords (article_id, position, term, kind, qualifiers, major, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (article_id, i, k.term, k.kind, _json(k.qualifiers), int(k.major), k.source)
                for article_id, article in zip(ids, articles, strict=True)
                for i, k in enumerate(article.keywords)
            ],
        )
        conn.executemany(
            "INSERT INTO figures (article_id, position, label, legend, source) VALUES (?, ?, ?, ?, ?)",
            [
                (article_id, i, f.label, f.legend, f.source)
                for article_id, article in zip(ids, articles, strict=True)
                for i, f in enumerate(article.figures)
            ],
        )
        conn.executemany(
            "INSERT INTO trials (article_id, position, accession, registry, source) VALUES (?, ?, ?, ?, ?)",
            [
                (article_id, i, t.accession, t.registry, t.source)
                for article_id, article in zip(ids, articles, strict=True)
                for i, t in enumerate(article.trials)
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
        conn.executemany(
            stemindex.INSERT,
            [(i, *stemindex.stem_values_of(article)) for i, article in zip(ids, articles, strict=True)],
        )
        # older articles' references to the new ones (the new ones' own references are linked above)
        if conn.execute("SELECT 1 FROM refs WHERE article_id < ? LIMIT 1", (first,)).fetchone():
            by_doi, by_pmid = link_citations_sql("doi", older_only=True), link_citations_sql("pmid", older_only=True)
            for article_id, doi, pmid in identifiers:  # in id order, DOI then PMID: the later article wins
                if doi:
                    conn.execute(by_doi, (article_id, doi, first))
                if pmid:
                    conn.execute(by_pmid, (article_id, pmid, first))
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
