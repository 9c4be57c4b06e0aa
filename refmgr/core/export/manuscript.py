"""Manuscripts cited from the library: markers ([@key], {doi:...}, {pmid:...}) in .docx or .md become citations."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from refmgr.core.export import ExportError, write_output
from refmgr.core.export.bibliography import html_to_markdown, style_spec
from refmgr.core.export.citations import InText, bibliography_entries, cite
from refmgr.core.export.citekeys import find_keys
from refmgr.core.export.loading import citation_articles
from refmgr.core.library import Library
from refmgr.core.model import Article

# One marker: [@key], [@key1; @key2] (pandoc), {doi:10...} or {pmid:123}. Adjacent markers make one citation.
_KEY = r"@[\w][\w:.#$%&+?<>~/-]*?"
_BRACKETED = rf"\[\s*{_KEY}(?:\s*;\s*{_KEY})*\s*\]"
_BRACED = r"\{\s*(?:doi|pmid)\s*:\s*[^{}\s]+\s*\}"
MARKER = re.compile(rf"(?:{_BRACKETED}|{_BRACED})(?:\s*(?:{_BRACKETED}|{_BRACED}))*", re.IGNORECASE)
_PIECE = re.compile(
    rf"\[\s*(?P<keys>{_KEY}(?:\s*;\s*{_KEY})*)\s*\]|\{{\s*(?P<kind>doi|pmid)\s*:\s*(?P<id>[^{{}}\s]+)\s*\}}",
    re.IGNORECASE,
)
BIBLIOGRAPHY_MARKER = re.compile(r"^\s*\[bibliography\]\s*$", re.IGNORECASE)
MAX_MANUSCRIPT_BYTES = 64 * 1024 * 1024


class ManuscriptError(ExportError):
    """A manuscript that cannot be read or written, or (with strict) one with unknown markers."""


@dataclass
class Unknown:
    """A marker part that matches nothing in the library, where it stands (paragraph number, 1-based)."""

    marker: str
    paragraph: int
    excerpt: str

    def describe(self) -> str:
        """One line for the user."""
        return f"paragraph {self.paragraph}: {self.marker} matches no article in the library: “{self.excerpt}”"


@dataclass
class CiteReport:
    """What citing a manuscript did: citations made, articles cited, unknown markers."""

    citations: int = 0
    articles: int = 0
    unknown: list[Unknown] = field(default_factory=list)
    bibliography_at_marker: bool = False


@dataclass
class _Found:
    """A marker in the text: its paragraph, span and the articles its parts name (None for unknown parts)."""

    paragraph: int
    start: int
    end: int
    text: str
    articles: list[Article]
    unknown: list[str]


def _parts(marker: str) -> list[tuple[str, str, str]]:
    """(kind, value, the part's text) for each reference in a marker: ("key", "ljungberg2022european", "@...")."""
    parts = []
    for piece in _PIECE.finditer(marker):
        if piece.group("keys"):
            for key in re.split(r"\s*;\s*", piece.group("keys").strip()):
                parts.append(("key", key[1:], f"[{key}]"))
        else:
            kind, value = piece.group("kind").lower(), piece.group("id")
            parts.append((kind, value, f"{{{kind}:{value}}}"))
    return parts


def find_markers(paragraphs: Sequence[str], library: Library) -> list[_Found]:
    """Every marker of the text, its parts resolved against the library (keys, DOIs, PMIDs)."""
    raw = [(n, m, _parts(m.group(0))) for n, text in enumerate(paragraphs) for m in MARKER.finditer(text)]
    keys = {value for _, _, parts in raw for kind, value, _ in parts if kind == "key"}
    by_key = find_keys(library, keys) if keys else {}
    ids: dict[tuple[str, str], int | None] = {}
    for _, _, parts in raw:
        for kind, value, _ in parts:
            if (kind, value) not in ids:
                ids[(kind, value)] = by_key.get(value) if kind == "key" else library.find(f"{kind}:{value}")
    wanted = sorted({i for i in ids.values() if i is not None})
    articles = {a.id: a for a in citation_articles(library, wanted)}
    found = []
    for n, m, parts in raw:
        cited, unknown = [], []
        for kind, value, text in parts:
            article_id = ids[(kind, value)]
            if article_id is not None and article_id in articles:
                cited.append(articles[article_id])
            else:
                unknown.append(text)
        found.append(_Found(n, m.start(), m.end(), m.group(0), cited, unknown))
    return found


def _excerpt(text: str, start: int, end: int) -> str:
    left = text[max(0, start - 40) : start].lstrip()
    right = text[end : end + 40].rstrip()
    before, after = "…" if start > 40 else "", "…" if end + 40 < len(text) else ""
    return re.sub(r"\s+", " ", f"{before}{left}{text[start:end]}{right}{after}")


def _plan(paragraphs: Sequence[str], library: Library, style: str | None
          ) -> tuple[list[_Found], list[InText], CiteReport, list[list[Article]]]:  # fmt: skip
    """Markers, their in-text citations and the report (unknown parts listed with their paragraph)."""
    style_spec(style)  # an unknown or ambiguous style fails before anything is read further
    found = find_markers(paragraphs, library)
    report = CiteReport()
    for marker in found:
        for text in marker.unknown:
            excerpt = _excerpt(paragraphs[marker.paragraph], marker.start, marker.end)
            report.unknown.append(Unknown(text, marker.paragraph + 1, excerpt))
    groups = [m.articles for m in found]
    citations = cite(groups, style)
    report.citations = sum(1 for g in groups if g)
    report.articles = len({a.id for g in groups for a in g})
    return found, citations, report, groups


def _replacement(marker: _Found, citation: InText, output: str) -> str:
    """What a marker becomes: the citation, with any unknown parts left visible after it."""
    rest = "".join(marker.unknown)
    if not marker.articles:
        return marker.text
    body = html_to_markdown(citation.html) if output == "markdown" else citation.text
    return body + rest


def cite_markdown(text: str, library: Library, style: str | None = None, strict: bool = False
                  ) -> tuple[str, CiteReport]:  # fmt: skip
    """A Markdown manuscript with its markers cited and the bibliography at [bibliography] or appended."""
    paragraphs = text.split("\n")
    found, citations, report, groups = _plan(paragraphs, library, style)
    _check_strict(report, strict)
    for marker, citation in sorted(zip(found, citations, strict=True), key=lambda p: (p[0].paragraph, -p[0].start)):
        line = paragraphs[marker.paragraph]
        cited = _replacement(marker, citation, "markdown")
        paragraphs[marker.paragraph] = line[: marker.start] + cited + line[marker.end :]
    entries = bibliography_entries(groups, style, "markdown")
    numeric = style_spec(style).numeric
    block = [f"{n}. {e}" if numeric else e for n, e in enumerate(entries, 1)]
    at = next((i for i, p in enumerate(paragraphs) if BIBLIOGRAPHY_MARKER.match(p)), None)
    if at is not None:
        report.bibliography_at_marker = True
        paragraphs[at : at + 1] = block if numeric else _spaced(block)
    elif block:
        ending = []
        while paragraphs and not paragraphs[-1].strip():
            ending.append(paragraphs.pop())
        paragraphs += ["", "## References", "", *(block if numeric else _spaced(block)), *ending]
    return "\n".join(paragraphs), report


def _spaced(entries: list[str]) -> list[str]:
    out: list[str] = []
    for entry in entries:
        out += [entry, ""]
    return out[:-1]


def _check_strict(report: CiteReport, strict: bool) -> None:
    if strict and report.unknown:
        lines = "\n".join(u.describe() for u in report.unknown)
        raise ManuscriptError(f"{len(report.unknown)} marker(s) match nothing in the library (--strict):\n{lines}")


def cite_file(source: Path, target: Path, library: Library, style: str | None = None, strict: bool = False,
              progress: Callable[[str], None] | None = None) -> CiteReport:  # fmt: skip
    """Cite SOURCE (.docx or .md/.markdown/.txt) into TARGET; SOURCE is only read, never written."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise ManuscriptError(f"{source}: no such file")
    if source.resolve() == target.resolve() if target.exists() else False:
        raise ManuscriptError(f"{target}: the output would overwrite the manuscript; choose another file name")
    if source.stat().st_size > MAX_MANUSCRIPT_BYTES:
        raise ManuscriptError(f"{source}: over {MAX_MANUSCRIPT_BYTES // 2**20} MB, too big for a manuscript")
    if source.suffix.lower() == ".docx":
        if target.suffix.lower() != ".docx":
            raise ManuscriptError(f"{target}: a Word manuscript is written as .docx")
        from refmgr.core.export.docx_cite import cite_docx

        return cite_docx(source, target, library, style, strict)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ManuscriptError(f"{source}: cannot read it as UTF-8 text ({error})") from error
    cited, report = cite_markdown(text, library, style, strict)
    write_output(cited, target)
    return report
