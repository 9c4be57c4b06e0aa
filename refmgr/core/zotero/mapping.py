"""Articles as Zotero items and back: the flat sync record both sides are compared on."""

from __future__ import annotations

import re
from typing import Any

from refmgr.core.model import Article, Author

# refmgr (CSL) type -> Zotero itemType, and the container field each Zotero type has.
ITEM_TYPES = {
    "article-journal": "journalArticle",
    "report": "report",
    "paper-conference": "conferencePaper",
    "book": "book",
    "chapter": "bookSection",
}
CSL_TYPES = {zotero: csl for csl, zotero in ITEM_TYPES.items()}
CONTAINER_FIELD = {
    "journalArticle": "publicationTitle",
    "conferencePaper": "proceedingsTitle",
    "bookSection": "bookTitle",
}
NO_ISSUE = {"report", "book", "bookSection"}
SYNCED_TYPES = set(CSL_TYPES)
USER_TAG, AUTOMATIC_TAG = 0, 1
_EXTRA_ID = re.compile(r"^\s*(PMID|PMCID):\s*(\S+)\s*$", re.IGNORECASE)

# The fields three-way merged; "tags" and "collections" are sets merged element by element.
SCALAR_FIELDS = (
    "itemType", "title", "creators", "container", "journalAbbreviation", "date", "volume", "issue", "pages",
    "DOI", "ISSN", "abstractNote", "language", "url", "pmid", "pmcid",
)  # fmt: skip
SET_FIELDS = ("tags", "collections")


def article_record(article: Article, collection_keys: list[str], mesh_tags: bool = True) -> dict[str, Any]:
    """The sync record of a local article (collections given as Zotero keys)."""
    return {
        "itemType": ITEM_TYPES.get(article.type, "journalArticle"),
        "title": article.title,
        "creators": [[a.family, a.given, a.literal] for a in article.authors],
        "container": article.journal,
        "journalAbbreviation": article.journal_abbrev,
        "date": article.date or (str(article.year) if article.year else ""),
        "volume": article.volume,
        "issue": article.issue,
        "pages": article.pages or article.article_number,
        "DOI": article.doi,
        "ISSN": ", ".join(article.issn),
        "abstractNote": article.abstract,
        "language": article.language,
        "url": article.url,
        "pmid": article.pmid,
        "pmcid": article.pmcid,
        "tags": sorted(set(article.tags)),
        "collections": sorted(set(collection_keys)),
        "mesh": sorted({k.term for k in article.keywords if k.kind == "mesh"}) if mesh_tags else [],
    }


def item_record(data: dict[str, Any]) -> dict[str, Any]:
    """The sync record of a Zotero item's data."""
    item_type = str(data.get("itemType", "journalArticle"))
    ids = {"pmid": "", "pmcid": ""}
    for line in str(data.get("extra", "")).splitlines():
        if match := _EXTRA_ID.match(line):
            ids[match.group(1).lower()] = match.group(2)
    creators = []
    for creator in data.get("creators") or []:
        if creator.get("creatorType", "author") != "author":
            continue
        if creator.get("name"):
            creators.append(["", "", str(creator["name"])])
        else:
            creators.append([str(creator.get("lastName", "")), str(creator.get("firstName", "")), ""])
    tags = data.get("tags") or []
    return {
        "itemType": item_type,
        "title": str(data.get("title", "")),
        "creators": creators,
        "container": str(data.get(CONTAINER_FIELD.get(item_type, ""), "") or ""),
        "journalAbbreviation": str(data.get("journalAbbreviation", "")),
        "date": str(data.get("date", "")),
        "volume": str(data.get("volume", "")),
        "issue": str(data.get("issue", "")),
        "pages": str(data.get("pages", "")),
        "DOI": str(data.get("DOI", "")),
        "ISSN": str(data.get("ISSN", "")),
        "abstractNote": str(data.get("abstractNote", "")),
        "language": str(data.get("language", "")),
        "url": str(data.get("url", "")),
        "pmid": ids["pmid"],
        "pmcid": ids["pmcid"],
        "tags": sorted({str(t["tag"]) for t in tags if isinstance(t, dict) and int(t.get("type", 0)) == USER_TAG}),
        "collections": sorted({str(k) for k in data.get("collections") or []}),
        "mesh": sorted({str(t["tag"]) for t in tags if isinstance(t, dict) and int(t.get("type", 0)) == AUTOMATIC_TAG}),
    }


def item_payload(record: dict[str, Any], key: str, version: int, old_extra: str = "") -> dict[str, Any]:
    """The JSON object to write for a record (fields valid for its item type only)."""
    item_type = record["itemType"]
    kept = [line for line in old_extra.splitlines() if line.strip() and not _EXTRA_ID.match(line)]
    ids = [f"PMID: {record['pmid']}"] * bool(record["pmid"]) + [f"PMCID: {record['pmcid']}"] * bool(record["pmcid"])
    creators = [
        {"creatorType": "author", "name": literal} if literal else
        {"creatorType": "author", "lastName": family, "firstName": given}
        for family, given, literal in record["creators"]
    ]  # fmt: skip
    payload: dict[str, Any] = {
        "key": key,
        "version": version,
        "itemType": item_type,
        "title": record["title"],
        "creators": creators,
        "date": record["date"],
        "abstractNote": record["abstractNote"],
        "language": record["language"],
        "url": record["url"],
        "extra": "\n".join(ids + kept),
        "tags": [{"tag": t, "type": USER_TAG} for t in record["tags"]]
        + [{"tag": t, "type": AUTOMATIC_TAG} for t in record["mesh"] if t not in record["tags"]],
        "collections": record["collections"],
    }
    if container := CONTAINER_FIELD.get(item_type):
        payload[container] = record["container"]
    if item_type == "journalArticle":
        payload.update(journalAbbreviation=record["journalAbbreviation"], DOI=record["DOI"], ISSN=record["ISSN"])
    if item_type != "book":
        payload["pages"] = record["pages"]
    payload["volume"] = record["volume"] if item_type not in ("report",) else ""
    if item_type not in NO_ISSUE:
        payload["issue"] = record["issue"]
    return payload


def record_authors(record: dict[str, Any]) -> list[Author]:
    """The authors of a sync record."""
    return [Author(family=f, given=g, literal=lit) for f, g, lit in record["creators"]]


def year_of(date: str) -> int | None:
    """The year of a free-text date ("2022", "2022-10-01", "October 2022")."""
    match = re.search(r"\b(1[5-9]\d\d|20\d\d|2100)\b", date)
    return int(match.group(1)) if match else None
