"""Zotero child notes: a clinician's notes as sanitised HTML, and the signature note refmgr recognises again."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

from refmgr.core.model import Figure, Keyword

SIGNATURE_HEADING = "refmgr: keywords and figure legends"
_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "ul", "ol"}
NOTE_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h1", "h2", "h3", "blockquote", "pre",
             "a", "sub", "sup", "div", "span", "code"}  # fmt: skip
SIGNATURE_ATTRIBUTES = {"li": {"data-kind", "data-major", "data-qualifiers"}, "a": {"href"}}


def normalise_text(text: str) -> str:
    """Notes text compared and stored the same way on both sides: trimmed lines, at most one blank line."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> str:
    """A note's plain text as Zotero note HTML: paragraphs, line breaks kept, everything escaped."""
    paragraphs = [p for p in normalise_text(text).split("\n\n") if p]
    return "".join("<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>" for p in paragraphs)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(note_html: str) -> str:
    """A Zotero note's HTML (sanitised first) as plain text with paragraphs."""
    collector = _TextCollector()
    collector.feed(nh3.clean(note_html, tags=NOTE_TAGS, attributes={"a": {"href"}}))
    collector.close()
    text = "".join(collector.parts)
    return normalise_text("\n".join(line.strip() for line in text.split("\n")))


def signature_html(keywords: list[Keyword], figures: list[Figure]) -> str:
    """The child note that carries keywords and figure legends through Zotero."""
    items = "".join(
        f'<li data-kind="{html.escape(k.kind)}" data-major="{int(k.major)}" '
        f'data-qualifiers="{html.escape("|".join(k.qualifiers))}">{html.escape(k.term)}</li>'
        for k in keywords
    )
    legends = "".join(f"<p><strong>{html.escape(f.label)}</strong> {html.escape(f.legend)}</p>" for f in figures)
    return f"<h2>{SIGNATURE_HEADING}</h2><h3>Keywords</h3><ul>{items}</ul><h3>Figure legends</h3><div>{legends}</div>"


class _SignatureParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.heading = ""
        self.keywords: list[Keyword] = []
        self.figures: list[Figure] = []
        self._tag = ""
        self._attrs: dict[str, str] = {}
        self._text: list[str] = []
        self._in_legends = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h2", "h3", "li", "p", "strong"):
            if tag == "strong" and self._tag == "p":
                self._text.append("\x00")
                return
            self._tag, self._attrs, self._text = tag, {k: v or "" for k, v in attrs}, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "strong" and self._tag == "p":
            self._text.append("\x00")
            return
        if tag != self._tag:
            return
        text = "".join(self._text).strip()
        if tag == "h2":
            self.heading = self.heading or text
        elif tag == "h3":
            self._in_legends = text.lower().startswith("figure")
        elif tag == "li" and text:
            qualifiers = [q for q in self._attrs.get("data-qualifiers", "").split("|") if q]
            kind = self._attrs.get("data-kind") or "author"
            self.keywords.append(Keyword(text, kind, qualifiers, self._attrs.get("data-major") == "1"))
        elif tag == "p" and self._in_legends:
            label, _, legend = text.lstrip("\x00").partition("\x00")
            self.figures.append(Figure(label.strip(), legend.strip()) if legend else Figure("", label.strip()))
        self._tag = ""

    def handle_data(self, data: str) -> None:
        if self._tag:
            self._text.append(data)


def parse_signature(note_html: str) -> tuple[list[Keyword], list[Figure]] | None:
    """Keywords and legends from a signature note, or None when the note is not one."""
    parser = _SignatureParser()
    parser.feed(nh3.clean(note_html, tags=NOTE_TAGS, attributes=SIGNATURE_ATTRIBUTES))
    parser.close()
    if parser.heading != SIGNATURE_HEADING:
        return None
    return parser.keywords, parser.figures


def signature_record(keywords: list[Keyword], figures: list[Figure]) -> dict[str, object]:
    """Keywords and legends in the comparable form the sync keeps as the note's base."""
    return {
        "keywords": [[k.term, k.kind, list(k.qualifiers), bool(k.major)] for k in keywords],
        "figures": [[f.label, f.legend] for f in figures],
    }
