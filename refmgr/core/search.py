"""Article queries: search text (see querylang), scope and order turned into one SQL statement."""

from __future__ import annotations

from dataclasses import dataclass

from refmgr.core.querycompile import EXACT, STEM, Compiled, compile_query

SORT_COLUMNS = {
    "id": "a.id",
    "first_author": "a.first_author COLLATE NOCASE",
    "year": "a.year",
    "title": "a.title COLLATE NOCASE",
    "journal": "a.journal COLLATE NOCASE",
    "date_added": "a.date_added",
    "read_status": "a.read_status",
    "rating": "a.rating",
    "citation_count": "a.citation_count",
    "has_extras": "(a.n_figures > 0) + (a.n_references > 0)",
    "rank": "a.id",
}
# Best match first: a hit in the title, authors or keywords weighs more than one in the abstract or notes.
RANK_ORDER = {
    EXACT: "bm25(articles_fts, 10.0, 5.0, 2.0, 1.0, 5.0, 1.0, 1.0)",
    STEM: "bm25(articles_stem, 10.0, 5.0, 2.0, 1.0, 5.0, 1.0, 1.0, 3.0, 0.0)",
}


@dataclass
class ArticleQuery:
    """What the library table shows: a text search, a scope and an order."""

    text: str = ""
    list_id: int | None = None
    tag: str | None = None
    read_status: str | None = None
    added_since: str | None = None
    sort: str = "date_added"
    descending: bool = True
    limit: int | None = None
    typing: bool = False  # the text is being typed: its last word also matches as a prefix
    scope_text: str = ""  # a saved search the text is combined with (AND)


def parse_search(text: str, typing: bool = False) -> Compiled:
    """The MATCH expressions, SQL conditions and problems of a search text."""
    return compile_query(text, typing)


def driver_table(compiled: Compiled) -> str | None:
    """The full-text table a query is driven by (the stemmed one when it has both), or None."""
    return STEM if STEM in compiled.fts else EXACT if EXACT in compiled.fts else None


def where_parts(query: ArticleQuery, compiled: Compiled) -> tuple[list[str], list[object], list[str]]:
    """Conditions and parameters of a query beyond its driving MATCH, and the joins they need."""
    driver = driver_table(compiled)
    conditions: list[str] = []
    params: list[object] = []
    joins: list[str] = []
    if driver:
        conditions.append(f"{driver} MATCH ?")
        params.append(compiled.fts[driver])
    for table, expr in compiled.fts.items():
        if table != driver:
            conditions.append(f"a.id IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)")
            params.append(expr)
    conditions.extend(compiled.conditions)
    params.extend(compiled.params)
    if query.list_id is not None:
        joins.append("JOIN reading_list_items li ON li.article_id = a.id")
        conditions.append("li.list_id = ?")
        params.append(query.list_id)
    if query.tag:
        conditions.append(
            "a.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = ?)"
        )
        params.append(query.tag)
    if query.read_status:
        conditions.append("a.read_status = ?")
        params.append(query.read_status)
    if query.added_since:
        conditions.append("a.date_added >= ?")
        params.append(query.added_since)
    return conditions, params, joins


def compile_article_query(query: ArticleQuery) -> Compiled:
    """The compiled search text of a query, with its scope's saved search (if any) ANDed in."""
    compiled = compile_query(query.text, query.typing)
    if query.scope_text:
        scope = compile_query(query.scope_text)
        for table, expr in scope.fts.items():
            mine = compiled.fts.get(table)
            compiled.fts[table] = f"({mine}) AND ({expr})" if mine else expr
        compiled.conditions += scope.conditions
        compiled.params += scope.params
        if scope.source is not None:  # only one query can drive: the other's ids become a condition
            if compiled.source is None:
                compiled.source = scope.source
            else:
                compiled.conditions.append(f"a.id IN ({scope.source[0]})")
                compiled.params += scope.source[1]
    if compiled.fts and compiled.source is not None:  # a full-text table drives; the id set filters
        compiled.conditions.insert(0, f"a.id IN ({compiled.source[0]})")
        compiled.params[:0] = compiled.source[1]
        compiled.source = None
    return compiled


def build_query(query: ArticleQuery, ordered: bool = True) -> tuple[str, list[object]]:
    """SQL returning the ids of the articles a query selects, in its order (`ordered` False: any order)."""
    compiled = compile_article_query(query)
    driver = driver_table(compiled)
    conditions, params, joins = where_parts(query, compiled)
    order = SORT_COLUMNS.get(query.sort, "a.date_added")
    if query.list_id is not None and query.sort == "position":
        order = "li.position"
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    direction = "DESC" if query.descending else "ASC"
    ordering = f"{order} {direction}, a.id {direction}"
    if query.sort == "rank" and driver:
        # bm25 is lower for better matches, so best first ("descending") is ascending bm25
        ordering = f"{RANK_ORDER[driver]} {'ASC' if query.descending else 'DESC'}, a.id DESC"
    # CROSS JOIN makes SQLite run the full-text query once, then look the articles up by id
    source = f"{driver} CROSS JOIN articles a ON a.id = {driver}.rowid" if driver else "articles a"
    if driver and not ordered:  # only filters to check: the narrow index serves them (see schema migration 3)
        source = f"{driver} CROSS JOIN articles a INDEXED BY articles_filters ON a.id = {driver}.rowid"
    if compiled.source is not None:  # an OR across the indexes and SQL: the union of its id sets drives
        narrow = "" if ordered else " INDEXED BY articles_filters"
        source = f"({compiled.source[0]}) s CROSS JOIN articles a{narrow} ON a.id = s.id"
        params[:0] = compiled.source[1]
    parts = ["SELECT a.id FROM", source, *joins, where]
    if ordered:
        parts += ["ORDER BY", ordering]
    sql = " ".join(part for part in parts if part)
    if query.limit is not None and ordered:
        sql += f" LIMIT {int(query.limit)}"
    return sql, params
