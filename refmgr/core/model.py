"""Article records and their mapping to and from CSL-JSON."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from typing import Any

KEYWORD_KINDS = ("author", "mesh", "subject")
# Where a keyword, legend or trial number came from, weakest first; a stronger source is never replaced by a weaker.
# "file" is a record the user imported (RIS, BibTeX, CSL-JSON, JATS), "pdf" the article's own PDF, "page" a PubMed
# page, "hand" typed or edited.
SOURCES = ("", "crossref", "europepmc", "pubmed", "file", "jats", "pdf", "page", "hand")
REFERENCE_STATUSES = ("unresolved", "resolved", "ambiguous", "in_library")
READ_STATUSES = ("unread", "reading", "read")


@dataclass
class Author:
    """One author: a person (family/given) or a group (literal)."""

    family: str = ""
    given: str = ""
    literal: str = ""
    orcid: str = ""
    affiliations: list[str] = field(default_factory=list)

    @property
    def display(self) -> str:
        """The name as a reader sees it: "Family Given" or the group name."""
        if self.literal:
            return self.literal
        return f"{self.family} {self.given}".strip()

    @property
    def vancouver(self) -> str:
        """The name as Vancouver writes it: family name and initials ("Fung KFK")."""
        if self.literal:
            return self.literal
        initials = "".join(part[0] for part in re.split(r"[\s.\-]+", self.given) if part)
        return f"{self.family} {initials}".strip()


@dataclass
class Keyword:
    """A keyword: author keyword, MeSH heading (with qualifiers, major flag) or subject."""

    term: str
    kind: str = "author"
    qualifiers: list[str] = field(default_factory=list)
    major: bool = False
    source: str = ""

    @property
    def display(self) -> str:
        """The term with its MeSH qualifiers and a star for major topics."""
        text = self.term + "".join(f"/{q}" for q in self.qualifiers)
        return f"{text}*" if self.major else text


@dataclass
class Figure:
    """A figure label and its legend, with where the legend came from ("pdf", ...; "" when not recorded)."""

    label: str
    legend: str
    source: str = ""


@dataclass
class Trial:
    """A trial registry number (ClinicalTrials.gov NCT..., ISRCTN, EudraCT) and where it came from."""

    accession: str
    registry: str = "ClinicalTrials.gov"
    source: str = ""


@dataclass
class Reference:
    """One entry of an article's reference list."""

    text: str
    doi: str = ""
    pmid: str = ""
    status: str = "unresolved"
    confidence: float | None = None
    cited_article_id: int | None = None
    parts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Article:
    """A bibliographic record with everything a review needs."""

    title: str = ""
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    authors: list[Author] = field(default_factory=list)
    journal: str = ""
    journal_abbrev: str = ""
    year: int | None = None
    date: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    article_number: str = ""
    issn: list[str] = field(default_factory=list)
    publisher: str = ""
    type: str = "article-journal"
    language: str = ""
    abstract: str = ""
    abstract_jats: str = ""
    keywords: list[Keyword] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    url: str = ""
    license: str = ""
    citation_count: int | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    retracted: bool = False
    authors_incomplete: bool = False  # the source listed only some authors ("Fung KFK et al.")
    trials: list[Trial] = field(default_factory=list)
    open_access_url: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    read_status: str = "unread"
    rating: int = 0
    date_added: str = ""
    source: str = ""
    id: int | None = None

    @property
    def first_author(self) -> str:
        """Family name (or group name) of the first author, empty if none."""
        if not self.authors:
            return ""
        first = self.authors[0]
        return first.family or first.literal

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of every field (nested dataclasses included)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Rebuild an article from `to_dict` output, ignoring unknown keys."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["authors"] = [Author(**a) for a in data.get("authors", [])]
        values["keywords"] = [Keyword(**k) for k in data.get("keywords", [])]
        values["figures"] = [Figure(**f) for f in data.get("figures", [])]
        values["trials"] = [Trial(**t) for t in data.get("trials", [])]
        values["references"] = [Reference(**r) for r in data.get("references", [])]
        return cls(**values)


def citation_line(article: Article) -> str:
    """A Vancouver-like source line: "Cardiovasc Intervent Radiol. 2025;48(8):1104-1112."."""
    journal = article.journal_abbrev or article.journal
    issue = f"({article.issue})" if article.issue else ""
    volume = f";{article.volume}{issue}" if article.volume else issue
    pages = article.pages or article.article_number
    parts = f"{article.year or ''}{volume}{':' + pages if pages else ''}"
    return " ".join(piece for piece in (f"{journal}." if journal else "", f"{parts}." if parts else "") if piece)


def normalise_title(title: str) -> str:
    """Lower-case ASCII letters and digits of a title, for duplicate detection."""
    decomposed = unicodedata.normalize("NFKD", title)
    ascii_only = decomposed.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_only).strip()


def normalise_name(name: str) -> str:
    """A surname reduced to lower-case ASCII letters, for duplicate detection."""
    return normalise_title(name).replace(" ", "")


def parse_date_parts(date: str) -> list[int]:
    """[year, month, day] (as far as known) from an ISO-like date string."""
    parts: list[int] = []
    for piece in re.split(r"[-/]", date or "")[:3]:
        if not piece.isdecimal():
            break
        parts.append(int(piece))
    return parts


def to_csl(article: Article) -> dict[str, Any]:
    """CSL-JSON item for an article, with refmgr's keywords/figures/references additions."""
    item: dict[str, Any] = {"id": str(article.id) if article.id is not None else "", "type": article.type}
    simple = {
        "title": article.title,
        "container-title": article.journal,
        "container-title-short": article.journal_abbrev,
        "volume": article.volume,
        "issue": article.issue,
        "page": article.pages,
        "number": article.article_number,
        "DOI": article.doi,
        "PMID": article.pmid,
        "PMCID": article.pmcid,
        "publisher": article.publisher,
        "language": article.language,
        "abstract": article.abstract,
        "URL": article.url,
        "note": article.notes,
        "license": article.license,
    }
    item.update({k: v for k, v in simple.items() if v})
    if article.issn:
        item["ISSN"] = ", ".join(article.issn)
    if article.authors:
        item["author"] = [_author_to_csl(a) for a in article.authors]
    date_parts = parse_date_parts(article.date) or ([article.year] if article.year else [])
    if date_parts:
        item["issued"] = {"date-parts": [date_parts]}
    if article.citation_count is not None:
        item["is-referenced-by-count"] = article.citation_count
    if article.publication_types:
        item["genre"] = "; ".join(article.publication_types)
    item["keywords"] = [{"term": k.term, "kind": k.kind, **_keyword_extras(k)} for k in article.keywords]
    item["figures"] = [{"label": f.label, "legend": f.legend, **_source(f.source)} for f in article.figures]
    item["trials"] = [
        {"id": t.accession, "registry": t.registry, **_source(t.source)} for t in article.trials
    ]
    if article.open_access_url:
        item["open-access"] = article.open_access_url
    item["references"] = [
        {"position": i + 1, "text": r.text, "doi": r.doi, "pmid": r.pmid, "status": r.status}
        for i, r in enumerate(article.references)
    ]
    if article.retracted:
        item["retracted"] = True
    if article.authors_incomplete:
        item["authors-incomplete"] = True
    if article.tags:
        item["tags"] = list(article.tags)
    return item


def source_rank(source: str) -> int:
    """How strong a source is (see SOURCES); an unknown name ranks like a user-imported file."""
    return SOURCES.index(source) if source in SOURCES else SOURCES.index("file")


def _source(source: str) -> dict[str, str]:
    return {"source": source} if source else {}


def _keyword_extras(keyword: Keyword) -> dict[str, Any]:
    extras: dict[str, Any] = _source(keyword.source)
    if keyword.qualifiers:
        extras["qualifiers"] = list(keyword.qualifiers)
    if keyword.major:
        extras["major"] = True
    return extras


def _author_to_csl(author: Author) -> dict[str, Any]:
    if author.literal:
        entry: dict[str, Any] = {"literal": author.literal}
    else:
        entry = {"family": author.family}
        if author.given:
            entry["given"] = author.given
    if author.orcid:
        entry["ORCID"] = author.orcid
    if author.affiliations:
        entry["affiliation"] = [{"name": a} for a in author.affiliations]
    return entry


def from_csl(item: dict[str, Any]) -> Article:
    """Article from a CSL-JSON item (Zotero's, Crossref's or refmgr's own flavour)."""
    article = Article(
        title=_first_text(item.get("title")),
        doi=str(item.get("DOI") or ""),
        pmid=str(item.get("PMID") or ""),
        pmcid=str(item.get("PMCID") or ""),
        journal=_first_text(item.get("container-title")),
        journal_abbrev=_first_text(item.get("container-title-short") or item.get("journalAbbreviation")),
        volume=str(item.get("volume") or ""),
        issue=str(item.get("issue") or ""),
        pages=str(item.get("page") or ""),
        article_number=str(item.get("number") or item.get("article-number") or ""),
        publisher=str(item.get("publisher") or ""),
        type=str(item.get("type") or "article-journal"),
        language=str(item.get("language") or ""),
        abstract=str(item.get("abstract") or ""),
        url=str(item.get("URL") or ""),
        license=str(item.get("license") or "") if isinstance(item.get("license"), str) else "",
        notes=str(item.get("note") or ""),
    )
    issn = item.get("ISSN")
    if isinstance(issn, list):
        article.issn = [str(i) for i in issn]
    elif issn:
        article.issn = [i.strip() for i in str(issn).split(",") if i.strip()]
    article.authors = [_author_from_csl(a) for a in item.get("author") or [] if isinstance(a, dict)]
    parts = _date_parts(item.get("issued"))
    if parts:
        article.year = parts[0]
        article.date = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))
    count = item.get("is-referenced-by-count")
    if isinstance(count, int):
        article.citation_count = count
    genre = item.get("genre")
    if isinstance(genre, str) and genre:
        article.publication_types = [g.strip() for g in genre.split(";") if g.strip()]
    article.keywords = _keywords_from_csl(item.get("keywords") or item.get("keyword"))
    article.figures = [
        Figure(label=str(f.get("label", "")), legend=str(f.get("legend", "")), source=str(f.get("source") or ""))
        for f in item.get("figures") or []
        if isinstance(f, dict)
    ]
    article.trials = [
        Trial(accession=str(t["id"]), registry=str(t.get("registry") or "ClinicalTrials.gov"),
              source=str(t.get("source") or ""))
        for t in item.get("trials") or []
        if isinstance(t, dict) and t.get("id")
    ]  # fmt: skip
    article.references = _references_from_csl(item.get("references") or item.get("reference") or [])
    article.retracted = bool(item.get("retracted"))
    article.authors_incomplete = bool(item.get("authors-incomplete"))
    tags = item.get("tags")
    if isinstance(tags, list):
        article.tags = [str(t) for t in tags]
    return article


def _first_text(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _author_from_csl(entry: dict[str, Any]) -> Author:
    affiliations = [
        a.get("name", "") if isinstance(a, dict) else str(a) for a in entry.get("affiliation") or []
    ]
    literal = entry.get("literal") or entry.get("name") or ""
    return Author(
        family=str(entry.get("family") or ""),
        given=str(entry.get("given") or ""),
        literal="" if entry.get("family") else str(literal),
        orcid=str(entry.get("ORCID") or ""),
        affiliations=[a for a in affiliations if a],
    )


def _date_parts(issued: Any) -> list[int]:
    if isinstance(issued, dict):
        rows = issued.get("date-parts") or []
        if rows and isinstance(rows[0], list):
            return [int(p) for p in rows[0] if isinstance(p, int) or (isinstance(p, str) and p.isdecimal())]
        raw = issued.get("raw") or issued.get("literal")
        if raw:
            match = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", str(raw))
            return [int(match.group(1))] if match else []
    return []


def _keywords_from_csl(value: Any) -> list[Keyword]:
    if isinstance(value, str):
        return [Keyword(term=t.strip()) for t in re.split(r"[;,]", value) if t.strip()]
    keywords = []
    for entry in value or []:
        if isinstance(entry, dict) and entry.get("term"):
            keywords.append(
                Keyword(
                    term=str(entry["term"]),
                    kind=str(entry.get("kind") or "author"),
                    qualifiers=[str(q) for q in entry.get("qualifiers") or []],
                    major=bool(entry.get("major")),
                    source=str(entry.get("source") or ""),
                )
            )
        elif isinstance(entry, str) and entry.strip():
            keywords.append(Keyword(term=entry.strip()))
    return keywords


def _references_from_csl(entries: list[Any]) -> list[Reference]:
    references = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        text = entry.get("text") or entry.get("unstructured") or ""
        doi = entry.get("doi") or entry.get("DOI") or ""
        references.append(
            Reference(
                text=str(text),
                doi=str(doi),
                pmid=str(entry.get("pmid") or ""),
                status=str(entry.get("status") or ("resolved" if doi else "unresolved")),
            )
        )
    return references
