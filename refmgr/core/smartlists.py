"""Saved searches ("smart lists"): a named query whose articles are whatever matches it now."""

from __future__ import annotations

from dataclasses import dataclass

from refmgr.core.db import now_iso
from refmgr.core.library import Library
from refmgr.core.model import Article
from refmgr.core.querycompile import compile_query
from refmgr.core.search import ArticleQuery


class SavedSearchError(ValueError):
    """A saved-search operation that cannot be done (unknown or duplicate name, malformed query)."""


@dataclass
class SavedSearch:
    """A saved search; count is filled by all_saved(counts=True)."""

    id: int
    name: str
    query: str
    count: int | None = None


def _check_query(query: str) -> str:
    query = query.strip()
    if not query:
        raise SavedSearchError("a saved search needs a query")
    problems = compile_query(query).problems
    if problems:
        raise SavedSearchError(f"the query has a problem at {problems[0]}")
    return query


def all_saved(library: Library, counts: bool = False) -> list[SavedSearch]:
    """Every saved search by name, with its current number of matches when counts is true."""
    rows = library.conn.execute("SELECT id, name, query FROM saved_searches ORDER BY name COLLATE NOCASE").fetchall()
    saved = [SavedSearch(*row) for row in rows]
    if counts:
        for item in saved:
            item.count = library.count_query(ArticleQuery(scope_text=item.query))
    return saved


def find_saved(library: Library, name: str) -> SavedSearch | None:
    """The saved search called NAME (case-insensitive), or None."""
    row = library.conn.execute("SELECT id, name, query FROM saved_searches WHERE name = ?", (name.strip(),)).fetchone()
    return SavedSearch(*row) if row else None


def get_saved(library: Library, saved_id: int) -> SavedSearch | None:
    """The saved search with that id, or None."""
    row = library.conn.execute("SELECT id, name, query FROM saved_searches WHERE id = ?", (saved_id,)).fetchone()
    return SavedSearch(*row) if row else None


def require_saved(library: Library, name: str) -> SavedSearch:
    """The saved search called NAME; SavedSearchError if there is none."""
    saved = find_saved(library, name)
    if saved is None:
        raise SavedSearchError(f"no saved search called {name!r}")
    return saved


def save_search(library: Library, name: str, query: str) -> int:
    """Save a query under a new name (or replace the query of that name); return its id."""
    name = name.strip()
    if not name:
        raise SavedSearchError("a saved search needs a name")
    query = _check_query(query)
    with library.transaction() as conn:
        existing = find_saved(library, name)
        if existing is not None:
            conn.execute("UPDATE saved_searches SET query = ? WHERE id = ?", (query, existing.id))
            return existing.id
        cursor = conn.execute(
            "INSERT INTO saved_searches (name, query, created) VALUES (?, ?, ?)", (name, query, now_iso())
        )
        return int(cursor.lastrowid)


def rename_saved(library: Library, saved_id: int, new_name: str) -> None:
    """Rename a saved search; SavedSearchError if the name is empty or taken."""
    new_name = new_name.strip()
    if not new_name:
        raise SavedSearchError("a saved search needs a name")
    other = find_saved(library, new_name)
    if other is not None and other.id != saved_id:
        raise SavedSearchError(f"a saved search called {new_name!r} already exists")
    with library.transaction() as conn:
        conn.execute("UPDATE saved_searches SET name = ? WHERE id = ?", (new_name, saved_id))


def delete_saved(library: Library, saved_id: int) -> None:
    """Delete a saved search (its articles stay in the library)."""
    with library.transaction() as conn:
        conn.execute("DELETE FROM saved_searches WHERE id = ?", (saved_id,))


def matching_ids(library: Library, saved: SavedSearch, sort: str = "date_added", descending: bool = True) -> list[int]:
    """The ids that match a saved search now."""
    return library.query_ids(ArticleQuery(scope_text=saved.query, sort=sort, descending=descending))


def export_saved(
    library: Library, saved: SavedSearch, format: str, style: str | None = None, output_format: str = "text"
) -> str:
    """A saved search's current articles exported like a reading list, titled with its name."""
    from refmgr.core.export import export_articles

    articles: list[Article] = library.get_many(matching_ids(library, saved))
    return export_articles(articles, format, style, {}, saved.name, output_format)
