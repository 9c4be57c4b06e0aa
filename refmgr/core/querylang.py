"""The search language: words, "phrases", OR, NOT/-word, parentheses, prefix* and field:value terms, parsed to a tree.

Parsing never fails: a malformed query gets a best-effort tree and a list of problems, each naming the column
where it is, so the window and the command line can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import field as dataclass_field

FIELDS = (
    "author", "title", "journal", "abstract", "keyword", "mesh", "legend", "note", "tag", "type", "trial",
    "year", "status", "rating", "has", "list", "retracted", "doi", "pmid", "fulltext",
)  # fmt: skip
ALIASES = {
    "authors": "author", "au": "author", "ti": "title", "ta": "journal", "keywords": "keyword", "kw": "keyword",
    "figure": "legend", "legends": "legend", "notes": "note", "tags": "tag", "pt": "type", "ab": "abstract",
    "nct": "trial", "lists": "list", "pdf": "fulltext",
}  # fmt: skip
OPERATORS = ("AND", "OR", "NOT")


@dataclass(frozen=True)
class Problem:
    """Something wrong in a query, at a 0-based character position."""

    position: int
    message: str

    def __str__(self) -> str:
        return f"column {self.position + 1}: {self.message}"


@dataclass
class Term:
    """One searched thing: a word, a phrase or a prefix, maybe limited to a field."""

    value: str
    position: int
    field: str | None = None
    phrase: bool = False
    prefix: bool = False
    end: int = dataclass_field(default=-1, compare=False)  # where the term's text ends (for rewriting the query)


@dataclass
class And:
    """All children match."""

    children: list[Node] = field(default_factory=list)


@dataclass
class Or:
    """Any child matches."""

    children: list[Node] = field(default_factory=list)


@dataclass
class Not:
    """The child does not match."""

    child: Node


Node = Term | And | Or | Not


@dataclass
class Token:
    """A lexical token: kind is word, phrase, lparen, rparen, op or neg."""

    kind: str
    text: str
    position: int
    field: str | None = None
    prefix: bool = False
    end: int = -1


@dataclass
class ParsedQuery:
    """A parsed search: its tree (None when empty) and the problems found."""

    tree: Node | None
    problems: list[Problem]


def field_name(name: str) -> str | None:
    """The canonical field for a prefix the user typed (`kw` -> keyword), or None."""
    key = name.lower()
    key = ALIASES.get(key, key)
    return key if key in FIELDS else None


class _Lexer:
    """Splits query text into tokens, noting unclosed quotes and empty field values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.tokens: list[Token] = []
        self.problems: list[Problem] = []

    def run(self) -> list[Token]:
        """Every token of the text, in order."""
        text = self.text
        while self.i < len(text):
            char = text[self.i]
            if char.isspace():
                self.i += 1
            elif char in "()":
                self.tokens.append(Token("lparen" if char == "(" else "rparen", char, self.i))
                self.i += 1
            elif char == "-" and self.i + 1 < len(text) and not text[self.i + 1].isspace() and text[self.i + 1] != "-":
                self.tokens.append(Token("neg", "-", self.i))
                self.i += 1
            elif char == '"':
                self._phrase(None, self.i)
            else:
                self._word()
        return self.tokens

    def _phrase(self, field_: str | None, start: int) -> None:
        """A quoted phrase starting at the quote under self.i."""
        end = self.text.find('"', self.i + 1)
        if end < 0:
            self.problems.append(Problem(self.i, 'this quote is never closed (add a closing ")'))
            end = len(self.text)
        value = self.text[self.i + 1 : end]
        self.i = end + 1
        prefix = self.i < len(self.text) and self.text[self.i] == "*"
        if prefix:
            self.i += 1
        self.tokens.append(Token("phrase", value, start, field_, prefix, min(self.i, len(self.text))))

    def _word(self) -> None:
        start = self.i
        text = self.text
        depth = 0  # parentheses inside a word (a DOI's "(97)") belong to it
        while self.i < len(text) and not text[self.i].isspace() and text[self.i] != '"':
            char = text[self.i]
            if char == "(" and self.i > start and text[self.i - 1] != ":":
                depth += 1
            elif char == "(" or (char == ")" and depth == 0):
                break
            elif char == ")":
                depth -= 1
            self.i += 1
        word = text[start : self.i]
        name, sep, value = word.partition(":")
        canonical = field_name(name) if sep else None
        if canonical is None:
            if sep and name.isalpha() and len(name) > 1:
                self.problems.append(Problem(start, f"'{name}:' is not a field; searching it as text "
                                                    f"(fields: {', '.join(FIELDS)})"))  # fmt: skip
            kind = "op" if word in OPERATORS else "word"
            self._add_word(kind, word, start, None)
            return
        quoted = self.i < len(text) and text[self.i] == '"'
        if quoted and value in ("", "*"):  # mesh:*"renal cell carcinoma": a major topic phrase
            self._phrase(canonical + value, start)
        elif value:
            self._add_word("word", value, start, canonical)
        elif self.i < len(text) and text[self.i] == "(":
            example = f"({canonical}:a OR {canonical}:b)"
            self.problems.append(Problem(start, f"{canonical}: takes one value; write {example}"))
        else:
            example = _EXAMPLES.get(canonical, canonical + ":x")
            self.problems.append(Problem(start, f"{canonical}: needs a value, e.g. {example}"))

    def _add_word(self, kind: str, word: str, start: int, field_: str | None) -> None:
        prefix = kind == "word" and word.endswith("*") and field_ not in ("rating", "year")
        value = word.rstrip("*") if prefix else word
        if kind == "word" and not value:
            return  # a lone "*"
        self.tokens.append(Token(kind, value, start, field_, prefix, self.i))


_EXAMPLES = {
    "author": 'author:"Rini BI"', "year": "year:2019-2022", "status": "status:unread", "rating": "rating:>=3",
    "has": "has:legends", "type": "type:rct", "list": 'list:"Journal club"', "tag": "tag:RCC",
    "trial": "trial:NCT02231749", "retracted": "retracted:yes", "mesh": "mesh:*Carcinoma",
}  # fmt: skip


class _Parser:
    """Recursive descent over the tokens: OR binds loosest, then AND (written or implied), then NOT."""

    def __init__(self, tokens: list[Token], problems: list[Problem]) -> None:
        self.tokens = tokens
        self.k = 0
        self.depth = 0
        self.problems = problems

    def peek(self) -> Token | None:
        """The next token, or None at the end."""
        return self.tokens[self.k] if self.k < len(self.tokens) else None

    def parse(self) -> Node | None:
        """The whole token list as one tree; stray ')' are reported and skipped."""
        tree = self.or_expr()
        while (token := self.peek()) is not None:  # only a stray ")" stops or_expr early
            self.problems.append(Problem(token.position, "this ')' has no '(' before it; it is ignored"))
            self.k += 1
            more = self.or_expr()
            tree = _join(And, [tree, more])
        return tree

    def or_expr(self) -> Node | None:
        """Terms joined by OR."""
        parts = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == "op" and token.text == "OR":
            self.k += 1
            right = self.and_expr()
            if right is None or parts[-1] is None:
                self.problems.append(Problem(token.position, "OR needs a search term on both sides"))
            parts.append(right)
        return _join(Or, parts)

    def and_expr(self) -> Node | None:
        """Terms joined by AND or by nothing at all."""
        parts: list[Node | None] = []
        while (token := self.peek()) is not None:
            if token.kind == "rparen" or (token.kind == "op" and token.text == "OR"):
                break
            if token.kind == "op" and token.text == "AND":
                self.k += 1
                if not parts or parts[-1] is None:
                    self.problems.append(Problem(token.position, "AND needs a search term before it"))
                nxt = self.peek()
                if nxt is None or nxt.kind == "rparen" or (nxt.kind == "op" and nxt.text in ("AND", "OR")):
                    self.problems.append(Problem(token.position, "AND needs a search term after it"))
                continue
            parts.append(self.unary())
        return _join(And, parts)

    def unary(self) -> Node | None:
        """A term after any number of NOT or '-' (an odd number negates)."""
        negations = 0
        while (token := self.peek()) is not None and (token.kind == "neg" or (token.kind, token.text) == ("op", "NOT")):
            self.k += 1
            negations += 1
            nxt = self.peek()
            if nxt is None or nxt.kind == "rparen" or (nxt.kind == "op" and nxt.text != "NOT"):
                self.problems.append(Problem(token.position, f"{token.text} needs a search term after it"))
                return None
        child = self.primary()
        if child is None or negations % 2 == 0:
            return child
        return Not(child)

    def primary(self) -> Node | None:
        """A parenthesised query or one term."""
        token = self.peek()
        assert token is not None
        self.k += 1
        if token.kind == "lparen":
            if self.depth >= 50:
                self.problems.append(Problem(token.position, "parentheses nested too deeply"))
                return None
            self.depth += 1
            inner = self.or_expr()
            self.depth -= 1
            closing = self.peek()
            if closing is not None and closing.kind == "rparen":
                self.k += 1
            else:
                self.problems.append(Problem(token.position, "this '(' is never closed (add a ')')"))
            return inner
        if token.kind in ("word", "op"):  # an op here is a stray NOT handled above; AND/OR cannot reach
            return Term(token.text, token.position, token.field, prefix=token.prefix, end=token.end)
        return Term(token.text, token.position, token.field, phrase=True, prefix=token.prefix, end=token.end)


def _join(kind: type[And] | type[Or], parts: list[Node | None]) -> Node | None:
    """One node of that kind over the parts present (a single part stands alone)."""
    present = [p for p in parts if p is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    flat: list[Node] = []
    for part in present:
        flat.extend(part.children if isinstance(part, kind) else [part])
    return kind(flat)


def parse(text: str) -> ParsedQuery:
    """Parse query text; never raises."""
    lexer = _Lexer(text)
    tokens = lexer.run()
    parser = _Parser(tokens, lexer.problems)
    tree = parser.parse()
    return ParsedQuery(tree, sorted(parser.problems, key=lambda p: p.position))
