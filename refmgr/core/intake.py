"""The one entry point for any input: files, pasted text, DOIs and identifiers -> library records."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from refmgr.core import lists
from refmgr.core.crossref import cache
from refmgr.core.crossref.client import ERROR, FAILED, FOUND, NON_CROSSREF, CrossrefClient, Lookup
from refmgr.core.crossref.mapping import slim_work, work_to_article
from refmgr.core.formats import ParsedRecord, detect_reader
from refmgr.core.identifiers import extract_identifiers, normalise_doi
from refmgr.core.importer import ImportReport, ItemReport, guarded, save_records
from refmgr.core.library import Library, now_iso
from refmgr.core.textio import MAX_INPUT_BYTES, InputError, read_text_file, utf8_size

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]
ItemCallback = Callable[[ItemReport], None]
BatchCallback = Callable[[], None]
SAVE_BATCH = 200
PUBMED_UNREACHABLE = (
    "PubMed cannot be reached with PubMed and Europe PMC turned off (--no-enrich, or the enrich setting): add the "
    "article's DOI, or import its PubMed page or MEDLINE/.nbib file"
)
NO_CLIENT = "offline: no Crossref connection (run `refmgr sync` when online)"


@dataclass
class _Wanted:
    """A DOI to look up, where it came from and the reading list it is meant for."""

    doi: str
    source: str
    list_id: int | None


class _Run:
    """Shared state of one import: report, progress and callbacks."""

    def __init__(self, progress: ProgressCallback | None, cancel: CancelCheck | None, on_item: ItemCallback | None,
                 on_batch: BatchCallback | None = None):  # fmt: skip
        self.report = ImportReport()
        self.progress, self.cancel, self.on_item, self.on_batch = progress, cancel, on_item, on_batch
        self.done = 0
        self.total = 0

    def cancelled(self) -> bool:
        if self.cancel is not None and self.cancel():
            self.report.cancelled = True
            return True
        return False

    def add(self, item: ItemReport) -> None:
        self.report.items.append(item)
        self.tell(item)

    def tell(self, item: ItemReport) -> None:
        if self.on_item is not None:
            self.on_item(item)

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)


def import_inputs(
    library: Library,
    *,
    texts: Sequence[str] = (),
    paths: Sequence[Path] = (),
    client: CrossrefClient | None,
    list_id: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_item: ItemCallback | None = None,
    on_batch: BatchCallback | None = None,
    sources: Any = None,
) -> ImportReport:
    """Import files and texts: known formats are parsed, anything else is scanned for DOIs fetched from Crossref.

    With `sources` (refmgr.core.sources.enrich.Sources), PMIDs and PMCIDs are fetched from PubMed too, and every
    imported article with a DOI or PMID is then enriched from PubMed and Europe PMC (see _pubmed_stages).
    on_item hears of each item once it is committed; on_batch is called after each Crossref batch is saved,
    before the next is asked for (the window waits there until the batch's rows are on screen).
    """
    run = _Run(progress, cancel, on_item, on_batch)
    seq = library.change_seq()
    from refmgr.core.pdf.intake import import_pdfs, split_pdfs  # PDF intake builds on this module

    pdfs, paths = split_pdfs(paths)
    pubmed_wanted: list[Any] | None = [] if sources is not None else None
    inputs: list[tuple[str, str]] = []
    for number, text in enumerate(texts, start=1):
        source = f"text {number}" if len(texts) > 1 else "text"
        refusal = oversize_text(text, f"pasted or dropped {source}")
        if refusal:
            run.report.unreadable.append(refusal)
        else:
            inputs.append((text, source))
    for path in paths:
        try:
            decoded = read_text_file(Path(path))
        except InputError as error:
            run.report.unreadable.append(str(error))
            continue
        run.report.warnings.extend(decoded.warnings)
        inputs.append((decoded.text, str(path)))
    run.total = len(inputs)
    wanted: dict[str, _Wanted] = {}
    imported_ids: list[int] = []
    for text, source in inputs:
        if run.cancelled():
            break
        reader = detect_reader(text, source)
        records = _records_with_an_article(guarded(reader.parse(text), source)) if reader is not None else None
        if records is not None:
            parsed = save_records(library, records, source, cancel, on_item=run.tell)
            run.report.items.extend(parsed.items)
            for item in parsed.items:
                if item.article_id is not None and item.status in ("added", "updated", "duplicate"):
                    imported_ids.append(item.article_id)
            run.report.warnings.extend(parsed.warnings)
            run.report.cancelled = run.report.cancelled or parsed.cancelled
            if parsed.stopped:  # the disk or the library failed: the rest cannot be saved either
                run.report.stopped = parsed.stopped
                break
            _complete_authors(library, client, [i.article_id for i in parsed.items if i.article_id is not None], run)
        else:
            _collect_identifiers(library, text, source, list_id, wanted, run, imported_ids, pubmed_wanted)
        run.step()
    if run.report.stopped:
        run.report.changes = library.changes_since(seq)[0]
        return run.report
    imported_ids += _fetch_and_save(library, client, list(wanted.values()), run, refresh=False)
    imported_ids += import_pdfs(library, pdfs, client, list_id, run)
    imported_ids += _pubmed_stages(library, sources, client, pubmed_wanted or [], imported_ids, run)
    if list_id is not None and imported_ids:
        lists.add_to_list(library, list_id, list(dict.fromkeys(imported_ids)))
    run.report.changes = library.changes_since(seq)[0]
    return run.report


def _records_with_an_article(records: Iterator[ParsedRecord]) -> Iterator[ParsedRecord] | None:
    """The records as a stream, or None when none of them holds an article (then the text is scanned for DOIs).

    Only the records before the first article are held; the rest is read as it is saved.
    """
    held: list[ParsedRecord] = []
    for record in records:
        held.append(record)
        if record.article is not None:
            return chain(held, records)
    return None


def _pubmed_stages(
    library: Library, sources: Any, client: CrossrefClient | None, pubmed_wanted: list[Any], imported: list[int],
    run: _Run,
) -> list[int]:
    """The PubMed/Europe PMC stages (refmgr.core.sources.stages): PMIDs and PMCIDs in, then enrichment; new ids."""
    if sources is None:
        return []
    from refmgr.core.sources.stages import enrichment_stage, pubmed_id_stage

    ids = pubmed_id_stage(library, sources, client, pubmed_wanted, run)
    enrichment_stage(library, sources, [*imported, *ids], run)
    return ids


def oversize_text(text: str, name: str, limit: int = MAX_INPUT_BYTES) -> str:
    """The refusal message for text over the input limit (as UTF-8, like a file), or "" if it fits."""
    size = utf8_size(text, limit)
    if size <= limit:
        return ""
    return f"{name}: {size / 2**20:.1f} MB is over the {limit / 2**20:g} MB limit (the same as for one file)"


def _collect_identifiers(
    library: Library,
    text: str,
    source: str,
    list_id: int | None,
    wanted: dict[str, _Wanted],
    run: _Run,
    imported_ids: list[int],
    pubmed_wanted: list[Any] | None = None,
) -> None:
    identifiers = extract_identifiers(text)
    if not identifiers:
        run.report.unreadable.append(f"{source}: not a format refmgr knows, and no DOI or PMID in it")
        return
    has_doi = any(i.kind == "doi" for i in identifiers)
    for identifier in identifiers:
        if identifier.kind == "doi":
            wanted.setdefault(identifier.value, _Wanted(identifier.value, source, list_id))
            continue
        label = f"PMID {identifier.value}" if identifier.kind == "pmid" else identifier.value
        article_id = library.find(identifier.value)
        if article_id is not None:
            run.add(ItemReport(label, "duplicate", article_id, "already in the library", source))
            imported_ids.append(article_id)
        elif pubmed_wanted is not None:
            pubmed_wanted.append((identifier, source, list_id))
        elif has_doi:
            run.report.warnings.append(f"{source}: {label} was not looked up, only the DOIs beside it were "
                                       f"({PUBMED_UNREACHABLE})")  # fmt: skip
        else:
            run.add(ItemReport(label, "failed", None, PUBMED_UNREACHABLE, source))


def _complete_ids(library: Library, dois: list[str]) -> dict[str, int]:
    """Articles already in the library with a title, year and first author, by DOI."""
    found: dict[str, int] = {}
    for start in range(0, len(dois), 500):
        chunk = dois[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = library.conn.execute(
            f"SELECT doi, id FROM articles WHERE doi IN ({marks}) AND title != '' AND year IS NOT NULL "
            "AND first_author != ''",
            chunk,
        )
        found.update(dict(rows.fetchall()))
    return found


def _fetch_and_save(
    library: Library, client: CrossrefClient | None, wanted: list[_Wanted], run: _Run, refresh: bool
) -> list[int]:
    """Look DOIs up (library, cache, then Crossref in batches), save them and report each; return article ids."""
    if not wanted:
        return []
    run.total += len(wanted)
    ids: list[int] = []
    by_doi = {w.doi: w for w in wanted}
    if not refresh:
        for doi, article_id in _complete_ids(library, list(by_doi)).items():
            w = by_doi.pop(doi)
            _clear_pending(library, [doi])
            run.add(ItemReport(f"doi:{doi}", "duplicate", article_id, "already in the library", w.source))
            ids.append(article_id)
            run.step()
        for doi, work in cache.cached(library, list(by_doi)).items():
            ids += _save_found(library, [(by_doi.pop(doi), work)], run, "from the cache")
    if not by_doi:
        return ids
    if client is None or run.cancelled():
        reason = NO_CLIENT if client is None else "import cancelled before the lookup"
        _to_pending(library, [Lookup(d, FAILED, reason=reason) for d in by_doi], by_doi, run)
        return ids
    base = run.done

    def fetch_progress(done: int, total: int) -> None:
        if run.progress is not None:
            run.progress(max(run.done, min(base + done, run.total)), run.total)

    saved: set[str] = set()

    def save(batch: dict[str, Lookup]) -> None:
        """Save and report what a reply brought (each batch as it arrives, the rest at the end)."""
        found = [(by_doi[d], r.work) for d, r in batch.items()
                 if r.status == FOUND and r.work is not None and d not in saved]  # fmt: skip
        if found:
            cache.store(library, {w.doi: slim_work(work) for w, work in found})
        for start in range(0, len(found), SAVE_BATCH):
            ids.extend(_save_found(library, found[start : start + SAVE_BATCH], run, ""))
        saved.update(w.doi for w, _ in found)
        if found and run.on_batch is not None:
            run.on_batch()

    try:
        results = client.fetch(list(by_doi), progress=fetch_progress, cancel=run.cancel, on_batch=save)
    except KeyboardInterrupt:  # Ctrl+C: what was asked for and not yet saved is kept as pending, then it goes on
        unsaved = [d for d in by_doi if d not in saved]
        _to_pending(library, [Lookup(d, FAILED, reason="interrupted (Ctrl+C)") for d in unsaved], by_doi, run)
        raise
    skipped = [d for d in by_doi if d not in results]
    if skipped:
        run.report.cancelled = True
        results.update({d: Lookup(d, FAILED, reason="import cancelled before the lookup") for d in skipped})
    save(results)
    _to_pending(library, [r for r in results.values() if r.status == FAILED], by_doi, run)
    for lookup in results.values():
        if lookup.status in (FOUND, FAILED):
            continue
        status = {NON_CROSSREF: "non_crossref", ERROR: "failed"}.get(lookup.status, "not_found")
        _clear_pending(library, [lookup.doi])
        run.add(ItemReport(f"doi:{lookup.doi}", status, None, lookup.reason, by_doi[lookup.doi].source))
        run.step()
    return ids


def _complete_authors(library: Library, client: CrossrefClient | None, ids: list[int], run: _Run) -> None:
    """Articles whose source listed only some authors ("Fung KFK et al.") get Crossref's list when a DOI is known.

    Quiet: the article is already reported as imported; Crossref's record is merged into it (its fuller
    author list replaces the partial one), and on failure it stays as imported (marked incomplete, so
    bibliographies print "et al.").
    """
    rows: list[tuple[str, int]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows += library.conn.execute(
            f"SELECT doi, id FROM articles WHERE id IN ({marks}) AND authors_incomplete = 1 AND doi IS NOT NULL",
            chunk,
        ).fetchall()
    if not rows or run.cancelled():
        return
    merge_crossref_records(library, client, list(dict.fromkeys(doi for doi, _ in rows)), run.cancel)


def merge_crossref_records(library: Library, client: CrossrefClient | None, dois: list[str], cancel: CancelCheck | None,
                           use_cache: bool = True) -> None:  # fmt: skip
    """Crossref's records of these DOIs (cached ones first with `use_cache`) merged quietly: a miss changes nothing."""
    works = cache.cached(library, dois) if use_cache else {}
    missing = [d for d in dois if d not in works]
    if missing and client is not None:
        results = client.fetch(missing, cancel=cancel)
        fetched = {d: r.work for d, r in results.items() if r.status == FOUND and r.work is not None}
        cache.store(library, {d: slim_work(work) for d, work in fetched.items()})
        works.update(fetched)
    if works:
        with library.transaction():
            for work in works.values():
                library.save(work_to_article(work), source="crossref")


def _save_found(library: Library, found: list[tuple[_Wanted, dict]], run: _Run, note: str) -> list[int]:
    """Save fetched works in one transaction; report them after the commit, so readers can see them."""
    ids = []
    items: list[ItemReport] = []
    with library.transaction():
        for wanted, work in found:
            article = work_to_article(work)
            result = library.save(article, source="crossref")
            library.conn.execute("DELETE FROM pending WHERE doi = ?", (wanted.doi,))
            if wanted.list_id is not None:
                lists.add_to_list(library, wanted.list_id, [result.article_id])
            ids.append(result.article_id)
            title = article.title if len(article.title) <= 70 else article.title[:67] + "..."
            notes = [note] if note else []
            if result.matched_by:
                notes.append(f"same {result.matched_by} as #{result.article_id}")
            if article.retracted:
                notes.append("RETRACTED")
            items.append(ItemReport(f"doi:{wanted.doi} “{title}”", result.action, result.article_id, "; ".join(notes),
                                    wanted.source))  # fmt: skip
    for item in items:
        run.add(item)
        run.step()
    return ids


def _to_pending(library: Library, failed: list[Lookup], by_doi: dict[str, _Wanted], run: _Run) -> None:
    if not failed:
        return
    stamp = now_iso()
    with library.transaction():
        library.conn.executemany(
            "INSERT INTO pending (doi, reason, attempts, first_seen, last_attempt, list_id) VALUES (?, ?, 1, ?, ?, ?) "
            "ON CONFLICT(doi) DO UPDATE SET reason = excluded.reason, attempts = pending.attempts + 1, "
            "last_attempt = excluded.last_attempt, list_id = coalesce(excluded.list_id, pending.list_id)",
            [(f.doi, f.reason, stamp, stamp, by_doi[f.doi].list_id) for f in failed],
        )
    for lookup in failed:
        run.add(ItemReport(f"doi:{lookup.doi}", "pending", None, f"{lookup.reason}; kept for `refmgr sync`",
                           by_doi[lookup.doi].source))  # fmt: skip
        run.step()


def _clear_pending(library: Library, dois: list[str]) -> None:
    with library.transaction():
        library.conn.executemany("DELETE FROM pending WHERE doi = ?", [(d,) for d in dois])


def pending_dois(library: Library) -> list[tuple[str, str, int, int | None]]:
    """The DOIs waiting for Crossref: (doi, reason, attempts, list_id), oldest first."""
    rows = library.conn.execute("SELECT doi, reason, attempts, list_id FROM pending ORDER BY first_seen, doi")
    return [tuple(row) for row in rows]


def sync_pending(
    library: Library,
    client: CrossrefClient | None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_item: ItemCallback | None = None,
    on_batch: BatchCallback | None = None,
    sources: Any = None,
) -> ImportReport:
    """Retry every pending DOI; those that fail again stay pending with the new reason (and enrichments, too)."""
    run = _Run(progress, cancel, on_item, on_batch)
    seq = library.change_seq()
    wanted = [_Wanted(doi, "pending", list_id) for doi, _, _, list_id in pending_dois(library)]
    ids = _fetch_and_save(library, client, wanted, run, refresh=False)
    if sources is not None:
        from refmgr.core.sources.enrich import pending_enrichment
        from refmgr.core.sources.stages import enrichment_stage

        enrichment_stage(library, sources, [*pending_enrichment(library), *ids], run)
    run.report.changes = library.changes_since(seq)[0]
    return run.report


def refresh_articles(
    library: Library,
    client: CrossrefClient | None,
    article_ids: Sequence[int],
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_item: ItemCallback | None = None,
    sources: Any = None,
) -> ImportReport:
    """Fetch these articles' records from Crossref again, ignoring the cache, and merge them in.

    With `sources`, PubMed and Europe PMC are asked again too (their cache bypassed as well).
    """
    run = _Run(progress, cancel, on_item)
    wanted = []
    for article_id in article_ids:
        row = library.conn.execute("SELECT doi FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row and row[0]:
            wanted.append(_Wanted(normalise_doi(row[0]), "refresh", None))
        else:
            run.add(ItemReport(f"#{article_id}", "failed", article_id, "no DOI to look up in Crossref", "refresh"))
    seq = library.change_seq()
    _fetch_and_save(library, client, wanted, run, refresh=True)
    if sources is not None:
        from refmgr.core.sources.stages import enrichment_stage

        enrichment_stage(library, sources, article_ids, run, refresh=True)
    run.report.changes = library.changes_since(seq)[0]
    return run.report
