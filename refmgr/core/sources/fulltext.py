"""Figure labels and captions (and the licence) from an open-access article's JATS full text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

from refmgr.core.formats.jats import text_of
from refmgr.core.model import Figure

MAX_LEGEND_CHARS = 10_000  # real captions stay under 3,000 characters; longer ones are cut, with a note
MAX_LABEL_CHARS = 100
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
SKIPPED = ("title", "script", "style", "object", "alternatives")  # caption title is handled apart; no code kept


@dataclass
class FullText:
    """What refmgr keeps from a full text: figures, the article licence and notes on anything cut."""

    figures: list[Figure] = field(default_factory=list)
    license: str = ""
    notes: list[str] = field(default_factory=list)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _first(parent: Element | None, name: str) -> Element | None:
    if parent is None:
        return None
    return next((e for e in parent.iter() if e is not parent and _local(e.tag) == name), None)


def parse_full_text(body: bytes) -> FullText:
    """Every <fig> anywhere in the article (body, fig-group, floats-group); ValueError/ParseError if not XML."""
    root = fromstring(body)
    if _local(root.tag) not in ("article", "pmc-articleset"):
        raise ValueError(f"<{_local(root.tag)}> is not a JATS article")
    result = FullText(license=_license(root))
    for number, fig in enumerate((e for e in root.iter() if _local(e.tag) == "fig"), 1):
        figure, note = _figure(fig, number)
        if figure.legend or figure.label:
            result.figures.append(figure)
        if note:
            result.notes.append(note)
    return result


def _figure(fig: Element, number: int) -> tuple[Figure, str]:
    label = text_of(_first(fig, "label"))[:MAX_LABEL_CHARS] or f"Figure {number}"
    caption = _first(fig, "caption")
    title = text_of(_first(caption, "title"), skip=SKIPPED[1:])
    body = text_of(caption, skip=SKIPPED)
    if title and not title.endswith((".", "?", "!", ":")):
        title += "."
    legend = " ".join(p for p in (title, body) if p)
    note = ""
    if len(legend) > MAX_LEGEND_CHARS:
        note = f"{label}: legend of {len(legend):,} characters cut to {MAX_LEGEND_CHARS:,}"
        legend = legend[:MAX_LEGEND_CHARS].rsplit(" ", 1)[0] + " …"
    return Figure(label=label, legend=legend, source="europepmc"), note


def _license(root: Element) -> str:
    """The article licence: an ali:license_ref URL, a license/@xlink:href, or its license-type."""
    meta = _first(root, "article-meta")
    license_element = _first(_first(meta, "permissions"), "license")
    if license_element is None:
        return ""
    ref = _first(license_element, "license_ref")
    url = text_of(ref) or license_element.get(XLINK_HREF, "")
    value = url or license_element.get("license-type", "")
    return value[:500] if re.match(r"^[\w:/.\-#?=&%+ ]+$", value) else ""
