"""Streaming exports: RIS, BibTeX and CSL-JSON written chunk by chunk from the library, memory flat in its size."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, TextIO

from refmgr.core.loading import ALL_PARTS, CHUNK
from refmgr.core.model import Article, to_csl

if TYPE_CHECKING:
    from refmgr.core.library import Library

STREAMED_FORMATS = ("ris", "bibtex", "csl-json")
# The child rows each format prints; the others are never read (references are most of a library's rows).
FORMAT_PARTS: dict[str, frozenset[str]] = {
    "ris": frozenset({"authors", "keywords"}),
    "bibtex": frozenset({"authors", "keywords"}),
    "csl-json": ALL_PARTS,
    "bibliography": frozenset({"authors"}),
    "handout-html": frozenset({"authors", "keywords", "figures"}),
    "handout-md": frozenset({"authors", "keywords", "figures"}),
}
# The C encoder: json.dumps with indent falls back to the pure-Python one (3.11), 7x slower.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def write_csl_json(
    articles: Iterable[Article],
    stream: TextIO,
    extra: dict[int, dict[str, str]] | None = None,
    escape: Callable[[str], str] | None = None,
) -> int:
    """Write a JSON array of CSL-JSON items, one item per line, as each is made; return how many."""
    # `extra` adds keys to the item of an article id (a reading list's notes); `escape` rewrites each encoded
    # item (the command line escapes terminal control characters).
    count = 0
    for article in articles:
        item = to_csl(article)
        if extra and article.id in extra:
            item.update(extra[article.id])
        stream.write(",\n  " if count else "[\n  ")
        text = _ENCODE(item)
        stream.write(escape(text) if escape else text)
        count += 1
    stream.write("\n]\n" if count else "[]\n")
    return count


def _batches(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(articles)
    while batch := list(islice(iterator, size)):
        yield batch


def stream_export(library: Library, article_ids: Iterable[int], format: str, stream: TextIO,
                  chunk: int = CHUNK) -> int:  # fmt: skip
    """Write the articles in id order as RIS, BibTeX or CSL-JSON to a text stream; return how many."""
    # The same text export_articles gives, read `chunk` articles at a time with only the child rows the
    # format prints, and written as formatted, so memory does not grow with the library.
    if format not in STREAMED_FORMATS:
        raise ValueError(f"{format!r} is not a streamed format ({', '.join(STREAMED_FORMATS)})")
    articles = library.iter_articles(article_ids, FORMAT_PARTS[format], chunk)
    if format == "csl-json":
        return write_csl_json(articles, stream)
    from refmgr.core.export.bibtex import write_bibtex
    from refmgr.core.export.ris import write_ris

    used: set[str] = set()  # BibTeX cite keys stay unique across chunks
    count = 0
    for batch in _batches(articles, chunk):
        if count:
            stream.write("\n")  # the blank line the writers put between records
        if format == "ris":
            stream.write(write_ris(batch))
        else:  # the library's cite keys, as [@key] markers and the window use them
            from refmgr.core.export.citekeys import keys_of

            keys = keys_of(library, [a.id for a in batch if a.id is not None])
            stream.write(write_bibtex(batch, keys, used))
        count += len(batch)
    return count


def load_for(library: Library, article_ids: list[int], format: str) -> list[Article]:
    """The articles a whole (not streamed) export of FORMAT prints, loaded with only the parts it needs."""
    if format == "bibliography":
        from refmgr.core.export.loading import citation_articles

        return citation_articles(library, article_ids)
    return library.get_many(article_ids, FORMAT_PARTS.get(format, ALL_PARTS))
