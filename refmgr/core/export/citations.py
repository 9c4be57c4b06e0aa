"""In-text citations in any CSL style: numbered by first appearance with ranges collapsed, or author-date."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nh3
from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
from citeproc.source.json import CiteProcJSON

from refmgr.core.export.bibliography import (
    _CITEPROC_LOCK,
    ALLOWED_TAGS,
    StyleError,
    StyleSpec,
    citeproc_item,
    format_entries,
    load_style,
    style_spec,
)
from refmgr.core.model import Article


@dataclass(frozen=True)
class InText:
    """One in-text citation as HTML (superscripts kept) and as plain text."""

    html: str
    text: str

    @property
    def superscript(self) -> bool:
        """Whether the style sets the whole citation as a superscript (AMA, Nature, ...)."""
        return self.html.startswith("<sup>") and self.html.endswith("</sup>")


def article_key(article: Article) -> Any:
    """What makes two cited articles the same: the library id, else the object itself."""
    return article.id if article.id is not None else id(article)


def first_appearance(groups: Sequence[Sequence[Article]]) -> list[Article]:
    """Every cited article once, in the order the text first cites it."""
    seen: dict[Any, Article] = {}
    for group in groups:
        for article in group:
            seen.setdefault(article_key(article), article)
    return list(seen.values())


def cite(groups: Sequence[Sequence[Article]], style: str | None = None) -> list[InText]:
    """The in-text citation of each group of articles, in text order (numbers by first appearance)."""
    spec = style_spec(style)
    cited = first_appearance(groups)
    if not cited:
        return [InText("", "") for _ in groups]
    number = {article_key(a): n for n, a in enumerate(cited)}
    items = []
    for n, article in enumerate(cited):
        item = citeproc_item(article, spec)
        item["id"] = f"r{n}"
        items.append(item)
    with _CITEPROC_LOCK:
        try:
            style_tree = load_style(spec.csl)
            bibliography = CitationStylesBibliography(style_tree, CiteProcJSON(items), formatter.html)
            citations = []
            for group in groups:
                ids = list(dict.fromkeys(f"r{number[article_key(a)]}" for a in group))
                citation = Citation([CitationItem(i) for i in ids])
                bibliography.register(citation)
                citations.append(citation)
            rendered = [str(bibliography.cite(c, lambda _item: None)) for c in citations]
            collapse = str(style_tree.root.citation.get("collapse", "") or "")
        except Exception as error:  # citeproc-py raises bare errors for CSL it does not implement
            raise StyleError(f"citeproc-py cannot format citations in the style {spec.name!r} "
                             f"({type(error).__name__}: {error}); choose another style") from error  # fmt: skip
    out = []
    for group, text in zip(groups, rendered, strict=True):
        if not group:
            out.append(InText("", ""))
            continue
        text = nh3.clean(text, tags=ALLOWED_TAGS, attributes={})
        if spec.numeric and collapse.startswith("citation-number"):
            text = collapse_ranges(text, spec)
        out.append(InText(text, re.sub(r"<[^>]+>", "", text)))
    return out


def collapse_ranges(text: str, spec: StyleSpec) -> str:
    """"1,2,3,5" as "1-3,5" (three or more consecutive numbers), keeping what joins and wraps the numbers."""
    parts = re.split(r"(\d+)", text)
    numbers = [int(p) for p in parts[1::2]]
    joins = parts[2:-1:2]
    if len(numbers) < 3 or len(set(joins)) != 1:
        return text
    join, dash = joins[0], "-" if spec.hyphen_ranges else "\u2013"
    order = sorted(set(numbers))
    pieces = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and order[end + 1] == order[end] + 1:
            end += 1
        if end - start >= 2:
            left, _, right = join.partition(",") if re.search(r"[\[\]()]", join) else ("", "", "")
            pieces.append(f"{order[start]}{left.strip()}{dash}{right.strip()}{order[end]}")
        else:
            pieces.extend(str(n) for n in order[start : end + 1])
        start = end + 1
    return parts[0] + join.join(pieces) + parts[-1]


def bibliography_entries(groups: Sequence[Sequence[Article]], style: str | None = None,
                         output: str = "text") -> list[str]:  # fmt: skip
    """The bibliography of a cited text: numeric styles in first-appearance order, others as the style sorts."""
    return format_entries(first_appearance(groups), style, output)
