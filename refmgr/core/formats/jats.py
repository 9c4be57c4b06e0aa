"""PubMed Central / publisher JATS XML read with defusedxml: metadata, keywords, figures, references."""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, tostring

from refmgr.core.formats import ParsedRecord
from refmgr.core.formats.xmlrecords import parse_xml_articles
from refmgr.core.identifiers import normalise_doi, normalise_pmcid, normalise_pmid
from refmgr.core.model import Article, Author, Figure, Keyword, Reference

NAME = "jats"
EXTENSIONS = ("xml", "nxml", "jats")

XLINK = "{http://www.w3.org/1999/xlink}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ARTICLE_TYPES = {"book-review": "review-book", "letter": "article-journal", "editorial": "article-journal"}
PUBLICATION_TYPES = {
    "review-article": "Review", "systematic-review": "Systematic Review", "case-report": "Case Reports",
    "editorial": "Editorial", "letter": "Letter", "research-article": "Journal Article",
    "correction": "Published Erratum", "retraction": "Retraction of Publication",
}  # fmt: skip
CITATION_TAGS = ("mixed-citation", "element-citation", "citation")


def sniff(text: str) -> int:
    """High for XML with a JATS <article> and <article-meta>."""
    head = text[:50000].lstrip("\ufeff \n")
    if not head.startswith("<"):
        return 0
    if "<article-meta" in head or ("JATS" in head[:2000] and "<article" in head):
        return 95
    return 30 if "<pmc-articleset" in head or "<article " in head else 0


def parse(text: str) -> Iterator[ParsedRecord]:
    """One record per <article>; a file that is not well-formed is retried article by article."""
    return parse_xml_articles(text, _articles, _record, "article")


def _articles(root: Element) -> list[Element]:
    return [root] if _local(root.tag) == "article" else [e for e in root.iter() if _local(e.tag) == "article"]


def _record(element: Element, location: str) -> ParsedRecord:
    try:
        article = article_from_jats(element)
    except (ValueError, AttributeError, TypeError) as error:
        return ParsedRecord(location, error=f"{location}: {error}")
    if not (article.title or article.doi or article.pmid):
        return ParsedRecord(location, error=f"{location}: no title, DOI or PMID")
    return ParsedRecord(location, article=article)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(parent: Element | None, path: str) -> Element | None:
    """First descendant along a '/'-separated path of local names ('//' prefix: anywhere below)."""
    if parent is None:
        return None
    anywhere = path.startswith("//")
    names = path.strip("/").split("/")
    candidates = parent.iter() if anywhere else iter(parent)
    for child in candidates:
        if child is not parent and _local(child.tag) == names[0]:
            if len(names) == 1:
                return child
            found = _find(child, "/".join(names[1:]))
            if found is not None:
                return found
    return None


def _children(parent: Element | None, name: str) -> list[Element]:
    return [c for c in parent if _local(c.tag) == name] if parent is not None else []


def _all(parent: Element | None, name: str) -> list[Element]:
    return [e for e in parent.iter() if _local(e.tag) == name] if parent is not None else []


def text_of(element: Element | None, skip: tuple[str, ...] = ()) -> str:
    """All text inside an element with whitespace collapsed, leaving out SKIP sub-elements."""
    if element is None:
        return ""
    parts: list[str] = []

    def walk(node: Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if _local(child.tag) not in skip:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    return " ".join("".join(parts).split())


def article_from_jats(root: Element) -> Article:
    """Map one JATS <article> element onto an Article."""
    front = _find(root, "front")
    meta = _find(front, "article-meta")
    journal_meta = _find(front, "journal-meta")
    if meta is None:
        raise ValueError("no <article-meta>")
    article = Article(type=ARTICLE_TYPES.get(root.get("article-type", ""), "article-journal"))
    article.language = root.get(XML_LANG, "")
    article.title = text_of(_find(meta, "title-group/article-title"), skip=("xref", "fn"))
    subtitle = text_of(_find(meta, "title-group/subtitle"))
    if subtitle:
        article.title = f"{article.title}: {subtitle}"
    for ident in _children(meta, "article-id"):
        kind, value = ident.get("pub-id-type", ""), (ident.text or "").strip()
        if kind == "doi":
            article.doi = normalise_doi(value) or value
        elif kind == "pmid":
            article.pmid = normalise_pmid(value)
        elif kind in ("pmc", "pmcid", "pmcaid"):
            article.pmcid = normalise_pmcid(value if value.upper().startswith("PMC") else f"PMC{value}")
    _journal(article, journal_meta)
    _dates(article, meta)
    article.volume = text_of(_find(meta, "volume"))
    article.issue = text_of(_find(meta, "issue"))
    first, last = text_of(_find(meta, "fpage")), text_of(_find(meta, "lpage"))
    article.pages = f"{first}-{last}" if first and last and last != first else first
    article.article_number = text_of(_find(meta, "elocation-id"))
    article.authors = _authors(meta, front)
    article.authors_incomplete = _find(meta, "//contrib-group/etal") is not None  # "<etal/>": authors left out
    abstract = next((a for a in _children(meta, "abstract") if not a.get("abstract-type")), None)
    if abstract is None:
        abstract = _find(meta, "abstract")
    if abstract is not None:
        article.abstract = _abstract_text(abstract)
        article.abstract_jats = tostring(abstract, encoding="unicode").strip()
    for group in _all(meta, "kwd-group"):
        kind = "mesh" if "mesh" in group.get("kwd-group-type", "").lower() else "author"
        article.keywords += [Keyword(term=t, kind=kind) for k in _children(group, "kwd") if (t := text_of(k))]
    article.publication_types = [
        text_of(s) for g in _all(_find(meta, "article-categories"), "subj-group")
        if g.get("subj-group-type", "heading") == "heading" for s in _children(g, "subject")
    ]
    if not article.publication_types and root.get("article-type") in PUBLICATION_TYPES:
        article.publication_types = [PUBLICATION_TYPES[root.get("article-type", "")]]
    license_element = _find(meta, "//license")
    if license_element is not None:
        article.license = license_element.get(f"{XLINK}href", "") or text_of(license_element)[:200]
    article.figures = [_figure(fig) for fig in _all(root, "fig")]
    article.references = [_reference(ref) for ref in _all(_find(root, "back"), "ref")]
    return article


def _journal(article: Article, journal_meta: Element | None) -> None:
    article.journal = text_of(_find(journal_meta, "//journal-title"))
    abbrevs = {a.get("abbrev-type", ""): text_of(a) for a in _all(journal_meta, "abbrev-journal-title")}
    article.journal_abbrev = abbrevs.get("nlm-ta") or abbrevs.get("iso-abbrev") or next(iter(abbrevs.values()), "")
    article.issn = [text_of(i) for i in _children(journal_meta, "issn") if text_of(i)]
    article.publisher = text_of(_find(journal_meta, "publisher/publisher-name"))


def _dates(article: Article, meta: Element) -> None:
    dates = _children(meta, "pub-date")

    def rank(date: Element) -> int:
        kind = date.get("pub-type") or date.get("date-type") or ""
        fmt = date.get("publication-format", "")
        if kind in ("ppub", "collection") or (kind == "pub" and fmt == "print"):
            return 0
        return 1 if kind in ("epub", "pub") else 2

    for date in sorted(dates, key=rank):
        year = text_of(_find(date, "year"))
        if not year.isdecimal():
            continue
        parts = [year]
        month = text_of(_find(date, "month"))
        if month.isdecimal():
            parts.append(f"{int(month):02d}")
            day = text_of(_find(date, "day"))
            if day.isdecimal():
                parts.append(f"{int(day):02d}")
        article.year, article.date = int(year), "-".join(parts)
        return


def _authors(meta: Element, front: Element | None) -> list[Author]:
    affiliations = {aff.get("id", ""): text_of(aff, skip=("label",)) for aff in _all(front, "aff")}
    authors = []
    for contrib in _all(meta, "contrib"):
        if contrib.get("contrib-type", "author") != "author":
            continue
        name = _find(contrib, "//name")
        collab = _find(contrib, "//collab")
        if name is not None:
            author = Author(family=text_of(_find(name, "surname")), given=text_of(_find(name, "given-names")))
            suffix = text_of(_find(name, "suffix"))
            if suffix:
                author.given = f"{author.given} {suffix}".strip()
        elif collab is not None:
            author = Author(literal=text_of(collab))
        else:
            continue
        for ident in _all(contrib, "contrib-id"):
            if ident.get("contrib-id-type") == "orcid":
                author.orcid = text_of(ident).rsplit("/", 1)[-1]
        rids = [x.get("rid", "") for x in _all(contrib, "xref") if x.get("ref-type") == "aff"]
        author.affiliations = [affiliations[r] for rid in rids for r in rid.split() if affiliations.get(r)]
        author.affiliations += [text_of(a, skip=("label",)) for a in _children(contrib, "aff")]
        authors.append(author)
    return authors


def _abstract_text(abstract: Element) -> str:
    sections = _children(abstract, "sec")
    if not sections:
        return text_of(abstract, skip=("title",))
    pieces = []
    for sec in sections:
        title = text_of(_find(sec, "title"))
        body = text_of(sec, skip=("title",))
        pieces.append(f"{title.rstrip(':')}: {body}" if title else body)
    return " ".join(pieces)


def _figure(fig: Element) -> Figure:
    label = text_of(_find(fig, "label"))
    caption = _find(fig, "caption")
    title = text_of(_find(caption, "title"))
    body = text_of(caption, skip=("title",))
    legend = " ".join(p for p in (title if not title or title.endswith(".") else f"{title}.", body) if p)
    return Figure(label=label or fig.get("id", ""), legend=legend)


def _reference(ref: Element) -> Reference:
    citation = next((c for c in ref.iter() if _local(c.tag) in CITATION_TAGS), None)
    doi = pmid = ""
    for ident in _all(ref, "pub-id"):
        kind, value = ident.get("pub-id-type", ""), text_of(ident)
        if kind == "doi":
            doi = normalise_doi(value) or value
        elif kind == "pmid":
            pmid = normalise_pmid(value)
    if citation is not None and _local(citation.tag) == "element-citation":
        text = _compose_citation(citation)
    else:
        text = text_of(citation, skip=("pub-id", "ext-link", "comment"))
        text = re.sub(r"\s+([,.;:])", r"\1", text).rstrip()
    status = "resolved" if doi else "unresolved"
    return Reference(text=text, doi=doi, pmid=pmid, status=status)


def _compose_citation(citation: Element) -> str:
    """A readable Vancouver-like line from a structured element-citation."""
    names = [
        f"{text_of(_find(n, 'surname'))} {text_of(_find(n, 'given-names'))}".strip() for n in _all(citation, "name")
    ]
    names += [text_of(c) for c in _all(citation, "collab")]
    if _find(citation, "//etal") is not None:
        names.append("et al")
    title = text_of(_find(citation, "article-title")) or text_of(_find(citation, "chapter-title"))
    source = text_of(_find(citation, "source"))
    year = text_of(_find(citation, "year"))
    volume = text_of(_find(citation, "volume"))
    issue = text_of(_find(citation, "issue"))
    first, last = text_of(_find(citation, "fpage")), text_of(_find(citation, "lpage"))
    pages = f"{first}-{last}" if first and last else first or text_of(_find(citation, "elocation-id"))
    text = ", ".join(names)
    text = ". ".join(p.rstrip(".") for p in (text, title, source) if p)
    where = year + (f";{volume}" if volume else "") + (f"({issue})" if issue else "") + (f":{pages}" if pages else "")
    return f"{text}. {where}.".strip() if where else f"{text}."
