"""Detection by content: every sample goes to its own reader whatever the file is called."""

from __future__ import annotations

from pathlib import Path

import pytest

from refmgr.core.formats import detect_reader

DATA = Path(__file__).parent.parent / "data"
SAMPLES = {
    "formats/rcc-references.ris": "ris",
    "formats/rcc-references.bib": "bibtex",
    "formats/rcc-zotero.json": "csl-json",
    "formats/pmc-articleset.xml": "jats",
    "formats/pubmed-efetch.xml": "pubmed-xml",
    "crossref/works_10.1136_esmoopen-2020-000776.json": "csl-json",
    "crossref/cn_csl_json_10.1126_science.169.3946.635.json": "csl-json",
    "crossref/cn_bibtex_10.1126_science.169.3946.635.bib": "bibtex",
    "pubmed-beyond-the-scalpel.txt": "pubmed-page",
}


@pytest.mark.parametrize(("name", "reader"), sorted(SAMPLES.items()))
def test_sample_detected(name: str, reader: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    assert reader == detect_reader(text, "download.txt").NAME
    assert reader == detect_reader("\ufeff" + text, "").NAME


def test_plain_text_and_non_csl_json_are_not_claimed() -> None:
    assert detect_reader("Ljungberg B, et al. Eur Urol. 2022;82:399-410.\n", "refs.txt") is None
    assert detect_reader('{"status": "ok", "items": []}', "x.json") is None
