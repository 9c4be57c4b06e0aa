"""Undoing a delete: the articles are kept in memory with their list places and put back."""

from __future__ import annotations

from dataclasses import dataclass, field

from refmgr.core import lists
from refmgr.core.library import Library
from refmgr.core.model import Article


@dataclass
class DeletedArticles:
    """Full copies of deleted articles and the reading-list places they held."""

    articles: list[Article] = field(default_factory=list)
    places: list[tuple[int, int, int, str]] = field(default_factory=list)  # (list id, index, position, note)


def snapshot_for_delete(library: Library, article_ids: list[int]) -> DeletedArticles:
    """Everything needed to bring these articles back."""
    snapshot = DeletedArticles()
    for article in library.get_many(article_ids):  # read in chunks, not one article's tables at a time
        index = len(snapshot.articles)
        snapshot.articles.append(article)
        places = library.list_places(article.id)
        snapshot.places.extend((list_id, index, position, note) for list_id, position, note in places)
    return snapshot


def restore_deleted(library: Library, snapshot: DeletedArticles) -> list[int]:
    """Save the articles again (notes, tags, status kept) and put them back in their lists."""
    with library.transaction():
        new_ids = []
        for article in snapshot.articles:
            copy = Article.from_dict(article.to_dict())
            copy.id = None
            new_ids.append(library.save(copy, source=article.source).article_id)
        existing = {reading_list.id for reading_list in lists.all_lists(library)}
        for list_id, index, position, note in snapshot.places:
            if list_id not in existing:
                continue
            lists.add_to_list(library, list_id, [new_ids[index]], note)
            lists.move_item(library, list_id, new_ids[index], position)
    return new_ids
