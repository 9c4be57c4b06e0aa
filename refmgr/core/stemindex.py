"""The stemmed full-text index (articles_stem): every word in American spelling and stemmed, plus publication types."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from refmgr.core import facets
from refmgr.core.model import Article
from refmgr.core.textnorm import stemmed_text

STEM_COLUMNS = ("title", "authors", "journal", "abstract", "keywords", "legends", "notes", "types", "facets")
# best match first: title, authors, keywords and publication types weigh most; facets not at all
RANK = "bm25(10.0, 5.0, 2.0, 1.0, 5.0, 1.0, 1.0, 3.0, 0.0)"
CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS articles_stem USING fts5({', '.join(STEM_COLUMNS)}, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)
INSERT = f"INSERT INTO articles_stem (rowid, {', '.join(STEM_COLUMNS)}) VALUES (?{', ?' * len(STEM_COLUMNS)})"
_INITIAL_SPLIT = re.compile(r"[\s.\-]+")


def initials(given: str) -> str:
    """Vancouver initials of given names: "Brian I." -> "BI", "Jean-Pierre" -> "JP", "BI" stays "BI"."""
    given = given.strip()
    if given.isalpha() and given.isupper() and len(given) <= 3:
        return given
    return "".join(part[0] for part in _INITIAL_SPLIT.split(given) if part)


def author_text(authors: Iterable[Sequence[str]]) -> str:
    """The authors column: per author, family name, initials, given names, group name."""
    return " ; ".join(
        " ".join(filter(None, (family, initials(given), given, literal))) for family, given, literal in authors
    )


def stem_values(
    scalars: Sequence[str],
    authors: Iterable[Sequence[str]],
    keywords: Iterable[tuple[str, list[str]]],
    figures: Iterable[Sequence[str]],
    types: Iterable[str],
    state: Sequence[object] = (None, "unread", 0, False),
    trials: Iterable[str] = (),
) -> tuple[str, ...]:
    """The stemmed columns from (title, journal, abbrev, abstract, notes), the child rows, publication types,
    (year, read status, rating, retracted) for the facets, and trial registry numbers (with the keywords)."""
    title, journal, abbrev, abstract, notes = scalars
    types = list(types)
    figures = list(figures)
    keyword_text = " ; ".join([*(" ".join([term, *qualifiers]) for term, qualifiers in keywords), *trials])
    legends = "\n".join(f"{label} {legend}" for label, legend in figures)
    journal_text = f"{journal} {abbrev}"
    raw = (title, author_text(authors), journal_text, abstract, keyword_text, legends, notes, " ; ".join(types))
    year, status, rating, retracted = state
    facet_column = facets.facet_text(year, status, rating, retracted, bool(figures), types)
    return (*(stemmed_text(text) for text in raw), facet_column)


def stem_values_of(article: Article) -> tuple[str, ...]:
    """The stemmed columns of an article object."""
    return stem_values(
        (article.title, article.journal, article.journal_abbrev, article.abstract, article.notes),
        ((a.family, a.given, a.literal) for a in article.authors),
        ((k.term, k.qualifiers) for k in article.keywords),
        ((f.label, f.legend) for f in article.figures),
        article.publication_types,
        (article.year, article.read_status, article.rating, article.retracted),
        [t.accession for t in article.trials],
    )


def saved_parts(conn: sqlite3.Connection, article_id: int) -> tuple[Any, ...] | None:
    """What both full-text indexes are made of, read once from a saved article's tables; None when it is gone.

    (title, journal, abbrev, abstract, notes), authors, keywords, figures, publication types,
    (year, read status, rating, retracted) and trial numbers: stem_values' arguments, in its order.
    """
    row = conn.execute(
        "SELECT title, journal, journal_abbrev, abstract, notes, year, read_status, rating, retracted "
        "FROM articles WHERE id = ?",
        (article_id,),
    ).fetchone()
    if row is None:
        return None

    def rows(sql: str) -> list[Any]:
        """The article's child rows of a table, in order."""
        return conn.execute(f"{sql} WHERE article_id = ? ORDER BY position", (article_id,)).fetchall()

    types = [r[0] for r in conn.execute("SELECT name FROM publication_types WHERE article_id = ?", (article_id,))]
    return (
        row[:5],
        rows("SELECT family, given, literal FROM authors"),
        [(term, json.loads(q)) for term, q in rows("SELECT term, qualifiers FROM keywords")],
        rows("SELECT label, legend FROM figures"),
        types,
        row[5:],
        [accession for (accession,) in rows("SELECT accession FROM trials")],
    )


def _grouped(cursor: sqlite3.Cursor) -> Iterator[tuple[int, list[tuple[object, ...]]]]:
    """(article_id, rows) from a cursor ordered by article_id whose first column is the article id."""
    current: int | None = None
    group: list[tuple[object, ...]] = []
    for row in cursor:
        if row[0] != current:
            if current is not None:
                yield current, group
            current, group = row[0], []
        group.append(row[1:])
    if current is not None:
        yield current, group


def all_stem_rows(conn: sqlite3.Connection) -> Iterator[tuple[object, ...]]:
    """(id, stemmed columns...) for every article, read with one ordered scan per table (for the migration)."""
    readers = {
        name: _grouped(conn.cursor().execute(sql))
        for name, sql in (
            ("authors", "SELECT article_id, family, given, literal FROM authors ORDER BY article_id, position"),
            ("keywords", "SELECT article_id, term, qualifiers FROM keywords ORDER BY article_id, position"),
            ("figures", "SELECT article_id, label, legend FROM figures ORDER BY article_id, position"),
            ("types", "SELECT article_id, name FROM publication_types ORDER BY article_id"),
            ("trials", "SELECT article_id, accession FROM trials ORDER BY article_id, position"),
        )
    }
    heads: dict[str, tuple[int, list[tuple[object, ...]]] | None] = {n: next(r, None) for n, r in readers.items()}

    def take(name: str, article_id: int) -> list[tuple[object, ...]]:
        """The rows of one table for this article (the readers advance in step)."""
        head = heads[name]
        while head is not None and head[0] < article_id:
            head = heads[name] = next(readers[name], None)
        if head is not None and head[0] == article_id:
            heads[name] = next(readers[name], None)
            return head[1]
        return []

    articles = conn.cursor().execute(
        "SELECT id, title, journal, journal_abbrev, abstract, notes, year, read_status, rating, retracted "
        "FROM articles ORDER BY id"
    )
    for article_id, *columns in articles:
        yield (
            article_id,
            *stem_values(
                columns[:5],  # type: ignore[arg-type]
                take("authors", article_id),  # type: ignore[arg-type]
                ((t, json.loads(q)) for t, q in take("keywords", article_id)),  # type: ignore[arg-type]
                take("figures", article_id),  # type: ignore[arg-type]
                [str(r[0]) for r in take("types", article_id)],
                columns[5:],
                [str(r[0]) for r in take("trials", article_id)],
            ),
        )


def build(conn: sqlite3.Connection) -> int:
    """Create the stemmed index if needed and fill it from every article; return the rows written."""
    conn.execute(CREATE)
    conn.execute("INSERT INTO articles_stem (articles_stem, rank) VALUES ('rank', ?)", (RANK,))
    conn.execute("DELETE FROM articles_stem")
    count = 0
    batch: list[tuple[object, ...]] = []
    for row in all_stem_rows(conn):
        batch.append(row)
        if len(batch) >= 2000:
            conn.executemany(INSERT, batch)
            count += len(batch)
            batch.clear()
    conn.executemany(INSERT, batch)
    return count + len(batch)
