"""Reading and rewriting a query's simple filters (type:, year:, status:, rating:, tag:) for the filter bar."""

from __future__ import annotations

from refmgr.core.querylang import And, Term, parse

FILTER_FIELDS = ("type", "year", "status", "rating", "tag")


def _top_terms(text: str) -> list[Term]:
    """Terms ANDed at the top level of a query (not inside OR, NOT or parentheses)."""
    tree = parse(text).tree
    if isinstance(tree, Term):
        return [tree]
    if isinstance(tree, And):
        return [c for c in tree.children if isinstance(c, Term)]
    return []


def filters_of(text: str) -> dict[str, str]:
    """The filter bar's values a query sets at its top level: field -> value (the first of each)."""
    found: dict[str, str] = {}
    for term in _top_terms(text):
        if term.field in FILTER_FIELDS and term.field not in found and not term.prefix:
            found[term.field] = term.value
    return found


def quoted(value: str) -> str:
    """A field value as the query writes it: quoted when it holds a space or a quote-breaking character."""
    if value and all(c.isalnum() or c in "-.:<>=_/+" for c in value):
        return value
    return '"' + value.replace('"', "") + '"'


def with_filters(text: str, filters: dict[str, str | None]) -> str:
    """The query with these top-level filters replaced (None or "" removes one); the rest is kept as typed."""
    cuts = sorted(
        ((t.position, t.end) for t in _top_terms(text) if t.field in filters and t.end >= 0),
        reverse=True,
    )
    for start, end in cuts:
        text = text[:start] + text[end:]
    parts = [" ".join(text.split())]
    order = [*FILTER_FIELDS, *(name for name in filters if name not in FILTER_FIELDS)]
    parts += [f"{name}:{quoted(filters[name])}" for name in order if filters.get(name)]
    return " ".join(p for p in parts if p)
