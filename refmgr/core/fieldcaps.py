"""Length caps on every field of a record read from a file (a 60 MB title is cut, and the import says so)."""

from __future__ import annotations

from refmgr.core.model import Article

# The same caps as Crossref's mapping (refmgr.core.crossref.mapping, not imported: it loads the HTTP client) ...
MAX_TITLE = 2_000
MAX_REFERENCE = 2_000
MAX_AFFILIATION = 1_000
MAX_NAME = 500  # author names, journal, publisher, keywords
MAX_SHORT = 100  # volume, issue, pages, article number, language, date
# ... and these for the fields only files carry.
MAX_ABSTRACT_CHARS = 100_000  # real structured abstracts stay under 10,000
MAX_NOTES = 100_000
MAX_LEGEND = 20_000
MAX_LABEL = 200
MAX_IDENTIFIER = 200  # DOI, PMID, PMCID, ISSN


def cap_article(article: Article) -> list[str]:
    """Cut every text field of an article to its cap, in place; one warning per field that was cut."""
    cut_fields: dict[str, int] = {}

    def capped(name: str, text: str, limit: int) -> str:
        if len(text) <= limit:
            return text
        cut_fields[name] = max(cut_fields.get(name, 0), len(text))
        return cut(text, limit)

    article.title = capped("title", article.title, MAX_TITLE)
    for name in ("journal", "journal_abbrev", "publisher"):
        setattr(article, name, capped(name, getattr(article, name), MAX_NAME))
    for name in ("volume", "issue", "pages", "article_number", "language", "date"):
        setattr(article, name, capped(name, getattr(article, name), MAX_SHORT))
    for name in ("doi", "pmid", "pmcid"):
        setattr(article, name, capped(name, getattr(article, name), MAX_IDENTIFIER))
    article.url = capped("url", article.url, MAX_REFERENCE)
    article.abstract = capped("abstract", article.abstract, MAX_ABSTRACT_CHARS)
    if len(article.abstract_jats) > MAX_ABSTRACT_CHARS:  # markup is dropped whole, never cut
        cut_fields["abstract markup"] = len(article.abstract_jats)
        article.abstract_jats = ""
    article.notes = capped("notes", article.notes, MAX_NOTES)
    article.issn = [capped("issn", i, MAX_IDENTIFIER) for i in article.issn]
    article.publication_types = [capped("publication type", t, MAX_NAME) for t in article.publication_types]
    for author in article.authors:
        author.family = capped("author", author.family, MAX_NAME)
        author.given = capped("author", author.given, MAX_NAME)
        author.literal = capped("author", author.literal, MAX_NAME)
        author.orcid = capped("author", author.orcid, MAX_IDENTIFIER)
        author.affiliations = [capped("affiliation", a, MAX_AFFILIATION) for a in author.affiliations]
    for keyword in article.keywords:
        keyword.term = capped("keyword", keyword.term, MAX_NAME)
        keyword.qualifiers = [capped("keyword", q, MAX_NAME) for q in keyword.qualifiers]
    for figure in article.figures:
        figure.label = capped("figure label", figure.label, MAX_LABEL)
        figure.legend = capped("figure legend", figure.legend, MAX_LEGEND)
    for reference in article.references:
        reference.text = capped("reference", reference.text, MAX_REFERENCE)
        reference.doi = capped("reference", reference.doi, MAX_IDENTIFIER)
        reference.pmid = capped("reference", reference.pmid, MAX_IDENTIFIER)
    article.tags = [capped("tag", t, MAX_NAME) for t in article.tags]
    limits = {"title": MAX_TITLE, "abstract": MAX_ABSTRACT_CHARS, "notes": MAX_NOTES, "figure legend": MAX_LEGEND}
    return [
        f"{name} cut to {limits.get(name, _limit_of(name)):,} characters (it had {length:,})"
        if name != "abstract markup" else f"abstract markup dropped ({length:,} characters)"
        for name, length in cut_fields.items()
    ]  # fmt: skip


def cut(text: str, limit: int) -> str:
    """Text cut to at most limit characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _limit_of(name: str) -> int:
    """The cap a field name was cut to (for the warning)."""
    if name in ("volume", "issue", "pages", "article_number", "language", "date"):
        return MAX_SHORT
    if name in ("doi", "pmid", "pmcid", "issn"):
        return MAX_IDENTIFIER
    return {"url": MAX_REFERENCE, "reference": MAX_REFERENCE, "affiliation": MAX_AFFILIATION,
            "figure label": MAX_LABEL}.get(name, MAX_NAME)  # fmt: skip
