"""Importing PDFs: DOI -> Crossref record, file attached beside the library, legends and full text indexed."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from refmgr.core import intake
from refmgr.core.pdf.attachments import attachment_path, attachments_dir, attachments_of, detach
from refmgr.core.pdf.fulltext import search_fulltext
from refmgr.core.pdf.intake import NEEDS_IDENTIFICATION
from tests.pdf_maker import write_article_pdf

DATA = Path(__file__).parent.parent / "data" / "pdf"
WORKS = json.loads((DATA / "crossref_works.json").read_text(encoding="utf-8"))["works"]


@pytest.fixture
def server(crossref_server):
    """The loopback Crossref server, also serving the PDF fixtures' works."""
    for work in WORKS:
        crossref_server.add(work)
    return crossref_server


def copy_fixtures(tmp_path: Path, *names: str) -> list[Path]:
    folder = tmp_path / "downloads"
    folder.mkdir(exist_ok=True)
    return [Path(shutil.copy(DATA / name, folder / name)) for name in names]


def test_pdfs_import_with_crossref_record_legends_attachment_and_full_text(library, server, crossref_client, tmp_path):
    paths = copy_fixtures(
        tmp_path, "nar_2024_mutation_rate_hypomethylation_cancer.pdf", "clinsci_2014_ace_n_domain_inhibitors.pdf"
    )
    report = intake.import_inputs(library, paths=paths, client=crossref_client)
    assert report.unreadable == []
    nar_id = library.find("10.1093/nar/gkae252")
    clinsci_id = library.find("10.1042/CS20130403")
    assert nar_id and clinsci_id
    nar = library.get(nar_id)
    assert nar.title == "Mutation rate heterogeneity at the sub-gene scale due to local DNA hypomethylation"
    assert nar.journal == "Nucleic Acids Research"
    assert [f.label for f in nar.figures] == [f"Figure {n}" for n in range(1, 6)]
    assert {f.source for f in nar.figures} == {"pdf"}
    assert nar.figures[0].legend.startswith("Systematic quantification of mutation gradients al")
    clinsci = library.get(clinsci_id)
    assert [k.term for k in clinsci.keywords][:2] == ["angiotensin-1-converting enzyme (ACE)", "crystal structure"]
    assert library.search('legend:"logarithmic"') == [clinsci_id]  # a phrase is exact
    assert set(library.search("legend:logarithmic")) == {clinsci_id, nar_id}  # a word also finds "logarithm"
    (attachment,) = attachments_of(library, nar_id)
    stored = attachment_path(library, attachment)
    assert stored.read_bytes() == paths[0].read_bytes() and stored.parent == attachments_dir(library)
    assert stored.parent.parent == library.path.parent
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert attachment.pages == 16 and attachment.original_name == paths[0].name
    hits = search_fulltext(library, "hypomethylation")
    assert [hit.article_id for hit in hits] == [nar_id]
    assert "[hypomethylation]" in hits[0].snippet.lower()
    assert library.search("fulltext:hypomethylation") == [nar_id]
    assert library.search('fulltext:"N-domain ACE"') == [clinsci_id]
    assert sorted(library.search("has:pdf")) == sorted([nar_id, clinsci_id])
    assert library.search("fulltext:hypomethylation year:2014") == []
    sentences = [item.status for item in report.items]
    assert sentences.count("added") == 2


def test_same_pdf_twice_is_recognised(library, server, crossref_client, tmp_path):
    (path,) = copy_fixtures(tmp_path, "jacmp_2023_proton_ct_stopping_criterion.pdf")
    intake.import_inputs(library, paths=[path], client=crossref_client)
    again = tmp_path / "renamed copy.pdf"
    shutil.copy(path, again)
    report = intake.import_inputs(library, paths=[again], client=crossref_client)
    (item,) = report.items
    assert item.status == "duplicate" and "already attached" in item.message
    assert library.count() == 1 and len(attachments_of(library, item.article_id)) == 1
    assert len(list(attachments_dir(library).iterdir())) == 1


def test_a_folder_with_good_damaged_and_textless_pdfs(library, server, crossref_client, tmp_path):
    folder = tmp_path / "downloads"
    copy_fixtures(
        tmp_path, "bmc_hsr_2014_quality_improvement_malawi.pdf", "derived_encrypted_bmc_hsr_2014_userpw_fixture.pdf",
        "derived_truncated_bmc_jtmo_2010_first_half.pdf", "derived_image_only_clinsci_2014_p1-2.pdf",
    )  # fmt: skip
    (folder / "saved page.pdf").write_text("<html><body>Sign in</body></html>", encoding="utf-8")
    report = intake.import_inputs(library, paths=[folder], client=crossref_client)
    assert library.find("10.1186/1472-6963-14-1") is not None
    assert library.count() == 1
    messages = "\n".join(report.unreadable)
    assert "derived_encrypted_bmc_hsr_2014_userpw_fixture.pdf: password-protected" in messages
    assert "derived_truncated_bmc_jtmo_2010_first_half.pdf: damaged or incomplete PDF" in messages
    assert "derived_image_only_clinsci_2014_p1-2.pdf: no text layer" in messages
    assert "saved page.pdf: a web page (HTML) saved with a .pdf name" in messages
    assert len(report.unreadable) == 4
    assert library.conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 1
    assert library.conn.execute("SELECT count(*) FROM attachments_fts").fetchone()[0] == 1


def test_pdf_without_doi_title_checked_in_crossref(library, server, crossref_client, tmp_path):
    work = next(w for w in WORKS if w["DOI"] == "10.1126/science.aba1624")
    path = write_article_pdf(
        tmp_path / "allen.pdf", work["title"][0], ["Cancer immunotherapy text."], header="Science 2022",
        authors="Greg M. Allen, Nicholas W. Frankel",
    )  # fmt: skip
    report = intake.import_inputs(library, paths=[path], client=crossref_client)
    article_id = library.find("10.1126/science.aba1624")
    assert article_id is not None, report
    assert NEEDS_IDENTIFICATION not in library.tags_of(article_id)
    assert len(attachments_of(library, article_id)) == 1


def test_pdf_nobody_knows_is_kept_as_needing_identification(library, server, crossref_client, tmp_path):
    path = write_article_pdf(
        tmp_path / "congress.pdf", "Hypofractionated radiotherapy in elderly glioblastoma patients", ["Text."],
        figures=2,
    )  # fmt: skip
    report = intake.import_inputs(library, paths=[path], client=crossref_client)
    (item,) = [i for i in report.items if i.status == "added"]
    article = library.get(item.article_id)
    assert article.title == "Hypofractionated radiotherapy in elderly glioblastoma patients"
    assert article.doi == "" and NEEDS_IDENTIFICATION in article.tags
    assert [f.label for f in article.figures] == ["Figure 1", "Figure 2"]
    assert "needs identification" in item.message


def test_pdf_with_doi_offline_is_kept_from_its_metadata_and_pending(library, tmp_path):
    path = write_article_pdf(tmp_path / "a.pdf", "Proton therapy for paediatric tumours", ["Text."], doi="10.5555/x.1")
    report = intake.import_inputs(library, paths=[path], client=None)
    article_id = library.find("10.5555/x.1")
    assert library.get(article_id).title == "Proton therapy for paediatric tumours"
    assert [d for d, *_ in intake.pending_dois(library)] == ["10.5555/x.1"]
    assert any(i.status == "pending" for i in report.items)


def test_legends_from_the_pdf_never_replace_existing_ones(library, server, crossref_client, tmp_path):
    from refmgr.core.model import Article, Figure

    library.save(Article(title="Mutation rate heterogeneity", doi="10.1093/nar/gkae252",
                         figures=[Figure("Figure 1", "Typed by the user", source="hand")]))  # fmt: skip
    (path,) = copy_fixtures(tmp_path, "nar_2024_mutation_rate_hypomethylation_cancer.pdf")
    intake.import_inputs(library, paths=[path], client=crossref_client)
    article = library.get(library.find("10.1093/nar/gkae252"))
    assert [(f.legend, f.source) for f in article.figures] == [("Typed by the user", "hand")]
    assert len(attachments_of(library, article.id)) == 1


def test_deleting_an_article_or_attachment_clears_its_index_and_file(library, server, crossref_client, tmp_path):
    (path,) = copy_fixtures(tmp_path, "jacmp_2023_proton_ct_stopping_criterion.pdf")
    intake.import_inputs(library, paths=[path], client=crossref_client)
    article_id = library.find("10.1002/acm2.14114")
    (attachment,) = attachments_of(library, article_id)
    assert detach(library, attachment.id)
    assert not attachment_path(library, attachment).exists()
    assert library.search("fulltext:autocorrelation") == []
    path2 = tmp_path / "again.pdf"
    shutil.copy(path, path2)
    intake.import_inputs(library, paths=[path2], client=crossref_client)
    library.delete([article_id])
    assert library.conn.execute("SELECT count(*) FROM attachments_fts").fetchone()[0] == 0


def test_identifying_a_pdf_only_article(library, server, crossref_client, tmp_path):
    from refmgr.core.pdf.identify import identify

    path = write_article_pdf(tmp_path / "scan.pdf", "Some congress abstract on proton therapy", ["Text."], figures=1)
    intake.import_inputs(library, paths=[path], client=None)
    (article_id,) = library.query_ids()
    assert NEEDS_IDENTIFICATION in library.tags_of(article_id)
    target, report = identify(library, article_id, "https://doi.org/10.1002/acm2.14114", crossref_client)
    assert target == article_id and report.counts() == {"updated": 1}
    article = library.get(article_id)
    assert article.doi == "10.1002/acm2.14114" and article.journal == "Journal of Applied Clinical Medical Physics"
    assert NEEDS_IDENTIFICATION not in article.tags
    assert len(attachments_of(library, article_id)) == 1


def test_identifying_with_a_doi_already_in_the_library_moves_the_pdf(library, server, crossref_client, tmp_path):
    from refmgr.core.model import Article
    from refmgr.core.pdf.identify import identify

    owner = library.save(Article(title="A stopping criterion", doi="10.1002/acm2.14114", year=2023)).article_id
    path = write_article_pdf(tmp_path / "scan.pdf", "A stopping criterion for proton CT", ["Text."], figures=2)
    intake.import_inputs(library, paths=[path], client=None)
    orphan = next(i for i in library.query_ids() if i != owner)
    target, _ = identify(library, orphan, "10.1002/acm2.14114", crossref_client)
    assert target == owner and library.get(orphan) is None
    assert len(attachments_of(library, owner)) == 1
    assert [f.label for f in library.get(owner).figures] == ["Figure 1", "Figure 2"]
    with pytest.raises(ValueError, match="not a DOI"):
        identify(library, owner, "nonsense", crossref_client)


def test_a_pipe_named_pdf_is_refused_without_blocking(library, tmp_path):
    import os

    pipe = tmp_path / "stream.pdf"
    os.mkfifo(pipe)
    report = intake.import_inputs(library, paths=[pipe], client=None)
    assert report.unreadable == [f"{pipe}: not a regular file (a folder, pipe or device)"]
