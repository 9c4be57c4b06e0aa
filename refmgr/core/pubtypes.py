"""Publication types: what `type:` names mean in stored (PubMed) types, and the short badges shown for them."""

from __future__ import annotations

from collections.abc import Iterable

PHASES = ("I", "II", "III", "IV")
TRIALS = (
    "Randomized Controlled Trial", "Clinical Trial", "Controlled Clinical Trial", "Pragmatic Clinical Trial",
    "Equivalence Trial", "Adaptive Clinical Trial", "Multicenter Study",
    *(f"Clinical Trial, Phase {p}" for p in PHASES),
)  # fmt: skip
# type:NAME -> the stored publication types it selects (compared without case)
TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    "rct": ("Randomized Controlled Trial",),
    "randomized": ("Randomized Controlled Trial",),
    "randomised": ("Randomized Controlled Trial",),
    "meta-analysis": ("Meta-Analysis", "Network Meta-Analysis"),
    "metaanalysis": ("Meta-Analysis", "Network Meta-Analysis"),
    "ma": ("Meta-Analysis", "Network Meta-Analysis"),
    "systematic-review": ("Systematic Review",),
    "sr": ("Systematic Review",),
    "review": ("Review", "Systematic Review", "Scoping Review"),
    "guideline": ("Guideline", "Practice Guideline", "Consensus Development Conference"),
    "trial": TRIALS,
    "phase1": ("Clinical Trial, Phase I",),
    "phase2": ("Clinical Trial, Phase II",),
    "phase3": ("Clinical Trial, Phase III",),
    "phase4": ("Clinical Trial, Phase IV",),
    "case-report": ("Case Reports",),
    "observational": ("Observational Study",),
    "editorial": ("Editorial", "Comment"),
}
TYPE_NAMES = tuple(TYPE_ALIASES)
# stored type (lower case) -> badge, in the order badges are shown
BADGES = (
    ("randomized controlled trial", "RCT"),
    ("clinical trial, phase iii", "Phase III"),
    ("clinical trial, phase ii", "Phase II"),
    ("clinical trial, phase i", "Phase I"),
    ("clinical trial, phase iv", "Phase IV"),
    ("meta-analysis", "MA"),
    ("network meta-analysis", "MA"),
    ("systematic review", "SR"),
    ("practice guideline", "Guideline"),
    ("guideline", "Guideline"),
    ("review", "Review"),
)


def stored_types(name: str) -> tuple[str, ...]:
    """The stored publication types `type:name` selects: an alias's types, else the name itself."""
    key = name.strip().lower().replace(" ", "-").replace("_", "-")
    return TYPE_ALIASES.get(key) or TYPE_ALIASES.get(key.replace("-", "")) or (name.strip(),)


def badges(types: Iterable[str]) -> list[str]:
    """Short badges for an article's publication types ("RCT", "MA", "SR", "Guideline", "Review", "Phase III")."""
    have = {t.strip().lower() for t in types}
    shown: list[str] = []
    for stored, badge in BADGES:
        if stored in have and badge not in shown:
            if badge == "Review" and "SR" in shown:
                continue  # a systematic review is also tagged Review; SR says it
            shown.append(badge)
    return shown
