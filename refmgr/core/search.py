"""Search queries: user text with field prefixes turned into FTS5 and SQL conditions."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from refmgr.core.identifiers import normalise_doi, normalise_pmid
from refmgr.core.pdf.fulltext import HAS_PDF, fulltext_condition

FTS_FIELDS = {
    "title": "title",
    "author": "authors",
    "authors": "authors",
    "journal": "journal",
    "abstract": "abstract",
    "keyword": "keywords",
    "keywords": "keywords",
    "kw": "keywords",
    "mesh": "keywords",
    "legend": "legends",
    "figure": "legends",
    "note": "notes",
    "notes": "notes",
}
SORT_COLUMNS = {
    "id": "a.id",
    "first_author": "a.first_author COLLATE NOCASE",
    "year": "a.year",
    "title": "a.title COLLATE NOCASE",
    "journal": "a.journal COLLATE NOCASE",
    "date_added": "a.date_added",
    "read_status": "a.read_status",
    "rating": "a.rating",
    "citation_count": "a.citation_count",
    "has_extras": "(a.n_figures > 0) + (a.n_references > 0)",
    "rank": "a.id",
}
# Best match first: a hit in the title, authors or keywords weighs more than one in the abstract or notes.
RANK_ORDER = "bm25(articles_fts, 10.0, 5.0, 2.0, 1.0, 5.0, 1.0, 1.0)"
_YEAR_RANGE = re.compile(r"^(\d{4})?(?:(-|\.\.)(\d{4})?)?$")


@dataclass
class ArticleQuery:
    """What the library table shows: a text search, a scope and an order."""

    text: str = ""
    list_id: int | None = None
    tag: str | None = None
    read_status: str | None = None
    added_since: str | None = None
    sort: str = "date_added"
    descending: bool = True
    limit: int | None = None


@dataclass
class ParsedSearch:
    """A search split into an FTS5 expression and plain SQL conditions."""

    fts: str = ""
    conditions: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)


def _fts_phrase(term: str) -> str:
    """One user term as a safe FTS5 string, prefix-matched when it is a plain word."""
    cleaned = term.replace('"', " ").strip()
    if not cleaned:
        return ""
    return f'"{cleaned}"*' if " " not in cleaned else f'"{cleaned}"'


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.replace('"', " ").split()


def parse_search(text: str) -> ParsedSearch:
    """Parse `author:ljungberg year:2020-2022 ablation` into FTS5 and SQL parts."""
    parsed = ParsedSearch()
    fts_terms: list[str] = []
    for token in _tokens(text):
        prefix, sep, value = token.partition(":")
        key = prefix.lower()
        if sep and key == "year" and (match := _YEAR_RANGE.match(value.strip())):
            start, dash, end = match.groups()
            if start and not dash:
                parsed.conditions.append("a.year = ?")
                parsed.params.append(int(start))
            else:
                if start:
                    parsed.conditions.append("a.year >= ?")
                    parsed.params.append(int(start))
                if end:
                    parsed.conditions.append("a.year <= ?")
                    parsed.params.append(int(end))
            continue
        if sep and key == "doi" and value:
            parsed.conditions.append("a.doi = ?")
            parsed.params.append(normalise_doi(value) or value.lower())
            continue
        if sep and key == "pmid" and value:
            parsed.conditions.append("a.pmid = ?")
            parsed.params.append(normalise_pmid(value) or value)
            continue
        if sep and key == "fulltext" and value:  # attached PDFs' text (refmgr.core.pdf.fulltext)
            condition, values = fulltext_condition(value)
            parsed.conditions.append(condition)
            parsed.params.extend(values)
            continue
        if sep and key == "has" and value.lower() == "pdf":
            parsed.conditions.append(HAS_PDF)
            continue
        if sep and key == "trial" and value:  # a registry number: NCT02853331, ISRCTN..., EudraCT
            parsed.conditions.append("a.id IN (SELECT article_id FROM trials WHERE accession = ? COLLATE NOCASE)")
            parsed.params.append(value.strip())
            continue
        if sep and key in FTS_FIELDS and value:
            phrase = _fts_phrase(value)
            if phrase:
                fts_terms.append(f"{FTS_FIELDS[key]} : {phrase}")
            continue
        phrase = _fts_phrase(token)
        if phrase:
            fts_terms.append(phrase)
    parsed.fts = " AND ".join(fts_terms)
    return parsed


def build_query(query: ArticleQuery) -> tuple[str, list[object]]:
    """SQL returning the ids of the articles a query selects, in its order."""
    parsed = parse_search(query.text)
    joins: list[str] = []
    conditions = list(parsed.conditions)
    params: list[object] = []
    if parsed.fts:
        conditions.insert(0, "articles_fts MATCH ?")
        params.append(parsed.fts)
    params.extend(parsed.params)
    order = SORT_COLUMNS.get(query.sort, "a.date_added")
    if query.list_id is not None:
        joins.append("JOIN reading_list_items li ON li.article_id = a.id")
        conditions.append("li.list_id = ?")
        params.append(query.list_id)
        if query.sort == "position":
            order = "li.position"
    if query.tag:
        conditions.append(
            "a.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id "
            "WHERE t.name = ?)"
        )
        params.append(query.tag)
    if query.read_status:
        conditions.append("a.read_status = ?")
        params.append(query.read_status)
    if query.added_since:
        conditions.append("a.date_added >= ?")
        params.append(query.added_since)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    direction = "DESC" if query.descending else "ASC"
    ordering = f"{order} {direction}, a.id {direction}"
    if query.sort == "rank" and parsed.fts:
        # bm25 is lower for better matches, so best first ("descending") is ascending bm25
        ordering = f"{RANK_ORDER} {'ASC' if query.descending else 'DESC'}, a.id DESC"
    # CROSS JOIN makes SQLite run the full-text query once, then look the articles up by id
    source = "articles_fts CROSS JOIN articles a ON a.id = articles_fts.rowid" if parsed.fts else "articles a"
    sql = " ".join(part for part in ["SELECT a.id FROM", source, *joins, where, "ORDER BY", ordering] if part)
    if query.limit is not None:
        sql += f" LIMIT {int(query.limit)}"
    return sql, params
