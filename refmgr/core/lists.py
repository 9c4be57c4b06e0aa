"""Reading lists: named, ordered collections of articles, each item with an optional note."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from refmgr.core.changes import Changes, returns_changes
from refmgr.core.db import now_iso
from refmgr.core.loading import ALL_PARTS
from refmgr.core.model import Article

if TYPE_CHECKING:
    from refmgr.core.library import Library


class ReadingListError(ValueError):
    """A reading-list operation that cannot be done (unknown or duplicate name)."""


@dataclass
class ReadingList:
    """A reading list and how many articles it holds."""

    id: int
    name: str
    count: int


@dataclass
class ListItem:
    """One article on a list, in list order, with the user's note."""

    article_id: int
    position: int
    note: str


def all_lists(library: Library) -> list[ReadingList]:
    """Every reading list with its article count, by name."""
    rows = library.conn.execute(
        "SELECT l.id, l.name, count(i.article_id) FROM reading_lists l "
        "LEFT JOIN reading_list_items i ON i.list_id = l.id GROUP BY l.id ORDER BY l.name COLLATE NOCASE"
    )
    return [ReadingList(*row) for row in rows]


def find_list(library: Library, name: str) -> int | None:
    """The id of the list called NAME (case-insensitive), or None."""
    row = library.conn.execute("SELECT id FROM reading_lists WHERE name = ?", (name.strip(),)).fetchone()
    return row[0] if row else None


def require_list(library: Library, name: str) -> int:
    """The id of the list called NAME; ReadingListError if there is none."""
    list_id = find_list(library, name)
    if list_id is None:
        raise ReadingListError(f"no reading list called {name!r}")
    return list_id


def create_list(library: Library, name: str) -> int:
    """Create an empty list; ReadingListError if the name is empty or taken."""
    name = name.strip()
    if not name:
        raise ReadingListError("a reading list needs a name")
    with library.transaction():
        if find_list(library, name) is not None:
            raise ReadingListError(f"a reading list called {name!r} already exists")
        cursor = library.conn.execute("INSERT INTO reading_lists (name, created) VALUES (?, ?)", (name, now_iso()))
        return int(cursor.lastrowid)


@returns_changes
def rename_list(library: Library, list_id: int, new_name: str) -> Changes:
    """Rename a list; ReadingListError if the new name is empty or taken by another list."""
    new_name = new_name.strip()
    if not new_name:
        raise ReadingListError("a reading list needs a name")
    with library.transaction():
        other = find_list(library, new_name)
        if other is not None and other != list_id:
            raise ReadingListError(f"a reading list called {new_name!r} already exists")
        library.conn.execute("UPDATE reading_lists SET name = ? WHERE id = ?", (new_name, list_id))


@returns_changes
def delete_list(library: Library, list_id: int) -> Changes:
    """Delete a list (its articles stay in the library)."""
    with library.transaction():
        library.conn.execute("DELETE FROM reading_lists WHERE id = ?", (list_id,))


def add_to_list(library: Library, list_id: int, article_ids: Iterable[int], note: str = "") -> int:
    """Append articles to a list (those already on it keep their place); return how many were new."""
    added = 0
    with library.transaction():
        position = library.conn.execute(
            "SELECT coalesce(max(position), -1) + 1 FROM reading_list_items WHERE list_id = ?", (list_id,)
        ).fetchone()[0]
        for article_id in article_ids:
            cursor = library.conn.execute(
                "INSERT OR IGNORE INTO reading_list_items (list_id, article_id, position, note) VALUES (?, ?, ?, ?)",
                (list_id, article_id, position, note),
            )
            if cursor.rowcount:
                added += 1
                position += 1
    return added


def remove_from_list(library: Library, list_id: int, article_ids: Iterable[int]) -> int:
    """Take articles off a list; return how many were on it."""
    removed = 0
    with library.transaction():
        for article_id in article_ids:
            cursor = library.conn.execute(
                "DELETE FROM reading_list_items WHERE list_id = ? AND article_id = ?", (list_id, article_id)
            )
            removed += cursor.rowcount
    return removed


def list_items(library: Library, list_id: int) -> list[ListItem]:
    """A list's items in order."""
    rows = library.conn.execute(
        "SELECT article_id, position, note FROM reading_list_items WHERE list_id = ? ORDER BY position",
        (list_id,),
    )
    return [ListItem(*row) for row in rows]


@returns_changes
def set_item_note(library: Library, list_id: int, article_id: int, note: str) -> Changes:
    """Set the note of one item on a list."""
    with library.transaction():
        library.conn.execute(
            "UPDATE reading_list_items SET note = ? WHERE list_id = ? AND article_id = ?", (note, list_id, article_id)
        )


@returns_changes
def move_item(library: Library, list_id: int, article_id: int, new_index: int) -> Changes:
    """Move an item to a new place in the list's order, renumbering the rest."""
    with library.transaction():
        order = [item.article_id for item in list_items(library, list_id) if item.article_id != article_id]
        order.insert(max(0, min(new_index, len(order))), article_id)
        library.conn.executemany(
            "UPDATE reading_list_items SET position = ? WHERE list_id = ? AND article_id = ?",
            [(index, list_id, aid) for index, aid in enumerate(order)],
        )


@returns_changes
def move_items(library: Library, list_id: int, article_ids: Iterable[int], before: int | None) -> Changes:
    """Move articles (in their list order) to just before another item, or to the end when before is None."""
    moving = set(article_ids)
    with library.transaction():
        order = [item.article_id for item in list_items(library, list_id)]
        moved = [article_id for article_id in order if article_id in moving]
        rest = [article_id for article_id in order if article_id not in moving]
        at = rest.index(before) if before in rest else len(rest)
        order = rest[:at] + moved + rest[at:]
        library.conn.executemany(
            "UPDATE reading_list_items SET position = ? WHERE list_id = ? AND article_id = ?",
            [(index, list_id, aid) for index, aid in enumerate(order)],
        )


def lists_of(library: Library, article_id: int) -> list[str]:
    """Names of the lists an article is on."""
    rows = library.conn.execute(
        "SELECT l.name FROM reading_lists l JOIN reading_list_items i ON i.list_id = l.id "
        "WHERE i.article_id = ? ORDER BY l.name COLLATE NOCASE",
        (article_id,),
    )
    return [r[0] for r in rows]


def list_name(library: Library, list_id: int) -> str:
    """The name of a list; ReadingListError if it does not exist."""
    row = library.conn.execute("SELECT name FROM reading_lists WHERE id = ?", (list_id,)).fetchone()
    if row is None:
        raise ReadingListError(f"no reading list with id {list_id}")
    return row[0]


def list_articles(
    library: Library, list_id: int, parts: Iterable[str] = ALL_PARTS
) -> tuple[list[Article], dict[int, str]]:
    """A list's articles in list order (with the child rows in `parts`) and their item notes by article id."""
    items = list_items(library, list_id)
    return library.get_many((i.article_id for i in items), parts), {i.article_id: i.note for i in items if i.note}


def export_list(
    library: Library, list_id: int, format: str, style: str | None = None, output_format: str = "text"
) -> str:
    """A list exported like export_articles, in list order, with its name as title and its item notes."""
    from refmgr.core.export import export_articles
    from refmgr.core.export.stream import FORMAT_PARTS

    articles, notes = list_articles(library, list_id, FORMAT_PARTS.get(format, ALL_PARTS))
    return export_articles(articles, format, style, notes, list_name(library, list_id), output_format)
