"""Merging a newly saved record into the library's record of the same work (no database involved)."""

from __future__ import annotations

from refmgr.core.db import JSON_FIELDS, SCALAR_FIELDS
from refmgr.core.identifiers import normalise_doi, normalise_pmcid, normalise_pmid
from refmgr.core.model import Article, Author, Reference, normalise_title
from refmgr.core.provenance import merge_figures, merge_keywords, merge_trials


def merge_articles(existing: Article, incoming: Article) -> Article:
    """The existing record completed and refreshed by the incoming one; user fields kept."""
    merged = Article.from_dict(existing.to_dict())
    identifiers = {
        "doi": given_doi(incoming.doi),
        "pmid": normalise_pmid(incoming.pmid),
        "pmcid": normalise_pmcid(incoming.pmcid),
    }
    for name in (*SCALAR_FIELDS, *identifiers):
        value = identifiers[name] if name in identifiers else getattr(incoming, name)
        if value not in ("", None) and name != "source":
            if name == "type" and value == "article-journal" and existing.type != "article-journal":
                continue
            if name == "title" and normalise_title(value) == normalise_title(existing.title):
                continue  # same title spelled differently: keep the one the user has
            setattr(merged, name, value)
    for name in JSON_FIELDS:
        if getattr(incoming, name):
            setattr(merged, name, getattr(incoming, name))
    merged.retracted = existing.retracted or incoming.retracted
    if incoming.authors and _authors_richer(incoming.authors, existing.authors):
        merged.authors = incoming.authors
        # a fuller list completes an incomplete one ("Fung KFK et al."); one no longer leaves it incomplete
        merged.authors_incomplete = incoming.authors_incomplete or (
            existing.authors_incomplete and len(incoming.authors) <= len(existing.authors)
        )
    merged.keywords = merge_keywords(merged.keywords, incoming.keywords)
    merged.figures = merge_figures(merged.figures, incoming.figures)
    merged.trials = merge_trials(merged.trials, incoming.trials)
    if incoming.references and len(incoming.references) >= len(existing.references):
        merged.references = _keep_resolutions(existing.references, incoming.references)
    if incoming.notes and incoming.notes not in existing.notes:
        merged.notes = f"{existing.notes}\n\n{incoming.notes}".strip()
    merged.tags = sorted({*existing.tags, *incoming.tags}, key=str.lower)
    return merged


def given_doi(text: str) -> str:
    """The DOI of TEXT in the case it was given when TEXT is a bare DOI, else normalised (lower case)."""
    doi = normalise_doi(text)
    return text.strip() if doi and text.strip().lower() == doi else doi


def _authors_richer(incoming: list[Author], existing: list[Author]) -> bool:
    if not existing:
        return True
    def score(authors: list[Author]) -> int:
        return sum(1 + bool(a.orcid) + bool(a.affiliations) + (len(a.given) > 3) for a in authors)
    return score(incoming) >= score(existing)


def _keep_resolutions(existing: list[Reference], incoming: list[Reference]) -> list[Reference]:
    by_text = {normalise_title(r.text): r for r in existing}
    result = []
    for reference in incoming:
        previous = by_text.get(normalise_title(reference.text))
        if previous and previous.doi and not reference.doi:
            reference.doi, reference.status, reference.confidence = previous.doi, previous.status, previous.confidence
        same_target = previous and (normalise_doi(previous.doi), previous.pmid) == (
            normalise_doi(reference.doi), normalise_pmid(reference.pmid)
        )
        if same_target and reference.cited_article_id is None:
            # the link to a library article is recomputed on save; keeping it makes re-imports no-ops
            reference.cited_article_id = previous.cited_article_id
        result.append(reference)
    return result
