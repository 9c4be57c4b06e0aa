"""Reader for a PubMed abstract page saved as text (browser "Save as text" or select-all and copy)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from refmgr.core.formats import ParsedRecord
from refmgr.core.identifiers import extract_dois, normalise_doi, normalise_pmcid, normalise_pmid
from refmgr.core.model import Article, Author, Figure, Keyword, Reference

NAME = "pubmed-page"
EXTENSIONS = ("txt",)

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, 1)}
# The citation line under the publication type: "Cardiovasc Intervent Radiol. 2025 Aug;48(8):1104-1112."
# (the journal link text is often lost in a saved page, leaving ". 2025 Aug;...").
_CITATION = re.compile(
    r"^(?P<journal>[^;]*?)\.?\s*(?<![\d-])(?P<year>(?:1[89]|20)\d\d)"
    r"(?:\s+(?P<month>[A-Z][a-z]{2})(?:-[A-Z][a-z]{2})?(?:\s+(?P<day>\d{1,2}))?)?"
    r"(?:[^;:\d][^;:]*)?"
    r"(?::(?P<elocation>[^;]+?)|;(?P<volume>[^(:;]*)(?:\((?P<issue>[^)]*)\))?(?::(?P<pages>[^;]+?))?)?\.?$"
)
_SHORT_CITATION = re.compile(r"^(?P<authors>.+?)(?P<etal> et al)?\. (?P<journal>[^.]+)\. (?P<year>\d{4})\b")
_FIGURE_LABEL = re.compile(r"^(?:Fig(?:ure)?\.?|FIG(?:URE)?\.?|Supplementary Fig(?:ure)?\.?)\s*S?\d+[A-Za-z]?\.?$")
_REFERENCE_START = re.compile(r"^\d+\.\s+(?P<text>.+)$")
_LINK_LABELS = re.compile(r"\s+-\s+(?:PubMed|PMC|DOI|Free PMC article|PubMed Central|Google Scholar|CAS)\s*$")
_AFFILIATION = re.compile(r"^(?P<number>\d+)\s+(?P<text>\D.*)$")
_AUTHOR_MARKS = re.compile(r"(?:[\s,]+\d+)+$|\s*[*†‡§#]+$")

# Headings that end the section before them on a saved abstract page.
SECTION_HEADINGS = {
    "Abstract", "Keywords", "PubMed Disclaimer", "Conflict of interest statement", "Figures",
    "Similar articles", "Cited by", "References", "MeSH terms", "Publication types", "Substances",
    "Related information", "LinkOut - more resources", "Grants and funding", "Full text links",
    "Comment in", "Comment on", "Erratum in", "Erratum for", "Update of", "Update in", "Retraction in",
    "Retraction of", "Expression of concern in", "Corrected and republished in", "Associated data",
    "Supplementary concepts", "Gene expression data", "Secondary source ID", "Full text sources",
    "Research Materials", "Medical", "Molecular Biology Databases", "Miscellaneous", "Other Literature Sources",
}  # fmt: skip
STOP_AFTER_AUTHORS = ("PMID:", "Free PMC article", "Free article", "Item in Clipboard", "Abstract")
GROUP_WORDS = re.compile(
    r"\b(?:Collaborators?|Group|Consortium|Investigators|Committee|Society|Network|Trialists|Team|"
    r"Study|Trial|Association|Council|Working|Panel|Organi[sz]ation|Alliance|Initiative)\b"
)
NAME_PARTICLES = {"van", "von", "de", "der", "den", "da", "del", "della", "di", "du", "le", "la", "dos", "das", "ter"}
# Publication types PubMed shows above the citation line (used when the page header is missing).
KNOWN_TYPES = {
    "Review", "Systematic Review", "Meta-Analysis", "Randomized Controlled Trial", "Clinical Trial",
    "Clinical Trial, Phase I", "Clinical Trial, Phase II", "Clinical Trial, Phase III", "Clinical Trial, Phase IV",
    "Multicenter Study", "Observational Study", "Comparative Study", "Case Reports", "Editorial", "Letter",
    "Comment", "Practice Guideline", "Guideline", "Consensus Development Conference", "News", "Published Erratum",
    "Retracted Publication", "Retraction of Publication", "Validation Study", "Evaluation Study", "Historical Article",
}  # fmt: skip


def sniff(text: str) -> int:
    """How surely the text is a saved PubMed abstract page (0-100).

    A bare "doi: ..." or "PMID: ..." line is not enough: pasted identifiers must reach Crossref.
    """
    head = text[:200_000]
    if re.search(r"^PMID- ", head, re.M):
        return 0
    landmarks = r"^\s*(?:PubMed Disclaimer|Similar articles|Full text links|LinkOut - more resources)\s*$"
    has_landmark = re.search(landmarks, head, re.M) is not None
    has_pubmed = "PubMed" in head
    has_id_line = re.search(r"^\s*(?:PMID: \d+|doi: 10\.\d{4,9}/\S+)", head, re.M) is not None
    has_abstract = re.search(r"^\s*Abstract\s*$", head, re.M) is not None
    if not (has_landmark or (has_id_line and has_abstract)):
        return 0
    score = 30 * has_pubmed + 40 * has_landmark + 15 * has_id_line + 10 * has_abstract
    return min(score, 95)


def parse(text: str) -> Iterator[ParsedRecord]:
    """One record: the article on the page, or a failure saying what is missing."""
    try:
        article = parse_page(text)
    except PageError as error:
        yield ParsedRecord(location="page", error=str(error))
        return
    yield ParsedRecord(location="page", article=article)


class PageError(ValueError):
    """The page lacks what every article needs (its title)."""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\u00a0", " ").split("\n")]


def parse_page(text: str) -> Article:
    """The article on a saved PubMed abstract page."""
    lines = _lines(text)
    start = next((i + 1 for i, line in enumerate(lines) if line.startswith("Access keys")), 0)
    cite_at = next((i for i in range(start, len(lines)) if _is_citation(lines[i])), None)
    if cite_at is None:
        raise PageError("no citation line (journal, year, volume) found: not a PubMed abstract page")
    article = Article(source="pubmed-page")
    _apply_citation(article, _CITATION.match(lines[cite_at]))
    article.publication_types = _publication_types(lines[start:cite_at], has_header=start > 0)
    position = cite_at + 1
    while position < len(lines) and (not lines[position] or _is_after_citation(lines[position])):
        if lines[position].lower().startswith("doi:"):
            article.doi = normalise_doi(lines[position][4:].split()[0].rstrip("."))
        position += 1
    if position >= len(lines) or lines[position] in SECTION_HEADINGS or lines[position].startswith(STOP_AFTER_AUTHORS):
        raise PageError(f"no article title found after the citation line (line {cite_at + 1})")
    article.title = lines[position]
    position = _read_authors(article, lines, position + 1)
    _read_identifiers(article, lines[cite_at:_first_heading(lines, cite_at, "Abstract")])
    _read_short_citation(article, lines, position)
    sections = _sections(lines, position)
    abstract = sections.get("Abstract", [])
    article.abstract = "\n".join(line for line in abstract if line and not line.startswith("Keywords:"))
    keyword_line = next((line for line in abstract + sections.get("Keywords", []) if line.startswith("Keywords:")), "")
    article.keywords = _keywords(keyword_line)
    article.figures = _figures(sections.get("Figures", []))
    article.references = _references(sections.get("References", []))
    return article


def _is_citation(line: str) -> bool:
    if len(line) > 200:
        return False
    match = _CITATION.match(line)
    return bool(match) and (";" in line or ":" in line or bool(match.group("month")))


def _is_after_citation(line: str) -> bool:
    lower = line.lower()
    return lower.startswith(("doi:", "epub", "online ahead of print", "ecollection", "print ")) or bool(
        re.match(r"^(?:doi: \S+\.\s*)?(?:Epub|eCollection)\b", line)
    )


def _apply_citation(article: Article, match: re.Match[str] | None) -> None:
    assert match is not None
    article.journal_abbrev = match.group("journal").strip(" .")
    article.year = int(match.group("year"))
    date = match.group("year")
    if match.group("month") in MONTHS:
        date += f"-{MONTHS[match.group('month')]:02d}"
        if match.group("day"):
            date += f"-{int(match.group('day')):02d}"
    article.date = date
    article.volume = (match.group("volume") or "").strip()
    article.issue = (match.group("issue") or "").strip()
    article.pages = (match.group("pages") or "").strip()
    if match.group("elocation"):
        article.article_number = match.group("elocation").strip()


def _publication_types(lines: list[str], has_header: bool) -> list[str]:
    types = []
    for line in lines:
        if not line or line in types:
            continue
        if line in KNOWN_TYPES or (has_header and len(line) < 60 and not line.endswith(".") and line[0].isupper()):
            types.append(line)
    return types


def _read_authors(article: Article, lines: list[str], position: int) -> int:
    """Full author list and affiliations under the title; returns the line after them."""
    names: list[str] = []
    while position < len(lines) and not lines[position]:
        position += 1
    if position < len(lines) and not _ends_author_block(lines[position], article):
        names = _split_authors(lines[position])
        position += 1
    affiliations: dict[str, str] = {}
    single = ""
    while position < len(lines):
        line = lines[position]
        if line in ("Affiliations", "Affiliation", "expand", "collapse", "Collapse", "Expand") or not line:
            position += 1
            continue
        match = _AFFILIATION.match(line)
        if match:
            affiliations[match.group("number")] = match.group("text").strip()
            position += 1
            continue
        if lines[position - 1] == "Affiliation" and not _ends_author_block(line, article) and not affiliations:
            single = line
            position += 1
            continue
        break
    for raw in names:
        author = _author(raw, affiliations, single)
        if author is not None:
            article.authors.append(author)
    return position


def _ends_author_block(line: str, article: Article) -> bool:
    return (
        line in ("Affiliations", "Affiliation")
        or line in SECTION_HEADINGS
        or line in article.publication_types
        or line == article.title
        or line.startswith(STOP_AFTER_AUTHORS)
        or bool(_SHORT_CITATION.match(line))
    )


def _split_authors(line: str) -> list[str]:
    return [part.strip() for part in re.split(r"\s*,\s*(?=\D)", line) if part.strip()]


def _author(raw: str, affiliations: dict[str, str], single: str) -> Author | None:
    numbers = re.findall(r"\s(\d+)(?=\s|$)", " " + raw.split(" ", 1)[-1]) if re.search(r"\d", raw) else []
    name = _AUTHOR_MARKS.sub("", raw).strip()
    if not name:
        return None
    places = [affiliations[n] for n in numbers if n in affiliations]
    if not places and not numbers:
        only = list(affiliations.values()) if len(affiliations) == 1 else []
        places = [single] if single else only
    author = _name(name)
    author.affiliations = places
    return author


def _name(name: str) -> Author:
    """A person ("Kin Fen Kevin Fung" -> Fung, Kin Fen Kevin) or a group author."""
    words = name.split()
    if len(words) == 1:
        return Author(family=name)
    if GROUP_WORDS.search(name) or len(words) > 6:
        return Author(literal=name)
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in NAME_PARTICLES:
        cut -= 1
    return Author(family=" ".join(words[cut:]), given=" ".join(words[:cut]))


def _read_identifiers(article: Article, lines: list[str]) -> None:
    for line in lines:
        if line.startswith("PMID:"):
            if match := re.search(r"PMID:\s*(\d+)", line):
                article.pmid = normalise_pmid(match.group(1))
            if match := re.search(r"PMCID:\s*(PMC\d+)", line):
                article.pmcid = normalise_pmcid(match.group(1))
            if not article.doi and (match := re.search(r"DOI:\s*(10\.\S+)", line)):
                article.doi = normalise_doi(match.group(1))


def _first_heading(lines: list[str], start: int, heading: str) -> int:
    return next((i for i in range(start, len(lines)) if lines[i] == heading), len(lines))


def _read_short_citation(article: Article, lines: list[str], position: int) -> None:
    """ "Kin Fen Kevin Fung et al. Cardiovasc Intervent Radiol. 2025 Aug." gives first author and journal."""
    for line in lines[position : _first_heading(lines, position, "Abstract")]:
        match = _SHORT_CITATION.match(line)
        if not match or int(match.group("year")) != article.year:
            continue
        if not article.journal_abbrev:
            article.journal_abbrev = match.group("journal").strip()
        elif article.journal_abbrev != match.group("journal").strip():
            article.journal = article.journal or article.journal_abbrev
            article.journal_abbrev = match.group("journal").strip()
        if not article.authors:
            article.authors = [_name(_AUTHOR_MARKS.sub("", match.group("authors")).strip())]
            article.authors_incomplete = bool(match.group("etal"))
        return


def _sections(lines: list[str], start: int) -> dict[str, list[str]]:
    """Lines under each known heading (first occurrence wins), blank lines dropped."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines[start:]:
        if line in SECTION_HEADINGS:
            current = [] if line not in sections else None
            if current is not None:
                sections[line] = current
            continue
        if current is not None and line:
            current.append(line)
    return sections


def _keywords(line: str) -> list[Keyword]:
    terms = line.removeprefix("Keywords:").strip().rstrip(".")
    return [Keyword(term=t.strip(), kind="author") for t in terms.split(";") if t.strip()]


def _figures(lines: list[str]) -> list[Figure]:
    figures: list[Figure] = []
    legend: list[str] = []
    label = ""
    for line in lines:
        if _FIGURE_LABEL.match(line):
            if line.rstrip(".") == label and not legend:
                continue
            if label:
                figures.append(Figure(label=label, legend="\n".join(legend)))
            label, legend = line.rstrip("."), []
        elif label:
            legend.append(line)
    if label:
        figures.append(Figure(label=label, legend="\n".join(legend)))
    return figures


def _references(lines: list[str]) -> list[Reference]:
    texts: list[str] = []
    for line in lines:
        if re.match(r"^(?:Show (?:all|more|less)|Expand|Collapse)\b", line):
            continue
        match = _REFERENCE_START.match(line)
        if match:
            texts.append(match.group("text"))
        elif texts:
            texts[-1] += " " + line
    references = []
    for text in texts:
        while (stripped := _LINK_LABELS.sub("", text)) != text:
            text = stripped
        dois = extract_dois(text)
        references.append(Reference(text=text, doi=dois[0] if dois else "", status="unresolved"))
    return references
