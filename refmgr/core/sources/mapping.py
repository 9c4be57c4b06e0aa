"""Europe PMC core results mapped onto refmgr's model (used where PubMed has no record)."""

from __future__ import annotations

from typing import Any

from refmgr.core.identifiers import normalise_doi, normalise_pmid
from refmgr.core.model import Article, Keyword
from refmgr.core.sources.europepmc import as_pmcid

# Only these fields of a core result are cached (about 1-3 KB); the rest (abstract, authors, grants, references,
# chemicals, full-text links: often 10 KB and more) is not used.
KEPT_FIELDS = (
    "id", "source", "pmid", "pmcid", "doi", "isOpenAccess", "license", "meshHeadingList", "keywordList",
    "pubTypeList", "journalInfo", "commentCorrectionList",
)  # fmt: skip
MAX_TERM = 500


def slim_result(result: dict[str, Any]) -> dict[str, Any]:
    """A core result with only the fields refmgr reads."""
    return {k: result[k] for k in KEPT_FIELDS if k in result}


def _items(container: Any, key: str) -> list[Any]:
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, list) else []


def _mesh(heading: dict[str, Any]) -> Keyword | None:
    term = str(heading.get("descriptorName") or "")[:MAX_TERM]
    if not term:
        return None
    qualifiers = [q for q in _items(heading.get("meshQualifierList"), "meshQualifier") if isinstance(q, dict)]
    major = heading.get("majorTopic_YN") == "Y" or any(q.get("majorTopic_YN") == "Y" for q in qualifiers)
    names = [str(q.get("qualifierName") or "")[:MAX_TERM] for q in qualifiers if q.get("qualifierName")]
    return Keyword(term=term, kind="mesh", qualifiers=names, major=major, source="europepmc")


def article_from_epmc(result: dict[str, Any]) -> Article:
    """MeSH, author keywords, publication types, identifiers, abbreviation and abstract of a core result."""
    article = Article(source="europepmc")
    article.doi = normalise_doi(str(result.get("doi") or ""))
    article.pmid = normalise_pmid(str(result.get("pmid") or ""))
    article.pmcid = as_pmcid(result.get("pmcid"))
    headings = [h for h in _items(result.get("meshHeadingList"), "meshHeading") if isinstance(h, dict)]
    article.keywords = [k for k in (_mesh(h) for h in headings) if k is not None]
    article.keywords += [
        Keyword(term=str(k)[:MAX_TERM], kind="author", source="europepmc")
        for k in _items(result.get("keywordList"), "keyword")
        if isinstance(k, str) and k.strip()
    ]
    types = [str(t) for t in _items(result.get("pubTypeList"), "pubType") if isinstance(t, str)]
    article.publication_types = [t for t in types if t[:1].isupper()]  # PubMed labels, not JATS "research-article"
    journal = result.get("journalInfo", {}).get("journal", {}) if isinstance(result.get("journalInfo"), dict) else {}
    if isinstance(journal, dict):
        article.journal_abbrev = str(journal.get("medlineAbbreviation") or journal.get("isoabbreviation") or "")
    article.license = str(result.get("license") or "")[:200]
    article.updates = _notices(result)
    article.retracted = "Retracted Publication" in types or any(u["type"] == "retraction" for u in article.updates)
    return article


# commentCorrection types (free text) on the original article that point at a notice
NOTICES = {"retraction in": "retraction", "erratum in": "erratum", "expression of concern in": "expression_of_concern",
           "correction in": "correction"}  # fmt: skip


def _notices(result: dict[str, Any]) -> list[dict[str, str]]:
    notices = []
    for link in _items(result.get("commentCorrectionList"), "commentCorrection"):
        kind = NOTICES.get(str(link.get("type", "")).strip().lower()) if isinstance(link, dict) else None
        if kind:
            pmid = normalise_pmid(str(link.get("id") or "")) if link.get("source") == "MED" else ""
            notices.append({"direction": "updated-by", "type": kind, "label": str(link["type"]), "doi": "",
                            "pmid": pmid, "date": "", "source": "europepmc",
                            "note": str(link.get("reference") or "")[:300]})  # fmt: skip
    return notices


def open_access_url(result: dict[str, Any]) -> str:
    """Where the open-access full text can be read (Europe PMC's page for the PMCID), or ""."""
    if str(result.get("isOpenAccess", "")).upper() != "Y":
        return ""
    pmcid = as_pmcid(result.get("pmcid"))
    return f"https://europepmc.org/article/PMC/{pmcid}" if pmcid else ""
