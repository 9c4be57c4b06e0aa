"""BibTeX writer (bibtexparser 2): LaTeX-escaped fields, protected acronyms, stable readable cite keys."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import lru_cache

import bibtexparser
from bibtexparser.middlewares import AddEnclosingMiddleware
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import UnicodeToLatexEncoder

from refmgr.core.formats.bibtex import CSL_TO_BIBTEX
from refmgr.core.model import Article, normalise_name, normalise_title, parse_date_parts

ONE_LINE_FIELDS = ("title", "journal", "journal_abbrev", "volume", "issue", "pages", "article_number", "publisher",
                   "language", "abstract", "notes")
LITERAL_FIELDS = frozenset({"doi", "url", "pmid", "pmcid", "issn", "date", "year", "month"})
KEY_STOPWORDS = frozenset({
    "a", "an", "the", "of", "on", "in", "at", "to", "for", "and", "or", "with", "from", "by", "as", "is", "are",
    "was", "were", "via", "into", "its", "their", "this", "that", "new",
})
_LIGATURE = re.compile(r"-(?=-)|'(?=')|`(?=`)")
_SPLITS_NAMES = re.compile(r",|\band\b", re.IGNORECASE)
_INNER_CAPITAL = re.compile(r"\w*[a-z0-9]\w*[A-Z]\w*|[A-Z]{2,}\w*")


@lru_cache(maxsize=1)
def _encoder() -> UnicodeToLatexEncoder:
    return UnicodeToLatexEncoder(
        non_ascii_only=False, unknown_char_policy="keep", replacement_latex_protection="braces"
    )


def latex(text: str) -> str:
    """Text with LaTeX specials and non-ASCII characters escaped for classic BibTeX."""
    # Straight double quotes, "--" and "''" are written so that they read back as themselves ({"}, -{}-, '{}'),
    # not as the typographic quotes and dashes BibTeX makes of them.
    if not text:
        return ""
    encoded = '{"}'.join(_encoder().unicode_to_latex(part) for part in text.split('"'))
    return _LIGATURE.sub(lambda m: m.group(0)[0] + "{}", encoded)


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
    """Cite keys for the articles in order, unique in the file (repeats get a, b, ... suffixes)."""
    # `used` holds the keys already written (a streaming export passes the same set for every chunk).
    used = set() if used is None else used
    keys = []
    for article in articles:
        key = unique_key(cite_key_base(article), used.__contains__)
        used.add(key)
        keys.append(key)
    return keys


def unique_key(base: str, taken: Callable[[str], bool]) -> str:
    """BASE, or BASE with the first suffix (a, b, ... z, aa, ...) that TAKEN does not hold."""
    key, n = base, 0
    while taken(key):
        key = base + _suffix(n)
        n += 1
    return key


def _suffix(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(97 + rest) + letters
    return letters


def _author(article_author: object) -> str:
    family = one_line(getattr(article_author, "family", ""))
    if not family:
        return "{" + latex(one_line(getattr(article_author, "literal", ""))) + "}"
    given = one_line(getattr(article_author, "given", ""))
    family_tex = latex(family)
    if (" " in family and not family[0].islower()) or _SPLITS_NAMES.search(family) or "\\" in family_tex:
        # "Arén Frontera" stays one family name, "," or " and " split nothing, "Érdi" keeps its accent
        family_tex = "{" + family_tex + "}"
    given_tex = "{" + latex(given) + "}" if _SPLITS_NAMES.search(given) else latex(given)
    return f"{family_tex}, {given_tex}" if given else family_tex


def one_line(text: str) -> str:
    """Text with line breaks and runs of spaces made one space (BibTeX reads fields so anyway)."""
    return " ".join(text.split())


def verbatim(text: str) -> str:
    """A DOI, URL or identifier as a BibTeX value: one line, braces percent-encoded unless they balance."""
    # These fields are not LaTeX-escaped (readers take them literally), so an unbalanced brace would end the
    # field early: "10.1/x}, note = {forged" must not become a second field.
    text = "".join(text.split())
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth == 0 and "\\" not in text:
        return text
    return text.replace("%", "%25").replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def bibtex_fields(article: Article) -> list[tuple[str, str]]:
    """(field, value) pairs of one entry, values already LaTeX-escaped (and each on one line)."""
    article = replace(article, **{n: one_line(getattr(article, n)) for n in ONE_LINE_FIELDS})
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
        ("pages", "--".join(latex(part) for part in article.pages.split("-"))),
        ("eid", latex(article.article_number)),
        ("doi", article.doi),
        ("pmid", article.pmid),
        ("pmcid", article.pmcid),
        ("issn", ", ".join(article.issn)),
        ("publisher", latex(article.publisher)),
        ("language", latex(article.language)),
        ("abstract", latex(" ".join(article.abstract.split()))),
        ("keywords", latex("; ".join(one_line(k.display) for k in article.keywords))),
        ("url", article.url),
        ("note", latex(" ".join(article.notes.split()))),
    ]
    return [(name, value) for name, value in fields if value]


def _fields(article: Article) -> list[tuple[str, str]]:
    """bibtex_fields with every value on one line and the literal (unescaped) fields made brace-safe."""
    return [(n, verbatim(v) if n in LITERAL_FIELDS else " ".join(v.split())) for n, v in bibtex_fields(article)]


def write_bibtex(
    articles: Iterable[Article], stored_keys: Mapping[int, str] | None = None, used: set[str] | None = None
) -> str:
    """BibTeX text for the articles, with unique cite keys (the library's own cite keys when given)."""
    # `used` holds the keys already written (a streaming export passes the same set for every chunk).
    articles = list(articles)
    keys: list[str] | None = None
    if stored_keys:
        keys = [stored_keys.get(a.id, "") if a.id is not None else "" for a in articles]
        fresh = used is None or not used.intersection(keys)
        keys = keys if all(keys) and len(set(keys)) == len(keys) and fresh else None
    if keys is None:
        keys = cite_keys(articles, used)
    elif used is not None:
        used.update(keys)
    entries = [
        Entry(CSL_TO_BIBTEX.get(a.type, "misc"), key, [Field(n, v) for n, v in _fields(a)])
        for a, key in zip(articles, keys, strict=True)
    ]
    if not entries:
        return ""
    layout = bibtexparser.BibtexFormat()
    layout.indent = "  "
    layout.block_separator = "\n"
    stack = [AddEnclosingMiddleware(reuse_previous_enclosing=False, enclose_integers=False, default_enclosing="{")]
    return bibtexparser.write_string(bibtexparser.Library(entries), unparse_stack=stack, bibtex_format=layout)
