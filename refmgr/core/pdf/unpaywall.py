"""Open-access copies: ask Unpaywall where one is, download it with a size cap, check it and attach it."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2

from refmgr import __version__
from refmgr.core.library import Library
from refmgr.core.pdf.analysis import article_and_pages, full_text
from refmgr.core.pdf.attachments import add_pdf_findings, attach_file
from refmgr.core.pdf.extract import MAX_PDF_BYTES, PdfError, read_pdf
from refmgr.core.settings import Settings

DEFAULT_UNPAYWALL_URL = "https://api.unpaywall.org/v2"
UNPAYWALL_URL_ENV = "REFMGR_UNPAYWALL_URL"
MAX_ANSWER_BYTES = 2 * 2**20
MAX_DOWNLOAD_BYTES = 100 * 2**20
TIMEOUT_S = 30.0
_CHUNK = 2**16


class FindPdfError(Exception):
    """Why no open-access PDF could be fetched, in words for the user."""


@dataclass(frozen=True)
class OpenAccessCopy:
    """Where Unpaywall says a free copy is."""

    pdf_url: str
    landing_page: str
    oa_status: str
    license: str
    version: str
    host_type: str


def unpaywall_url(settings: Settings | None = None) -> str:
    """Unpaywall's base URL: REFMGR_UNPAYWALL_URL, then the setting, then api.unpaywall.org/v2."""
    configured = getattr(settings, "unpaywall_url", "") if settings is not None else ""
    return (os.environ.get(UNPAYWALL_URL_ENV) or configured or DEFAULT_UNPAYWALL_URL).rstrip("/")


def _get_capped(client: httpx2.Client, url: str, limit: int, **kwargs: Any) -> tuple[httpx2.Response, bytes]:
    """GET a body of at most `limit` bytes (refused from Content-Length, or cut off while streaming)."""
    with client.stream("GET", url, **kwargs) as response:
        declared = response.headers.get("content-length", "")
        if declared.isdecimal() and int(declared) > limit:
            raise FindPdfError(f"{url}: {int(declared) / 2**20:.0f} MB is over the {limit / 2**20:g} MB limit")
        data = bytearray()
        for chunk in response.iter_bytes(_CHUNK):
            data += chunk
            if len(data) > limit:
                raise FindPdfError(f"{url}: the download passed the {limit / 2**20:g} MB limit, so it was stopped")
    return response, bytes(data)


def find_open_access(client: httpx2.Client, base_url: str, doi: str, email: str) -> OpenAccessCopy | None:
    """The best open-access location Unpaywall knows for a DOI, or None when there is none."""
    if not email:
        raise FindPdfError("Unpaywall needs your e-mail address: set it in the settings (or REFMGR_MAILTO)")
    url = f"{base_url}/{quote(doi, safe='/')}"
    try:
        response, body = _get_capped(client, url, MAX_ANSWER_BYTES, params={"email": email})
    except httpx2.HTTPError as error:
        raise FindPdfError(f"Unpaywall cannot be reached ({type(error).__name__}: {error})") from error
    if response.status_code == 404:
        return None
    if response.status_code == 422:
        raise FindPdfError(f"Unpaywall refused the request (is {email} a real e-mail address?)")
    if response.status_code != 200:
        raise FindPdfError(f"Unpaywall answered HTTP {response.status_code}")
    try:
        data = json.loads(body)
    except ValueError as error:
        raise FindPdfError("Unpaywall's answer was not JSON") from error
    locations = [data.get("best_oa_location"), *(data.get("oa_locations") or [])]
    locations = [loc for loc in locations if isinstance(loc, dict)]
    if not locations:
        return None
    best = next((loc for loc in locations if loc.get("url_for_pdf")), locations[0])
    return OpenAccessCopy(
        pdf_url=str(best.get("url_for_pdf") or ""), landing_page=str(best.get("url_for_landing_page") or ""),
        oa_status=str(data.get("oa_status") or ""), license=str(best.get("license") or ""),
        version=str(best.get("version") or ""), host_type=str(best.get("host_type") or ""),
    )  # fmt: skip


def download_pdf(client: httpx2.Client, url: str, folder: Path, limit: int = MAX_DOWNLOAD_BYTES) -> Path:
    """Download a PDF into a new file in `folder`; a web page, an error or a file over the limit is refused."""
    try:
        response, body = _get_capped(client, url, limit, follow_redirects=True)
    except httpx2.HTTPError as error:
        raise FindPdfError(f"{url}: cannot be downloaded ({type(error).__name__}: {error})") from error
    if response.status_code != 200:
        raise FindPdfError(f"{url}: the server answered HTTP {response.status_code}")
    if b"%PDF-" not in body[:1024]:
        kind = "a web page" if b"<html" in body[:2048].lower() or "html" in response.headers.get(
            "content-type", "") else "not a PDF"  # fmt: skip
        raise FindPdfError(f"{url}: the link gave {kind}, not a PDF (publishers often block downloads)")
    handle, name = tempfile.mkstemp(dir=folder, prefix="open-access-", suffix=".pdf")
    with os.fdopen(handle, "wb") as out:
        out.write(body)
    return Path(name)


def find_pdf(
    library: Library, article_id: int, settings: Settings, client: httpx2.Client | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> str:  # fmt: skip
    """Find, download, check and attach an open-access PDF of an article; a sentence saying what happened."""
    article = library.get(article_id)
    if article is None or not article.doi:
        raise FindPdfError("this article has no DOI to look up in Unpaywall")
    email = settings.effective_mailto()
    own_client = client is None
    client = client or httpx2.Client(timeout=TIMEOUT_S, headers={"User-Agent": f"refmgr/{__version__}"})
    try:
        copy = find_open_access(client, unpaywall_url(settings), article.doi, email)
        if copy is None:
            raise FindPdfError(f"Unpaywall knows no open-access copy of doi:{article.doi}")
        if not copy.pdf_url:
            raise FindPdfError(f"no direct PDF link; the open-access copy is at {copy.landing_page}")
        if cancelled():
            return "cancelled"
        with tempfile.TemporaryDirectory(prefix="refmgr-download-") as folder:
            path = download_pdf(client, copy.pdf_url, Path(folder), min(MAX_DOWNLOAD_BYTES, MAX_PDF_BYTES))
            return _attach_download(library, article_id, article.doi, path, copy)
    finally:
        if own_client:
            client.close()


def _attach_download(library: Library, article_id: int, doi: str, path: Path, copy: OpenAccessCopy) -> str:
    """Attach a downloaded PDF whose text is readable and does not name another article's DOI."""
    try:
        pdf = read_pdf(path)
    except PdfError as error:
        raise FindPdfError(f"the downloaded file cannot be read: {str(error).split(': ', 1)[-1]}") from error
    found, figure_pages = article_and_pages(pdf)
    if found.doi and found.doi != doi.lower():
        raise FindPdfError(f"the downloaded PDF is doi:{found.doi}, not doi:{doi}; not attached")
    name = f"{doi.replace('/', '_')}.pdf"
    result = attach_file(library, article_id, path, full_text(pdf), pdf.page_count, original_name=name,
                         figure_pages=figure_pages)  # fmt: skip
    added = add_pdf_findings(library, article_id, found.figures, [k.term for k in found.keywords])
    details = f"{copy.version or 'version unknown'}, {copy.license or 'licence not stated'}"
    where = f"{copy.host_type or 'open-access'} copy ({details})"
    extra = f"; {', '.join(added)}" if added else ""
    return f"Attached the {where}, {pdf.page_count} pages{extra}" if result.added else "That PDF was already attached"
