"""PubMed through NCBI E-utilities: efetch (POST, up to 200 PMIDs) and esearch by DOI, with tool/email/api_key."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml.ElementTree import fromstring

from refmgr.core.crossref.ratelimit import SINGLE, Limit
from refmgr.core.formats.jats import text_of
from refmgr.core.formats.pubmed_xml import article_from_pubmed
from refmgr.core.identifiers import normalise_doi, normalise_pmid
from refmgr.core.model import Article, Trial
from refmgr.core.settings import DEFAULT_EUTILS_URL
from refmgr.core.sources.service import ServiceClient, SourceError

DEFAULT_URL = DEFAULT_EUTILS_URL
TOOL = "refmgr"
EFETCH_BATCH = 200  # NCBI: POST for more than about 200 ids; one efetch per 200 PMIDs
ESEARCH_BATCH = 20  # DOIs OR-ed in one esearch term
RECORD_BYTES = 512 * 2**10  # a PubMed record with its reference list is 5-100 KB
# NCBI allows 3 requests/s without a key and 10 with one; Biopython found 1/3 s too tight and waits 0.37 s.
WITHOUT_KEY = {SINGLE: Limit(3, 1.1, 1)}
WITH_KEY = {SINGLE: Limit(10, 1.05, 1)}
_BLOCK = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.DOTALL)
_NCT = re.compile(r"\bNCT\d{8}\b")


@dataclass
class FetchOutcome:
    """Records by PMID, and PMIDs whose request failed (with why)."""

    records: dict[str, Element] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def parse_efetch(body: bytes) -> dict[str, Element]:
    """<PubmedArticle> elements by PMID (ValueError/ParseError when the reply is not a PubmedArticleSet)."""
    root = fromstring(body)
    if root.tag != "PubmedArticleSet":
        raise ValueError(f"<{root.tag}> where PubMed's <PubmedArticleSet> was expected")
    return _by_pmid(root.findall("PubmedArticle"))


def recover_efetch(body: bytes) -> dict[str, Element]:
    """The complete <PubmedArticle> blocks of a cut-off or partly broken reply, each parsed on its own."""
    elements = []
    for match in _BLOCK.finditer(body):
        try:
            elements.append(fromstring(match.group(0)))
        except (ParseError, ValueError):
            continue
    return _by_pmid(elements)


def _by_pmid(elements: list[Element]) -> dict[str, Element]:
    found = {}
    for element in elements:
        pmid = normalise_pmid(text_of(element.find("MedlineCitation/PMID")))
        if pmid:
            found[pmid] = element
    return found


def parse_esearch(body: bytes) -> list[str]:
    """The PMIDs of an esearch JSON reply."""
    data = json.loads(body)
    result = data.get("esearchresult") if isinstance(data, dict) else None
    if not isinstance(result, dict):
        raise ValueError("no esearchresult in PubMed's answer")
    if "ERROR" in result:
        raise ValueError(f"PubMed: {result['ERROR']}")
    return [p for p in (normalise_pmid(str(i)) for i in result.get("idlist", [])) if p]


def trials_of(element: Element, abstract: str) -> list[Trial]:
    """Registry numbers from DataBankList, then NCT numbers named in the abstract."""
    trials: dict[str, Trial] = {}
    for bank in element.findall("MedlineCitation/Article/DataBankList/DataBank"):
        registry = text_of(bank.find("DataBankName"))
        for accession in bank.findall("AccessionNumberList/AccessionNumber"):
            value = text_of(accession)[:100]
            if value:
                trials.setdefault(value.upper(), Trial(value, registry, "pubmed"))
    for value in _NCT.findall(abstract):
        trials.setdefault(value.upper(), Trial(value, "ClinicalTrials.gov", "pubmed"))
    return list(trials.values())


# CommentsCorrections on the original article that point at a notice, as Crossref's `updated-by` types.
NOTICES = {
    "RetractionIn": "retraction", "RetractedandRepublishedIn": "retraction", "ErratumIn": "erratum",
    "CorrectedandRepublishedIn": "correction", "ExpressionOfConcernIn": "expression_of_concern",
    "UpdateIn": "new_version",
}  # fmt: skip


def notices_of(element: Element) -> list[dict[str, str]]:
    """Retraction, erratum, correction and concern notices PubMed links to the article (with their PMIDs)."""
    notices = []
    for link in element.findall("MedlineCitation/CommentsCorrectionsList/CommentsCorrections"):
        kind = NOTICES.get(link.get("RefType", ""))
        if kind:
            notices.append({"direction": "updated-by", "type": kind, "label": link.get("RefType", ""),
                            "doi": "", "pmid": normalise_pmid(text_of(link.find("PMID"))),
                            "date": "", "source": "pubmed", "note": text_of(link.find("RefSource"))[:300]})  # fmt: skip
    return notices


def article_from_record(element: Element) -> Article:
    """An efetch record as an Article whose keywords and trials carry the source "pubmed"."""
    article = article_from_pubmed(element)
    for keyword in article.keywords:
        keyword.source = "pubmed"
    article.trials = trials_of(element, article.abstract)
    article.updates = notices_of(element)
    article.retracted = article.retracted or any(n["type"] == "retraction" for n in article.updates)
    article.source = "pubmed"
    return article


def record_doi(element: Element) -> str:
    """The record's own DOI (direct ArticleIdList children or ELocationID), never a reference's."""
    for ident in element.findall("PubmedData/ArticleIdList/ArticleId"):
        if ident.get("IdType") == "doi":
            return normalise_doi(text_of(ident))
    for location in element.findall("MedlineCitation/Article/ELocationID"):
        if location.get("EIdType") == "doi":
            return normalise_doi(text_of(location))
    return ""


class PubMed:
    """NCBI E-utilities for PubMed; `tool` and `email` go with every request, `api_key` when the user set one."""

    def __init__(self, service: ServiceClient, email: str = "", api_key: str = "") -> None:
        self.service = service
        self.common: dict[str, Any] = {"tool": TOOL, "db": "pubmed"}
        if email:
            self.common["email"] = email
        if api_key:
            self.common["api_key"] = api_key

    def efetch(self, pmids: list[str], cancel: Any = None) -> FetchOutcome:
        """Records for many PMIDs, one POST per 200; PMIDs PubMed silently drops are simply absent."""
        outcome = FetchOutcome()
        wanted = list(dict.fromkeys(pmids))
        for start in range(0, len(wanted), EFETCH_BATCH):
            if cancel is not None and cancel():
                outcome.failed.update(dict.fromkeys(wanted[start:], "cancelled before PubMed was asked"))
                break
            batch = wanted[start : start + EFETCH_BATCH]
            data = {**self.common, "id": ",".join(batch), "retmode": "xml"}
            try:
                records = self.service.request("POST", "/efetch.fcgi", parse_efetch, RECORD_BYTES * len(batch) + 2**20,
                                               data=data) or {}  # fmt: skip
            except SourceError as error:
                records = recover_efetch(error.body) if error.bad_reply else {}
                outcome.failed.update({p: error.reason for p in batch if p not in records})
            outcome.records.update({p: r for p, r in records.items() if p in batch})
        return outcome

    def esearch_dois(self, dois: list[str], cancel: Any = None) -> tuple[list[str], dict[str, str]]:
        """Candidate PMIDs for DOIs (`a[doi] OR b[doi]`), and DOIs whose search failed; check each record's DOI."""
        pmids: list[str] = []
        failed: dict[str, str] = {}
        for start in range(0, len(dois), ESEARCH_BATCH):
            if cancel is not None and cancel():
                failed.update(dict.fromkeys(dois[start:], "cancelled before PubMed was asked"))
                break
            batch = dois[start : start + ESEARCH_BATCH]
            term = " OR ".join(f"{doi}[doi]" for doi in batch)
            data = {**self.common, "term": term, "retmode": "json", "retmax": str(5 * len(batch))}
            try:
                pmids += self.service.request("POST", "/esearch.fcgi", parse_esearch, 2**20, data=data) or []
            except SourceError as error:
                failed.update(dict.fromkeys(batch, error.reason))
        return list(dict.fromkeys(pmids)), failed
