"""DOI, PMID and PMCID extraction and normalisation from any text or URL."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from urllib.parse import unquote

_DOI_IN_TEXT = re.compile(r"10\.\d{4,9}(?:/|%2[Ff])[^\s\"'\u201c\u201d\u2018\u2019]+")
_DOI_EXACT = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIXES = re.compile(
    r"^(?:doi\s*:\s*|https?://(?:dx\.)?doi\.org/|(?:dx\.)?doi\.org/|info:doi/|urn:doi:)", re.IGNORECASE
)
_PMID_IN_TEXT = re.compile(
    r"(?:\bPMID\s*:?\s*|pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/|europepmc\.org/(?:article|abstract)/MED/)"
    r"(\d{1,9})\b",
    re.IGNORECASE,
)
_PMCID_IN_TEXT = re.compile(r"\bPMC\s*:?\s*(\d{1,9})\b", re.IGNORECASE)
_SIMPLE_DOI = re.compile(r"10\.\d{4,9}/[a-z0-9][a-z0-9\-._/]*[a-z0-9]")
_TRAILING = ".,;:!?"
_URL_QUERY = re.compile(r"[?&][A-Za-z_][\w.-]*=")
_CLOSERS = {")": "(", "]": "[", "}": "{", ">": "<"}
MAX_SCAN_CHARS = 20_000_000


@dataclass(frozen=True)
class Identifier:
    """A normalised identifier found in text: kind is "doi", "pmid" or "pmcid"."""

    kind: str
    value: str


def _trim_doi(candidate: str) -> str:
    """Cut a DOI candidate at markup and strip trailing punctuation and unbalanced closers."""
    candidate = re.split(r"</|&quot;|&gt;|&lt;/", candidate)[0]
    candidate = _URL_QUERY.split(candidate)[0]  # a publisher link's ?query=featured or &utm_source=... is no DOI
    while candidate:
        last = candidate[-1]
        unbalanced = last in _CLOSERS and candidate.count(last) > candidate.count(_CLOSERS[last])
        if last in _TRAILING or unbalanced:
            candidate = candidate[:-1]
        else:
            break
    return candidate


def _clean_doi(candidate: str) -> str:
    if "%" in candidate:
        candidate = unquote(candidate)
    candidate = _trim_doi(candidate)
    return candidate.lower() if _DOI_EXACT.match(candidate) else ""


def normalise_doi(text: str) -> str:
    """A single DOI (bare, doi:, doi.org URL, percent-encoded) as a lower-case bare DOI, or ""."""
    if not text:
        return ""
    lowered = text.strip().lower()
    if _SIMPLE_DOI.fullmatch(lowered):
        return lowered
    token = _DOI_PREFIXES.sub("", text.strip().lstrip("([{<\"'\u201c\u2018"))
    token = _DOI_PREFIXES.sub("", unquote(token)) if token.lower().startswith("http") else token
    match = _DOI_IN_TEXT.search(token)
    if not match or match.start() != 0:
        return ""
    return _clean_doi(match.group(0))


def extract_dois(text: str) -> list[str]:
    """Every distinct DOI in a text, normalised, in order of first appearance."""
    found: dict[str, None] = {}
    for match in _DOI_IN_TEXT.finditer(text[:MAX_SCAN_CHARS]):
        doi = _clean_doi(match.group(0))
        if doi:
            found.setdefault(doi, None)
    return list(found)


def normalise_pmid(text: str) -> str:
    """A PMID from digits, `PMID: n` or a PubMed URL, without leading zeros; or ""."""
    token = (text or "").strip()
    if token.isdecimal() and len(token) <= 9:
        return str(int(token)) if int(token) else ""
    match = _PMID_IN_TEXT.search(token)
    if match and int(match.group(1)):
        return str(int(match.group(1)))
    return ""


def normalise_pmcid(text: str) -> str:
    """A PMCID as `PMC1234567` from `PMC1234567`, `pmc:123` or a PMC URL; or ""."""
    match = _PMCID_IN_TEXT.search(text or "")
    return f"PMC{int(match.group(1))}" if match and int(match.group(1)) else ""


def extract_identifiers(text: str) -> list[Identifier]:
    """DOIs, PMIDs (prefixed or PubMed links) and PMCIDs in a text, deduplicated, in order."""
    text = text[:MAX_SCAN_CHARS]
    hits: list[tuple[int, Identifier]] = []
    doi_spans: list[tuple[int, int]] = []
    for match in _DOI_IN_TEXT.finditer(text):
        doi = _clean_doi(match.group(0))
        if doi:
            hits.append((match.start(), Identifier("doi", doi)))
            doi_spans.append(match.span())
    starts = [start for start, _ in doi_spans]

    def inside_doi(position: int) -> bool:
        # spans come in text order and do not overlap: a binary search keeps long pasted lists linear
        index = bisect_right(starts, position) - 1
        return index >= 0 and position < doi_spans[index][1]
    for match in _PMID_IN_TEXT.finditer(text):
        if not inside_doi(match.start()) and int(match.group(1)):
            hits.append((match.start(), Identifier("pmid", str(int(match.group(1))))))
    for match in _PMCID_IN_TEXT.finditer(text):
        if not inside_doi(match.start()) and int(match.group(1)):
            hits.append((match.start(), Identifier("pmcid", f"PMC{int(match.group(1))}")))
    ordered: dict[Identifier, None] = {}
    for _, identifier in sorted(hits, key=lambda hit: hit[0]):
        ordered.setdefault(identifier, None)
    return list(ordered)


def same_doi(first: str, second: str) -> bool:
    """Whether two DOI spellings name the same DOI (case-insensitive, any form)."""
    a, b = normalise_doi(first), normalise_doi(second)
    return bool(a) and a == b
