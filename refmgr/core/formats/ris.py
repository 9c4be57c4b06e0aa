"""RIS (EndNote, Zotero, PubMed, journal sites) read with rispy; one ParsedRecord per TY...ER record."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import rispy

from refmgr.core.formats import ParsedRecord
from refmgr.core.identifiers import normalise_doi, normalise_pmcid
from refmgr.core.model import Article, Author, Keyword

NAME = "ris"
EXTENSIONS = ("ris", "txt")

# Tags that may repeat and are read as lists (rispy's defaults plus ISSN and addresses).
LIST_TAGS = ["A1", "A2", "A3", "A4", "AU", "KW", "N1", "UR", "SN", "AD", "TA"]

# RIS reference types and the CSL types refmgr stores; the first RIS type of a CSL type is written.
RIS_TO_CSL = {
    "JOUR": "article-journal", "JFULL": "article-journal", "ABST": "article-journal", "EJOUR": "article-journal",
    "INPR": "article-journal", "MGZN": "article-magazine", "NEWS": "article-newspaper", "BOOK": "book",
    "EBOOK": "book", "EDBOOK": "book", "CHAP": "chapter", "ECHAP": "chapter", "CONF": "paper-conference",
    "CPAPER": "paper-conference", "RPRT": "report", "THES": "thesis", "ELEC": "webpage", "WEB": "webpage",
    "DATA": "dataset", "PAT": "patent", "GEN": "article", "UNPB": "manuscript", "STAT": "legislation",
}  # fmt: skip
CSL_TO_RIS = {
    "article-journal": "JOUR", "article-magazine": "MGZN", "article-newspaper": "NEWS", "book": "BOOK",
    "chapter": "CHAP", "paper-conference": "CPAPER", "report": "RPRT", "thesis": "THES", "webpage": "ELEC",
    "dataset": "DATA", "patent": "PAT", "article": "GEN", "manuscript": "UNPB", "legislation": "STAT",
}  # fmt: skip

_START = re.compile(r"^TY  -")
_END = re.compile(r"^ER  -")
_TAG_LINE = re.compile(r"^[A-Z][A-Z0-9]  - ?", re.MULTILINE)


def sniff(text: str) -> int:
    """High when the text has RIS tag lines starting with TY and ending with ER."""
    head = text[:20000].lstrip("\ufeff")
    starts = sum(1 for line in head.splitlines() if _START.match(line))
    if not starts:
        return 0
    ends = sum(1 for line in head.splitlines() if _END.match(line))
    tags = len(_TAG_LINE.findall(head))
    return 95 if ends and tags >= 3 else 60


def _records(text: str) -> Iterator[tuple[int, list[str], bool]]:
    """(first line number, lines, terminated) for each TY ... ER block."""
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), 1):
        if _START.match(line):
            if current is not None:
                yield start, current, False
            current, start = [line], number
        elif current is not None:
            current.append(line)
            if _END.match(line):
                yield start, current, True
                current = None
    if current is not None:
        yield start, current, False


def parse(text: str) -> Iterator[ParsedRecord]:
    """Parse every record; one without its ER line is an error, the others are imported."""
    parser = rispy.RisParser(list_tags=LIST_TAGS)
    for index, (line, lines, terminated) in enumerate(_records(text), 1):
        location = f"record {index} (line {line})"
        if not terminated:
            yield ParsedRecord(location, error=f"{location}: no 'ER  -' line ends this record; record skipped")
            continue
        try:
            entries = parser.parse_lines(iter(lines))
        except Exception as error:  # rispy raises plain exceptions on odd input
            yield ParsedRecord(location, error=f"{location}: {error}")
            continue
        if not entries:
            yield ParsedRecord(location, error=f"{location}: empty record")
            continue
        article = article_from_ris(entries[0])
        if not (article.title or article.doi or article.pmid):
            yield ParsedRecord(location, error=f"{location}: no title, DOI or PMID")
            continue
        yield ParsedRecord(location, article=article)


def _text(entry: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, list):
            value = "; ".join(v for v in value if v)
        if value:
            return str(value).strip()
    return ""


def _author(name: str) -> Author:
    """"Family, Given" is a person; a name without a comma is a group author."""
    if "," not in name:
        return Author(literal=name.strip())
    family, given = name.split(",", 1)
    given = given.strip()
    suffix = ""
    if "," in given:  # "Family, Given, Jr"
        given, suffix = (part.strip() for part in given.split(",", 1))
    return Author(family=family.strip(), given=f"{given} {suffix}".strip() if suffix else given)


def date_from_ris(value: str) -> tuple[int | None, str]:
    """(year, ISO date) from an RIS date such as "2022/10/01/", "2022/10//" or "2022"."""
    parts = value.strip().split("/")
    numbers: list[int] = []
    for part in parts[:3]:
        part = part.strip()
        if not part.isdecimal():
            break
        numbers.append(int(part))
    if not numbers:
        match = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", value)
        return (int(match.group(1)), match.group(1)) if match else (None, "")
    return numbers[0], "-".join(f"{n:02d}" if i else str(n) for i, n in enumerate(numbers))


def article_from_ris(entry: dict[str, Any]) -> Article:
    """Map one rispy record onto an Article."""
    article = Article(type=RIS_TO_CSL.get(_text(entry, "type_of_reference").upper(), "article-journal"))
    article.title = _text(entry, "title", "primary_title", "translated_title")
    names = entry.get("authors") or entry.get("first_authors") or []
    article.authors = [_author(n) for n in names if n.strip()]
    addresses = [a.strip() for a in entry.get("author_address") or [] if a.strip()]
    if addresses and article.authors:
        article.authors[0].affiliations = addresses
    full = _text(entry, "secondary_title", "alternate_title3")
    abbrev = _text(entry, "alternate_title1", "alternate_title2")
    journal_name = _text(entry, "journal_name")
    article.journal = full or journal_name or abbrev
    article.journal_abbrev = abbrev or (journal_name if full and journal_name != full else "")
    article.year, article.date = date_from_ris(_text(entry, "date"))
    if article.year is None:
        article.year, article.date = date_from_ris(_text(entry, "year", "publication_year"))
    article.volume = _text(entry, "volume")
    article.issue = _text(entry, "number")
    start, end = _text(entry, "start_page"), _text(entry, "end_page")
    article.pages = f"{start}-{end}" if start and end and end != start else start
    unknown = entry.get("unknown_tag") or {}
    article.article_number = _text(entry, "custom7") or _text(unknown, "C7")
    issns = entry.get("issn") or []
    article.issn = [i.strip() for value in issns for i in re.split(r"[;,]\s*|\s+", value) if i.strip()]
    article.publisher = _text(entry, "publisher")
    article.language = _text(entry, "language")
    article.abstract = _text(entry, "abstract", "notes_abstract")
    article.keywords = [Keyword(term=k.strip()) for k in entry.get("keywords") or [] if k.strip()]
    article.doi = normalise_doi(_text(entry, "doi")) or _text(entry, "doi")
    accession = _text(entry, "accession_number")
    if accession.isdigit():
        article.pmid = accession
    pmcid = _text(entry, "custom2")
    if normalise_pmcid(pmcid):
        article.pmcid = normalise_pmcid(pmcid)
    urls = [u for u in entry.get("urls") or [] if u]
    article.url = urls[0] if urls else ""
    if not article.doi:
        for url in urls:
            if doi := normalise_doi(url):
                article.doi = doi
                break
    article.notes = "\n\n".join(n.strip() for n in entry.get("notes") or [] if n.strip())
    kind = _text(entry, "type_of_work")
    if kind:
        article.publication_types = [t.strip() for t in kind.split(";") if t.strip()]
    return article
