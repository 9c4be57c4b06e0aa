"""The library's cache of PubMed and Europe PMC replies (the parts refmgr reads), with their fetch date."""

from __future__ import annotations

import json
from collections.abc import Sequence
from xml.etree.ElementTree import Element, tostring

from refmgr.core.library import Library, now_iso
from refmgr.core.model import Figure
from refmgr.core.sources.europepmc import Key
from refmgr.core.sources.fulltext import FullText


def cached(library: Library, source: str, keys: Sequence[str]) -> dict[str, str]:
    """Cached bodies of one source by key."""
    found: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        rows = library.conn.execute(f"SELECT key, body FROM source_cache WHERE source = ? AND key IN ({marks})",
                                    [source, *chunk])  # fmt: skip
        found.update(dict(rows.fetchall()))
    return found


def store(library: Library, source: str, bodies: dict[str, str]) -> None:
    """Keep replies (or the part refmgr reads) with their fetch date."""
    if not bodies:
        return
    stamp = now_iso()
    with library.transaction():
        library.conn.executemany("INSERT OR REPLACE INTO source_cache VALUES (?, ?, ?, ?)",
                                 [(source, key, stamp, body) for key, body in bodies.items()])  # fmt: skip


def cache_key(key: Key) -> str:
    return f"{key[0]}:{key[1]}"


UNREAD_PARTS = (
    ("PubmedData", "ReferenceList"), ("PubmedData", "History"), ("MedlineCitation/Article", "AuthorList"),
    ("MedlineCitation/Article", "GrantList"),
)  # fmt: skip


def slim_record(element: Element) -> str:
    """A PubMed record without what enrichment never reads (references, authors, grants, history), as XML text."""
    for parent_path, child in UNREAD_PARTS:
        parent = element.find(parent_path)
        for node in parent.findall(child) if parent is not None else []:
            parent.remove(node)
    return tostring(element, encoding="unicode")


def full_text_json(full: FullText) -> str:
    return json.dumps({"figures": [[f.label, f.legend] for f in full.figures], "license": full.license,
                       "notes": full.notes}, ensure_ascii=False)  # fmt: skip


def full_text_from_json(body: str) -> FullText:
    data = json.loads(body)
    figures = [Figure(label, legend, "europepmc") for label, legend in data["figures"]]
    return FullText(figures, data.get("license", ""), data.get("notes", []))
