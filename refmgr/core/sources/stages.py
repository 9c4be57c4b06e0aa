"""Intake's PubMed stages: PMIDs/PMCIDs as input, and enrichment of every imported article, batch by batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from refmgr.core import lists
from refmgr.core.identifiers import Identifier
from refmgr.core.importer import OK_STATUSES, ImportReport, ItemReport
from refmgr.core.intake import merge_crossref_records
from refmgr.core.library import Library
from refmgr.core.sources.cache import slim_record, store
from refmgr.core.sources.enrich import Sources, enrich_articles
from refmgr.core.sources.europepmc import as_pmcid
from refmgr.core.sources.mapping import article_from_epmc
from refmgr.core.sources.pubmed import article_from_record

if TYPE_CHECKING:
    from refmgr.core.crossref.client import CrossrefClient

NO_RECORD = "PubMed has no record with this PMID"
NO_PMCID = "Europe PMC has no article with this PMCID"


def pubmed_id_stage(library: Library, sources: Sources, client: CrossrefClient | None,
                    wanted: Sequence[tuple[Identifier, str, int | None]], run: Any) -> list[int]:  # fmt: skip
    """PMIDs and PMCIDs (with their input and list): PubMed's record saved, then Crossref's by its DOI; ids back."""
    # `run` is intake's run state (add, step, cancelled, report). PMCIDs are turned into PMIDs through Europe PMC.
    if not wanted:
        return []
    run.total += len(wanted)
    pmids: dict[str, tuple[str, str, int | None]] = {}  # pmid -> (label, source, list id)
    pmcids = [(i.value, source, list_id) for i, source, list_id in wanted if i.kind == "pmcid"]
    if pmcids:
        outcome = sources.europepmc.lookup([("pmcid", p) for p, _, _ in pmcids], run.cancel)
        for pmcid, source, list_id in pmcids:
            result = outcome.found.get(("pmcid", pmcid))
            pmid = article_from_epmc(result).pmid if result else ""
            if pmid:
                pmids[pmid] = (pmcid, source, list_id)
            else:
                reason = outcome.failed.get(("pmcid", pmcid))
                _report(run, ItemReport(pmcid, "pending" if reason else "failed", None, reason or NO_PMCID, source))
    for identifier, source, list_id in wanted:
        if identifier.kind == "pmid":
            pmids.setdefault(identifier.value, (f"PMID {identifier.value}", source, list_id))
    if run.cancelled():
        for label, source, _ in pmids.values():
            _report(run, ItemReport(label, "failed", None, "import cancelled before the lookup", source))
        return []
    fetched = sources.pubmed.efetch(list(pmids), run.cancel)
    articles = {p: article_from_record(e) for p, e in fetched.records.items()}  # before the cache slims them
    store(library, "pubmed", {p: slim_record(e) for p, e in fetched.records.items()})
    ids: list[int] = []
    saved: dict[str, int] = {}
    for pmid, (label, source, list_id) in pmids.items():
        if pmid not in fetched.records:
            reason = fetched.failed.get(pmid)
            message = f"{reason}; try again later" if reason else NO_RECORD
            _report(run, ItemReport(label, "failed", None, message, source))
            continue
        article = articles[pmid]
        article.pmcid = article.pmcid or (as_pmcid(label) if label.startswith("PMC") else "")
        result = library.save(article, source="pubmed")
        if list_id is not None:
            lists.add_to_list(library, list_id, [result.article_id])
        ids.append(result.article_id)
        if article.doi:
            saved[article.doi] = result.article_id
        title = article.title if len(article.title) <= 70 else article.title[:67] + "..."
        _report(run, ItemReport(f"{label} “{title}”", result.action, result.article_id, "from PubMed", source))
    _crossref_after(library, client, saved, run)
    return ids


def _crossref_after(library: Library, client: CrossrefClient | None, saved: dict[str, int], run: Any) -> None:
    """Complete articles added from PubMed with Crossref's record of their DOI (quietly: a miss changes nothing)."""
    if client is None or not saved or run.cancelled():
        return
    merge_crossref_records(library, client, list(saved), run.cancel, use_cache=False)


def _report(run: Any, item: ItemReport) -> None:
    run.add(item)
    run.step()


def enrichment_stage(library: Library, sources: Sources, article_ids: Sequence[int], run: Any,
                     refresh: bool = False) -> None:  # fmt: skip
    """After an import: PubMed and Europe PMC for the imported articles not yet looked up, batch by batch."""
    # Articles enriched are reported as items; articles without a PubMed or Europe PMC record stay as they are,
    # silently; network trouble leaves them pending for `refmgr sync` and is summed up in one warning. `refresh`
    # asks again for articles already looked up, bypassing the cached replies.
    known = set() if refresh else _already_checked(library, article_ids)
    ids = [i for i in dict.fromkeys(article_ids) if i not in known]
    if not ids or run.cancelled():
        return
    base = run.done
    run.total += len(ids)

    def progress(done: int, _total: int) -> None:
        if run.progress is not None:
            run.progress(min(base + done, run.total), run.total)

    report = enrich_articles(library, sources, ids, refresh=refresh, progress=progress, cancel=run.cancel,
                             on_item=lambda item: _forward(run, item))  # fmt: skip
    run.done = base + len(ids)
    pending = [item for item in report.items if item.status == "pending"]
    if pending:
        reasons = "; ".join(dict.fromkeys(item.message.split("; kept")[0] for item in pending))
        run.report.warnings.append(
            f"PubMed/Europe PMC: {len(pending)} article(s) not enriched yet ({reasons}); kept for `refmgr sync`"
        )
    run.report.cancelled = run.report.cancelled or report.cancelled


def _forward(run: Any, item: ItemReport) -> None:
    if item.status == "enriched":
        run.add(item)


def _already_checked(library: Library, article_ids: Sequence[int]) -> set[int]:
    ids = list(dict.fromkeys(article_ids))
    checked: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = library.conn.execute(
            f"SELECT article_id FROM enrichment WHERE status != 'pending' AND article_id IN ({marks})", chunk
        )
        checked.update(row[0] for row in rows)
    return checked


def enrich_report(library: Library, sources: Sources, report: ImportReport, progress: Any = None,
                  cancel: Any = None, on_item: Any = None) -> None:  # fmt: skip
    """Enrich what a file import brought (the enrichment stage run after importer.import_files)."""
    from refmgr.core.intake import _Run

    run = _Run(progress, cancel, on_item)
    run.report = report
    ids = [i.article_id for i in report.items if i.article_id is not None and i.status in OK_STATUSES]
    enrichment_stage(library, sources, ids, run)
