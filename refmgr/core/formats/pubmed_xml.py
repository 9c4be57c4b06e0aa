"""PubMed XML (efetch `PubmedArticleSet`) read with defusedxml: MEDLINE fields, MeSH with qualifiers, references."""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from refmgr.core.formats import ParsedRecord
from refmgr.core.formats.jats import text_of
from refmgr.core.formats.xmlrecords import parse_xml_articles
from refmgr.core.identifiers import normalise_doi, normalise_pmcid, normalise_pmid
from refmgr.core.model import Article, Author, Keyword, Reference

NAME = "pubmed-xml"
EXTENSIONS = ("xml",)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def sniff(text: str) -> int:
    """High for PubMed's <PubmedArticleSet> / <PubmedArticle> XML."""
    head = text[:5000].lstrip("\ufeff \n")
    if not head.startswith("<"):
        return 0
    return 95 if "<PubmedArticleSet" in head or "<PubmedArticle>" in head else 0


def parse(text: str) -> Iterator[ParsedRecord]:
    """One record per <PubmedArticle>; if the file is not well-formed, each article is parsed on its own."""
    return parse_xml_articles(text, _articles, _record, "PubmedArticle")


def _articles(root: Element) -> list[Element]:
    return [root] if root.tag == "PubmedArticle" else root.findall("PubmedArticle")


def _record(element: Element, location: str) -> ParsedRecord:
    try:
        article = article_from_pubmed(element)
    except (ValueError, AttributeError) as error:
        return ParsedRecord(location, error=f"{location}: {error}")
    if not (article.title or article.doi or article.pmid):
        return ParsedRecord(location, error=f"{location}: no title, DOI or PMID")
    return ParsedRecord(f"{location} (PMID {article.pmid})" if article.pmid else location, article=article)


def _month(value: str) -> int | None:
    value = value.strip().lower()
    if value.isdecimal():
        return int(value) if 1 <= int(value) <= 12 else None
    return MONTHS.index(value[:3]) + 1 if value[:3] in MONTHS else None


def expand_pages(pages: str) -> str:
    """MEDLINE's shortened page ranges written out: "14-7" -> "14-17", "1277-90" -> "1277-1290"."""
    match = re.fullmatch(r"(\d+)-(\d+)", pages.strip())
    if not match or len(match.group(2)) >= len(match.group(1)):
        return pages
    first, last = match.groups()
    return f"{first}-{first[: len(first) - len(last)]}{last}"


def _date(pub_date: Element | None) -> tuple[int | None, str]:
    if pub_date is None:
        return None, ""
    year = text_of(pub_date.find("Year"))
    if not year.isdecimal():
        match = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", text_of(pub_date.find("MedlineDate")))
        return (int(match.group(1)), match.group(1)) if match else (None, "")
    parts = [year]
    month = _month(text_of(pub_date.find("Month")))
    if month:
        parts.append(f"{month:02d}")
        day = text_of(pub_date.find("Day"))
        if day.isdecimal():
            parts.append(f"{int(day):02d}")
    return int(year), "-".join(parts)


def _author(element: Element) -> Author:
    collective = text_of(element.find("CollectiveName"))
    if collective:
        author = Author(literal=collective)
    else:
        author = Author(family=text_of(element.find("LastName")),
                        given=text_of(element.find("ForeName")) or text_of(element.find("Initials")))
        suffix = text_of(element.find("Suffix"))
        if suffix:
            author.given = f"{author.given} {suffix}".strip()
    for ident in element.findall("Identifier"):
        if ident.get("Source", "").upper() == "ORCID":
            author.orcid = text_of(ident).rsplit("/", 1)[-1]
    author.affiliations = [a for a in (text_of(x) for x in element.findall("AffiliationInfo/Affiliation")) if a]
    return author


def _abstract(abstract: Element | None) -> str:
    if abstract is None:
        return ""
    pieces = []
    for part in abstract.findall("AbstractText"):
        label = part.get("Label", "")
        body = text_of(part)
        pieces.append(f"{label}: {body}" if label else body)
    return " ".join(p for p in pieces if p)


def _mesh(heading: Element) -> Keyword:
    descriptor = heading.find("DescriptorName")
    qualifiers = heading.findall("QualifierName")
    major = (descriptor is not None and descriptor.get("MajorTopicYN") == "Y") or any(
        q.get("MajorTopicYN") == "Y" for q in qualifiers
    )
    return Keyword(term=text_of(descriptor), kind="mesh", qualifiers=[text_of(q) for q in qualifiers], major=major)


def _references(element: Element) -> list[Reference]:
    references = []
    for ref in element.findall("PubmedData/ReferenceList/Reference"):
        ids = {i.get("IdType", ""): text_of(i) for i in ref.findall("ArticleIdList/ArticleId")}
        doi = normalise_doi(ids.get("doi", ""))
        references.append(Reference(text=text_of(ref.find("Citation")), doi=doi, pmid=normalise_pmid(
            ids.get("pubmed", "")), status="resolved" if doi else "unresolved"))
    return references


def article_from_pubmed(element: Element) -> Article:
    """Map one <PubmedArticle> onto an Article."""
    citation = element.find("MedlineCitation")
    if citation is None:
        raise ValueError("no <MedlineCitation>")
    meta = citation.find("Article")
    if meta is None:
        raise ValueError("no <Article>")
    journal = meta.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    article = Article(pmid=normalise_pmid(text_of(citation.find("PMID"))))
    title = text_of(meta.find("ArticleTitle")).removesuffix(".")
    if title.startswith("[") and title.endswith("]"):  # translated titles are bracketed
        title = title[1:-1]
    article.title = title
    article.journal = text_of(journal.find("Title")) if journal is not None else ""
    article.journal_abbrev = text_of(journal.find("ISOAbbreviation")) if journal is not None else ""
    article.journal_abbrev = text_of(citation.find("MedlineJournalInfo/MedlineTA")) or article.journal_abbrev
    article.issn = [text_of(i) for i in (journal.findall("ISSN") if journal is not None else []) if text_of(i)]
    if issue is not None:
        article.volume = text_of(issue.find("Volume"))
        article.issue = text_of(issue.find("Issue"))
        article.year, article.date = _date(issue.find("PubDate"))
    if article.year is None:
        article.year, article.date = _date(meta.find("ArticleDate"))
    article.pages = expand_pages(text_of(meta.find("Pagination/MedlinePgn")))
    for location in meta.findall("ELocationID"):
        kind = location.get("EIdType", "")
        if kind == "doi" and not article.doi:
            article.doi = normalise_doi(text_of(location))
        elif kind == "pii" and not article.pages:
            article.article_number = text_of(location)
    article.abstract = _abstract(meta.find("Abstract"))
    article.authors = [_author(a) for a in meta.findall("AuthorList/Author")]
    author_list = meta.find("AuthorList")  # NLM marks a list it cut short CompleteYN="N"
    article.authors_incomplete = author_list is not None and author_list.get("CompleteYN", "Y") == "N"
    article.language = text_of(meta.find("Language"))
    article.publication_types = [text_of(t) for t in meta.findall("PublicationTypeList/PublicationType")]
    article.keywords = [_mesh(h) for h in citation.findall("MeshHeadingList/MeshHeading")]
    article.keywords += [Keyword(term=text_of(k)) for k in citation.findall("KeywordList/Keyword") if text_of(k)]
    for ident in element.findall("PubmedData/ArticleIdList/ArticleId"):
        kind, value = ident.get("IdType", ""), text_of(ident)
        if kind == "doi" and not article.doi:
            article.doi = normalise_doi(value)
        elif kind == "pmc":
            article.pmcid = normalise_pmcid(value)
    article.references = _references(element)
    article.retracted = "Retracted Publication" in article.publication_types
    return article
