"""`refmgr import paper.pdf`, `attach`, `attachments`, `fulltext`, `search fulltext:` and `find-pdf`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core.library import Library
from refmgr.core.model import Article
from tests.crossref_server import CrossrefServer
from tests.pdf_maker import write_article_pdf
from tests.unpaywall_server import UnpaywallServer

DATA = Path(__file__).parent.parent / "data" / "pdf"
WORKS = json.loads((DATA / "crossref_works.json").read_text(encoding="utf-8"))["works"]


@pytest.fixture
def online(crossref_server: CrossrefServer, monkeypatch: pytest.MonkeyPatch) -> CrossrefServer:
    """The CLI's Crossref is the loopback server, serving the PDF fixtures' works."""
    for work in WORKS:
        crossref_server.add(work)
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "oncologist@hospital.example.org")
    return crossref_server


def test_import_pdfs_and_search_their_text(online, library_path: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    shutil.copy(DATA / "jacmp_2023_proton_ct_stopping_criterion.pdf", folder)
    shutil.copy(DATA / "derived_encrypted_bmc_hsr_2014_userpw_fixture.pdf", folder)
    code = main(["import", "--library", str(library_path), str(folder)])
    out = capsys.readouterr().out
    assert code == 1, out  # one PDF could not be read
    assert "added        doi:10.1002/acm2.14114 “A stopping criterion" in out
    assert "derived_encrypted_bmc_hsr_2014_userpw_fixture.pdf: password-protected" in out
    assert main(["fulltext", "--library", str(library_path), "autocorrelation"]) == 0
    out, err = capsys.readouterr()
    assert "A stopping criterion for iterative proton CT" in out and "[autocorrelation]" in out.lower()
    assert err.strip() == "1 match(es)"
    assert main(["search", "--library", str(library_path), "fulltext:autocorrelation"]) == 0
    assert "A stopping criterion" in capsys.readouterr().out
    assert main(["search", "--library", str(library_path), "legend:autocorrelation"]) == 0
    assert "A stopping criterion" in capsys.readouterr().out


def test_attach_and_list_attachments(library_path: Path, tmp_path: Path, capsys) -> None:
    with Library(library_path) as library:
        article_id = library.save(Article(title="Mutation rate heterogeneity", doi="10.1093/nar/gkae252")).article_id
    pdf = shutil.copy(DATA / "nar_2024_mutation_rate_hypomethylation_cancer.pdf", tmp_path / "nar.pdf")
    assert main(["attach", "--library", str(library_path), "10.1093/nar/gkae252", str(pdf)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"#{article_id}: nar.pdf attached as ")
    assert "5 legends from the PDF" in out
    assert main(["attach", "--library", str(library_path), str(article_id), str(pdf)]) == 0
    assert "already attached" in capsys.readouterr().out
    assert main(["attachments", "--library", str(library_path), str(article_id), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["name"] == "nar.pdf" and row["pages"] == 16 and row["present"]
    assert Path(row["path"]).parent == library_path.parent / "library-attachments"
    assert main(["detach", "--library", str(library_path), str(row["id"])]) == 0
    assert not Path(row["path"]).exists()
    assert main(["detach", "--library", str(library_path), str(row["id"])]) == 2
    assert f"no attachment {row['id']}" in capsys.readouterr().err


def test_attach_refuses_another_articles_pdf(library_path: Path, capsys) -> None:
    with Library(library_path) as library:
        library.save(Article(title="Something else", doi="10.5555/else"))
    code = main(["attach", "--library", str(library_path), "10.5555/else",
                 str(DATA / "nar_2024_mutation_rate_hypomethylation_cancer.pdf")])  # fmt: skip
    assert code == 2
    assert "is doi:10.1093/nar/gkae252, but #1 is doi:10.5555/else; not attached" in capsys.readouterr().err


def test_find_pdf(unpaywall_server: UnpaywallServer, monkeypatch, library_path: Path, tmp_path: Path, capsys) -> None:
    doi = "10.1073/pnas.1414271111"
    monkeypatch.setenv("REFMGR_UNPAYWALL_URL", f"{unpaywall_server.url}/v2")
    monkeypatch.setenv("REFMGR_MAILTO", "oncologist@hospital.example.org")
    pdf = write_article_pdf(tmp_path / "oa.pdf", "Chemical synthesis", ["Text."], doi=doi)
    unpaywall_server.serve("oa.pdf", pdf.read_bytes())
    unpaywall_server.point_pdf_at(doi, "oa.pdf")
    with Library(library_path) as library:
        library.save(Article(title="Chemical synthesis", doi=doi, year=2014))
        library.save(Article(title="Closed", doi="10.1023/a:1007154515475", year=2000))
    code = main(["find-pdf", "--library", str(library_path), doi, "10.1023/a:1007154515475"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0].startswith("#1: Attached the publisher copy")
    assert lines[1] == "#2: no PDF: Unpaywall knows no open-access copy of doi:10.1023/a:1007154515475"
