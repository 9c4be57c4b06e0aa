"""Find PDF through a loopback Unpaywall: open-access copies attached, hostile replies refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from refmgr.core.model import Article
from refmgr.core.pdf import unpaywall
from refmgr.core.pdf.attachments import attachments_of
from refmgr.core.pdf.unpaywall import FindPdfError, find_pdf, unpaywall_url
from refmgr.core.settings import Settings
from tests.pdf_maker import write_article_pdf
from tests.unpaywall_server import UnpaywallServer

DOI = "10.1073/pnas.1414271111"
DATA = Path(__file__).parent.parent / "data" / "pdf"


@pytest.fixture
def settings(unpaywall_server: UnpaywallServer, monkeypatch) -> Settings:
    monkeypatch.setenv("REFMGR_UNPAYWALL_URL", f"{unpaywall_server.url}/v2")
    return Settings(mailto="clinician@hospital.example.org")


@pytest.fixture
def article_id(library) -> int:
    return library.save(Article(title="Chemical synthesis of a protein", doi=DOI, year=2014)).article_id


def paper(tmp_path: Path, doi: str = DOI) -> bytes:
    return write_article_pdf(tmp_path / "paper.pdf", "Chemical synthesis of a protein", ["Text."], doi=doi,
                             figures=1).read_bytes()  # fmt: skip


def test_open_access_copy_is_downloaded_checked_and_attached(library, article_id, settings, unpaywall_server,
                                                              tmp_path):  # fmt: skip
    unpaywall_server.serve("paper.pdf", paper(tmp_path))
    unpaywall_server.point_pdf_at(DOI, "paper.pdf")
    message = find_pdf(library, article_id, settings)
    assert message.startswith("Attached the publisher copy (publishedVersion, licence not stated), 2 pages")
    assert "1 legend from the PDF" in message
    (attachment,) = attachments_of(library, article_id)
    assert attachment.original_name == "10.1073_pnas.1414271111.pdf"
    assert library.search("fulltext:synthesis") == [article_id]
    path, query = unpaywall_server.requests[0]
    assert path == f"/v2/{DOI}" and query["email"] == ["clinician@hospital.example.org"]


def test_closed_and_unknown_articles(library, settings):
    closed = library.save(Article(title="Closed", doi="10.1023/a:1007154515475", year=2000)).article_id
    with pytest.raises(FindPdfError, match=r"Unpaywall knows no open-access copy of doi:10\.1023/a:1007154515475"):
        find_pdf(library, closed, settings)
    unknown = library.save(Article(title="Unknown", doi="10.5555/unknown", year=2000)).article_id
    with pytest.raises(FindPdfError, match="knows no open-access copy"):
        find_pdf(library, unknown, settings)
    no_doi = library.save(Article(title="No DOI", year=2000)).article_id
    with pytest.raises(FindPdfError, match="no DOI"):
        find_pdf(library, no_doi, settings)


def test_email_is_required_and_checked(library, article_id, settings):
    with pytest.raises(FindPdfError, match="needs your e-mail"):
        find_pdf(library, article_id, Settings())
    with pytest.raises(FindPdfError, match=r"refused the request \(is someone@example\.com a real e-mail"):
        find_pdf(library, article_id, Settings(mailto="someone@example.com"))


def test_a_web_page_instead_of_a_pdf_is_refused(library, article_id, settings, unpaywall_server):
    unpaywall_server.serve("paper.pdf", b"<!DOCTYPE html><html>Are you a robot?</html>", "text/html")
    unpaywall_server.point_pdf_at(DOI, "paper.pdf")
    with pytest.raises(FindPdfError, match=r"paper\.pdf: the link gave a web page, not a PDF"):
        find_pdf(library, article_id, settings)
    assert attachments_of(library, article_id) == []


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_a_huge_file_is_refused(library, article_id, settings, unpaywall_server, monkeypatch, declared):
    monkeypatch.setattr(unpaywall, "MAX_DOWNLOAD_BYTES", 1024 * 1024)
    unpaywall_server.serve("paper.pdf", b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), length=declared)
    unpaywall_server.point_pdf_at(DOI, "paper.pdf")
    expected = "is over the 1 MB limit" if declared else "passed the 1 MB limit, so it was stopped"
    with pytest.raises(FindPdfError, match=expected):
        find_pdf(library, article_id, settings)
    assert attachments_of(library, article_id) == []


def test_a_pdf_of_another_article_or_a_broken_one_is_not_attached(library, article_id, settings, unpaywall_server,
                                                                  tmp_path):  # fmt: skip
    unpaywall_server.serve("other.pdf", (DATA / "nar_2024_mutation_rate_hypomethylation_cancer.pdf").read_bytes())
    unpaywall_server.point_pdf_at(DOI, "other.pdf")
    with pytest.raises(FindPdfError, match=r"is doi:10\.1093/nar/gkae252, not doi:10\.1073/pnas\.1414271111"):
        find_pdf(library, article_id, settings)
    unpaywall_server.serve("broken.pdf", (DATA / "derived_truncated_bmc_jtmo_2010_first_half.pdf").read_bytes())
    unpaywall_server.point_pdf_at(DOI, "broken.pdf")
    with pytest.raises(FindPdfError, match="the downloaded file cannot be read: damaged or incomplete PDF"):
        find_pdf(library, article_id, settings)
    assert attachments_of(library, article_id) == []


def test_unreachable_unpaywall(library, article_id, monkeypatch):
    monkeypatch.setenv("REFMGR_UNPAYWALL_URL", "http://127.0.0.1:9/v2")
    with pytest.raises(FindPdfError, match="Unpaywall cannot be reached"):
        find_pdf(library, article_id, Settings(mailto="clinician@hospital.example.org"))


def test_unpaywall_url_sources(monkeypatch):
    monkeypatch.delenv("REFMGR_UNPAYWALL_URL", raising=False)
    assert unpaywall_url(Settings()) == "https://api.unpaywall.org/v2"
    assert unpaywall_url(Settings(unpaywall_url="http://mirror.test/v2/")) == "http://mirror.test/v2"
    monkeypatch.setenv("REFMGR_UNPAYWALL_URL", "http://env.test/v2")
    assert unpaywall_url(Settings(unpaywall_url="http://mirror.test/v2")) == "http://env.test/v2"
