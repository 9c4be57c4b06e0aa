"""BibTeX writer (bibtexparser 2): LaTeX-escaped fields, protected acronyms, stable readable cite keys."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import bibtexparser
from bibtexparser.middlewares import AddEnclosingMiddleware
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import UnicodeToLatexEncoder

from refmgr.core.formats.bibtex import CSL_TO_BIBTEX
from refmgr.core.model import Article, normalise_name, normalise_title, parse_date_parts

KEY_STOPWORDS = frozenset({
    "a", "an", "the", "of", "on", "in", "at", "to", "for", "and", "or", "with", "from", "by", "as", "is", "are",
    "was", "were", "via", "into", "its", "their", "this", "that", "new",
})
_INNER_CAPITAL = re.compile(r"\w*[a-z0-9]\w*[A-Z]\w*|[A-Z]{2,}\w*")


@lru_cache(maxsize=1)
def _encoder() -> UnicodeToLatexEncoder:
    return UnicodeToLatexEncoder(
        non_ascii_only=False, unknown_char_policy="keep", replacement_latex_protection="braces"
    )


def latex(text: str) -> str:
    """Text with LaTeX specials and non-ASCII characters escaped for classic BibTeX."""
    return _encoder().unicode_to_latex(text) if text else ""


def protect_title(text: str) -> str:
    """Escaped title with acronyms and mixed-case words (RCC, mRCC, CheckMate) braced against lower-casing."""
    pieces = re.split(r"(\W+)", text)
    return "".join(f"{{{latex(p)}}}" if _INNER_CAPITAL.fullmatch(p) else latex(p) for p in pieces)


def cite_key_base(article: Article) -> str:
    """"ljungberg2022european": first author's family name, year, first significant title word."""
    author = normalise_name(article.first_author.split()[0] if article.authors and article.authors[0].literal
                            else article.first_author) or "anon"
    words = [w for w in normalise_title(article.title).split() if w not in KEY_STOPWORDS and not w.isdigit()]
    return f"{author}{article.year or ''}{words[0] if words else ''}"


def cite_keys(articles: list[Article], used: set[str] | None = None) -> list[str]:
    """Cite keys for the articles in order, unique in the file (repeats get a, b, ... suffixes).

    `used` holds the keys already written (a streaming export passes the same set for every chunk).
    """
    used = set() if used is None else used
    keys = []
    for article in articles:
        base = key = cite_key_base(article)
        n = 0
        while key in used:
            key = base + _suffix(n)
            n += 1
        used.add(key)
        keys.append(key)
    return keys


def _suffix(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(97 + rest) + letters
    return letters


def _author(article_author: object) -> str:
    family = getattr(article_author, "family", "")
    if not family:
        return "{" + latex(getattr(article_author, "literal", "")) + "}"
    given = getattr(article_author, "given", "")
    family_tex = latex(family)
    if " " in family and not family[0].islower():  # "Arén Frontera": keep as one family name
        family_tex = "{" + family_tex + "}"
    return f"{family_tex}, {latex(given)}" if given else family_tex


def bibtex_fields(article: Article) -> list[tuple[str, str]]:
    """(field, value) pairs of one entry, values already LaTeX-escaped."""
    parts = parse_date_parts(article.date)
    fields = [
        ("author", " and ".join(_author(a) for a in article.authors)),
        ("title", protect_title(article.title)),
        ("journal", latex(article.journal)),
        ("shortjournal", latex(article.journal_abbrev)),
        ("year", str(article.year or "")),
        ("month", str(parts[1]) if len(parts) > 1 else ""),
        ("date", article.date if len(parts) > 2 else ""),
        ("volume", latex(article.volume)),
        ("number", latex(article.issue)),
        ("pages", latex(article.pages.replace("-", "--"))),
        ("eid", latex(article.article_number)),
        ("doi", article.doi),
        ("pmid", article.pmid),
        ("pmcid", article.pmcid),
        ("issn", ", ".join(article.issn)),
        ("publisher", latex(article.publisher)),
        ("language", latex(article.language)),
        ("abstract", latex(" ".join(article.abstract.split()))),
        ("keywords", latex("; ".join(k.display for k in article.keywords))),
        ("url", article.url),
        ("note", latex(" ".join(article.notes.split()))),
    ]
    return [(name, value) for name, value in fields if value]


def write_bibtex(articles: Iterable[Article], used: set[str] | None = None) -> str:
    """BibTeX text for the articles, with cite keys unique in the file (and not in `used`, see cite_keys)."""
    articles = list(articles)
    entries = [
        Entry(CSL_TO_BIBTEX.get(a.type, "misc"), key, [Field(n, v) for n, v in bibtex_fields(a)])
        for a, key in zip(articles, cite_keys(articles, used), strict=True)
    ]
    if not entries:
        return ""
    layout = bibtexparser.BibtexFormat()
    layout.indent = "  "
    layout.block_separator = "\n"
    stack = [AddEnclosingMiddleware(reuse_previous_enclosing=False, enclose_integers=False, default_enclosing="{")]
    return bibtexparser.write_string(bibtexparser.Library(entries), unparse_stack=stack, bibtex_format=layout)
