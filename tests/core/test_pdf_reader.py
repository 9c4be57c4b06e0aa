"""Reading PDFs: DOI, title, captions and keywords of the real fixtures; hostile files get clear messages."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from refmgr.core.pdf import extract
from refmgr.core.pdf.analysis import (
    doi_from_metadata,
    find_captions,
    find_doi,
    find_keywords,
    find_title,
    full_text,
    join_lines,
)
from refmgr.core.pdf.extract import Line, PdfError, PdfExtractor, PdfText, read_pdf

DATA = Path(__file__).parent.parent / "data" / "pdf"
INDEX = json.loads((DATA / "index.json").read_text(encoding="utf-8"))
READABLE = [f for f in INDEX["files"] if f["kind"] == "original"]


def first60(text: str) -> str:
    """The fixture README's rule: whitespace runs collapsed, then the first 60 characters."""
    return re.sub(r"\s+", " ", text).strip()[:60]


@pytest.fixture(scope="module")
def texts():
    """Every readable fixture read once through one worker."""
    with PdfExtractor() as extractor:
        yield {entry["file"]: extractor.extract(DATA / entry["file"]) for entry in READABLE}


@pytest.mark.parametrize("entry", READABLE, ids=lambda e: e["file"].split("_")[0])
def test_doi_of_each_fixture(texts, entry):
    doi, where = find_doi(texts[entry["file"]])
    assert doi == entry["article"]["doi"].lower()
    in_metadata = any(loc["where"] in ("xmp", "info") for loc in entry["doi_locations"])
    assert (where == "metadata") == in_metadata


@pytest.mark.parametrize("entry", READABLE, ids=lambda e: e["file"].split("_")[0])
def test_captions_of_each_fixture(texts, entry):
    captions = find_captions(texts[entry["file"]])
    expected = [(c["page"], c["label"], c["first60"]) for c in entry["figure_captions"] or []]
    assert [(c.page, c.label, first60(c.text)) for c in captions] == expected
    assert all(c.legend and not c.legend.startswith(("|", ".")) for c in captions)


@pytest.mark.parametrize("entry", READABLE, ids=lambda e: e["file"].split("_")[0])
def test_title_is_printed_on_the_first_pages(texts, entry):
    title = find_title(texts[entry["file"]])
    printed = {entry["title"]["printed"], entry["title"].get("info_title") or ""}
    if entry["file"].startswith("science"):  # cover sheet (published) vs manuscript title on p2 and in Info
        printed.add("Synthetic cytokine circuits that drive T cell infiltration into immune-excluded tumors")
    assert title in printed
    assert "6489122611071476" not in title  # bmc_hsr: the typesetter's job name in Info/XMP


def test_journal_doi_and_reference_dois_are_not_taken(texts):
    jacmp = texts["jacmp_2023_proton_ct_stopping_criterion.pdf"]
    assert find_doi(jacmp)[0] == "10.1002/acm2.14114"
    journal_first = PdfText(
        Path("x.pdf"), [], 0, {"WPS-JOURNALDOI": "10.1002/(ISSN)1526-9914"},
        '<x:xmpmeta><pdfx:doi>10.1002/(ISSN)1526-9914</pdfx:doi><prism:doi>10.1002/acm2.14114</prism:doi></x:xmpmeta>',
    )  # fmt: skip
    assert doi_from_metadata(journal_first) == "10.1002/acm2.14114"
    reference = Line("[3] Doe J. doi:10.1016/j.cam.2022.114352", 0, 0, 1, 1, 1)
    references_only = PdfText(Path("x.pdf"), [[], [], [reference]], 3)
    assert find_doi(references_only) == ("", "")


def test_keyword_lines(texts):
    assert find_keywords(texts["clinsci_2014_ace_n_domain_inhibitors.pdf"]) == [
        "angiotensin-1-converting enzyme (ACE)", "crystal structure", "in silico screening", "inhibitor design",
        "kinetics", "RXP407",
    ]  # fmt: skip
    assert find_keywords(texts["jacmp_2023_proton_ct_stopping_criterion.pdf"]) == [
        "image noise", "iterative algorithm", "proton CT", "stopping criterion",
    ]  # fmt: skip
    assert find_keywords(texts["bmc_jtmo_2010_dvt_prophylaxis_trauma.pdf"]) == []


def test_in_text_references_are_not_captions(texts):
    jacmp = find_captions(texts["jacmp_2023_proton_ct_stopping_criterion.pdf"])
    figure8 = next(c for c in jacmp if c.label == "FIGURE 8")
    assert figure8.text.endswith("shown in Figure 6. RSP, relative stopping power.")
    assert len({c.label for c in jacmp}) == len(jacmp) == 12


def test_hyphenation_is_undone_but_word_hyphens_stay():
    assert join_lines(["the relative 33RE\ufffe", "binding affinity"]) == "the relative 33RE-binding affinity"
    assert join_lines(["com\ufffe", "pound 33RE"]) == "compound 33RE"
    assert join_lines(["N-domain-", "selective"]) == "N-domain-selective"
    assert join_lines(["two", "lines\x07"]) == "two lines"


def test_full_text_has_every_page(texts):
    nar = texts["nar_2024_mutation_rate_hypomethylation_cancer.pdf"]
    text = full_text(nar)
    assert text.count("\f") == nar.page_count - 1 == 15
    assert "hypomethylation" in text and "\ufffe" not in text


def test_encrypted_pdf_is_refused_clearly():
    path = DATA / "derived_encrypted_bmc_hsr_2014_userpw_fixture.pdf"
    with pytest.raises(PdfError, match=r"derived_encrypted_bmc_hsr_2014_userpw_fixture\.pdf: password-protected"):
        read_pdf(path)


def test_truncated_pdf_is_refused_and_names_the_doi_in_its_bytes():
    path = DATA / "derived_truncated_bmc_jtmo_2010_first_half.pdf"
    with pytest.raises(PdfError, match=r"first_half\.pdf: damaged or incomplete PDF .*doi:10\.1186/1752-2897-4-1"):
        read_pdf(path)


def test_image_only_pdf_has_no_text():
    pdf = read_pdf(DATA / "derived_image_only_clinsci_2014_p1-2.pdf")
    assert pdf.page_count == 2 and full_text(pdf).strip() == ""
    assert find_doi(pdf) == ("", "")


def test_html_named_pdf_and_oversize_files(tmp_path):
    page = tmp_path / "download.pdf"
    page.write_text("<!DOCTYPE html><html><body>Access denied</body></html>", encoding="utf-8")
    with pytest.raises(PdfError, match=r"download\.pdf: a web page \(HTML\) saved with a \.pdf name"):
        read_pdf(page)
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"\x00\x01binary")
    with pytest.raises(PdfError, match=r"junk\.pdf: not a PDF"):
        read_pdf(junk)
    with pytest.raises(PdfError, match=r"trauma\.pdf: .* MB is over the .* MB limit for one PDF"):
        extract.check_pdf_file(DATA / "bmc_jtmo_2010_dvt_prophylaxis_trauma.pdf", limit=1000)


def test_a_hanging_worker_is_stopped_at_the_deadline_and_replaced(monkeypatch):
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    monkeypatch.setattr(extract, "worker_command", lambda: hang)
    extractor = PdfExtractor(timeout=0.5)
    with pytest.raises(PdfError, match=r"reading it took over 0\.5 s, so it was stopped"):
        extractor.extract(DATA / "bmc_jtmo_2010_dvt_prophylaxis_trauma.pdf")
    assert extractor._process is None
    monkeypatch.undo()
    extractor.timeout = 60  # the new worker's start-up alone can take over 0.5 s on a busy machine
    with extractor:
        assert extractor.extract(DATA / "bmc_jtmo_2010_dvt_prophylaxis_trauma.pdf").page_count == 4


def test_a_crashing_worker_fails_only_that_file(monkeypatch):
    crash = [sys.executable, "-c", "import os, sys; sys.stdin.readline(); os.abort()"]
    monkeypatch.setattr(extract, "worker_command", lambda: crash)
    with pytest.raises(PdfError, match=r"made the reader crash"):
        read_pdf(DATA / "bmc_jtmo_2010_dvt_prophylaxis_trauma.pdf")


def test_worker_memory_cap_is_set():
    import subprocess

    code = "import resource; from refmgr.core.pdf.worker import limit_memory; limit_memory(); "
    code += "print(resource.getrlimit(resource.RLIMIT_AS)[0])"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(output) == extract_limit()


def extract_limit() -> int:
    from refmgr.core.pdf.worker import MEMORY_LIMIT_BYTES

    return MEMORY_LIMIT_BYTES


def test_a_read_in_progress_can_be_cancelled(monkeypatch):
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    monkeypatch.setattr(extract, "worker_command", lambda: hang)
    calls = []
    with PdfExtractor(timeout=30) as extractor, pytest.raises(extract.PdfCancelled, match="reading was cancelled"):
        extractor.extract(DATA / "bmc_jtmo_2010_dvt_prophylaxis_trauma.pdf", cancel=lambda: calls.append(1) or True)
    assert calls and extractor._process is None
