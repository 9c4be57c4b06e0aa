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
    # the best rows first from the index alone; passages (which re-read each document's text) only for those
    best = "SELECT rowid FROM attachments_fts WHERE attachments_fts MATCH ? ORDER BY rank LIMIT ?"
    passages = (
        "SELECT attachments_fts.rowid, snippet(attachments_fts, 0, '[', ']', ' … ', 12) FROM attachments_fts "
        "WHERE attachments_fts MATCH ? AND attachments_fts.rowid = ?"
    )
    try:
        ranked = [row[0] for row in library.conn.execute(best, (expression, limit * 2))]
        owners = dict(library.conn.execute(
            f"SELECT id, article_id FROM attachments WHERE id IN ({', '.join('?' * len(ranked))})", ranked
        ).fetchall()) if ranked else {}  # fmt: skip
        hits: dict[int, FulltextHit] = {}
        for attachment_id in ranked:
            article_id = owners.get(attachment_id)
            if article_id is None or article_id in hits:
                continue
            _, snippet = library.conn.execute(passages, (expression, attachment_id)).fetchone()
            hits[article_id] = FulltextHit(article_id, attachment_id, " ".join(snippet.split()))
            if len(hits) == limit:
                break
    except sqlite3.OperationalError as error:
        if "fts5" in str(error):
            return []
        raise
    return list(hits.values())
