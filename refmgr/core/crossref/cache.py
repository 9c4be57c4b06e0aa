"""Raw Crossref work records kept in the library (table crossref_cache) with their fetch date."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from refmgr.core.identifiers import normalise_doi
from refmgr.core.library import Library, now_iso


def cached(library: Library, dois: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Cached work messages for these DOIs, by normalised DOI (missing ones left out)."""
    wanted = [d for d in (normalise_doi(x) for x in dois) if d]
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for doi, body in library.conn.execute(f"SELECT doi, body FROM crossref_cache WHERE doi IN ({marks})", chunk):
            found[doi] = json.loads(body)
    return found


def store(library: Library, works: Mapping[str, dict[str, Any]]) -> None:
    """Keep the raw work messages, replacing older copies."""
    stamp = now_iso()
    rows = [(normalise_doi(doi), stamp, json.dumps(work, ensure_ascii=False)) for doi, work in works.items()]
    with library.transaction():
        library.conn.executemany("INSERT OR REPLACE INTO crossref_cache (doi, fetched_at, body) VALUES (?, ?, ?)", rows)


def fetched_at(library: Library, doi: str) -> str | None:
    """When a DOI's record was fetched, or None if it never was."""
    row = library.conn.execute("SELECT fetched_at FROM crossref_cache WHERE doi = ?", (normalise_doi(doi),)).fetchone()
    return row[0] if row else None
