"""Crossref work record (the `message` of /works/{doi}) -> Article."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import unquote

import nh3

from refmgr.core.identifiers import normalise_doi
from refmgr.core.merge import given_doi
from refmgr.core.model import Article, Author, Keyword, Reference

# Crossref work types -> CSL types.
CSL_TYPES = {
    "journal-article": "article-journal", "book-chapter": "chapter", "proceedings-article": "paper-conference",
    "posted-content": "article", "dataset": "dataset", "book": "book", "monograph": "book", "edited-book": "book",
    "reference-book": "book", "report": "report", "dissertation": "thesis", "reference-entry": "entry",
    "journal": "periodical", "standard": "standard", "peer-review": "review", "component": "article",
}  # fmt: skip
RETRACTING_UPDATES = {"retraction", "removal", "withdrawal"}
# Field caps (characters). Real values are far below them (titles rarely pass 300, structured abstracts 10,000);
# past them a field is junk that would bloat the library and its search index. Lists (authors, references,
# subjects) are kept whole, each entry capped: a paper with 3,000 authors is real.
MAX_ABSTRACT = 100_000  # JATS; a longer "abstract" is dropped whole (cutting it would break its markup)
MAX_TITLE = 2_000
MAX_REFERENCE = 2_000
MAX_AFFILIATION = 1_000
MAX_NAME = 500  # author names, journal, publisher, subjects
MAX_SHORT = 100  # volume, issue, pages, article number, language
REFERENCE_PARTS = (
    "author", "year", "article-title", "journal-title", "volume", "issue", "first-page", "series-title",
    "volume-title", "edition", "isbn", "issn", "DOI",
)  # fmt: skip


def clean_text(markup: Any) -> str:
    """Plain text from a title or snippet with JATS/HTML tags and entities (tags stripped by nh3)."""
    if not isinstance(markup, str):
        markup = "" if markup is None or isinstance(markup, (dict, list)) else str(markup)
    stripped = nh3.clean(markup, tags=set(), clean_content_tags={"script", "style"})
    return re.sub(r"\s+", " ", html.unescape(stripped)).strip()


def cut(text: str, limit: int) -> str:
    """Text no longer than `limit` characters, ending in "…" when it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def abstract_text(jats: str) -> str:
    """A JATS abstract as plain paragraphs; section titles become "Title: " prefixes."""
    if not jats:
        return ""
    text = re.sub(r"^\s*<jats:title>\s*Abstract\s*</jats:title>", "", jats, flags=re.IGNORECASE)
    text = re.sub(r"<(jats:)?title[^>]*>(.*?)</(jats:)?title>", r"\n\n\2: ", text, flags=re.DOTALL)
    text = re.sub(r"</(jats:)?p>|<(jats:)?sec[^>]*>", "\n\n", text)
    paragraphs = (clean_text(p) for p in text.split("\n\n"))
    merged = "\n\n".join(p for p in paragraphs if p)
    return re.sub(r":\s*\n\n", ": ", merged).strip()


def text_list(value: Any) -> list[str]:
    """Crossref's list-of-strings fields, tolerating a bare string (as in CSL-JSON) or junk."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [text for text in (clean_text(item) for item in items) if text]


def _title(work: dict[str, Any]) -> str:
    titles = text_list(work.get("title"))
    titles = list(dict.fromkeys(t for t in titles if t))
    if not titles:
        return ""
    title = titles[0]
    subtitle = next(iter(text_list(work.get("subtitle"))), "")
    if subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    # Several titles are translations (e.g. German and English): keep the others in brackets, PubMed-style.
    return title + "".join(f" [{other}]" for other in titles[1:])


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _orcid(value: Any) -> str:
    match = re.search(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", value if isinstance(value, str) else "")
    return match.group(1) if match else ""


def _author(entry: dict[str, Any]) -> Author:
    affiliations = [clean_text(a.get("name", "")) for a in _list(entry.get("affiliation")) if isinstance(a, dict)]
    literal = "" if entry.get("family") else clean_text(entry.get("name") or entry.get("given") or "")
    return Author(
        family=clean_text(entry.get("family") or ""),
        given=clean_text(entry.get("given") or "") if entry.get("family") else "",
        literal=literal,
        orcid=_orcid(entry.get("ORCID") or ""),
        affiliations=[a for a in affiliations if a],
    )


def date_parts(value: Any) -> list[int]:
    """[year, month, day] from a Crossref date object; [] for missing or `[[null]]`."""
    if not isinstance(value, dict):
        return []
    rows = value.get("date-parts")
    first = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], list) else []
    parts: list[int] = []
    for part in first[:3]:
        if part is None or isinstance(part, bool) or not str(part).isdecimal():
            break
        parts.append(int(part))
    return parts


def _date(work: dict[str, Any]) -> list[int]:
    for key in ("issued", "published", "published-print", "published-online"):
        parts = date_parts(work.get(key))
        if parts:
            return parts
    return []


def _license(work: dict[str, Any]) -> str:
    licences = [entry for entry in _list(work.get("license")) if isinstance(entry, dict) and entry.get("URL")]
    preferred = [entry for entry in licences if entry.get("content-version") == "vor"] or licences
    return str(preferred[0]["URL"]) if preferred else ""


def _reference(entry: dict[str, Any]) -> Reference:
    doi = normalise_doi(str(entry.get("DOI") or ""))
    parts = {key: entry[key] for key in REFERENCE_PARTS if entry.get(key)}
    text = clean_text(entry.get("unstructured") or "")
    if not text:
        pieces = [entry.get("author"), entry.get("year"), entry.get("article-title") or entry.get("volume-title"),
                  entry.get("journal-title") or entry.get("series-title"), entry.get("volume"), entry.get("first-page")]
        text = ". ".join(clean_text(str(p)) for p in pieces if p)
    return Reference(text=text or doi, doi=doi, status="resolved" if doi else "unresolved",
                     confidence=1.0 if doi else None, parts=parts)  # fmt: skip


def _updates(work: dict[str, Any]) -> list[dict[str, Any]]:
    updates = []
    for direction in ("updated-by", "update-to"):
        for entry in _list(work.get(direction)):
            if not isinstance(entry, dict):
                continue
            parts = date_parts(entry.get("updated"))
            updates.append({
                "direction": direction,
                "type": str(entry.get("type") or ""),
                "label": str(entry.get("label") or entry.get("type") or ""),
                "doi": normalise_doi(str(entry.get("DOI") or "")),
                "date": "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts)),
                "source": str(entry.get("source") or ""),
            })  # fmt: skip
    return updates


def _doi_in_its_case(work: dict[str, Any]) -> str:
    """The work's DOI in the case the publisher registered ("10.1056/NEJMoa1816714").

    List replies lower-case the DOI field; the record's URL usually keeps the registered case.
    """
    doi = normalise_doi(str(work.get("DOI") or ""))
    url_doi = re.sub(r"(?i)^https?://(?:dx\.)?doi\.org/", "", str(work.get("URL") or ""))
    for candidate in (str(work.get("DOI") or ""), unquote(url_doi)):
        if doi and candidate.strip().lower() == doi and candidate.strip() != doi:
            return given_doi(candidate)
    return doi


def work_to_article(work: dict[str, Any]) -> Article:
    """An Article with everything Crossref knows about a work."""
    parts = _date(work)
    issn = list(dict.fromkeys(text_list(work.get("ISSN"))))
    abstract_jats = work.get("abstract") if isinstance(work.get("abstract"), str) else ""
    if len(abstract_jats) > MAX_ABSTRACT:
        abstract_jats = ""
    updates = _updates(work)
    title = _title(work)
    resource = work.get("resource") if isinstance(work.get("resource"), dict) else {}
    resource = resource.get("primary") if isinstance(resource.get("primary"), dict) else {}
    article = Article(
        title=title,
        doi=_doi_in_its_case(work),
        authors=[_author(a) for a in _list(work.get("author")) if isinstance(a, dict)],
        journal=next(iter(text_list(work.get("container-title"))), ""),
        journal_abbrev=next(iter(text_list(work.get("short-container-title"))), ""),
        year=parts[0] if parts else None,
        date="-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts)),
        volume=str(work.get("volume") or ""),
        issue=str(work.get("issue") or ""),
        pages=str(work.get("page") or ""),
        article_number=str(work.get("article-number") or ""),
        issn=issn,
        publisher=clean_text(str(work.get("publisher") or "")),
        type=CSL_TYPES.get(str(work.get("type") or ""), "article-journal"),
        language=str(work.get("language") or ""),
        abstract=abstract_text(abstract_jats),
        abstract_jats=abstract_jats,
        keywords=[Keyword(term=term, kind="subject") for term in text_list(work.get("subject"))],
        references=[_reference(r) for r in _list(work.get("reference")) if isinstance(r, dict)],
        url=str(resource.get("URL") or work.get("URL") or ""),
        license=_license(work),
        citation_count=work["is-referenced-by-count"] if isinstance(work.get("is-referenced-by-count"), int) else None,
        updates=updates,
        source="crossref",
    )
    _limit_fields(article)
    article.retracted = any(
        u["direction"] == "updated-by" and u["type"] in RETRACTING_UPDATES for u in updates
    ) or title.upper().startswith("RETRACTED:")
    return article


def _limit_fields(article: Article) -> None:
    """Cut every text field of a mapped work to its cap (see MAX_*), in place."""
    article.title = cut(article.title, MAX_TITLE)
    for name in ("journal", "journal_abbrev", "publisher"):
        setattr(article, name, cut(getattr(article, name), MAX_NAME))
    for name in ("volume", "issue", "pages", "article_number", "language"):
        setattr(article, name, cut(getattr(article, name), MAX_SHORT))
    article.url, article.license = cut(article.url, MAX_REFERENCE), cut(article.license, MAX_REFERENCE)
    for author in article.authors:
        author.family, author.given = cut(author.family, MAX_NAME), cut(author.given, MAX_NAME)
        author.literal = cut(author.literal, MAX_NAME)
        author.affiliations = [cut(a, MAX_AFFILIATION) for a in author.affiliations]
    for keyword in article.keywords:
        keyword.term = cut(keyword.term, MAX_NAME)
    for reference in article.references:
        reference.text = cut(reference.text, MAX_REFERENCE)
        reference.parts = {k: cut(v, MAX_REFERENCE) if isinstance(v, str) else v for k, v in reference.parts.items()}


def slim_work(work: dict[str, Any]) -> dict[str, Any]:
    """The work as kept in the cache: an abstract past MAX_ABSTRACT (dropped by the mapping) is left out."""
    abstract = work.get("abstract")
    if isinstance(abstract, str) and len(abstract) > MAX_ABSTRACT:
        return {key: value for key, value in work.items() if key != "abstract"}
    return work
