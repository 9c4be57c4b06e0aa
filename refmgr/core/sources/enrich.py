"""Enrichment: PubMed and Europe PMC fill MeSH, keywords, types, trial numbers and legends of saved articles."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

from refmgr.core.crossref.ratelimit import SINGLE, Limit, RateLimiter, shared_limiter
from refmgr.core.importer import ImportReport, ItemReport
from refmgr.core.library import Library, now_iso
from refmgr.core.model import Article
from refmgr.core.settings import Settings
from refmgr.core.sources.cache import cache_key, cached, full_text_from_json, full_text_json, slim_record, store
from refmgr.core.sources.europepmc import EuropePMC, Key, as_pmcid, is_open_access
from refmgr.core.sources.fulltext import FullText
from refmgr.core.sources.mapping import article_from_epmc, open_access_url, slim_result
from refmgr.core.sources.patch import describe, patch_for
from refmgr.core.sources.pubmed import WITH_KEY, WITHOUT_KEY, PubMed, article_from_record, record_doi
from refmgr.core.sources.service import ServiceClient, SourceError

ENRICH_BATCH = 200  # articles gathered and saved together (one efetch at most)
EUROPEPMC_LIMITS = {SINGLE: Limit(5, 1.0, 3)}  # self-imposed: Europe PMC publishes no limit
ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]
ItemCallback = Callable[[ItemReport], None]


@dataclass
class Sources:
    """The PubMed and Europe PMC clients of one task (one per thread)."""

    europepmc: EuropePMC
    pubmed: PubMed
    on_stage: Callable[[str], None] | None = None  # told the stage's name as each batch starts (the window's bar)

    def close(self) -> None:
        """Close both clients' connections."""
        self.europepmc.service.close()
        self.pubmed.service.close()

    def __enter__(self) -> Sources:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def requests(self) -> dict[str, int]:
        """Requests made so far by each service, and 429 answers met."""
        epmc, ncbi = self.europepmc.service.stats, self.pubmed.service.stats
        return {"europepmc": epmc.requests, "eutils": ncbi.requests, "429": epmc.too_many + ncbi.too_many}


def make_sources(
    europepmc_url: str,
    eutils_url: str,
    email: str = "",
    api_key: str = "",
    timeout: float = 15.0,
    europepmc_limiter: RateLimiter | None = None,
    eutils_limiter: RateLimiter | None = None,
) -> Sources:
    """Clients for these base URLs; limiters default to the process-wide ones for each host."""
    # keyed by service too: a host serving several APIs (a proxy, a test server) must not share Crossref's pools
    epmc_limiter = europepmc_limiter or shared_limiter(
        f"europepmc@{urlsplit(europepmc_url).netloc}", True, EUROPEPMC_LIMITS
    )
    ncbi_limiter = eutils_limiter or shared_limiter(
        f"eutils@{urlsplit(eutils_url).netloc}", bool(api_key), WITH_KEY if api_key else WITHOUT_KEY
    )
    epmc = ServiceClient("Europe PMC", europepmc_url, epmc_limiter, email, timeout)
    ncbi = ServiceClient("PubMed", eutils_url, ncbi_limiter, email, timeout)
    return Sources(EuropePMC(epmc), PubMed(ncbi, email=email, api_key=api_key))


def sources_from_settings(settings: Settings, timeout: float = 15.0) -> Sources:
    """Clients for the configured addresses, the contact e-mail and the user's own NCBI key."""
    return make_sources(settings.effective_europepmc_url(), settings.effective_eutils_url(),
                        settings.effective_mailto(), settings.effective_ncbi_api_key(), timeout)  # fmt: skip


@dataclass
class Target:
    """A saved article to enrich, with the identifiers it has."""

    article_id: int
    doi: str
    pmid: str
    pmcid: str

    @property
    def key(self) -> Key | None:
        """The identifier Europe PMC is asked about."""
        if self.doi:
            return ("doi", self.doi)
        if self.pmid:
            return ("pmid", self.pmid)
        return ("pmcid", self.pmcid) if self.pmcid else None


@dataclass
class Found:
    """What the services said about one article, and what went wrong."""

    epmc: dict[str, Any] | None = None
    pubmed: Article | None = None
    full: FullText | None = None
    problems: list[str] = field(default_factory=list)


# ----- gathering -------------------------------------------------------------------------------


def targets_of(library: Library, article_ids: Sequence[int]) -> list[Target]:
    """The articles with a DOI, PMID or PMCID among these ids."""
    targets = []
    for start in range(0, len(article_ids), 500):
        chunk = list(article_ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        rows = library.conn.execute(f"SELECT id, doi, pmid, pmcid FROM articles WHERE id IN ({marks})", chunk)
        by_id = {row[0]: Target(row[0], row[1] or "", row[2] or "", row[3] or "") for row in rows}
        targets += [by_id[i] for i in chunk if i in by_id]
    return targets


def gather(library: Library, sources: Sources, targets: list[Target], refresh: bool = False,
           cancel: CancelCheck | None = None) -> dict[int, Found]:  # fmt: skip
    """Ask Europe PMC, then PubMed, then Europe PMC's full text, for these articles (cache first unless refresh)."""
    found = {t.article_id: Found() for t in targets}
    keyed = {t.article_id: t.key for t in targets if t.key is not None}
    _europepmc(library, sources, keyed, found, refresh, cancel)
    pmid_of = {}
    for target in targets:
        epmc = found[target.article_id].epmc or {}
        pmid = target.pmid or article_from_epmc(epmc).pmid
        if pmid:
            pmid_of[target.article_id] = pmid
    unknown = {t.article_id: t.doi for t in targets
               if t.doi and t.article_id not in pmid_of and not found[t.article_id].problems}  # fmt: skip
    candidates: list[str] = []
    if unknown:  # DOIs Europe PMC did not know: esearch [doi] first, so one efetch serves both
        candidates, failed = sources.pubmed.esearch_dois(list(dict.fromkeys(unknown.values())), cancel)
        for article_id, doi in unknown.items():
            if doi in failed:
                found[article_id].problems.append(failed[doi])
    records, failed_pmids = _pubmed(library, sources, pmid_of, candidates, found, refresh, cancel)
    by_doi = {record_doi(e): e for p, e in records.items() if p in candidates}
    lost = next((failed_pmids[p] for p in candidates if p in failed_pmids), "")
    for article_id, doi in unknown.items():
        if doi in by_doi:  # a candidate counts only when its own DOI is the one asked about
            found[article_id].pubmed = article_from_record(by_doi[doi])
        elif lost:  # a candidate could not be fetched: it may have been this one
            found[article_id].problems.append(lost)
    _full_texts(library, sources, targets, found, refresh, cancel)
    return found


def _europepmc(library: Library, sources: Sources, keyed: dict[int, Key], found: dict[int, Found], refresh: bool,
               cancel: CancelCheck | None) -> None:  # fmt: skip
    hits = {} if refresh else cached(library, "europepmc", [cache_key(k) for k in keyed.values()])
    results = {k: json.loads(hits[cache_key(k)]) for k in keyed.values() if cache_key(k) in hits}
    asked = [k for k in keyed.values() if k not in results]
    if asked:
        outcome = sources.europepmc.lookup(asked, cancel)
        fresh = {k: slim_result(r) for k, r in outcome.found.items()}
        store(library, "europepmc", {cache_key(k): json.dumps(r, ensure_ascii=False) for k, r in fresh.items()})
        results.update(fresh)
        for article_id, key in keyed.items():
            if key in outcome.failed:
                found[article_id].problems.append(outcome.failed[key])
            elif key not in results and (cancel is not None and cancel()):
                found[article_id].problems.append("cancelled before Europe PMC was asked")
    for article_id, key in keyed.items():
        found[article_id].epmc = results.get(key)


def _pubmed(library: Library, sources: Sources, pmid_of: dict[int, str], candidates: list[str],
            found: dict[int, Found], refresh: bool,
            cancel: CancelCheck | None) -> tuple[dict[str, Element], dict[str, str]]:  # fmt: skip
    """Records for the known PMIDs and the esearch candidates in one efetch (200 per request), and failures."""
    pmids = list(dict.fromkeys([*pmid_of.values(), *candidates]))
    hits = {} if refresh else cached(library, "pubmed", pmids)
    records = {p: fromstring(body) for p, body in hits.items()}
    asked = [p for p in pmids if p not in records]
    failed: dict[str, str] = {}
    if asked:
        outcome = sources.pubmed.efetch(asked, cancel)
        store(library, "pubmed", {p: slim_record(e) for p, e in outcome.records.items()})
        records.update(outcome.records)
        failed = outcome.failed
    for article_id, pmid in pmid_of.items():
        if pmid in records:
            found[article_id].pubmed = article_from_record(records[pmid])
        elif pmid in failed:
            found[article_id].problems.append(failed[pmid])
    return records, failed


def _full_texts(library: Library, sources: Sources, targets: list[Target], found: dict[int, Found], refresh: bool,
                cancel: CancelCheck | None) -> None:  # fmt: skip
    """Open-access full texts, a few at a time within Europe PMC's pace (each one is a round trip of its own)."""
    wanted: dict[int, str] = {}
    for target in targets:
        epmc = found[target.article_id].epmc
        if epmc is not None and is_open_access(epmc):
            wanted[target.article_id] = as_pmcid(epmc.get("pmcid"))
    hits = {} if refresh else cached(library, "europepmc-fulltext", list(wanted.values()))
    fetched: dict[str, FullText | str | None] = {p: full_text_from_json(b) for p, b in hits.items()}
    missing = [p for p in dict.fromkeys(wanted.values()) if p not in fetched]

    def fetch(pmcid: str) -> FullText | str | None:
        if cancel is not None and cancel():
            return "cancelled before the full text was fetched"
        try:
            return sources.europepmc.full_text(pmcid)
        except SourceError as error:
            return f"full text {pmcid}: {error.reason}"

    if missing:  # the limiter bounds requests in flight and their pace; SQLite stays on this thread
        with ThreadPoolExecutor(max_workers=max(1, sources.europepmc.service.limiter.concurrency)) as pool:
            fresh = dict(zip(missing, pool.map(fetch, missing), strict=True))
        store(library, "europepmc-fulltext",
              {p: full_text_json(f) for p, f in fresh.items() if isinstance(f, FullText)})  # fmt: skip
        fetched.update(fresh)
    for article_id, pmcid in wanted.items():
        result = fetched[pmcid]
        if isinstance(result, str):
            found[article_id].problems.append(result)
        else:
            found[article_id].full = result


# ----- applying --------------------------------------------------------------------------------


def _save(library: Library, target: Target, found: Found) -> ItemReport:
    """Merge one article's findings (user edits and stronger sources kept) and record its enrichment state."""
    label = f"doi:{target.doi}" if target.doi else f"PMID {target.pmid}" if target.pmid else target.pmcid
    with library.transaction():
        existing = library.get(target.article_id)
        if existing is None:
            return ItemReport(label, "failed", None, "deleted while it was being enriched", "enrich")
        patch = patch_for(existing, found)
        changed = library.merge_into(target.article_id, patch)
        pending = bool(found.problems)
        anything = found.pubmed is not None or found.epmc is not None
        status = "pending" if pending else "done" if anything else "none"
        oa_url = open_access_url(found.epmc) if found.epmc else ""
        library.conn.execute(
            "INSERT OR REPLACE INTO enrichment (article_id, status, reason, checked_at, open_access_url) "
            "VALUES (?, ?, ?, ?, ?)",
            (target.article_id, status, "; ".join(found.problems), now_iso(), oa_url),
        )
    if pending:
        message = f"{'; '.join(dict.fromkeys(found.problems))}; kept for `refmgr sync`"
        return ItemReport(label, "pending", target.article_id, message, "enrich")
    if not anything:
        return ItemReport(label, "unchanged", target.article_id, "not in PubMed or Europe PMC (Crossref only)",
                          "enrich")  # fmt: skip
    return ItemReport(label, "enriched" if changed else "unchanged", target.article_id,
                      describe(patch, found) if changed else "nothing new", "enrich")  # fmt: skip


def enrich_articles(
    library: Library,
    sources: Sources,
    article_ids: Sequence[int],
    refresh: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_item: ItemCallback | None = None,
) -> ImportReport:
    """Enrich these articles in batches, each batch saved (and reported) before the next is fetched."""
    report = ImportReport()
    targets = [t for t in targets_of(library, list(dict.fromkeys(article_ids))) if t.key is not None]
    done = 0
    for start in range(0, len(targets), ENRICH_BATCH):
        batch = targets[start : start + ENRICH_BATCH]
        if cancel is not None and cancel():
            report.cancelled = True
            _mark_pending(library, targets[start:], "cancelled before PubMed and Europe PMC were asked")
            break
        if sources.on_stage is not None:
            batches = -(-len(targets) // ENRICH_BATCH)
            part = f" ({start // ENRICH_BATCH + 1}/{batches})" if batches > 1 else ""
            sources.on_stage(f"PubMed and Europe PMC{part}")
        found = gather(library, sources, batch, refresh, cancel)
        with library.transaction():  # one commit per batch; each article in a savepoint of its own
            items = [_save(library, target, found[target.article_id]) for target in batch]
        for item in items:  # reported after the commit, so other connections already see the rows
            report.items.append(item)
            if on_item is not None:
                on_item(item)
        done += len(batch)
        if progress is not None:
            progress(done, len(targets))
    return report


def _mark_pending(library: Library, targets: list[Target], reason: str) -> None:
    stamp = now_iso()
    with library.transaction():
        library.conn.executemany(
            "INSERT INTO enrichment (article_id, status, reason, checked_at) VALUES (?, 'pending', ?, ?) "
            "ON CONFLICT(article_id) DO UPDATE SET status = 'pending', reason = excluded.reason",
            [(t.article_id, reason, stamp) for t in targets],
        )


def pending_enrichment(library: Library) -> list[int]:
    """Articles whose enrichment was cut short by network trouble (retried by `refmgr sync`)."""
    rows = library.conn.execute("SELECT article_id FROM enrichment WHERE status = 'pending' ORDER BY article_id")
    return [row[0] for row in rows]


def never_enriched(library: Library) -> list[int]:
    """Articles with a DOI, PMID or PMCID that were never looked up in PubMed or Europe PMC."""
    rows = library.conn.execute(
        "SELECT id FROM articles WHERE (doi IS NOT NULL OR pmid IS NOT NULL OR pmcid IS NOT NULL) "
        "AND id NOT IN (SELECT article_id FROM enrichment) ORDER BY id"
    )
    return [row[0] for row in rows]
