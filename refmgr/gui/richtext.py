"""Untrusted text made safe for display: JATS/HTML abstracts sanitised, remote resources refused."""

from __future__ import annotations

import html
import re
from typing import Any

import nh3
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTextBrowser, QWidget

TOOLTIP_CHARS = 2_000  # a tooltip is a glance: longer text is cut
DISPLAY_CHARS = 5_000  # a table cell or the pane's title line: longer text is cut for display only

ALLOWED_TAGS = {"p", "i", "b", "em", "strong", "sup", "sub", "br", "h4", "ul", "ol", "li", "div", "span", "u", "sc"}
_JATS_TAGS = {
    "italic": "i", "bold": "b", "sup": "sup", "sub": "sub", "p": "p", "title": "h4", "sec": "div",
    "list": "ul", "list-item": "li", "sc": "span", "underline": "u", "break": "br",
}  # fmt: skip
_JATS_TAG = re.compile(r"<(/?)(?:jats:)?([a-zA-Z][\w-]*)([^>]*)>")
_HTML_SHAPED = re.compile(r"</?[a-zA-Z][^>]*>")


def _map_jats(match: re.Match[str]) -> str:
    closing, name, rest = match.groups()
    mapped = _JATS_TAGS.get(name.lower(), name.lower())
    self_closing = "/" if rest.rstrip().endswith("/") else ""
    return f"<{closing}{mapped}{self_closing}>"


def shown_text(text: str, limit: int = DISPLAY_CHARS) -> str:
    """Text cut for display (a title stored before the import caps may be megabytes long: Qt lays it all out)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_tooltip(text: str | None) -> str | None:
    """A tooltip that shows text as text: escaped inside a paragraph, so Qt never renders markup found in it."""
    # Qt renders a tooltip as HTML whenever it looks like HTML (a title holding <img src=...> would show an
    # image); escaped inside <p> it is always rich text whose only content is the original characters.
    if not text:
        return None
    return f"<p style='white-space:pre-wrap'>{html.escape(text[:TOOLTIP_CHARS])}</p>"


def safe_abstract_html(abstract_jats: str, abstract_text: str = "") -> str:
    """HTML for an abstract: JATS markup mapped to HTML and sanitised, or escaped plain text."""
    if abstract_jats.strip():
        mapped = _JATS_TAG.sub(_map_jats, abstract_jats)
        return nh3.clean(mapped, tags=ALLOWED_TAGS, attributes={}, url_schemes=set(), link_rel=None)
    if _HTML_SHAPED.search(abstract_text):
        return nh3.clean(abstract_text, tags=ALLOWED_TAGS, attributes={}, url_schemes=set(), link_rel=None)
    paragraphs = [p for p in re.split(r"\n\s*\n", abstract_text.strip()) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


class SafeTextBrowser(QTextBrowser):
    """A text browser that never loads images, style sheets or anything else by URL."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._open_link)
        self.refused: list[str] = []

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        """Refuse every resource: untrusted HTML must not reach the network or the disk."""
        self.refused.append(url.toString() if isinstance(url, QUrl) else str(url))
        return None

    def _open_link(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)
        elif url.scheme() == "" and url.fragment():
            self.scrollToAnchor(url.fragment())
