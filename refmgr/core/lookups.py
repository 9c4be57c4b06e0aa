"""Small read-only look-ups the window and the command line need (so neither runs SQL itself)."""

from __future__ import annotations

from refmgr.core.db import LibraryBase


class LookupsMixin(LibraryBase):
    """Counts and little queries for the sidebar, the status bar, undo and `refmgr refresh --all`."""

    def unread_count(self) -> int:
        """How many articles are unread."""
        return int(self.conn.execute("SELECT count(*) FROM articles WHERE read_status = 'unread'").fetchone()[0])

    def pending_count(self) -> int:
        """How many DOIs wait in the pending table for Crossref to come back."""
        return int(self.conn.execute("SELECT count(*) FROM pending").fetchone()[0])

    def journal_abbrevs(self, article_ids: list[int]) -> dict[int, str]:
        """The abbreviated journal titles of these articles, by id."""
        found: dict[int, str] = {}
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self.conn.execute(f"SELECT id, journal_abbrev FROM articles WHERE id IN ({marks})", chunk)
            found.update(dict(rows.fetchall()))
        return found

    def list_places(self, article_id: int) -> list[tuple[int, int, str]]:
        """Where an article stands on reading lists: (list id, position, note)."""
        rows = self.conn.execute(
            "SELECT list_id, position, note FROM reading_list_items WHERE article_id = ?", (article_id,)
        )
        return [(int(list_id), int(position), note) for list_id, position, note in rows]

