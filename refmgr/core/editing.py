"""Editing articles: delete, user fields, figures, references, tags, and per-library settings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from refmgr.core.changes import Changes, returns_changes
from refmgr.core.db import SCALAR_FIELDS, LibraryBase, LibraryError, now_iso
from refmgr.core.identifiers import normalise_doi
from refmgr.core.model import Figure, Reference, normalise_title


class ArticleGoneError(LibraryError):
    """The article to change is no longer in the library (deleted by another window or the command line)."""


class EditingMixin(LibraryBase):
    """Library methods that change or delete saved articles, tags and settings."""

    if TYPE_CHECKING:  # from SavingMixin

        def reindex(self, article_id: int) -> None: ...

        def _write_figures(self, article_id: int, figures: list[Figure]) -> None: ...

        def _write_references(self, article_id: int, references: list[Reference]) -> None: ...

        def _link_citations(self, article_id: int, outgoing: bool = True) -> None: ...

    def delete(self, article_ids: Iterable[int]) -> int:
        """Delete articles (and their children); return how many existed."""
        ids = list(article_ids)
        with self.transaction():
            deleted = 0
            for article_id in ids:
                cursor = self.conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                if cursor.rowcount:
                    deleted += 1
                    self.conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (article_id,))
                    self.conn.execute("DELETE FROM articles_stem WHERE rowid = ?", (article_id,))
            self.conn.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM article_tags)")
        return deleted

    def _touch(self, article_id: int) -> None:
        """Mark an article modified (its figures or references changed), so every window notices."""
        self.conn.execute("UPDATE articles SET date_modified = ? WHERE id = ?", (now_iso(), article_id))

    @returns_changes
    def update_fields(self, article_id: int, **values: Any) -> Changes:
        """Set user fields (notes, read_status, rating, title, ...) and keep the index current."""
        allowed = {"notes", "read_status", "rating", *SCALAR_FIELDS}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"cannot set {', '.join(sorted(unknown))}")
        if "title" in values:
            values["title_norm"] = normalise_title(values["title"])
        values["date_modified"] = now_iso()
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self.transaction():
            sql = f"UPDATE articles SET {assignments} WHERE id = ?"
            cursor = self.conn.execute(sql, [*values.values(), article_id])
            if not cursor.rowcount:
                raise ArticleGoneError(f"article #{article_id} is no longer in the library (deleted elsewhere)")
            self.reindex(article_id)

    @returns_changes
    def set_figures(self, article_id: int, figures: list[Figure]) -> Changes:
        """Replace an article's figures (for legends pasted by hand): they are the user's now, never fetched over."""
        figures = [Figure(label=f.label, legend=f.legend, source="hand") for f in figures]
        with self.transaction():
            self._touch(article_id)
            self._write_figures(article_id, figures)
            self.reindex(article_id)

    @returns_changes
    def set_references(self, article_id: int, references: list[Reference]) -> Changes:
        """Replace an article's reference list (resolution results included)."""
        with self.transaction():
            self._touch(article_id)
            self._write_references(article_id, references)
            self._link_citations(article_id)

    @returns_changes
    def update_reference(self, article_id: int, position: int, **values: Any) -> Changes:
        """Change one reference's DOI, PMID, status, confidence or parts."""
        allowed = {"doi", "pmid", "status", "confidence", "parts"}
        if set(values) - allowed:
            raise ValueError(f"cannot set {', '.join(sorted(set(values) - allowed))}")
        if "doi" in values:
            values["doi"] = normalise_doi(values["doi"])
        if "parts" in values:
            values["parts"] = json.dumps(values["parts"], ensure_ascii=False)
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self.transaction():
            self._touch(article_id)
            self.conn.execute(
                f"UPDATE refs SET {assignments} WHERE article_id = ? AND position = ?",
                [*values.values(), article_id, position],
            )
            self._link_citations(article_id)

    def tags_of(self, article_id: int) -> list[str]:
        """Tag names of one article, alphabetically."""
        rows = self.conn.execute(
            "SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id "
            "WHERE at.article_id = ? ORDER BY t.name",
            (article_id,),
        )
        return [r[0] for r in rows]

    @returns_changes
    def set_tags(self, article_id: int, tags: Iterable[str]) -> Changes:
        """Replace an article's tags, creating new tag names as needed."""
        names = sorted({t.strip() for t in tags if t.strip()}, key=str.lower)
        with self.transaction():
            self.conn.execute("DELETE FROM article_tags WHERE article_id = ?", (article_id,))
            for name in names:
                self.conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (name,))
                tag_id = self.conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()[0]
                self.conn.execute("INSERT OR IGNORE INTO article_tags VALUES (?, ?)", (article_id, tag_id))
            self.conn.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM article_tags)")

    def all_tags(self) -> list[tuple[str, int]]:
        """Every tag with the number of articles carrying it."""
        return self.conn.execute(
            "SELECT t.name, count(*) FROM tags t JOIN article_tags at ON at.tag_id = t.id GROUP BY t.id ORDER BY t.name"
        ).fetchall()

    def get_setting(self, key: str, default: str = "") -> str:
        """A per-library setting."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        """Store a per-library setting."""
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value))
