"""Resolve an article's free-text references to DOIs through Crossref's query.bibliographic."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from refmgr.core.crossref.client import CrossrefClient, CrossrefError
from refmgr.core.crossref.matching import Candidate, ParsedReference, check_candidate, decide, explain, parse_reference
from refmgr.core.library import Library

ROWS = 5


@dataclass
class ResolutionResult:
    """What resolving one reference (0-based position) found; error set when Crossref could not be asked."""

    position: int
    text: str
    status: str
    doi: str = ""
    confidence: float | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


def resolve_reference_text(text: str, client: CrossrefClient) -> tuple[str, Candidate | None, list[Candidate]]:
    """Status, chosen candidate and every checked candidate for one reference string."""
    return resolve_parsed(parse_reference(text), client)


def resolve_parsed(parsed: ParsedReference, client: CrossrefClient) -> tuple[str, Candidate | None, list[Candidate]]:
    """The same for a parsed reference: one query.bibliographic unless it carries its DOI."""
    if parsed.doi:
        return "resolved", Candidate(parsed.doi, "", parsed.year, 0.0, 0.0, confidence=1.0), []
    candidates = [check_candidate(parsed, item) for item in client.query_bibliographic(parsed.text, rows=ROWS)]
    status, best = decide(candidates)
    explain(candidates, status, best)
    return status, best, candidates


def resolve_references(
    library: Library,
    article_id: int,
    client: CrossrefClient,
    positions: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[ResolutionResult]:
    """Match unresolved references (or those at `positions`, 0-based) and store DOI, status and confidence."""
    references = library.references(article_id)
    if positions is None:
        positions = [i for i, r in enumerate(references) if r.status in ("unresolved", "ambiguous") and not r.doi]
    targets = [p for p in positions if 0 <= p < len(references)]
    results: list[ResolutionResult] = []
    for done, position in enumerate(targets):
        if cancel is not None and cancel():
            break
        reference = references[position]
        try:
            parsed = parse_reference(reference.text)
            status, best, candidates = resolve_parsed(parsed, client)
        except CrossrefError as error:
            results.append(ResolutionResult(position, reference.text, reference.status, reference.doi,
                                            reference.confidence, error=error.reason))  # fmt: skip
        else:
            result = ResolutionResult(
                position, reference.text, status,
                doi=best.doi if best is not None and status == "resolved" else "",
                confidence=round(best.confidence, 3) if best is not None else 0.0,
                candidates=[c.to_dict() for c in candidates],
            )  # fmt: skip
            parts = {**reference.parts, "parsed": parsed.to_dict(), "candidates": result.candidates}
            library.update_reference(article_id, position, doi=result.doi, status=status,
                                     confidence=result.confidence, parts=parts)  # fmt: skip
            results.append(result)
        if progress is not None:
            progress(done + 1, len(targets))
    return results
