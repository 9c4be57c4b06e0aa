"""CSL-JSON read with json: Zotero's and refmgr's item lists, Crossref's works messages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from refmgr.core.formats import ParsedRecord
from refmgr.core.identifiers import normalise_doi
from refmgr.core.model import Article, Keyword, Reference, from_csl

NAME = "csl-json"
EXTENSIONS = ("json", "csljson")

# Crossref work types that differ from CSL types.
CROSSREF_TYPES = {
    "journal-article": "article-journal", "book-chapter": "chapter", "proceedings-article": "paper-conference",
    "posted-content": "article", "monograph": "book", "edited-book": "book", "reference-book": "book",
    "report": "report", "dissertation": "thesis", "book": "book", "dataset": "dataset", "component": "article",
    "peer-review": "review", "standard": "standard", "other": "article",
}  # fmt: skip
_TAGS = re.compile(r"<[^>]+>")
_NOTE_ID = re.compile(r"^(PMID|PMCID):\s*((?:PMC)?\d+)$", re.IGNORECASE)


def sniff(text: str) -> int:
    """High for a JSON array or object with CSL keys (title, author, issued, DOI, type)."""
    head = text[:20000].lstrip("\ufeff \n\t")
    if not head.startswith(("[", "{")):
        return 0
    keys = sum(f'"{k}"' in head for k in ("title", "author", "issued", "DOI", "type", "container-title"))
    return 90 if keys >= 2 else 20 if keys else 0


def _items(data: Any) -> list[Any]:
    """The item list of any CSL-JSON flavour: a list, one item, {"items": [...]}, a Crossref message."""
    if isinstance(data, dict) and "message" in data:
        data = data["message"]
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return data["items"]
    return data if isinstance(data, list) else [data]


def parse(text: str) -> Iterator[ParsedRecord]:
    """Parse the items; invalid JSON is one error with its line, a bad item is skipped alone."""
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        yield ParsedRecord(f"line {error.lineno}", error=f"invalid JSON at line {error.lineno}, column {error.colno}: "
                           f"{error.msg}; nothing imported from this file")
        return
    except RecursionError:
        yield ParsedRecord("file", error="JSON nested too deeply to be CSL-JSON; nothing imported from this file")
        return
    for index, item in enumerate(_items(data), 1):
        label = item.get("id") if isinstance(item, dict) else None
        location = f"item {index}" + (f" ({label})" if label not in (None, "") else "")
        if not isinstance(item, dict):
            yield ParsedRecord(location, error=f"{location}: not a CSL-JSON object")
            continue
        try:
            article = article_from_csl(item)
        except (TypeError, ValueError, AttributeError) as error:
            yield ParsedRecord(location, error=f"{location}: {error}")
            continue
        if not (article.title or article.doi or article.pmid):
            yield ParsedRecord(location, error=f"{location}: no title, DOI or PMID")
            continue
        yield ParsedRecord(location, article=article)


def article_from_csl(item: dict[str, Any]) -> Article:
    """An Article from one CSL-JSON item, Crossref's differences smoothed out first."""
    crossref = "short-container-title" in item or "reference-count" in item or "indexed" in item
    original = item
    item = dict(item)
    if crossref:
        item["type"] = CROSSREF_TYPES.get(str(item.get("type")), item.get("type") or "article-journal")
        item.setdefault("container-title-short", item.get("short-container-title"))
        if not _has_date(item.get("issued")):
            item["issued"] = item.get("published-print") or item.get("published-online") or item.get("issued")
        item.pop("reference", None)
    article = from_csl(item)
    article.doi = normalise_doi(article.doi) or article.doi
    if article.notes:
        _identifiers_from_note(article)
    if article.abstract.lstrip().startswith("<"):
        article.abstract_jats = article.abstract
        article.abstract = " ".join(_TAGS.sub(" ", article.abstract).split())
    for author in article.authors:
        author.orcid = author.orcid.removeprefix("https://orcid.org/").removeprefix("http://orcid.org/")
    if crossref:
        article.keywords += [Keyword(term=str(s), kind="subject") for s in item.get("subject") or []]
        article.references = _crossref_references(original)
        license_list = item.get("license")
        if isinstance(license_list, list) and license_list and isinstance(license_list[0], dict):
            article.license = str(license_list[0].get("URL", ""))
    return article


def _identifiers_from_note(article: Article) -> None:
    """Zotero keeps "PMID: ..." and "PMCID: ..." lines in the note: take them as identifiers, not as notes."""
    kept = []
    for line in article.notes.splitlines():
        match = _NOTE_ID.match(line.strip())
        if not match:
            kept.append(line)
        elif match.group(1).upper() == "PMID":
            article.pmid = article.pmid or match.group(2)
        else:
            article.pmcid = article.pmcid or match.group(2).upper()
    article.notes = "\n".join(kept).strip()


def _has_date(issued: Any) -> bool:
    try:
        return bool(issued["date-parts"][0][0])
    except (KeyError, IndexError, TypeError):
        return False


def _crossref_references(item: dict[str, Any]) -> list[Reference]:
    references = []
    for entry in item.get("reference") or []:
        if not isinstance(entry, dict):
            continue
        text = entry.get("unstructured") or ", ".join(
            str(entry[k]) for k in ("author", "article-title", "journal-title", "year", "volume", "first-page")
            if entry.get(k)
        )
        doi = normalise_doi(str(entry.get("DOI") or ""))
        references.append(Reference(text=str(text), doi=doi, status="resolved" if doi else "unresolved"))
    return references
