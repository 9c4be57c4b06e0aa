"""Fill the formatted-entry cache ahead of time, so a later bibliography export is served from it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from refmgr.core.export.bibliography import (
    OUTPUT_FORMATS,
    StyleError,
    citeproc_item,
    content_key,
    format_entries,
    style_spec,
)
from refmgr.core.export.citecache import EntryCache
from refmgr.core.export.loading import citation_articles
from refmgr.core.library import Library
from refmgr.core.lists import all_lists, list_items
from refmgr.core.model import Article

CHUNK = 25  # articles per citeproc-py run: the style lock is released and the cancel flag checked in between


def _raw_outputs(output_formats: Iterable[str]) -> list[str]:
    """The cached output kinds behind these formats (Markdown is made from the cached HTML)."""
    raw: list[str] = []
    for output in output_formats:
        if output not in OUTPUT_FORMATS:
            raise StyleError(f"unknown output format {output!r}; choose from {', '.join(OUTPUT_FORMATS)}")
        kind = "text" if output == "text" else "html"
        if kind not in raw:
            raw.append(kind)
    return raw


def uncached(articles: Sequence[Article], style: str | None, output: str, cache: EntryCache) -> list[Article]:
    """The articles whose entry in that style and output is not cached yet (no citeproc-py call)."""
    spec = style_spec(style)
    keys = [content_key(citeproc_item(a, spec), spec, output) for a in articles]
    found = cache.get_many(keys)
    return [a for a, k in zip(articles, keys, strict=True) if k not in found]


def preformat(
    library: Library,
    article_ids: Iterable[int],
    styles: Sequence[str] = ("vancouver",),
    output_formats: Sequence[str] = ("text",),
    cancel: Callable[[], bool] | None = None,
    cache: EntryCache | None = None,
    limit: int | None = None,
) -> int:
    """Format and cache the entries of these articles that are not cached yet; returns how many were made."""
    # Only numbered styles (Vancouver, AMA) are cached per article; author-date styles (APA) are cached per
    # whole bibliography, so they are skipped here. At most LIMIT entries are made. Safe on a worker thread
    # with its own Library connection; stops between chunks once cancel() is true.
    specs = [spec for spec in dict.fromkeys(style_spec(s) for s in styles) if spec.numeric]
    outputs = _raw_outputs(output_formats)
    cache = cache if cache is not None else EntryCache.default()
    ids = list(dict.fromkeys(article_ids))
    made = 0
    for start in range(0, len(ids), CHUNK * 4):
        if cancel is not None and cancel():
            return made
        articles = citation_articles(library, ids[start : start + CHUNK * 4])
        for spec in specs:
            for output in outputs:
                todo = uncached(articles, spec.name, output, cache)
                if limit is not None:
                    todo = todo[: max(limit - made, 0)]
                for chunk_start in range(0, len(todo), CHUNK):
                    if cancel is not None and cancel():
                        return made
                    chunk = todo[chunk_start : chunk_start + CHUNK]
                    format_entries(chunk, spec.name, output, cache)
                    made += len(chunk)
    return made


def reading_list_ids(library: Library, limit: int = 10_000) -> list[int]:
    """Ids of the articles on the user's reading lists (each once, lists in name order, items in list order)."""
    ids: dict[int, None] = {}
    for reading_list in all_lists(library):
        for item in list_items(library, reading_list.id):
            ids[item.article_id] = None
            if len(ids) >= limit:
                return list(ids)
    return list(ids)
