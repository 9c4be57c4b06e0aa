"""Giving an article kept from its PDF alone (tagged "needs identification") the DOI the user found."""

from __future__ import annotations

from refmgr.core.crossref.client import CrossrefClient
from refmgr.core.identifiers import normalise_doi
from refmgr.core.importer import ImportReport
from refmgr.core.intake import refresh_articles
from refmgr.core.library import Library
from refmgr.core.pdf.attachments import add_pdf_findings

NEEDS_IDENTIFICATION = "needs identification"


def identify(
    library: Library, article_id: int, doi_text: str, client: CrossrefClient | None
) -> tuple[int, ImportReport]:
    """Set an article's DOI and fetch its record; if the DOI is already in the library, move the files there."""
    # Returns the id of the article that now holds the PDF, and the Crossref fetch's report.
    doi = normalise_doi(doi_text)
    if not doi:
        raise ValueError(f"{doi_text!r} is not a DOI")
    article = library.get(article_id)
    if article is None:
        raise ValueError(f"no article #{article_id}")
    owner = library.find(doi)
    with library.transaction() as conn:
        if owner is not None and owner != article_id:
            conn.execute("UPDATE OR IGNORE attachments SET article_id = ? WHERE article_id = ?", (owner, article_id))
            add_pdf_findings(library, owner, article.figures, [k.term for k in article.keywords])
            library.delete([article_id])
            target = owner
        else:
            conn.execute("UPDATE articles SET doi = ? WHERE id = ?", (doi, article_id))
            library.set_tags(article_id, [t for t in article.tags if t != NEEDS_IDENTIFICATION])
            target = article_id
    return target, refresh_articles(library, client, [target])
