"""Keywords found in figure legends: matching patterns and the legends' highlighted HTML."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from refmgr.core.model import Figure, Keyword

PALETTE = ("#ffe08a", "#b9e4c9", "#c9d8ff", "#ffc9de", "#d9c9ff", "#ffd2a8", "#c4f0f0", "#e6e6a8")
EMPHASIS = "#ff9f1c"
INK = "#1a1a1a"  # dark text on the pastel marks, readable in dark themes too
MIN_STEM = 5


def word_pattern(word: str) -> str:
    """A regex for one keyword word that also finds its inflections (metastasis -> metastases)."""
    lower = word.lower()
    if len(lower) <= MIN_STEM or not lower.isalpha():
        return re.escape(lower) + r"(?:s|es)?"
    return re.escape(lower[: max(MIN_STEM, len(lower) - 3)]) + r"\w*"


def initialism(words: list[str]) -> str:
    """The abbreviation clinicians write for a term of three words or more ("Renal cell carcinoma" -> "RCC")."""
    letters = [w[0] for w in words if w[0].isalpha()]
    return "".join(letters).upper() if len(words) >= 3 and len(letters) == len(words) else ""


def keyword_regex(term: str) -> re.Pattern[str] | None:
    """A whole-word pattern for a keyword term (any case; its initialism in capitals), or None if empty."""
    words = re.findall(r"[\w'-]+", term)
    if not words:
        return None
    body = r"[\s-]+".join(word_pattern(w) for w in words)
    if short := initialism(words):
        body = rf"(?i:{body})|{short}s?"
        return re.compile(rf"(?<!\w)(?:{body})(?!\w)")
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


@dataclass
class KeywordHits:
    """A keyword, its colour, its pattern and which legends (by index) mention it how often."""

    keyword: Keyword
    color: str
    pattern: re.Pattern[str] | None
    counts: dict[int, int]

    @property
    def legend_indexes(self) -> list[int]:
        """Indexes of the legends that mention the keyword."""
        return sorted(self.counts)

    @property
    def total(self) -> int:
        """Occurrences across every legend."""
        return sum(self.counts.values())


def find_hits(keywords: list[Keyword], figures: list[Figure]) -> list[KeywordHits]:
    """For each keyword, how often it occurs in each legend."""
    result = []
    for position, keyword in enumerate(keywords):
        pattern = keyword_regex(keyword.term)
        counts: dict[int, int] = {}
        if pattern is not None:
            for index, figure in enumerate(figures):
                n = len(pattern.findall(figure.legend))
                if n:
                    counts[index] = n
        result.append(KeywordHits(keyword, PALETTE[position % len(PALETTE)], pattern, counts))
    return result


def _spans(text: str, hits: list[KeywordHits]) -> list[tuple[int, int, KeywordHits]]:
    """Non-overlapping match spans, earlier and longer matches first."""
    found = []
    for hit in hits:
        if hit.pattern is None:
            continue
        found.extend((m.start(), m.end(), hit) for m in hit.pattern.finditer(text))
    found.sort(key=lambda span: (span[0], -(span[1] - span[0])))
    chosen: list[tuple[int, int, KeywordHits]] = []
    end = -1
    for start, stop, hit in found:
        if start >= end:
            chosen.append((start, stop, hit))
            end = stop
    return chosen


def highlight_legend(text: str, hits: list[KeywordHits], selected: KeywordHits | None = None) -> str:
    """A legend as HTML with every keyword occurrence marked; the selected keyword stands out."""
    out: list[str] = []
    position = 0
    for start, stop, hit in _spans(text, hits):
        out.append(html.escape(text[position:start]))
        word = html.escape(text[start:stop])
        if selected is not None and hit is selected:
            out.append(f'<span style="background-color:{EMPHASIS}; font-weight:bold; color:{INK};">{word}</span>')
        else:
            out.append(f'<span style="background-color:{hit.color}; color:{INK};">{word}</span>')
        position = stop
    out.append(html.escape(text[position:]))
    return "".join(out)


def legends_html(figures: list[Figure], hits: list[KeywordHits], selected: KeywordHits | None = None) -> str:
    """Every legend, anchored fig-N, highlighted; with a selection, legends without it are dimmed."""
    if not figures:
        return "<p><i>No figure legends yet. Use “Edit figures…” to paste them from the full text.</i></p>"
    blocks = []
    for index, figure in enumerate(figures):
        mentions = selected is None or index in selected.counts
        style = "color:#888888;" if not mentions else ""
        label = html.escape(figure.label or f"Figure {index + 1}")
        marker = " ◀" if selected is not None and mentions else ""
        body = highlight_legend(figure.legend, hits, selected)
        blocks.append(
            f'<a name="fig-{index}"></a><h4 style="margin-bottom:2px;{style}">{label}{marker}</h4>'
            f'<p style="margin-top:0px;{style}">{body}</p>'
        )
    return "".join(blocks)
