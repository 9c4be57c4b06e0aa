"""Turn files and text into library records, with a per-item report."""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from refmgr.core import sqlerrors
from refmgr.core.changes import Changes
from refmgr.core.fieldcaps import cap_article
from refmgr.core.formats import ParsedRecord, detect_reader
from refmgr.core.library import Library, LibraryError
from refmgr.core.textio import InputError, read_text_file

BATCH_SIZE = 500
ITEM_STATUSES = (
    "added", "updated", "duplicate", "enriched", "unchanged", "pending", "not_found", "non_crossref", "failed",
)  # fmt: skip
OK_STATUSES = {"added", "updated", "duplicate", "enriched", "unchanged"}
# Errors that fail one record (bad data from a reader); a locked or broken library still stops the import.
SAVE_ERRORS = (sqlite3.IntegrityError, ValueError, TypeError)

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


@dataclass
class ItemReport:
    """What happened to one input item."""

    label: str
    status: str
    article_id: int | None = None
    message: str = ""
    source: str = ""

    def line(self) -> str:
        """One line of the printed report."""
        where = f" [{self.source}]" if self.source else ""
        ident = f" (#{self.article_id})" if self.article_id is not None else ""
        message = f": {self.message}" if self.message else ""
        return f"{self.status:<12} {self.label}{ident}{where}{message}"


@dataclass
class ImportReport:
    """Per-item results and general warnings of one import."""

    items: list[ItemReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    cancelled: bool = False
    stopped: str = ""  # why the import stopped early (disk full, read-only, damaged library), with what was saved
    changes: Changes = field(default_factory=Changes)  # what the import changed in the library

    def extend(self, other: ImportReport) -> None:
        """Append another report's items and warnings."""
        self.items.extend(other.items)
        self.warnings.extend(other.warnings)
        self.unreadable.extend(other.unreadable)
        self.cancelled = self.cancelled or other.cancelled
        self.stopped = self.stopped or other.stopped

    def counts(self) -> dict[str, int]:
        """How many items ended in each status."""
        counts = dict.fromkeys(ITEM_STATUSES, 0)
        for item in self.items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return {k: v for k, v in counts.items() if v}

    @property
    def ok(self) -> bool:
        """True when every item was imported or already present."""
        return not self.unreadable and not self.stopped and all(i.status in OK_STATUSES for i in self.items)

    @property
    def article_ids(self) -> list[int]:
        """Ids of the articles this import added or touched."""
        return [i.article_id for i in self.items if i.article_id is not None]

    def summary(self) -> str:
        """A one-line summary such as "2 added, 1 updated, 1 failed"."""
        parts = [f"{n} {status.replace('_', ' ')}" for status, n in self.counts().items()]
        if self.unreadable:
            parts.append(f"{len(self.unreadable)} unreadable input(s)")
        return ", ".join(parts) or "nothing to import"

    def render(self) -> str:
        """The full report as text: one line per item, then warnings and the summary."""
        lines = [item.line() for item in self.items]
        lines += [f"warning      {w}" for w in self.warnings]
        lines += [f"unreadable   {u}" for u in self.unreadable]
        if self.stopped:
            lines.append(f"stopped      {self.stopped}")
        lines.append(self.summary())
        return "\n".join(lines)


def _label(record: ParsedRecord) -> str:
    article = record.article
    if article is None:
        return record.location
    ident = f"doi:{article.doi}" if article.doi else f"PMID {article.pmid}" if article.pmid else ""
    title = article.title if len(article.title) <= 70 else article.title[:67] + "..."
    return " ".join(filter(None, [ident, f"“{title}”" if title else ""])) or record.location


def guarded(records: Iterable[ParsedRecord], source: str) -> Iterator[ParsedRecord]:
    """A reader's records, fields capped; a reader that breaks on hostile input ends in one failed item, not a crash."""
    iterator = iter(records)
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            return
        except Exception as error:  # e.g. RecursionError on absurdly nested JSON or XML
            message = f"{source}: reading stopped on malformed input ({type(error).__name__}); earlier records kept"
            yield ParsedRecord("rest of file", error=message)
            return
        if record.article is not None:
            record.warnings.extend(cap_article(record.article))  # every reader's fields capped in one place
        yield record


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = True


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for a while (reference counting still frees what is dropped).

    Reading 10,000 records allocates about a million objects that all stay alive, and the collector scans them
    again and again: a third to a half of the readers' time. Nested and concurrent pauses (an import in a GUI
    worker while another runs) are counted; the last one to end restores the collector as it was.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def save_records(
    library: Library,
    records: Iterable[ParsedRecord],
    source: str,
    cancel: CancelCheck | None = None,
    on_item: Callable[[ItemReport], None] | None = None,
) -> ImportReport:
    """Save parsed records in batched transactions; failures are reported, never fatal.

    on_item hears of each record once its batch is committed (so a window can show the rows batch by batch).
    """
    with paused_gc():
        return _save_records(library, records, source, cancel, on_item)


def _save_records(
    library: Library,
    records: Iterable[ParsedRecord],
    source: str,
    cancel: CancelCheck | None,
    on_item: Callable[[ItemReport], None] | None,
) -> ImportReport:
    report = ImportReport()
    told = 0

    def tell() -> None:
        nonlocal told
        if on_item is not None:
            for item in report.items[told:]:
                on_item(item)
        told = len(report.items)

    batch: list[ParsedRecord] = []

    def flush() -> None:
        if not batch:
            return
        articles = [record.article for record in batch if record.article is not None]
        results = library.save_batch(articles, source=source, catch=SAVE_ERRORS)
        for record, result in zip(batch, results, strict=True):
            where = f"{source} {record.location}"
            if isinstance(result, Exception):  # the record's savepoint was rolled back: nothing half-written
                report.items.append(ItemReport(_label(record), "failed", None, f"not saved: {result}", where))
                continue
            message = f"same {result.matched_by} as #{result.article_id}" if result.matched_by else ""
            report.items.append(ItemReport(_label(record), result.action, result.article_id, message, where))
        batch.clear()
        tell()

    try:
        for record in guarded(records, source):
            if cancel is not None and cancel():
                report.cancelled = True
                break
            report.warnings.extend(f"{source} {record.location}: {w}" for w in record.warnings)
            if record.article is None:
                flush()  # keep the report in input order
                report.items.append(ItemReport(record.location, "failed", None, record.error, source))
                continue
            batch.append(record)
            if len(batch) >= BATCH_SIZE:
                flush()
        flush()
    except (LibraryError, sqlite3.Error) as error:  # the disk or the file failed: stop, and say what was saved
        report.stopped = storage_stop(error, report)
        report.items += [ItemReport(_label(r), "failed", None, "not saved (import stopped)", source) for r in batch]
    tell()
    return report


def storage_stop(error: Exception, report: ImportReport) -> str:
    """Why an import stopped on a storage error, and how many records were saved before it (in the library)."""
    cause = sqlerrors.find_cause(error)
    kind = sqlerrors.error_kind(cause) if cause is not None else getattr(error, "kind", sqlerrors.OTHER)
    if kind == sqlerrors.OTHER and cause is None and not isinstance(error, LibraryError):
        raise error
    saved = sum(1 for item in report.items if item.status in ("added", "updated"))
    records = f"{saved:,} record{'s' if saved != 1 else ''}"
    if kind == sqlerrors.FULL:
        return f"the disk is full: {records} saved before it filled; the rest of the input was not imported"
    reason = sqlerrors.describe(cause) if cause is not None else str(error)
    if not saved:
        return f"{reason}; nothing was imported"
    return f"{reason}; {records} saved before the import stopped; the rest of the input was not imported"


def import_text(library: Library, text: str, source: str, cancel: CancelCheck | None = None) -> ImportReport:
    """Import the records in a text whose format is detected from its content."""
    reader = detect_reader(text, source)
    if reader is None:
        report = ImportReport()
        report.unreadable.append(f"{source}: not a format refmgr knows (PubMed page, MEDLINE/.nbib, ...)")
        return report
    return save_records(library, reader.parse(text), source, cancel)


def import_file(library: Library, path: Path, cancel: CancelCheck | None = None) -> ImportReport:
    """Import one file; unreadable files are reported, not raised."""
    try:
        decoded = read_text_file(path)
    except InputError as error:
        report = ImportReport()
        report.unreadable.append(str(error))
        return report
    report = import_text(library, decoded.text, str(path), cancel)
    report.warnings[:0] = decoded.warnings
    return report


def import_files(
    library: Library,
    paths: Iterable[Path],
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> ImportReport:
    """Import several files, reporting progress as (files done, files total)."""
    paths = list(paths)
    report = ImportReport()
    for done, path in enumerate(paths):
        if cancel is not None and cancel():
            report.cancelled = True
            break
        report.extend(import_file(library, path, cancel))
        if progress is not None:
            progress(done + 1, len(paths))
    return report
