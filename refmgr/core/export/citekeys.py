"""Cite keys: readable ("ljungberg2022european"), given once and then stable, unique, editable by the user."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

from refmgr.core.export.bibtex import cite_key_base, unique_key
from refmgr.core.library import Library
from refmgr.core.model import Article, Author

# What pandoc accepts in a key after "@" (letters, digits and a few joiners inside).
KEY_PATTERN = re.compile(r"[\w][\w:.#$%&+?<>~/-]*")
MAX_KEY_LENGTH = 100


class CiteKeyError(ValueError):
    """A cite key that is malformed or already taken by another article."""


def _missing(library: Library, article_ids: list[int] | None) -> list[tuple[int, Article]]:
    """Articles without a key (all of them, or those of ARTICLE_IDS), as far as a key needs them."""
    sql = ("SELECT a.id, a.title, a.year, coalesce(au.family, ''), coalesce(au.literal, '') FROM articles a "
           "LEFT JOIN authors au ON au.article_id = a.id AND au.position = 0 "
           "WHERE NOT EXISTS (SELECT 1 FROM cite_keys k WHERE k.article_id = a.id)")  # fmt: skip
    rows: list[tuple[int, str, int | None, str, str]] = []
    if article_ids is None:
        rows = library.conn.execute(sql + " ORDER BY a.id").fetchall()
    else:
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows += library.conn.execute(f"{sql} AND a.id IN ({marks}) ORDER BY a.id", chunk).fetchall()
    return [(row[0], Article(title=row[1], year=row[2], authors=[Author(family=row[3], literal=row[4])]))
            for row in rows]  # fmt: skip


def assign(library: Library, article_ids: Iterable[int] | None = None) -> int:
    """Give every article (or those of ARTICLE_IDS) that has no key one; returns how many were given."""
    todo = _missing(library, None if article_ids is None else list(dict.fromkeys(article_ids)))
    if not todo:
        return 0
    with library.transaction():
        taken = {k.lower() for (k,) in library.conn.execute("SELECT key FROM cite_keys")}
        rows = []
        for article_id, article in todo:
            key = unique_key(cite_key_base(article)[: MAX_KEY_LENGTH - 4], lambda k: k.lower() in taken)
            taken.add(key.lower())
            rows.append((article_id, key))
        library.conn.executemany("INSERT INTO cite_keys (article_id, key) VALUES (?, ?)", rows)
    return len(rows)


def keys_of(library: Library, article_ids: Iterable[int]) -> dict[int, str]:
    """The cite keys of these articles (given now to those that had none)."""
    ids = list(dict.fromkeys(article_ids))
    assign(library, ids)
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        found.update(library.conn.execute(f"SELECT article_id, key FROM cite_keys WHERE article_id IN ({marks})",
                                          chunk))  # fmt: skip
    return found


def stored_key(library: Library, article_id: int) -> str:
    """An article's cite key if it has one yet ("" otherwise); reads only."""
    row = library.conn.execute("SELECT key FROM cite_keys WHERE article_id = ?", (article_id,)).fetchone()
    return row[0] if row else ""


def shown_key(library: Library, article_id: int) -> tuple[str, bool]:
    """The article's key and whether it is stored; an unstored one is the key it would get now (reads only)."""
    # The window shows this without writing; the key is stored when it is first copied or cited.
    stored = stored_key(library, article_id)
    if stored:
        return stored, True
    found = _missing(library, [article_id])
    if not found:
        return "", False
    base = cite_key_base(found[0][1])[: MAX_KEY_LENGTH - 4]
    sql = "SELECT 1 FROM cite_keys WHERE key = ?"
    return unique_key(base, lambda k: library.conn.execute(sql, (k,)).fetchone() is not None), False


def key_of(library: Library, article_id: int) -> str:
    """One article's cite key ("" if there is no such article)."""
    return keys_of(library, [article_id]).get(article_id, "")


def find_keys(library: Library, keys: Iterable[str]) -> dict[str, int]:
    """Article ids by cite key (case-insensitive) for the keys that exist; every article gets its key first."""
    wanted = list(dict.fromkeys(keys))
    assign(library)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = library.conn.execute(f"SELECT key, article_id FROM cite_keys WHERE key IN ({marks})", chunk)
        by_lower = {key.lower(): article_id for key, article_id in rows}
        found.update({k: by_lower[k.lower()] for k in chunk if k.lower() in by_lower})
    return found


def set_key(library: Library, article_id: int, key: str) -> str:
    """Change an article's cite key; CiteKeyError if it is malformed or another article has it."""
    key = key.strip().lstrip("@")
    if not KEY_PATTERN.fullmatch(key) or len(key) > MAX_KEY_LENGTH:
        raise CiteKeyError(f"{key!r} is not a usable cite key: use letters, digits and _ : . - / "
                           f"(up to {MAX_KEY_LENGTH} characters), starting with a letter or digit")  # fmt: skip
    row = library.conn.execute("SELECT article_id FROM cite_keys WHERE key = ?", (key,)).fetchone()
    if row is not None and row[0] != article_id:
        raise CiteKeyError(f"the cite key {key!r} already belongs to article #{row[0]}")
    try:
        with library.transaction():
            library.conn.execute(
                "INSERT INTO cite_keys (article_id, key) VALUES (?, ?) "
                "ON CONFLICT(article_id) DO UPDATE SET key = excluded.key",
                (article_id, key),
            )
    except sqlite3.IntegrityError as error:  # the article is gone (foreign key) or a race took the key
        raise CiteKeyError(f"cannot give article #{article_id} the key {key!r}: {error}") from error
    return key
