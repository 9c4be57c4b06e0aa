"""File formats: each module reads (and some write) one format; detection is by content."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol

from refmgr.core.model import Article

# Reader modules, each with NAME, EXTENSIONS, sniff(text) -> int (0-100) and parse(text) -> iterator.
READER_MODULES = ("pubmed_page", "medline", "ris", "bibtex", "csl_json", "jats", "pubmed_xml")


@dataclass
class ParsedRecord:
    """One record read from a file: an article, or an error naming where it went wrong."""

    location: str
    article: Article | None = None
    error: str = ""
    warnings: list[str] = field(default_factory=list)


class Reader(Protocol):
    """What a format module provides."""

    NAME: str
    EXTENSIONS: tuple[str, ...]

    def sniff(self, text: str) -> int: ...

    def parse(self, text: str) -> Iterator[ParsedRecord]: ...


def readers() -> list[ModuleType]:
    """Every reader module, in registry order."""
    return [importlib.import_module(f"refmgr.core.formats.{name}") for name in READER_MODULES]


def detect_reader(text: str, filename: str = "") -> ModuleType | None:
    """The reader whose sniff scores the text highest; the extension breaks ties."""
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    best: tuple[int, int, ModuleType] | None = None
    for module in readers():
        score = module.sniff(text)
        if score <= 0:
            continue
        bonus = 1 if suffix and suffix in module.EXTENSIONS else 0
        if best is None or (score, bonus) > best[:2]:
            best = (score, bonus, module)
    return best[2] if best else None


def reader_by_name(name: str) -> ModuleType:
    """The reader module called NAME (for --format)."""
    for module in readers():
        if name == module.NAME:
            return module
    raise KeyError(name)
