"""What an enrichment adds to an article (identifiers, MeSH, keywords, types, trials, legends) and its summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from refmgr.core.model import Article
from refmgr.core.sources.mapping import article_from_epmc

if TYPE_CHECKING:
    from refmgr.core.sources.enrich import Found


def patch_for(existing: Article, found: Found) -> Article:
    """What the services add to an article: identifiers, MeSH, keywords, types, trials, legends; scalars only fill."""
    epmc = article_from_epmc(found.epmc) if found.epmc else None
    main = found.pubmed or epmc
    patch = Article(type=existing.type)
    if main is None and found.full is None:
        return patch
    if main is not None:
        patch.pmid = main.pmid or (epmc.pmid if epmc else "")
        patch.pmcid = main.pmcid or (epmc.pmcid if epmc else "")
        patch.keywords = list(main.keywords)
        if found.pubmed is not None and epmc is not None and not any(k.kind == "author" for k in main.keywords):
            patch.keywords += [k for k in epmc.keywords if k.kind == "author"]
        patch.publication_types = list(main.publication_types)
        patch.trials = list(found.pubmed.trials) if found.pubmed else []
        patch.retracted = main.retracted
        known = {(u.get("type"), u.get("pmid") or u.get("doi")) for u in existing.updates}
        new = [u for u in main.updates if (u.get("type"), u.get("pmid") or u.get("doi")) not in known]
        if new:  # kept beside Crossref's (the merge replaces the list, so the old entries come along)
            patch.updates = [*existing.updates, *new]
        abbrev = main.journal_abbrev or (epmc.journal_abbrev if epmc else "")
        if abbrev and (not existing.journal_abbrev or existing.source in ("crossref", "")):
            patch.journal_abbrev = abbrev
        if not existing.abstract and not existing.abstract_jats:
            patch.abstract = main.abstract
    if found.full is not None:
        patch.figures = list(found.full.figures)
        patch.license = "" if existing.license else found.full.license
    if not existing.license and not patch.license and epmc is not None:
        patch.license = epmc.license
    return patch


def describe(patch: Article, found: Found) -> str:
    """A short account of what came from where."""
    parts = []
    if patch.pmid:
        parts.append(f"PMID {patch.pmid}")
    mesh = [k for k in patch.keywords if k.kind == "mesh"]
    if mesh:
        parts.append(f"{len(mesh)} MeSH ({sum(k.major for k in mesh)} major)")
    authored = sum(k.kind == "author" for k in patch.keywords)
    if authored:
        parts.append(f"{authored} keyword{'s' * (authored != 1)}")
    if patch.publication_types:
        parts.append("; ".join(patch.publication_types[:3]))
    if patch.trials:
        parts.append("trial " + ", ".join(t.accession for t in patch.trials))
    for notice in (u for u in patch.updates if u.get("source") in ("pubmed", "europepmc")):
        flag = "RETRACTED: " if notice["type"] == "retraction" else ""
        parts.append(f"{flag}{notice['label']} PMID {notice['pmid']}")
    if found.full is not None:
        parts.append(f"{len(found.full.figures)} legend{'s' * (len(found.full.figures) != 1)} (open access)")
        parts += found.full.notes
    origin = "PubMed" if found.pubmed else "Europe PMC" if found.epmc else ""
    return (f"{origin}: " if origin else "") + ", ".join(parts)
