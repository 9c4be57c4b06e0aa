"""The library by its parts: `library.articles`, `.lists`, `.tags`, `.pending`, `.cache`, `.settings`.

Thin views over the Library's methods and the lists and cache modules (nothing is stored twice), so callers
can ask the part they mean: `library.lists.create("GU club")`, `library.pending.count()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from refmgr.core.changes import Changes

if TYPE_CHECKING:
    from refmgr.core.library import Library, SaveResult
    from refmgr.core.lists import ListItem, ReadingList
    from refmgr.core.model import Article
    from refmgr.core.search import ArticleQuery


class _Part:
    """One part of a library."""

    def __init__(self, library: Library) -> None:
        self.library = library


class Articles(_Part):
    """Saving, reading, finding, editing and deleting articles."""

    def get(self, article_id: int) -> Article | None:
        """One article with everything it carries, or None."""
        return self.library.get(article_id)

    def get_many(self, article_ids: Iterable[int]) -> list[Article]:
        """Several articles, in the order asked."""
        return self.library.get_many(article_ids)

    def find(self, token: str) -> int | None:
        """The id of the article an id, DOI or PMID names."""
        return self.library.find(token)

    def count(self) -> int:
        """How many articles the library holds."""
        return self.library.count()

    def ids(self, query: ArticleQuery | None = None) -> list[int]:
        """Ids a query selects, in its order."""
        return self.library.query_ids(query)

    def save(self, article: Article, source: str = "") -> SaveResult:
        """Save one article (merged into a duplicate when there is one)."""
        return self.library.save(article, source)

    def save_many(self, articles: Iterable[Article], source: str = "") -> list[SaveResult]:
        """Save several articles in one transaction."""
        return self.library.save_many(articles, source)

    def update(self, article_id: int, **values: Any) -> Changes:
        """Set user fields (notes, status, rating, ...)."""
        return self.library.update_fields(article_id, **values)

    def delete(self, article_ids: Iterable[int]) -> Changes:
        """Delete articles; the Changes name those that existed."""
        with self.library.recording() as changes:
            self.library.delete(article_ids)
        return changes


class Lists(_Part):
    """Reading lists (refmgr.core.lists)."""

    def all(self) -> list[ReadingList]:
        """Every list with its size, by name."""
        from refmgr.core import lists

        return lists.all_lists(self.library)

    def find(self, name: str) -> int | None:
        """The id of the list called NAME, or None."""
        from refmgr.core import lists

        return lists.find_list(self.library, name)

    def create(self, name: str) -> int:
        """A new empty list's id."""
        from refmgr.core import lists

        return lists.create_list(self.library, name)

    def add(self, list_id: int, article_ids: Iterable[int], note: str = "") -> int:
        """Append articles; how many were new on the list."""
        from refmgr.core import lists

        return lists.add_to_list(self.library, list_id, article_ids, note)

    def items(self, list_id: int) -> list[ListItem]:
        """A list's items in order."""
        from refmgr.core import lists

        return lists.list_items(self.library, list_id)

    def move(self, list_id: int, article_id: int, new_index: int) -> None:
        """Move an item to a new place in the list."""
        from refmgr.core import lists

        lists.move_item(self.library, list_id, article_id, new_index)


class Tags(_Part):
    """Tags on articles."""

    def of(self, article_id: int) -> list[str]:
        """An article's tags, alphabetically."""
        return self.library.tags_of(article_id)

    def set(self, article_id: int, tags: Iterable[str]) -> Changes:
        """Replace an article's tags."""
        return self.library.set_tags(article_id, tags)

    def all(self) -> list[tuple[str, int]]:
        """Every tag with its number of articles."""
        return self.library.all_tags()


class Pending(_Part):
    """DOIs kept for later while Crossref could not be reached."""

    def count(self) -> int:
        """How many are waiting."""
        return self.library.pending_count()

    def dois(self) -> list[tuple[str, str, int, int | None]]:
        """(doi, reason, attempts, list id), oldest first."""
        from refmgr.core.intake import pending_dois

        return pending_dois(self.library)


class Cache(_Part):
    """Raw Crossref records kept with their fetch date."""

    def get(self, dois: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The cached records of these DOIs."""
        from refmgr.core.crossref import cache

        return cache.cached(self.library, dois)

    def store(self, works: Mapping[str, dict[str, Any]]) -> None:
        """Keep records, replacing older copies."""
        from refmgr.core.crossref import cache

        cache.store(self.library, works)


class LibrarySettings(_Part):
    """Settings kept inside the library file (the user's settings file is refmgr.core.settings)."""

    def get(self, key: str, default: str = "") -> str:
        """A setting's value."""
        return self.library.get_setting(key, default)

    def set(self, key: str, value: str) -> None:
        """Store a setting."""
        self.library.set_setting(key, value)


class PartsMixin:
    """`articles`, `lists`, `tags`, `pending`, `cache` and `settings` on a Library."""

    @property
    def articles(self) -> Articles:
        """Saving, reading and editing articles."""
        return Articles(self)  # type: ignore[arg-type]

    @property
    def lists(self) -> Lists:
        """Reading lists."""
        return Lists(self)  # type: ignore[arg-type]

    @property
    def tags(self) -> Tags:
        """Tags."""
        return Tags(self)  # type: ignore[arg-type]

    @property
    def pending(self) -> Pending:
        """DOIs waiting for Crossref."""
        return Pending(self)  # type: ignore[arg-type]

    @property
    def cache(self) -> Cache:
        """The Crossref record cache."""
        return Cache(self)  # type: ignore[arg-type]

    @property
    def settings(self) -> LibrarySettings:
        """Per-library settings."""
        return LibrarySettings(self)  # type: ignore[arg-type]
