"""Provenance of keywords, legends and trial numbers: default sources and which source may replace which."""

from __future__ import annotations

from refmgr.core.model import Article, Figure, Keyword, Trial, source_rank

# What a save's source (or a reader's Article.source) says about where its keywords and legends came from.
_SAVE_SOURCES = {"crossref": "crossref", "pubmed": "pubmed", "europepmc": "europepmc", "hand": "hand"}
_READER_SOURCES = {"medline": "pubmed", "pubmed-page": "page", "jats": "jats"}


def default_source(save_source: str, article: Article) -> str:
    """The source recorded for keywords, legends and trials that do not name one."""
    if save_source in _SAVE_SOURCES:
        return _SAVE_SOURCES[save_source]
    return _READER_SOURCES.get(article.source, "file")


def stamp_sources(article: Article, save_source: str) -> None:
    """Give every keyword, figure and trial without a source the one this save implies."""
    items: list[Keyword | Figure | Trial] = [*article.keywords, *article.figures, *article.trials]
    if not any(not item.source for item in items):
        return
    default = default_source(save_source, article)
    for item in items:
        item.source = item.source or default


def strongest(items: list[Keyword] | list[Figure] | list[Trial]) -> int:
    """The rank of the strongest source among these items (-1 for none)."""
    return max((source_rank(item.source) for item in items), default=-1)


def merge_keywords(existing: list[Keyword], incoming: list[Keyword]) -> list[Keyword]:
    """Keywords after a fetch or import: per kind, the incoming ones replace only weaker or equal sources."""
    # Keywords typed by hand are always kept; a kind the incoming record lacks is left as it was.
    incoming_kinds = list(dict.fromkeys(k.kind for k in incoming))
    other_kinds = [kind for kind in dict.fromkeys(k.kind for k in existing) if kind not in incoming_kinds]
    result: list[Keyword] = []
    for kind in [*other_kinds, *incoming_kinds]:
        hand = [k for k in existing if k.kind == kind and k.source == "hand"]
        old = [k for k in existing if k.kind == kind and k.source != "hand"]
        new = [k for k in incoming if k.kind == kind]
        chosen = old if not new or strongest(old) > strongest(new) else new
        typed = {k.term.lower() for k in hand}
        result += hand + [k for k in chosen if k.term.lower() not in typed]
    return result


def merge_figures(existing: list[Figure], incoming: list[Figure]) -> list[Figure]:
    """Figures after a fetch or import: incoming legends replace the set only when no stronger source wrote it."""
    if not incoming or strongest(existing) > strongest(incoming):
        return existing
    return incoming


def merge_trials(existing: list[Trial], incoming: list[Trial]) -> list[Trial]:
    """Trial numbers from both, once each; an existing number keeps its source unless the new one is stronger."""
    merged = {t.accession.upper(): t for t in existing}
    for trial in incoming:
        key = trial.accession.upper()
        if key not in merged or source_rank(trial.source) > source_rank(merged[key].source):
            merged[key] = trial
    return list(merged.values())
