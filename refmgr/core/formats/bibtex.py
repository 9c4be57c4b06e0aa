"""BibTeX and biblatex read with bibtexparser 2; LaTeX accents, escapes and braces decoded."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import bibtexparser
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
from bibtexparser.model import Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text

from refmgr.core.formats import ParsedRecord
from refmgr.core.identifiers import normalise_doi, normalise_pmcid, normalise_pmid
from refmgr.core.model import Article, Author, Keyword

NAME = "bibtex"
EXTENSIONS = ("bib", "bibtex", "txt")

BIBTEX_TO_CSL = {
    "article": "article-journal", "book": "book", "inbook": "chapter", "incollection": "chapter",
    "inproceedings": "paper-conference", "conference": "paper-conference", "proceedings": "book",
    "techreport": "report", "report": "report", "phdthesis": "thesis", "mastersthesis": "thesis",
    "thesis": "thesis", "online": "webpage", "electronic": "webpage", "www": "webpage", "misc": "article",
    "unpublished": "manuscript", "manual": "book", "booklet": "book", "dataset": "dataset", "patent": "patent",
}  # fmt: skip
CSL_TO_BIBTEX = {
    "article-journal": "article", "article-magazine": "article", "article-newspaper": "article", "book": "book",
    "chapter": "incollection", "paper-conference": "inproceedings", "report": "techreport", "thesis": "phdthesis",
    "webpage": "misc", "manuscript": "unpublished", "dataset": "misc", "patent": "misc", "article": "misc",
}  # fmt: skip
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
VERBATIM_FIELDS = {"doi", "url", "eprint", "pmid", "pmcid", "issn", "file"}
_ENTRY_START = re.compile(r"^\s*@\s*(article|book|in\w+|misc|online|report|techreport|\w*thesis|proceedings)\s*[{(]",
                          re.IGNORECASE | re.MULTILINE)
_NEEDS_DECODING = re.compile(r"[\\{}$~]|--|``|''")
# bibtexparser logs a warning for each broken entry; parse() reports it as a failed record instead.
logging.getLogger("bibtexparser.splitter").setLevel(logging.ERROR)


def sniff(text: str) -> int:
    """High when the text holds @article{...-style entries."""
    head = text[:20000].lstrip("\ufeff")
    entries = len(_ENTRY_START.findall(head))
    if not entries:
        return 0
    return 90 if re.search(r"\b(title|author)\s*=", head, re.IGNORECASE) else 50


@lru_cache(maxsize=1)
def _decoder() -> LatexNodes2Text:
    return LatexNodes2Text(strict_latex_spaces=True)


def decode_latex(value: str) -> str:
    """Plain Unicode text from a BibTeX value: accents, escapes, dashes and braces decoded."""
    if not _NEEDS_DECODING.search(value):
        return " ".join(value.split())
    text = _fast_decode(value)
    if text is None:
        text = _decoder().latex_to_text(value).replace("\xa0", " ")
    return " ".join(text.split())


# Accent commands and their combining characters; the common cases are decoded without pylatexenc (20x faster).
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
    "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "r": "\u030a", "k": "\u0328",
}  # fmt: skip
_LETTERS = {
    "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "ı",
    "oe": "œ", "OE": "Œ",
}  # fmt: skip
_SYMBOL_ACCENT = re.compile(r"\\([`'^\"~=.])\s*(?:\{\s*(\\i|[A-Za-z])\s*\}|(\\i\b|[A-Za-z]))")
_LETTER_ACCENT = re.compile(r"\\([cvuHrk])(?:\s*\{\s*(\\i|[A-Za-z])\s*\}|\s+(\\i\b|[A-Za-z]))")
_LETTER_MACRO = re.compile(r"\\(ss|ae|AE|aa|AA|oe|OE|o|O|l|L|i)(?![A-Za-z])\s*")
_ESCAPE = re.compile(r"\\([&%$#_])")


def _accent(match: re.Match[str]) -> str:
    letter = match.group(2) or match.group(3)
    base = "i" if letter.startswith("\\") else letter
    return unicodedata.normalize("NFC", base + _ACCENTS[match.group(1)])


def _fast_decode(value: str) -> str | None:
    """Decode accents, escapes, dashes, quotes and braces; None when other LaTeX needs pylatexenc."""
    text = _SYMBOL_ACCENT.sub(_accent, value)
    text = _LETTER_ACCENT.sub(_accent, text)
    text = _LETTER_MACRO.sub(lambda m: _LETTERS[m.group(1)], text)
    text = _ESCAPE.sub(lambda m: "\x00" + m.group(1), text)
    if "\\" in text or "$" in text:
        return None
    text = text.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”").replace("~", " ")
    return text.replace("{", "").replace("}", "").replace("\x00", "")


def parse(text: str) -> Iterator[ParsedRecord]:
    """Parse every entry; entries bibtexparser cannot read are errors naming their line."""
    library = bibtexparser.parse_string(text.lstrip("\ufeff"))
    blocks = sorted([*library.entries, *library.failed_blocks], key=lambda b: b.start_line or 0)
    for block in blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, ParsingFailedBlock):
            error = getattr(block, "error", None)
            reason = " ".join(str(getattr(error, "abort_reason", "") or error or "syntax error").split())
            yield ParsedRecord(f"line {line}", error=f"entry at line {line}: {reason}; entry skipped")
            continue
        assert isinstance(block, Entry)
        location = f"@{block.entry_type}{{{block.key}}} (line {line})"
        try:
            article = article_from_entry(block)
        except Exception as error:  # malformed names or fields in one entry must not stop the file
            yield ParsedRecord(location, error=f"{location}: {error}")
            continue
        if not (article.title or article.doi or article.pmid):
            yield ParsedRecord(location, error=f"{location}: no title, DOI or PMID")
            continue
        yield ParsedRecord(location, article=article)


def _fields(entry: Entry) -> dict[str, str]:
    values = {}
    for item in entry.fields:
        key = item.key.lower()
        raw = str(item.value)
        values[key] = raw.strip() if key in VERBATIM_FIELDS else decode_latex(raw)
    return values


def _authors(raw: str) -> list[Author]:
    authors = []
    for name in split_multiple_persons_names(raw):
        name = name.strip()
        if not name or name.lower() == "others":
            continue
        if name.startswith("{") and name.endswith("}") and _balanced(name[1:-1]):
            authors.append(Author(literal=decode_latex(name[1:-1])))
            continue
        plain = _plain_family_given(name)
        if plain is not None:
            authors.append(Author(family=decode_latex(plain[0]), given=decode_latex(plain[1])))
            continue
        parts = parse_single_name_into_parts(name, strict=False)
        family = decode_latex(" ".join([*parts.von, *parts.last]))
        given = decode_latex(" ".join(parts.first))
        if parts.jr:
            given = f"{given} {decode_latex(' '.join(parts.jr))}".strip()
        authors.append(Author(family=family, given=given))
    return authors


def _plain_family_given(name: str) -> tuple[str, str] | None:
    """("Family Names", "Given Names") for the common "Family, Given" with no braces, escapes or von part.

    bibtexparser's name parser gives the same words for these (checked by a property test) at a tenth of the
    cost; None sends every other name to it.
    """
    if "{" in name or "}" in name or "\\" in name or name.count(",") != 1:
        return None
    family_part, given_part = name.split(",")
    family = family_part.replace("~", " ").split()
    given = given_part.replace("~", " ").split()
    if not family or not given:
        return None
    for word in family:
        letter = next((c for c in word if c.isalpha()), None)
        if letter is not None and not letter.isupper():  # a lower-case word may be a von part ("van", "de la")
            return None
    return " ".join(family), " ".join(given)


def _balanced(text: str) -> bool:
    """True when the braces balance, escaped ones (\\{ \\}) not counted."""
    depth = 0
    for char in re.sub(r"\\.", "", text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _month(value: str) -> int | None:
    value = value.strip().lower()
    if value.isdecimal() and 1 <= int(value) <= 12:
        return int(value)
    return MONTHS.index(value[:3]) + 1 if value[:3] in MONTHS else None


def article_from_entry(entry: Entry) -> Article:
    """Map one bibtexparser entry onto an Article."""
    f = _fields(entry)
    raw_author = next((str(x.value) for x in entry.fields if x.key.lower() == "author"), "")
    article = Article(type=BIBTEX_TO_CSL.get(entry.entry_type.lower(), "article"))
    article.title = f.get("title", "")
    article.authors = _authors(raw_author)
    article.journal = f.get("journal") or f.get("journaltitle") or f.get("booktitle", "")
    article.journal_abbrev = f.get("shortjournal") or f.get("journal-abbrev") or f.get("journalabbrev", "")
    date = f.get("date", "")
    if re.match(r"^\d{4}(-\d{2}){0,2}$", date):
        article.date = date
        article.year = int(date[:4])
    elif (year := re.search(r"\d{4}", f.get("year", ""))) is not None:
        article.year = int(year.group(0))
        month = _month(f.get("month", ""))
        article.date = f"{article.year}-{month:02d}" if month else str(article.year)
    article.volume = f.get("volume", "")
    article.issue = f.get("number") or f.get("issue", "")
    article.pages = re.sub(r"\s*[-–—]+\s*", "-", f.get("pages", ""))
    article.article_number = f.get("eid") or f.get("article-number") or f.get("articleno", "")
    article.doi = normalise_doi(f.get("doi", "")) or f.get("doi", "")
    article.pmid = normalise_pmid(f.get("pmid", ""))
    article.pmcid = normalise_pmcid(f.get("pmcid", ""))
    article.issn = [i for i in re.split(r"[;,\s]+", f.get("issn", "")) if i]
    article.publisher = f.get("publisher") or f.get("institution") or f.get("school", "")
    article.language = f.get("language") or f.get("langid", "")
    article.abstract = f.get("abstract", "")
    keywords = f.get("keywords", "")
    separator = ";" if ";" in keywords else ","
    article.keywords = [Keyword(term=k.strip()) for k in keywords.split(separator) if k.strip()]
    article.url = f.get("url", "")
    article.notes = "\n\n".join(v for v in (f.get("note", ""), f.get("annote", "")) if v)
    if not article.doi and (doi := normalise_doi(article.url)):
        article.doi = doi
    return article
