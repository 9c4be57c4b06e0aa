"""Turn a parsed search into FTS5 MATCH expressions (stemmed and exact index) and SQL conditions on `a`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from refmgr.core.facets import (
    FIGURES,
    FIRST_YEAR,
    LAST_YEAR,
    RETRACTED,
    rating_token,
    status_token,
    type_token,
    year_tokens,
)
from refmgr.core.identifiers import normalise_doi, normalise_pmid
from refmgr.core.pdf.fulltext import HAS_PDF, fulltext_condition
from refmgr.core.pubtypes import stored_types
from refmgr.core.querylang import And, Node, Not, Problem, Term, parse
from refmgr.core.textnorm import american, fold, stem, words

EXACT = "articles_fts"  # the words as written: phrases, prefixes, journals
STEM = "articles_stem"  # American spelling and stems: bare words match their inflections and spellings
TEXT_COLUMNS = {"title": "title", "abstract": "abstract", "keyword": "keywords", "mesh": "keywords",
                "legend": "legends", "note": "notes"}  # fmt: skip
READ_STATES = ("unread", "reading", "read")
HAS = {
    "references": "a.n_references > 0", "refs": "a.n_references > 0", "abstract": "a.abstract != ''",
    "notes": "a.notes != ''", "note": "a.notes != ''", "doi": "a.doi IS NOT NULL", "pmid": "a.pmid IS NOT NULL",
    "tags": "EXISTS (SELECT 1 FROM article_tags at WHERE at.article_id = a.id)",
    "keywords": "EXISTS (SELECT 1 FROM keywords k WHERE k.article_id = a.id)",
}  # fmt: skip
_YEAR = re.compile(r"^(\d{4})$|^(\d{4})?(?:-|\.\.)(\d{4})?$|^(>=|<=|>|<|=)(\d{4})$")
_RATING = re.compile(r"^(>=|<=|>|<|=)?([0-5])$")
NOTHING = "0"
_MATCH_SUBQUERY = re.compile(r"a\.id IN \(SELECT rowid FROM (articles_\w+) WHERE \1 MATCH \?\)")
MIN_TYPED_PREFIX = 3


@dataclass
class Fts:
    """A MATCH expression on one full-text table."""

    table: str
    expr: str


@dataclass
class Sql:
    """A condition on the articles row `a` with its parameters."""

    sql: str
    params: list[object] = field(default_factory=list)
    ids: tuple[str, list[object]] | None = None  # the same as a SELECT of ids (an OR across indexes and SQL)


@dataclass
class Compiled:
    """All of: a MATCH per full-text table, an id SELECT (source), SQL conditions; problems to show the user."""

    fts: dict[str, str] = field(default_factory=dict)
    conditions: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    source: tuple[str, list[object]] | None = None  # drives the query when no full-text table does


Part = Fts | Sql


def _phrase(tokens: list[str], prefix: bool = False) -> str:
    """A safe FTS5 phrase of index tokens (letters and digits only)."""
    return f'"{" ".join(tokens)}"' + ("*" if prefix else "")


def _columns(expr: str, column: str | None) -> str:
    return f"{column} : {expr}" if column else expr


class _Compiler:
    def __init__(self, typing_position: int | None) -> None:
        self.problems: list[Problem] = []
        self.typing_position = typing_position

    # ----- terms --------------------------------------------------------------------------

    def term(self, term: Term) -> Part | Not | None:
        """One term: text fields go to the indexes, the others to their field_ method."""
        name = term.field
        if name is None or name in TEXT_COLUMNS or name == "mesh*":
            return self.text(term)
        handler = getattr(self, f"field_{name}")
        return handler(term)

    def text(self, term: Term) -> Part | None:
        """A word, phrase or prefix in every text column or one (mesh:* also checks the major flag)."""
        major = term.field == "mesh*" or (term.field == "mesh" and term.value.startswith("*"))
        value = term.value.lstrip("*") if term.field == "mesh" else term.value
        column = TEXT_COLUMNS.get((term.field or "").rstrip("*"))
        tokens = words(value)
        if not tokens:
            return None
        if term.phrase or term.prefix:
            part: Part = Fts(EXACT, _columns(_phrase(tokens, term.prefix), column))
        else:
            expr = _phrase([stem(t) for t in tokens])
            if term.position == self.typing_position and len(tokens[-1]) >= MIN_TYPED_PREFIX:
                # the word being typed: also as a prefix of itself (from 3 letters: "su"* is most of a library)
                expr = f"({expr} OR {_phrase([*map(stem, tokens[:-1]), tokens[-1]], True)})"
            part = Fts(STEM, _columns(expr, column))
        if not major:
            return part
        likes = " AND ".join("k.term LIKE ?" for _ in tokens)
        major_sql = Sql(f"EXISTS (SELECT 1 FROM keywords k WHERE k.article_id = a.id AND k.major = 1 AND {likes})",
                        [f"%{american(t)}%" for t in tokens])  # fmt: skip
        return _and_parts([part, major_sql])

    def field_author(self, term: Term) -> Part | None:
        """author: "Rini BI" / "Rini B" (family and initials), "Rini", "Brian Rini"."""
        raw = term.value.replace(",", " ").split()
        tokens = words(term.value)
        if not tokens:
            return None
        last = raw[-1].replace(".", "") if raw else ""
        if len(tokens) >= 2 and last.isalpha() and last.isupper() and len(last) <= 3:
            # Vancouver "Rini BI" / "Rini B": the family name, then initials starting with those given
            expr = _phrase([*map(stem, tokens[:-1]), tokens[-1]], True)
        elif term.prefix:
            expr = _phrase([*map(stem, tokens[:-1]), tokens[-1]], True)
        elif len(tokens) == 1 or term.phrase:
            expr = _phrase([stem(t) for t in tokens])
        else:  # "Brian Rini": every name of the same author list
            expr = "(" + " AND ".join(_phrase([stem(t)]) for t in tokens) + ")"
        return Fts(STEM, f"authors : {expr}")

    def field_journal(self, term: Term) -> Part | None:
        """journal: the journal's full name or abbreviation, as a phrase."""
        tokens = words(term.value)
        return Fts(EXACT, f"journal : {_phrase(tokens, term.prefix)}") if tokens else None

    def field_trial(self, term: Term) -> Part | None:
        """trial: a registration number anywhere in the text (NCT alone: any)."""
        tokens = words(term.value)
        if not tokens:
            return None
        return Fts(STEM, _phrase(tokens, term.prefix))

    def field_tag(self, term: Term) -> Part:
        """tag: one tag (tag:onc* any starting so)."""
        subquery = "SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name"
        if term.prefix:
            return Sql(f"a.id IN ({subquery} LIKE ? ESCAPE '\\')", [_like_prefix(term.value)])
        return Sql(f"a.id IN ({subquery} = ?)", [term.value.strip()])

    def field_list(self, term: Term) -> Part:
        """list: "Journal club", a reading list by name."""
        return Sql(
            "a.id IN (SELECT li.article_id FROM reading_list_items li JOIN reading_lists r ON r.id = li.list_id "
            "WHERE r.name = ?)",
            [term.value.strip()],
        )

    def field_type(self, term: Term) -> Part:
        """type: publication type by alias (rct, meta-analysis, ...) or stored name."""
        if term.prefix:
            return _facets([type_token(term.value) + "*"]) if words(term.value) else Sql(NOTHING)
        return _facets([type_token(name) for name in stored_types(term.value)])

    def field_year(self, term: Term) -> Part:
        """year: 2019, 2019-2022, 2019.., ..2018, >2020, <=2018."""
        match = _YEAR.match(term.value.strip())
        if match is None:
            return self.bad(term, "year: takes 2019, 2019-2022, 2019.., >2020 or <=2018")
        single, start, end, op, bound = match.groups()
        if single:
            return _facets(year_tokens(int(single), int(single)))
        if op:
            year = int(bound)
            first, last = {">": (year + 1, LAST_YEAR), ">=": (year, LAST_YEAR), "<": (FIRST_YEAR, year - 1),
                           "<=": (FIRST_YEAR, year), "=": (year, year)}[op]  # fmt: skip
            return _facets(year_tokens(first, last))
        if not start and not end:
            return self.bad(term, "year: range needs a first or last year, e.g. 2019-2022")
        return _facets(year_tokens(int(start or FIRST_YEAR), int(end or LAST_YEAR)))

    def field_status(self, term: Term) -> Part:
        """status: unread, reading or read."""
        value = term.value.strip().lower()
        if value not in READ_STATES:
            return self.bad(term, f"status: is one of {', '.join(READ_STATES)}")
        return _facets([status_token(value)])

    def field_rating(self, term: Term) -> Part:
        """rating: 0-5 with an optional comparison."""
        match = _RATING.match(term.value.strip())
        if match is None:
            return self.bad(term, "rating: takes 0-5 with an optional >=, <=, > or <, e.g. rating:>=3")
        op, number = match.groups()
        value = int(number)
        chosen = {None: [value], "=": [value], ">=": range(value, 6), ">": range(value + 1, 6),
                  "<=": range(0, value + 1), "<": range(0, value)}[op]  # fmt: skip
        return _facets([rating_token(r) for r in chosen]) if chosen else Sql(NOTHING)

    def field_has(self, term: Term) -> Part:
        """has: legends, pdf, references, abstract, notes, doi, pmid, tags, keywords."""
        value = term.value.strip().lower()
        if value == "pdf":
            return Sql(HAS_PDF)
        if value in ("legends", "legend", "figures"):
            return _facets([FIGURES])
        if value not in HAS:
            return self.bad(term, f"has: is one of {', '.join(['pdf', 'legends', *HAS])}")
        return Sql(HAS[value])

    def field_retracted(self, term: Term) -> Part | Not:
        """retracted: yes or no."""
        value = term.value.strip().lower()
        if value in ("yes", "true", "1", "y"):
            return _facets([RETRACTED])
        if value in ("no", "false", "0", "n"):
            return Not(_facets([RETRACTED]))
        return self.bad(term, "retracted: takes yes or no")

    def field_fulltext(self, term: Term) -> Part:
        """fulltext: words (or a "phrase") in the attached PDFs' text (their own index, refmgr.core.pdf)."""
        condition, params = fulltext_condition(f'"{term.value}"' if term.phrase else term.value)
        return Sql(condition, params)

    def field_doi(self, term: Term) -> Part:
        """doi: one DOI, normalised."""
        return Sql("a.doi = ?", [normalise_doi(term.value) or fold(term.value.strip())])

    def field_pmid(self, term: Term) -> Part:
        """pmid: one PMID, normalised."""
        return Sql("a.pmid = ?", [normalise_pmid(term.value) or term.value.strip()])

    def bad(self, term: Term, message: str) -> Sql:
        """Record a problem with a field's value; the term then matches nothing."""
        self.problems.append(Problem(term.position, message))
        return Sql(NOTHING)

    # ----- tree ---------------------------------------------------------------------------

    def node(self, node: Node) -> Part | Not | None:
        """A tree node as a MATCH, a negated MATCH or an SQL condition (None when it has nothing to search)."""
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Not):
            child = self.node(node.child)
            if child is None:
                return None
            return Not(child)  # type: ignore[arg-type]
        parts = [p for p in (self.node(c) for c in node.children) if p is not None]
        if not parts:
            return None
        if isinstance(node, And):
            return _and_parts(parts)
        return _or_parts(parts)


def _facets(tokens: list[str]) -> Fts:
    """A filter as facet tokens of the stemmed index (any of them); "x*" is a prefix token."""
    quoted = [f'"{t[:-1]}"*' if t.endswith("*") else f'"{t}"' for t in tokens]
    return Fts(STEM, f"facets : ({' OR '.join(quoted)})" if len(quoted) > 1 else f"facets : {quoted[0]}")


def _like_prefix(value: str) -> str:
    escaped = value.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def _and_parts(parts: list[Part | Not]) -> Part:
    """AND of parts: one MATCH per table (NOT folded into it where the table has a positive term), else SQL."""
    positive: dict[str, list[str]] = {}
    negative: dict[str, list[str]] = {}
    sql: list[Sql] = []
    for part in parts:
        if isinstance(part, Fts):
            positive.setdefault(part.table, []).append(part.expr)
        elif isinstance(part, Not) and isinstance(part.child, Fts):
            negative.setdefault(part.child.table, []).append(part.child.expr)
        elif isinstance(part, Not):
            sql.append(_not_sql(part.child))
        elif isinstance(part, Sql):
            sql.append(part)
    fts: list[Fts] = []
    for table, exprs in positive.items():
        expr = " AND ".join(f"({e})" for e in exprs) if len(exprs) > 1 else exprs[0]
        if table in negative:
            expr = f"({expr}) NOT ({' OR '.join(negative.pop(table))})"
        fts.append(Fts(table, expr))
    for table, exprs in negative.items():
        sql.append(_not_sql(Fts(table, " OR ".join(exprs))))
    if len(fts) == 1 and not sql:
        return fts[0]
    if not fts and len(sql) == 1:
        return sql[0]
    return _Conjunction(fts, sql)


class _Conjunction(Sql):
    """AND of several tables' MATCHes and SQL conditions, kept apart so the top level can drive by a MATCH."""

    def __init__(self, fts: list[Fts], sql: list[Sql]) -> None:
        self.fts = fts
        self.sql_parts = sql
        rendered = [_to_sql(f) for f in fts] + sql
        super().__init__(" AND ".join(f"({r.sql})" for r in rendered), [p for r in rendered for p in r.params])
        self.ids = None
        if fts:  # as an id set: driven by one full-text table, the rest checked on the narrow filter index
            first = sorted(fts, key=lambda f: f.table != STEM)[0]
            rest = [_to_sql(f) for f in fts if f is not first] + sql
            where = " AND ".join([f"{first.table} MATCH ?", *(f"({r.sql})" for r in rest)])
            self.ids = (
                f"SELECT a.id AS id FROM {first.table} CROSS JOIN articles a INDEXED BY articles_filters "
                f"ON a.id = {first.table}.rowid WHERE {where}",
                [first.expr, *(p for r in rest for p in r.params)],
            )


def _or_parts(parts: list[Part | Not]) -> Part:
    tables = {p.table for p in parts if isinstance(p, Fts)}
    if len(tables) == 1 and all(isinstance(p, Fts) for p in parts):
        return Fts(tables.pop(), " OR ".join(f"({p.expr})" for p in parts))  # type: ignore[union-attr]
    rendered = [_not_sql(p.child) if isinstance(p, Not) else _to_sql(p) for p in parts]
    sets = [_id_set(p) for p in rendered]
    ids = (" UNION ".join(s for s, _ in sets), [x for _, params in sets for x in params])
    sql = "(" + " OR ".join(f"({r.sql})" for r in rendered) + ")"
    return Sql(sql, [x for r in rendered for x in r.params], ids)


def _id_set(part: Sql) -> tuple[str, list[object]]:
    """A SELECT of the ids a condition selects: a MATCH subquery straight from its index, else via `a`."""
    if part.ids is not None:
        return part.ids
    match = _MATCH_SUBQUERY.fullmatch(part.sql)
    if match:
        return f"SELECT rowid AS id FROM {match.group(1)} WHERE {match.group(1)} MATCH ?", part.params
    return f"SELECT a.id AS id FROM articles a WHERE {part.sql}", part.params


def _to_sql(part: Part) -> Sql:
    if isinstance(part, Fts):
        return Sql(f"a.id IN (SELECT rowid FROM {part.table} WHERE {part.table} MATCH ?)", [part.expr])
    return part


def _not_sql(part: Part | Not) -> Sql:
    if isinstance(part, Not):  # NOT NOT x is x (the parser folds these; kept for safety)
        return _to_sql(part.child)  # type: ignore[arg-type]
    inner = _to_sql(part)
    return Sql(f"NOT coalesce(({inner.sql}), 0)", inner.params)


def typing_position(text: str, tree: Node | None) -> int | None:
    """Where the word being typed starts: the last bare word when the text does not end in a space."""
    if not text or text[-1].isspace() or tree is None:
        return None
    last: Term | None = None
    stack: list[Node] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Term):
            if last is None or node.position > last.position:
                last = node
        elif isinstance(node, Not):
            stack.append(node.child)
        else:
            stack.extend(node.children)
    if last is None or last.phrase or last.prefix or last.field not in (None, *TEXT_COLUMNS):
        return None
    return last.position


def compile_query(text: str, typing: bool = False) -> Compiled:
    """Compile query text; `typing` also prefix-matches the word being typed (the window's search field)."""
    parsed = parse(text)
    compiler = _Compiler(typing_position(text, parsed.tree) if typing else None)
    result = Compiled(problems=list(parsed.problems))
    part = compiler.node(parsed.tree) if parsed.tree is not None else None
    result.problems = sorted(result.problems + compiler.problems, key=lambda p: p.position)
    if part is None:
        return result
    if isinstance(part, Not):
        part = _not_sql(part.child)  # type: ignore[arg-type]
    if isinstance(part, Fts):
        result.fts[part.table] = part.expr
    elif isinstance(part, _Conjunction):
        for fts in part.fts:
            result.fts[fts.table] = fts.expr
        for sql in part.sql_parts:
            if not result.fts and result.source is None and sql.ids is not None:
                result.source = sql.ids
                continue
            result.conditions.append(sql.sql)
            result.params.extend(sql.params)
    elif part.ids is not None:
        result.source = part.ids
    else:
        result.conditions.append(part.sql)
        result.params.extend(part.params)
    return result
