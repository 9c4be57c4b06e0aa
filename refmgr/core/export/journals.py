"""NLM journal abbreviations: the article's own, the user's overrides, the bundled CC0 lists, Crossref's short title."""

from __future__ import annotations

import csv
import json
import os
import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from refmgr.core.export.citecache import cache_dir
from refmgr.core.model import Article
from refmgr.paths import resources_dir

# Most trusted first: NLM's broad catalogue, Index Medicus, then the ISO 4 list (its dots dropped).
LIST_FILES = ("journal_abbreviations_entrez.csv", "journal_abbreviations_medicus.csv",
              "journal_abbreviations_lifescience.csv")  # fmt: skip
# Sources whose journal_abbrev is Crossref's short-container-title, which may be the full title or a nickname.
UNTRUSTED_SOURCES = frozenset({"crossref", ""})
TABLE_VERSION = "2"  # bumped when the table is built differently, so cached and prebuilt tables are rebuilt
PREBUILT = "nlm-table.json"  # the lists' table, normalised titles -> NLM abbreviations, built by build_prebuilt()
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")
_ISSN = re.compile(r"^\d{4}-?\d{3}[\dxX]$")
_overrides_lock = threading.Lock()
_overrides: dict[str, str] = {}
_overrides_set = False  # until set_overrides is called, the settings file's overrides are read on first use
_generation = 0  # bumped by set_overrides, so memoised resolutions are not reused across override changes


def normalise_journal(title: str) -> str:
    """A journal title reduced for matching: ASCII lower case, no leading "The", "&" as "and", no punctuation."""
    text = title if title.isascii() else unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    text = _NOT_WORD.sub(" ", text.lower().replace("&", " and ")).strip()
    return text[4:] if text.startswith("the ") else text


def normalise_issn(value: str) -> str:
    """An ISSN as "1234-567X", or "" if VALUE is not one."""
    value = value.strip()
    if not _ISSN.match(value):
        return ""
    digits = value.replace("-", "").upper()
    return f"{digits[:4]}-{digits[4:]}"


def _variants(title: str) -> list[str]:
    """The title's matching keys: whole, without an NLM subtitle (" : ..."), without a "(Place)" qualifier."""
    keys = [normalise_journal(title)]
    head = title.split(" : ", 1)[0]
    base = _QUALIFIER.sub("", head) if head.endswith(")") else head
    for variant in {head, base} - {title}:
        key = normalise_journal(variant)
        if key and key not in keys:
            keys.append(key)
    return keys


def nlm_form(abbreviation: str) -> str:
    """The NLM (dotless) form of an abbreviation: "Eur. Urol." -> "Eur Urol"."""
    return re.sub(r"\s{2,}", " ", abbreviation.replace(".", " ")).strip()


@lru_cache(maxsize=1)
def bundled_table() -> dict[str, str]:
    """Normalised title -> NLM abbreviation from the bundled lists."""
    # Read from the prebuilt table shipped beside the lists (PREBUILT) when it was built from these very files;
    # otherwise built from the CSV files once and kept as JSON in the cache folder.
    folder = resources_dir() / "journal-abbreviations"
    paths = [folder / name for name in LIST_FILES if (folder / name).is_file()]
    sizes = [[p.name, p.stat().st_size] for p in paths]
    for cached, stamp in ((folder / PREBUILT, sizes),
                          (cache_dir() / f"journal-abbreviations-{TABLE_VERSION}.json", sizes)):  # fmt: skip
        try:
            data = json.loads(cached.read_text(encoding="utf-8"))
            if data.get("stamp") == stamp and data.get("version") == TABLE_VERSION and isinstance(data["table"], dict):
                return data["table"]
        except (OSError, ValueError, AttributeError, KeyError):
            pass
    table = _read_lists(paths)
    _write_table(cache_dir() / f"journal-abbreviations-{TABLE_VERSION}.json", sizes, table)
    return table


def _write_table(path: Path, stamp: list[list[Any]], table: dict[str, str]) -> None:
    """Keep a built table as JSON (a read-only folder only costs the parse next time)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        data = {"version": TABLE_VERSION, "stamp": stamp, "table": table}
        temp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True), encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        pass


def build_prebuilt() -> Path:
    """Write the prebuilt table beside the lists (run after changing them: python -m refmgr.core.export.journals)."""
    folder = resources_dir() / "journal-abbreviations"
    paths = [folder / name for name in LIST_FILES if (folder / name).is_file()]
    _write_table(folder / PREBUILT, [[p.name, p.stat().st_size] for p in paths], _read_lists(paths))
    return folder / PREBUILT


def _read_lists(paths: list[Path]) -> dict[str, str]:
    """Parse the CSV lists: exact normalised titles win over subtitle-less or qualifier-less variants."""
    exact: dict[str, str] = {}
    loose: dict[str, str] = {}
    for path in paths:
        with path.open(encoding="utf-8", newline="") as stream:
            for row in csv.reader(stream):
                if len(row) < 2 or not row[0].strip() or not row[1].strip():
                    continue
                abbreviation = nlm_form(row[1])
                first, *others = _variants(row[0])
                exact.setdefault(first, abbreviation)
                for key in others:
                    loose.setdefault(key, abbreviation)
    return {**loose, **exact}


def set_overrides(overrides: Mapping[str, str]) -> None:
    """The user's abbreviations, keyed by journal title or ISSN (they win over every other source)."""
    table: dict[str, str] = {}
    for key, value in overrides.items():
        if not isinstance(key, str) or not isinstance(value, str) or not value.strip():
            continue
        table[normalise_issn(key) or normalise_journal(key)] = value.strip()
    global _overrides_set, _generation
    with _overrides_lock:
        _overrides.clear()
        _overrides.update(table)
        _overrides_set = True
        _generation += 1


def overrides() -> dict[str, str]:
    """The user's abbreviations as set (normalised keys)."""
    with _overrides_lock:
        return dict(_overrides)


def load_overrides_from_settings(path: Path | None = None) -> None:
    """Adopt the `journal_abbreviations` of the settings file (the CLI and the window call this once)."""
    from refmgr.core.settings import Settings
    from refmgr.paths import settings_file

    set_overrides(Settings.load(path or settings_file()).journal_abbreviations)


@dataclass(frozen=True)
class Abbreviation:
    """A journal abbreviation and where it came from (override, article, list, crossref, title)."""

    text: str
    source: str


def is_real_abbreviation(short: str, title: str) -> bool:
    """Whether SHORT abbreviates TITLE rather than repeating it ("The Lancet" for "The Lancet" does not)."""
    short_key, title_key = normalise_journal(short), normalise_journal(title)
    return bool(short_key) and short_key != title_key and len(short_key) < len(title_key or short_key + "x")


def lookup(title: str) -> str:
    """The NLM abbreviation of a journal title in the bundled lists; "" if none."""
    bundled = bundled_table()
    return next((bundled[key] for key in _variants(title) if key in bundled), "") if title.strip() else ""


def resolve(article: Article) -> Abbreviation:
    """The abbreviation to print: override > the article's NLM one > bundled list > Crossref's real one > title."""
    if not _overrides_set:
        load_overrides_from_settings()
    trusted = article.source not in UNTRUSTED_SOURCES
    return _resolve(article.journal.strip(), article.journal_abbrev.strip(), trusted, tuple(article.issn), _generation)


@lru_cache(maxsize=4096)
def _resolve(title: str, own: str, trusted: bool, issns: tuple[str, ...], generation: int) -> Abbreviation:
    """resolve() for one journal (memoised; GENERATION changes whenever the overrides do)."""
    with _overrides_lock:
        user = next((_overrides[k] for k in (normalise_issn(i) for i in issns) if k in _overrides), "")
        for name in (title, own) if not user else ():
            user = next((_overrides[k] for k in _variants(name) if k in _overrides), "") if name else ""
            if user:
                break
    if user:
        return Abbreviation(user, "override")
    if own and trusted:
        return Abbreviation(nlm_form(own), "article")
    listed = lookup(title) or (lookup(own) if own else "")
    if listed:
        return Abbreviation(listed, "list")
    if own and (not title or is_real_abbreviation(own, title)):
        return Abbreviation(nlm_form(own), "crossref")
    return Abbreviation(title or own, "title")


if __name__ == "__main__":
    print(build_prebuilt())
