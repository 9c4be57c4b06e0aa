"""The text the full-text index (articles_fts) holds for an article."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from refmgr.core.model import Article


def fts_values(
    scalars: Sequence[str],
    authors: Iterable[Sequence[str]],
    keywords: Iterable[tuple[str, list[str]]],
    figures: Iterable[Sequence[str]],
    trials: Iterable[str] = (),
) -> tuple[str, ...]:
    """The full-text columns from (title, journal, abbrev, abstract, notes) and the child rows."""
    # Trial registry numbers go into the keywords column, so a plain search for NCT02853331 finds them too.
    title, journal, abbrev, abstract, notes = scalars
    author_text = " ; ".join(" ".join(filter(None, names)) for names in authors)
    keyword_text = " ; ".join([*(" ".join([term, *qualifiers]) for term, qualifiers in keywords), *trials])
    legends = "\n".join(f"{label} {legend}" for label, legend in figures)
    return (title, author_text, f"{journal} {abbrev}".strip(), abstract, keyword_text, legends, notes)


def fts_values_of(article: Article) -> tuple[str, ...]:
    """The full-text columns for an article object (same text as Library.fts_row gives)."""
    return fts_values(
        (article.title, article.journal, article.journal_abbrev, article.abstract, article.notes),
        ((a.family, a.given, a.literal) for a in article.authors),
        ((k.term, k.qualifiers) for k in article.keywords),
        ((f.label, f.legend) for f in article.figures),
        [t.accession for t in article.trials],
    )
