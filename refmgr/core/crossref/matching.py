"""Validation of Crossref candidates for a parsed reference: contradictions, record kinds, confidence, decision."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from refmgr.core.crossref.mapping import clean_text, date_parts, text_list
from refmgr.core.crossref.refparse import PREPRINT_WORDS, ParsedReference, notice_kind, parse_reference
from refmgr.core.model import normalise_name, normalise_title

__all__ = [
    "Candidate", "ParsedReference", "check_candidate", "decide", "explain", "journal_similarity", "parse_reference",
    "record_kinds",
]  # fmt: skip

# Fitted on the tuning half of the real-style corpus (bench/resolve_corpus.py; README, section crossref): correct
# candidates scored 0.907 or more, valid wrong ones at most 0.826.
RESOLVE_AT = 0.88  # confidence needed to accept the best candidate
MARGIN = 0.10  # ...and by how much it must beat the next valid candidate
AMBIGUOUS_AT = 0.55  # below this nothing is offered
MIN_NORMALISED_SCORE = 0.02  # Crossref score / reference length: below this a candidate is noise
WEIGHTS = {"title": 0.35, "author": 0.20, "year": 0.15, "volume": 0.10, "page": 0.10, "journal": 0.10, "issue": 0.05}
_JOURNAL_STOP = {"of", "the", "and", "for", "in", "on", "&"}

_PARTICLES = re.compile(  # run together after normalising ("vanden" of "van den Berg"); atomic: no backtracking
    r"(?>della|saint|van|von|der|den|del|dos|das|ten|ter|bin|ben|de|di|da|du|le|la|st|al|el|o|d|l)++"
)
_UPDATE_KIND = {"correction": "erratum", "erratum": "erratum", "corrigendum": "erratum", "retraction": "retraction",
                "removal": "retraction", "withdrawal": "retraction", "expression_of_concern": "retraction",
                "expression-of-concern": "retraction", "addendum": "erratum", "clarification": "erratum"}  # fmt: skip


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
    verdict: str = ""  # why it was accepted, offered or refused (set by `explain`)

    @property
    def valid(self) -> bool:
        """No contradiction of year, volume, first page or record kind."""
        return not self.contradictions

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "doi": self.doi, "title": self.title, "year": self.year, "score": self.score,
            "confidence": round(self.confidence, 3), "contradictions": self.contradictions,
            "checks": {k: round(v, 3) for k, v in self.checks.items()}, "verdict": self.verdict,
        }  # fmt: skip


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


def record_kinds(item: dict[str, Any]) -> set[str]:
    """What a Crossref work is besides an article: erratum, retraction, comment, reply and/or preprint."""
    kinds: set[str] = set()
    title = next(iter(text_list(item.get("title"))), "")
    if notice := notice_kind(title):
        kinds.add(notice)
    updates = item.get("update-to")
    for update in updates if isinstance(updates, list) else []:
        update_kind = _UPDATE_KIND.get(str(update.get("type", "")).lower()) if isinstance(update, dict) else None
        if update_kind:
            kinds.add(update_kind)
    hosts = [*text_list(item.get("container-title")), clean_text(item.get("publisher") if item.get("type") ==
             "posted-content" else "")]  # fmt: skip
    institutions = item.get("institution") if isinstance(item.get("institution"), list) else []
    hosts += [clean_text(i.get("name")) for i in institutions if isinstance(i, dict)]
    if item.get("type") == "dataset":
        kinds.add("dataset")
    if item.get("type") == "posted-content" or item.get("subtype") == "preprint" or any(
        PREPRINT_WORDS.search(h) for h in hosts if h
    ):
        kinds.add("preprint")
    return kinds


def _same_name(a: str, b: str) -> bool:
    """Surnames equal, up to particles ("de Velasco" ~ "Velasco"), hyphens, accents and a typo."""
    if not a or not b:
        return False
    if a == b:
        return True
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    prefix = longer[: len(longer) - len(shorter)]
    if len(shorter) >= 3 and len(prefix) <= 20 and longer.endswith(shorter) and _PARTICLES.fullmatch(prefix):
        return True
    return min(len(a), len(b)) >= 6 and fuzz.ratio(a, b) >= 88


def _author_similarity(parsed: ParsedReference, item: dict[str, Any]) -> float | None:
    listed = item.get("author") if isinstance(item.get("author"), list) else []
    authors = [a for a in listed if isinstance(a, dict)]
    if not authors or not (parsed.first_author or parsed.group_author):
        return None
    if parsed.group_author:
        names = [clean_text(a.get("name")) for a in authors]
        return max(fuzz.token_set_ratio(parsed.group_author.lower(), n.lower()) for n in names) / 100
    wanted = normalise_name(parsed.first_author)
    families = [normalise_name(clean_text(a.get("family") or a.get("name"))) for a in authors]
    if _same_name(wanted, families[0]):
        given = clean_text(authors[0].get("given"))
        if parsed.initials and given and given[0].upper() != parsed.initials[0]:
            return 0.5  # same surname, other first initial ("Lee HJ" is not "Lee JK")
        return 1.0
    cited = [normalise_name(n) for n in parsed.authors[:6]] or [wanted]
    found = sum(any(_same_name(c, f) for f in families[:12]) for c in cited)
    if any(_same_name(wanted, f) for f in families[1:6]):
        return 0.8  # first author listed elsewhere: order differs
    if len(cited) >= 3 and found / len(cited) >= 0.5:
        return 0.6
    return fuzz.ratio(families[0], wanted) / 100 * 0.8


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _volumes_agree(cited: str, listed: str) -> bool:
    """Equal volumes; a deposit such as "28, 3" (volume and issue in one field) agrees with 28."""
    if _norm_token(cited) == _norm_token(listed):
        return True
    first = re.match(r"\s*([A-Za-z]?\d+)[\s,(]", listed)
    return bool(first) and _norm_token(first.group(1)) == _norm_token(cited)


def _pages_agree(cited: str, listed: str) -> bool:
    a, b = _norm_token(cited), _norm_token(listed)
    if a == b:
        return True
    digits_a, digits_b = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    return bool(digits_a) and digits_a == digits_b and (a.isdigit() or b.isdigit())  # "e1003873" ~ "1003873"


def _title_similarity(cited: str, listed: str) -> float:
    cited, listed = normalise_title(cited), normalise_title(listed)
    return max(fuzz.token_sort_ratio(cited, listed), 0.9 * fuzz.token_set_ratio(cited, listed)) / 100


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
    volume = clean_text(item.get("volume"))
    page = _first_page(item)
    if parsed.year and years:
        checks["year"] = 1.0 if parsed.year in years else 0.0
        online_first = not volume and not page and any(abs(parsed.year - y) == 1 for y in years)
        if online_first:
            checks["year"] = 0.5  # printed a year after it appeared online: compared on what both have
        elif not checks["year"]:
            candidate.contradictions.append(f"year {parsed.year} vs {sorted(years)}")
    if parsed.volume and volume:
        checks["volume"] = 1.0 if _volumes_agree(parsed.volume, volume) else 0.0
        if not checks["volume"]:
            candidate.contradictions.append(f"volume {parsed.volume} vs {volume}")
    if parsed.first_page and page:
        checks["page"] = 1.0 if _pages_agree(parsed.first_page, page) else 0.0
        if not checks["page"]:
            candidate.contradictions.append(f"first page {parsed.first_page} vs {page}")
    issue = clean_text(item.get("issue"))
    if parsed.issue and issue:  # weighed, never a contradiction: supplements and combined issues are written many ways
        digits = re.sub(r"\D", "", parsed.issue) == re.sub(r"\D", "", issue)
        checks["issue"] = 1.0 if _norm_token(parsed.issue) == _norm_token(issue) or digits else 0.0
    kinds = record_kinds(item)
    for kind in sorted(kinds - set(parsed.kinds)):
        candidate.contradictions.append(f"the record is {_a(kind)}; the reference does not cite one")
    for kind in sorted(set(parsed.kinds) - kinds):
        candidate.contradictions.append(f"the reference cites {_a(kind)}; the record is not one")
    author = _author_similarity(parsed, item)
    if author is not None:
        checks["author"] = author
    names = [*text_list(item.get("container-title")), *text_list(item.get("short-container-title"))]
    if parsed.journal and names:
        checks["journal"] = journal_similarity(parsed.journal, names)
    if title:
        if normalise_title(parsed.title):
            checks["title"] = _title_similarity(parsed.title, title)
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
    a guideline's editions apart (an online-first record a year off counts when title and author agree).
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
    if best.checks.get("year") == 0.5 and best.checks.get("title", 0) >= 0.95 and best.checks.get("author", 0) >= 0.8:
        confirmed += 1  # an online-first record a year off the printed year: title and first author vouch for it
    if best.confidence >= RESOLVE_AT and best.confidence - runner_up >= MARGIN and confirmed:
        return "resolved", best
    return "ambiguous", best


def explain(candidates: list[Candidate], status: str, best: Candidate | None) -> None:
    """Set each candidate's verdict: accepted, offered, or refused and why."""
    rule = f"at least {RESOLVE_AT:.2f}, a lead of {MARGIN:.2f} over the next and year, volume or page confirmed"
    for candidate in candidates:
        if candidate.contradictions:
            candidate.verdict = "refused: " + "; ".join(candidate.contradictions)
        elif candidate.normalised_score < MIN_NORMALISED_SCORE:
            candidate.verdict = f"ignored: search score {candidate.score:g} is noise for a reference this long"
        elif candidate is best and status == "resolved":
            candidate.verdict = f"accepted: confidence {candidate.confidence:.2f}, {rule}"
        elif candidate is best:
            candidate.verdict = f"offered, not accepted: confidence {candidate.confidence:.2f}; accepting needs {rule}"
        elif best is not None:
            candidate.verdict = f"not chosen: confidence {candidate.confidence:.2f}, the best has {best.confidence:.2f}"
        else:
            candidate.verdict = f"not offered: confidence {candidate.confidence:.2f} is below {AMBIGUOUS_AT:.2f}"
