"""Loading articles for citing: only what a citation prints, two queries per 500 articles instead of six each."""

from __future__ import annotations

import json
from collections.abc import Iterable

from refmgr.core.library import Library
from refmgr.core.model import Article, Author

CHUNK = 500
# The article columns a citation can print (and the source, which ranks the journal abbreviation).
COLUMNS = ("id", "title", "journal", "journal_abbrev", "year", "date", "volume", "issue", "pages", "article_number",
           "issn", "publisher", "type", "language", "url", "doi", "doi_given", "pmid", "pmcid", "source",
           "authors_incomplete")  # fmt: skip


def citation_articles(library: Library, article_ids: Iterable[int]) -> list[Article]:
    """The articles with their citation fields and authors, in the given order (missing ids skipped)."""
    # Keywords, figures, references, notes and the abstract are left out: no style prints them.
    ids = list(article_ids)
    by_id: dict[int, Article] = {}
    unique = list(dict.fromkeys(ids))
    conn = library.conn
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        marks = ", ".join("?" for _ in chunk)
        for row in conn.execute(f"SELECT {', '.join(COLUMNS)} FROM articles WHERE id IN ({marks})", chunk):
            values = dict(zip(COLUMNS, row, strict=True))
            by_id[values["id"]] = Article(
                id=values["id"], title=values["title"], journal=values["journal"],
                journal_abbrev=values["journal_abbrev"], year=values["year"], date=values["date"],
                volume=values["volume"], issue=values["issue"], pages=values["pages"],
                article_number=values["article_number"], issn=json.loads(values["issn"] or "[]"),
                publisher=values["publisher"], type=values["type"], language=values["language"], url=values["url"],
                doi=values["doi_given"] or values["doi"] or "", pmid=values["pmid"] or "",
                pmcid=values["pmcid"] or "", source=values["source"],
                authors_incomplete=bool(values["authors_incomplete"]),
            )  # fmt: skip
        rows = conn.execute(
            f"SELECT article_id, family, given, literal FROM authors WHERE article_id IN ({marks}) "
            "ORDER BY article_id, position",
            chunk,
        )
        for article_id, family, given, literal in rows:
            by_id[article_id].authors.append(Author(family=family, given=given, literal=literal))
    return [by_id[i] for i in ids if i in by_id]
