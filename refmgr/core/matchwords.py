"""Where a search's words occur in a text, for highlighting: stems, prefixes and phrases as the index matches them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from refmgr.core.querylang import And, Node, Not, Or, Term, parse
from refmgr.core.textnorm import fold, stem

_TOKEN = re.compile(r"[^\W_]+")
TEXT_FIELDS = frozenset({None, "title", "abstract", "keyword", "mesh", "mesh*", "legend", "note", "author", "journal"})


@dataclass
class Highlighter:
    """The searched words: stems (any inflection), prefixes and exact phrases (folded word lists)."""

    stems: set[str] = field(default_factory=set)
    prefixes: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.stems or self.prefixes or self.phrases)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character spans of the matches in text, in order, merged where they touch."""
        if not self or not text:
            return []
        tokens = [(m.start(), m.end(), fold(m.group())) for m in _TOKEN.finditer(text)]
        hits: list[tuple[int, int]] = []
        for i, (start, end, word) in enumerate(tokens):
            if stem(word) in self.stems or any(word.startswith(p) for p in self.prefixes):
                hits.append((start, end))
            for phrase in self.phrases:
                if [t[2] for t in tokens[i : i + len(phrase)]] == phrase:
                    hits.append((start, tokens[i + len(phrase) - 1][1]))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(hits):
            if merged and start <= merged[-1][1] + 1 and text[merged[-1][1] : start].strip() == "":
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


def _collect(node: Node, into: Highlighter) -> None:
    if isinstance(node, Not):
        return  # words searched NOT to be there are not highlighted
    if isinstance(node, And | Or):
        for child in node.children:
            _collect(child, into)
        return
    if node.field not in TEXT_FIELDS:
        return
    words = [fold(w) for w in _TOKEN.findall(node.value.lstrip("*"))]
    if not words:
        return
    if node.phrase:
        into.phrases.append(words)
    elif node.prefix:
        into.prefixes.append(words[-1])
        into.stems.update(stem(w) for w in words[:-1])
    else:
        into.stems.update(stem(w) for w in words)


def highlighter(text: str, typing: bool = False) -> Highlighter:
    """The words to highlight for a query text (the last word also as a prefix while it is being typed)."""
    result = Highlighter()
    tree = parse(text).tree
    if tree is not None:
        _collect(tree, result)
    if typing and text and not text[-1].isspace() and isinstance(last := _last_term(tree), Term):
        words = [fold(w) for w in _TOKEN.findall(last.value)]
        typed = words and len(words[-1]) >= 3
        if typed and not last.phrase and last.field in (None, "title", "abstract", "legend", "note", "keyword"):
            result.prefixes.append(words[-1])
    return result


def _last_term(tree: Node | None) -> Term | None:
    while tree is not None and not isinstance(tree, Term):
        tree = tree.child if isinstance(tree, Not) else tree.children[-1]
    return tree
