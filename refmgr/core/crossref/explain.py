"""Plain-text account of how a reference was resolved: its parsed fields and each candidate's verdict."""

from __future__ import annotations

from typing import Any

FIELD_ORDER = ("doi", "first_author", "initials", "group_author", "authors", "year", "title", "journal", "volume",
               "issue", "first_page", "kinds", "style")  # fmt: skip


def parsed_line(parsed: dict[str, Any]) -> str:
    """'first_author=Ljungberg, year=2022, ...' in a fixed order, lists joined with '; '."""
    keys = [k for k in FIELD_ORDER if k in parsed] + [k for k in parsed if k not in FIELD_ORDER]
    shown = [f"{k}={'; '.join(map(str, parsed[k])) if isinstance(parsed[k], list) else parsed[k]}" for k in keys]
    return ", ".join(shown)


def candidate_lines(candidate: dict[str, Any]) -> list[str]:
    """Two lines for one checked candidate: what it is, then the verdict with the field checks."""
    checks = ", ".join(f"{k} {v:.2f}" for k, v in (candidate.get("checks") or {}).items())
    verdict = candidate.get("verdict") or ("refused: " + "; ".join(candidate["contradictions"])
                                           if candidate.get("contradictions") else "no verdict stored")  # fmt: skip
    year = f" ({candidate['year']})" if candidate.get("year") else ""
    return [f"doi:{candidate.get('doi', '')}{year} confidence {candidate.get('confidence', 0):.2f}: "
            f"{candidate.get('title', '')}", f"  {verdict}" + (f" [{checks}]" if checks else "")]  # fmt: skip


def explain_reference(reference: Any) -> str:
    """The explanation of one stored reference (a `model.Reference`) as resolved last time."""
    parts = reference.parts or {}
    status = reference.status + (f" {reference.confidence:.2f}" if reference.confidence is not None else "")
    lines = [reference.text, f"status: {status}" + (f", doi:{reference.doi}" if reference.doi else "")]
    if "parsed" not in parts:
        lines.append("not resolved through Crossref yet: nothing to explain (resolve it first)")
        return "\n".join(lines)
    lines.append(f"parsed: {parsed_line(parts['parsed']) or 'nothing recognised'}")
    candidates = parts.get("candidates") or []
    if parts["parsed"].get("doi") and not candidates:
        lines.append("the reference carries its DOI: accepted without asking Crossref")
    elif not candidates:
        lines.append("Crossref offered no candidates")
    for candidate in candidates:
        lines.extend(["", *candidate_lines(candidate)])
    return "\n".join(lines)
