"""RIS writer (rispy): every field refmgr keeps that RIS can carry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import rispy

from refmgr.core.formats.ris import CSL_TO_RIS, LIST_TAGS
from refmgr.core.model import Article, parse_date_parts


class _Writer(rispy.RisWriter):
    """rispy's writer without the "1." line it puts before each record."""

    def set_header(self, count: int) -> str:
        return ""


def ris_date(article: Article) -> str:
    """The RIS date "YYYY/MM/DD/" with unknown parts left empty ("2022/10//")."""
    parts = parse_date_parts(article.date) or ([article.year] if article.year else [])
    if not parts:
        return ""
    padded = [str(parts[0]), *(f"{p:02d}" for p in parts[1:])]
    return "/".join(padded + [""] * (3 - len(padded))) + "/"


def ris_entry(article: Article) -> dict[str, Any]:
    """The rispy dict of one article (keys are rispy's field names)."""
    entry: dict[str, Any] = {"type_of_reference": CSL_TO_RIS.get(article.type, "JOUR")}
    start, _, end = article.pages.partition("-")

    def put(key: str, value: Any) -> None:
        if value:
            entry[key] = value

    put("title", article.title)
    put("authors", [f"{a.family}, {a.given}".rstrip(", ") if a.family else a.literal for a in article.authors])
    put("author_address", list(dict.fromkeys(aff for a in article.authors for aff in a.affiliations)))
    put("secondary_title", article.journal)
    put("alternate_title1", article.journal_abbrev)
    put("date", ris_date(article))
    put("year", str(article.year or ""))
    put("volume", article.volume)
    put("number", article.issue)
    put("start_page", start.strip())
    put("end_page", end.strip())
    put("custom7", article.article_number)
    put("issn", list(article.issn))
    put("publisher", article.publisher)
    put("language", article.language)
    put("abstract", " ".join(article.abstract.split()))
    put("keywords", [k.display for k in article.keywords])
    put("doi", article.doi)
    put("accession_number", article.pmid)
    put("custom2", article.pmcid)
    put("urls", [article.url] if article.url else [])
    put("notes", [" ".join(article.notes.split())] if article.notes else [])
    put("type_of_work", "; ".join(article.publication_types))
    return entry


def one_line(value: Any) -> Any:
    """A field value with every line break (CR, LF, VT, FF, NEL, U+2028/9...) and run of spaces made one space."""
    # An RIS field is one line: a line break inside a value would start a new tag line, so that a title
    # holding a line break then "ER  - " and "TY  - JOUR" would forge a second record on re-import.
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [flat for item in value if (flat := one_line(item))]
    return value


def write_ris(articles: Iterable[Article]) -> str:
    """RIS text for the articles, one TY ... ER record each; every field on one line."""
    entries = [{k: v for k, v in ((k, one_line(v)) for k, v in ris_entry(a).items()) if v} for a in articles]
    return rispy.dumps(entries, implementation=_Writer, list_tags=LIST_TAGS) if entries else ""
