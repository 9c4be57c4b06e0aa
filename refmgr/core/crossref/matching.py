"""Free-text reference parsing and validation of Crossref candidates (year, volume, page, author, journal, title)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from rapidfuzz import fuzz

from refmgr.core.crossref.mapping import clean_text, date_parts, text_list
from refmgr.core.identifiers import extract_dois
from refmgr.core.model import normalise_name, normalise_title

# Calibrated on the seed article's references and their confusable neighbours (see README, section crossref).
RESOLVE_AT = 0.80  # confidence needed to accept the best candidate
MARGIN = 0.10  # ...and by how much it must beat the next valid candidate
AMBIGUOUS_AT = 0.55  # below this nothing is offered
MIN_NORMALISED_SCORE = 0.02  # Crossref score / reference length: below this a candidate is noise
WEIGHTS = {"title": 0.35, "author": 0.20, "year": 0.15, "volume": 0.10, "page": 0.10, "journal": 0.10}
_JOURNAL_STOP = {"of", "the", "and", "for", "in", "on", "&"}

_VANCOUVER = re.compile(
    r"(?P<year>(?:1[6-9]|20)\d\d)[^;:\d]{0,20};\s*(?P<volume>[A-Za-z]?\d+[A-Za-z]?)?\s*(?:\((?P<issue>[^)]{1,15})\))?"
    r"\s*:\s*(?P<page>[A-Za-z]{0,2}\d+)"
)
_APA = re.compile(r",\s*(?P<volume>\d+)\s*(?:\((?P<issue>[^)]{1,15})\))?\s*,\s*(?:pp?\.\s*)?(?P<page>[eE]?\d+)")
_YEAR = re.compile(r"\b((?:1[6-9]|20)\d\d)[a-z]?\b")
_AUTHORS = re.compile(r"^(?P<authors>.+?(?:\bet al|\b[A-Z]{1,4}))\.\s+(?P<rest>\S.*)$")
_SENTENCE = re.compile(r"(?<=[\w\)\]?])\.\s+(?=[A-Z\d\"“])")
_APA_AUTHORS = re.compile(r"^(?P<authors>.+?)\s*\((?P<year>(?:1[6-9]|20)\d\d)[a-z]?\)\.?\s+(?P<rest>\S.*)$")
_PERSON = re.compile(r"^(?P<family>[^\W\d][\w'’\- ]*?)\s+(?P<initials>(?:[A-Z]\.?\s?){1,4})$")


@dataclass
class ParsedReference:
    """What a reference string says about the cited work."""

    text: str
    doi: str = ""
    year: int | None = None
    volume: str = ""
    issue: str = ""
    first_page: str = ""
    first_author: str = ""
    group_author: str = ""
    title: str = ""
    journal: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The parsed fields without the text."""
        return {k: v for k, v in asdict(self).items() if v and k != "text"}


@dataclass
class Candidate:
    """A Crossref work checked against a reference."""

    doi: str
    title: str
    year: int | None
    score: float
    normalised_score: float
    confidence: float = 0.0
    checks: dict[str, float] = field(default_factory=dict)
    contradictions: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """No contradiction of year, volume or first page."""
        return not self.contradictions

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "doi": self.doi, "title": self.title, "year": self.year, "score": self.score,
            "confidence": round(self.confidence, 3), "contradictions": self.contradictions,
        }  # fmt: skip


def parse_reference(text: str) -> ParsedReference:
    """Year, volume, issue, first page, first author, title and journal from a reference string."""
    text = clean_text(text)
    parsed = ParsedReference(text=text)
    dois = extract_dois(text)
    parsed.doi = dois[0] if dois else ""
    apa = _APA_AUTHORS.match(text)
    vancouver = None if apa else _AUTHORS.match(text)
    if apa:
        _set_first_author(parsed, apa.group("authors").split(".,")[0].replace(",", " "))
        parsed.year = int(apa.group("year"))
        rest = apa.group("rest")
    elif vancouver:
        _set_first_author(parsed, vancouver.group("authors").split(",")[0])
        rest = vancouver.group("rest")
    else:
        rest = text
    segments = [s.strip() for s in _SENTENCE.split(rest) if s.strip()]
    if not apa and not vancouver and segments:
        _set_first_author(parsed, segments.pop(0).rstrip("."), group_ok=True)
    if segments:
        parsed.title = segments.pop(0).rstrip(".")
    if segments:
        parsed.journal = re.split(r"[.;,]?\s*(?:\(?(?:1[6-9]|20)\d\d|\d+\s*\(|\d+\s*[,:])", segments[0])[0].strip(" .,")
    citation = _VANCOUVER.search(text) or _APA.search(text)
    if citation:
        parsed.volume = citation.group("volume") or ""
        parsed.issue = citation.group("issue") or ""
        parsed.first_page = citation.group("page") or ""
        if parsed.year is None and "year" in citation.groupdict():
            parsed.year = int(citation.group("year"))
    if parsed.year is None:
        years = _YEAR.findall(text.replace(parsed.title, " ") if parsed.title else text)
        parsed.year = int(years[-1]) if years else None
    return parsed


def _set_first_author(parsed: ParsedReference, first: str, group_ok: bool = False) -> None:
    first = re.sub(r"\s*,?\s*et al\.?$", "", first.strip()).strip(" ,")
    person = _PERSON.match(first)
    if person:
        parsed.first_author = person.group("family").strip()
    elif group_ok:
        parsed.group_author = first


def _years(item: dict[str, Any]) -> set[int]:
    keys = ("issued", "published", "published-print", "published-online")
    return {parts[0] for parts in (date_parts(item.get(k)) for k in keys) if parts}


def _norm_token(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.lower()).lstrip("0")


def _first_page(item: dict[str, Any]) -> str:
    page = clean_text(item.get("page"))
    first = re.split(r"[-–—,]", page)[0] if page else ""
    return first or clean_text(item.get("article-number"))


def journal_similarity(cited: str, names: list[str]) -> float:
    """How well a cited journal name (often an abbreviation) matches a journal's full or short names."""
    cited_words = [w for w in re.findall(r"[a-z0-9]+", cited.lower()) if w not in _JOURNAL_STOP]
    best = 0.0
    for name in names:
        words = [w for w in re.findall(r"[a-z0-9]+", name.lower()) if w not in _JOURNAL_STOP]
        same_length = bool(cited_words) and len(cited_words) == len(words)
        if same_length and all(f.startswith(c) for c, f in zip(cited_words, words, strict=True)):
            return 1.0
        best = max(best, fuzz.ratio(" ".join(cited_words), " ".join(words)) / 100)
    return best


def _author_similarity(parsed: ParsedReference, item: dict[str, Any]) -> float | None:
    listed = item.get("author") if isinstance(item.get("author"), list) else []
    authors = [a for a in listed if isinstance(a, dict)]
    if not authors or not (parsed.first_author or parsed.group_author):
        return None
    if parsed.group_author:
        names = [clean_text(a.get("name")) for a in authors]
        return max(fuzz.token_set_ratio(parsed.group_author.lower(), n.lower()) for n in names) / 100
    wanted = normalise_name(parsed.first_author)
    first = normalise_name(clean_text(authors[0].get("family") or authors[0].get("name")))
    if first == wanted:
        return 1.0
    others = [normalise_name(clean_text(a.get("family"))) for a in authors[1:4]]
    return 0.6 if wanted in others else fuzz.ratio(first, wanted) / 100 * 0.8


def check_candidate(parsed: ParsedReference, item: dict[str, Any]) -> Candidate:
    """Score one Crossref work against the parsed reference; contradictions make it invalid."""
    title = next(iter(text_list(item.get("title"))), "")
    years = _years(item)
    score = item.get("score") if isinstance(item.get("score"), (int, float)) else 0.0
    candidate = Candidate(
        doi=clean_text(item.get("DOI")).lower(), title=title, year=min(years) if years else None, score=score,
        normalised_score=score / max(len(parsed.text), 1),
    )  # fmt: skip
    checks: dict[str, float] = {}
    if parsed.year and years:
        checks["year"] = 1.0 if parsed.year in years else 0.0
        if not checks["year"]:
            candidate.contradictions.append(f"year {parsed.year} vs {sorted(years)}")
    volume = clean_text(item.get("volume"))
    if parsed.volume and volume:
        checks["volume"] = 1.0 if _norm_token(parsed.volume) == _norm_token(volume) else 0.0
        if not checks["volume"]:
            candidate.contradictions.append(f"volume {parsed.volume} vs {volume}")
    page = _first_page(item)
    if parsed.first_page and page:
        checks["page"] = 1.0 if _norm_token(parsed.first_page) == _norm_token(page) else 0.0
        if not checks["page"]:
            candidate.contradictions.append(f"first page {parsed.first_page} vs {page}")
    author = _author_similarity(parsed, item)
    if author is not None:
        checks["author"] = author
    names = [*text_list(item.get("container-title")), *text_list(item.get("short-container-title"))]
    if parsed.journal and names:
        checks["journal"] = journal_similarity(parsed.journal, names)
    if title:
        cited_title = normalise_title(parsed.title)
        if cited_title:
            checks["title"] = fuzz.token_sort_ratio(cited_title, normalise_title(title)) / 100
        else:
            checks["title"] = fuzz.partial_ratio(normalise_title(title), normalise_title(parsed.text)) / 100
    weight = sum(WEIGHTS[k] for k in checks)
    candidate.checks = checks
    candidate.confidence = sum(WEIGHTS[k] * v for k, v in checks.items()) / weight if weight else 0.0
    if candidate.contradictions:
        candidate.confidence = min(candidate.confidence, AMBIGUOUS_AT - 0.01)
    return candidate


def decide(candidates: list[Candidate]) -> tuple[str, Candidate | None]:
    """resolved (with the winner), ambiguous (with the best plausible one) or unresolved.

    Resolving also needs the year, volume or first page confirmed: a title and author alone cannot tell
    a guideline's editions apart.
    """
    plausible = sorted(
        (c for c in candidates if c.valid and c.normalised_score >= MIN_NORMALISED_SCORE),
        key=lambda c: c.confidence,
        reverse=True,
    )
    if not plausible or plausible[0].confidence < AMBIGUOUS_AT:
        return "unresolved", None
    best = plausible[0]
    runner_up = plausible[1].confidence if len(plausible) > 1 else 0.0
    confirmed = sum(best.checks.get(key) == 1.0 for key in ("year", "volume", "page"))
    if best.confidence >= RESOLVE_AT and best.confidence - runner_up >= MARGIN and confirmed:
        return "resolved", best
    return "ambiguous", best
