"""Loading many articles in chunks: one query per table per chunk, only the child rows a caller prints."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from refmgr.core.db import JSON_FIELDS, SCALAR_FIELDS
from refmgr.core.model import Article, Author, Figure, Keyword, Reference, Trial

ALL_PARTS = frozenset({"authors", "keywords", "figures", "trials", "references", "tags", "open_access"})
CHUNK = 500  # ids per IN (...) list: well under SQLite's parameter cap, a few MB of objects at a time

# Child rows by table: SQL after "SELECT article_id, " and the function making one object of the rest.
_CHILDREN: dict[str, tuple[str, Callable[..., Any]]] = {
    "authors": (
        "family, given, literal, orcid, affiliations FROM authors",
        lambda f, g, li, o, aff: Author(family=f, given=g, literal=li, orcid=o, affiliations=_strings(aff)),
    ),
    "keywords": (
        "term, kind, qualifiers, major, source FROM keywords",
        lambda t, k, q, m, s: Keyword(term=t, kind=k, qualifiers=_strings(q), major=bool(m), source=s),
    ),
    "figures": (
        "label, legend, source FROM figures",
        lambda label, legend, source: Figure(label=label, legend=legend, source=source),
    ),
    "trials": (
        "accession, registry, source FROM trials",
        lambda accession, registry, source: Trial(accession=accession, registry=registry, source=source),
    ),
    "references": (
        "text, doi, pmid, status, confidence, cited_article_id, parts FROM refs",
        lambda t, d, p, s, c, cited, parts: Reference(
            text=t, doi=d, pmid=p, status=s, confidence=c, cited_article_id=cited, parts=_dict(parts)
        ),
    ),
}


def _list(text: str) -> list[Any]:
    """A JSON list column; the common empty one without the decoder."""
    return [] if text == "[]" else json.loads(text)


@lru_cache(maxsize=4096)
def _decoded_strings(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def _strings(text: str) -> list[str]:
    """A JSON list of strings (affiliations, MeSH qualifiers): the same few recur, so each is decoded once."""
    return [] if text == "[]" else list(_decoded_strings(text))


def _dict(text: str) -> dict[str, Any]:
    """A JSON object column; the common empty one without the decoder."""
    return {} if text == "{}" else json.loads(text)


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for article_id in ids:
        chunk.append(article_id)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def article_from_row(row: sqlite3.Row) -> Article:
    """An Article with the articles row's own columns (no child rows)."""
    article = Article(id=row["id"], **{name: row[name] for name in SCALAR_FIELDS})
    article.doi = row["doi_given"] or row["doi"] or ""  # the case the source gave ("10.1056/NEJMoa1816714")
    article.pmid = row["pmid"] or ""
    article.pmcid = row["pmcid"] or ""
    for name in JSON_FIELDS:
        setattr(article, name, _list(row[name]))
    article.retracted = bool(row["retracted"])
    article.authors_incomplete = bool(row["authors_incomplete"])
    article.notes = row["notes"]
    article.read_status = row["read_status"]
    article.rating = row["rating"]
    article.date_added = row["date_added"]
    return article


def iter_articles(
    conn: sqlite3.Connection, article_ids: Iterable[int], parts: Iterable[str] = ALL_PARTS, chunk: int = CHUNK
) -> Iterator[Article]:
    """Articles for these ids in the given order (missing ones skipped), read `chunk` at a time.

    `parts` names the child rows to load (authors, keywords, figures, trials, references, tags, open_access);
    the others stay empty, so an export that does not print references never reads or decodes them.
    """
    wanted = set(parts)
    unknown = wanted - ALL_PARTS
    if unknown:
        raise ValueError(f"unknown article parts: {', '.join(sorted(unknown))}")
    for ids in _chunks(article_ids, chunk):
        yield from _load_chunk(conn, ids, wanted)


def _load_chunk(conn: sqlite3.Connection, ids: Sequence[int], parts: set[str]) -> Iterator[Article]:
    marks = ", ".join("?" * len(ids))
    previous = conn.row_factory
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(f"SELECT * FROM articles WHERE id IN ({marks})", ids).fetchall()
    finally:
        conn.row_factory = previous
    articles = {row["id"]: article_from_row(row) for row in rows}
    for part, (columns, make) in _CHILDREN.items():
        if part not in parts:
            continue
        grouped: dict[int, list[Any]] = defaultdict(list)
        sql = f"SELECT article_id, {columns} WHERE article_id IN ({marks}) ORDER BY article_id, position"
        for article_id, *values in conn.execute(sql, ids):
            grouped[article_id].append(make(*values))
        for article_id, children in grouped.items():
            setattr(articles[article_id], part, children)
    if "tags" in parts:
        sql = (
            "SELECT at.article_id, t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id "
            f"WHERE at.article_id IN ({marks}) ORDER BY at.article_id, t.name"
        )
        for article_id, name in conn.execute(sql, ids):
            articles[article_id].tags.append(name)
    if "open_access" in parts:
        sql = f"SELECT article_id, open_access_url FROM enrichment WHERE article_id IN ({marks})"
        for article_id, url in conn.execute(sql, ids):
            articles[article_id].open_access_url = url or ""
    for article_id in ids:
        article = articles.get(article_id)
        if article is not None:
            yield article
