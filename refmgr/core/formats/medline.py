"""Reader for PubMed's MEDLINE format (.nbib, "PubMed format"): tagged lines, many records per file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from refmgr.core.formats import ParsedRecord
from refmgr.core.identifiers import normalise_doi, normalise_pmcid, normalise_pmid
from refmgr.core.model import Article, Author, Keyword

NAME = "medline"
EXTENSIONS = ("nbib", "medline", "txt")

_TAG_LINE = re.compile(r"^(?P<tag>[A-Z][A-Z0-9]{0,3})\s*- (?P<value>.*)$")
_CONTINUATION = "      "
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])")
_ISSN = re.compile(r"\b(\d{4}-\d{3}[\dXx])\b")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, 1)}
SEASONS = {"Spring", "Summer", "Fall", "Autumn", "Winter"}
# MEDLINE's ISO 639-2 language codes as CSL's two-letter codes (others are kept as they are).
LANGUAGES = {
    "eng": "en", "fre": "fr", "ger": "de", "spa": "es", "ita": "it", "jpn": "ja", "chi": "zh", "por": "pt",
    "rus": "ru", "dut": "nl", "pol": "pl", "kor": "ko", "swe": "sv", "dan": "da", "nor": "no", "tur": "tr",
}  # fmt: skip
AUTHOR_TAGS = {"FAU", "AU", "CN"}


@dataclass
class RawRecord:
    """The tagged fields of one record, in order, with the line where it starts."""

    number: int
    line: int
    fields: list[tuple[str, str, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def values(self, tag: str) -> list[str]:
        """Every value of a tag, in order."""
        return [value for name, value, _ in self.fields if name == tag]

    def first(self, tag: str) -> str:
        """The first value of a tag, or ""."""
        return next((value for name, value, _ in self.fields if name == tag), "")


def sniff(text: str) -> int:
    """How surely the text is MEDLINE (0-100): records start with a "PMID- " line."""
    head = text[:200_000].lstrip("\ufeff")
    if re.search(r"^PMID- *\d+", head, re.M):
        return 95
    tags = len(re.findall(r"^(?:TI  |AU  |FAU |AB  |DP  |JT  |TA  )- ", head, re.M))
    return 60 if tags >= 3 else 0


def parse(text: str) -> Iterator[ParsedRecord]:
    """Every record in the text; a record that lacks its PMID or title is a failed record."""
    for raw in split_records(text):
        location = f"record {raw.number} (line {raw.line})"
        pmid = normalise_pmid(raw.first("PMID"))
        if pmid:
            location += f" PMID {pmid}"
        problems = list(raw.errors)
        if not pmid:
            problems.append("no PMID line")
        if not raw.first("TI").strip():
            problems.append("no title (TI); the record looks truncated")
        if problems:
            yield ParsedRecord(location=location, error="; ".join(problems))
            continue
        yield ParsedRecord(location=location, article=build_article(raw))


def split_records(text: str) -> Iterator[RawRecord]:
    """Records separated by blank lines (or a new PMID line), continuation lines joined."""
    record: RawRecord | None = None
    number = 0
    pending: list[str] = []  # continuation lines of the last field, joined once so a long field stays linear

    def flush() -> None:
        if pending and record is not None:
            tag, value, start = record.fields[-1]
            record.fields[-1] = (tag, " ".join([value, *pending]).strip(), start)
        pending.clear()

    for line_no, line in enumerate(text.lstrip("\ufeff").split("\n"), 1):
        line = line.rstrip()
        if not line.strip():
            if record is not None:
                flush()
                yield record
                record = None
            continue
        match = _TAG_LINE.match(line)
        if match and match.group("tag") == "PMID" and record is not None and record.first("PMID"):
            flush()
            yield record
            record = None
        if record is None:
            number += 1
            record = RawRecord(number=number, line=line_no)
        if match:
            flush()
            record.fields.append((match.group("tag"), match.group("value").strip(), line_no))
        elif line.startswith(_CONTINUATION) and record.fields:
            pending.append(line.strip())
        else:
            record.errors.append(f"line {line_no} is not a MEDLINE tag line: {line[:40]!r}")
    if record is not None:
        flush()
        yield record


def build_article(raw: RawRecord) -> Article:
    """An article from one record's tags."""
    title = raw.first("TI")
    article = Article(
        title=title[:-1] if title.endswith(".") and not title.endswith("..") else title,
        pmid=normalise_pmid(raw.first("PMID")),
        pmcid=normalise_pmcid(raw.first("PMC")),
        journal=raw.first("JT"),
        journal_abbrev=raw.first("TA"),
        volume=raw.first("VI"),
        issue=raw.first("IP"),
        pages=raw.first("PG"),
        abstract=raw.first("AB"),
        publication_types=raw.values("PT"),
        source="medline",
    )
    article.year, article.date = parse_dp(raw.first("DP"))
    language = raw.first("LA")
    article.language = LANGUAGES.get(language, language)
    article.issn = _issns(raw.values("IS"))
    article.doi, pii = _locations(raw)
    if not article.pages and pii:
        article.article_number = pii
    article.authors = _authors(raw)
    article.keywords = [*map(mesh_keyword, raw.values("MH")), *(Keyword(t, "author") for t in raw.values("OT"))]
    return article


def parse_dp(value: str) -> tuple[int | None, str]:
    """ "2025 Aug" -> (2025, "2025-08"); "1999 Jan 2" -> (1999, "1999-01-02"); "2021 Mar-Apr" -> (2021, "2021-03")."""
    match = re.match(r"^(\d{4})(?:\s+([A-Za-z]{3})[a-z]*(?:-[A-Za-z]+)?(?:\s+(\d{1,2}))?)?", value.strip())
    if not match:
        return None, ""
    year, month, day = match.groups()
    date = year
    if month and month.title() in MONTHS:
        date += f"-{MONTHS[month.title()]:02d}"
        if day:
            date += f"-{int(day):02d}"
    return int(year), date


def _issns(values: list[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        match = _ISSN.search(value)
        if match and match.group(1).upper() not in found:
            found.append(match.group(1).upper())
    return found


def _locations(raw: RawRecord) -> tuple[str, str]:
    """The DOI and the publisher item identifier from LID and AID lines."""
    doi = pii = ""
    for value in raw.values("LID") + raw.values("AID"):
        if value.endswith("[doi]") and not doi:
            doi = normalise_doi(value.removesuffix("[doi]").strip())
        elif value.endswith("[pii]") and not pii:
            pii = value.removesuffix("[pii]").strip()
    return doi, pii


def _authors(raw: RawRecord) -> list[Author]:
    """Authors in order: FAU (or AU when there is no FAU) and CN; AD and AUID attach to the one before."""
    authors: list[Author] = []
    current: Author | None = None
    last_tag = ""
    for tag, value, _ in raw.fields:
        if tag == "FAU" or (tag == "AU" and last_tag != "FAU"):
            current = person(value, full=tag == "FAU")
            authors.append(current)
        elif tag == "CN":
            current = Author(literal=value)
            authors.append(current)
        elif tag in ("IR", "FIR"):
            current = None  # investigators are not authors; their AD lines are skipped too
        elif tag == "AD" and current is not None:
            current.affiliations.append(value)
        elif tag == "AUID" and current is not None and (match := _ORCID.search(value)):
            current.orcid = f"https://orcid.org/{match.group(1)}"
        if tag in AUTHOR_TAGS or tag in ("IR", "FIR"):
            last_tag = tag
    return authors


def person(value: str, full: bool) -> Author:
    """ "Fung, Kin Fen Kevin" (FAU) or "Fung KFK" (AU) as family and given names."""
    if full and "," in value:
        family, given = value.split(",", 1)
        return Author(family=family.strip(), given=given.strip())
    family, _, initials = value.rpartition(" ")
    return Author(family=family, given=initials) if family else Author(family=value)


def mesh_keyword(value: str) -> Keyword:
    """ "Carcinoma, Renal Cell/*therapy" -> MeSH heading with qualifiers; `*` marks a major topic."""
    heading, *qualifiers = value.split("/")
    major = heading.startswith("*") or any(q.startswith("*") for q in qualifiers)
    return Keyword(
        term=heading.lstrip("*").strip(),
        kind="mesh",
        qualifiers=[q.lstrip("*").strip() for q in qualifiers],
        major=major,
    )
