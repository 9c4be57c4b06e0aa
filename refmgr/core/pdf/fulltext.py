"""Full-text search of attached PDFs (attachments_fts), apart from the metadata index so that stays fast."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refmgr.core.library import Library

HAS_PDF = "a.id IN (SELECT article_id FROM attachments)"
FULLTEXT_CONDITION = (
    "a.id IN (SELECT at.article_id FROM attachments_fts JOIN attachments at ON at.id = attachments_fts.rowid "
    "WHERE attachments_fts MATCH ?)"
)
_WORD = re.compile(r"\w[\w'-]*")


@dataclass(frozen=True)
class FulltextHit:
    """An article whose attached PDF matches, with the best-matching passage."""

    article_id: int
    attachment_id: int
    snippet: str


def fts_expression(text: str) -> str:
    """User words as an FTS5 query: every word must occur (a quoted phrase stays a phrase), plain words by prefix."""
    terms = []
    for phrase in re.findall(r'"([^"]+)"|(\S+)', text):
        quoted, bare = phrase
        if quoted:
            words = _WORD.findall(quoted)
            if words:
                terms.append('"' + " ".join(words) + '"')
        else:
            terms.extend(f'"{word}"*' for word in _WORD.findall(bare))
    return " AND ".join(terms)


def fulltext_condition(text: str) -> tuple[str, list[object]]:
    """An SQL condition on articles `a` for a `fulltext:` search, and its parameter."""
    expression = fts_expression(text)
    return (FULLTEXT_CONDITION, [expression]) if expression else ("0", [])


def search_fulltext(library: Library, text: str, limit: int = 50) -> list[FulltextHit]:
    """Articles whose attached PDFs contain every word, best match first, each with a passage."""
    expression = fts_expression(text)
    if not expression:
        return []
    sql = (
        "SELECT at.article_id, at.id, snippet(attachments_fts, 0, '[', ']', ' … ', 12) "
        "FROM attachments_fts JOIN attachments at ON at.id = attachments_fts.rowid "
        "WHERE attachments_fts MATCH ? ORDER BY bm25(attachments_fts) LIMIT ?"
    )
    try:
        rows = library.conn.execute(sql, (expression, limit * 2)).fetchall()
    except sqlite3.OperationalError as error:
        if "fts5" in str(error):
            return []
        raise
    hits: dict[int, FulltextHit] = {}
    for article_id, attachment_id, snippet in rows:
        hits.setdefault(article_id, FulltextHit(article_id, attachment_id, " ".join(snippet.split())))
    return list(hits.values())[:limit]
