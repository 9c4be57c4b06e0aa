"""Journal-club handouts (HTML and Markdown) and the atomic file writer."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from refmgr.core.export import ExportError, export_articles, suggested_extension, write_output
from refmgr.core.export.handout import handout_html, handout_markdown
from refmgr.core.formats import jats, ris
from refmgr.core.model import Article, Figure, Keyword

DATA = Path(__file__).parent.parent / "data" / "formats"


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    seed = next(jats.parse((DATA / "pmc-articleset.xml").read_text(encoding="utf-8"))).article
    seed.id = 11
    guideline = next(ris.parse((DATA / "rcc-references.ris").read_text(encoding="utf-8"))).article
    guideline.id = 12
    return [seed, guideline]


def test_html_handout_structure_and_order(articles: list[Article]) -> None:
    notes = {12: "Compare with the 2019 version.\n\nFocus on cytoreductive nephrectomy."}
    page = handout_html(articles, notes, "Journal club: ablation in mRCC", on="2026-12-03")
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")
    assert "<title>Journal club: ablation in mRCC</title>" in page
    assert '<p class="date">2026-12-03 · 2 articles</p>' in page
    assert "@media print" in page
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings == [
        '<span class="number">1.</span> Fung KFK. Beyond the Scalpel: the Role of Image-Guided Thermal Ablation in '
        "Management of Metastatic Renal Cell Carcinoma in the Era of Immunotherapy. Cardiovasc Intervent Radiol. 2025 "
        "Aug;48(8):1104-12.",
        '<span class="number">2.</span> Ljungberg B, Albiges L, Abu-Ghanem Y, Bedke J, Capitanio U, Dabestani S, et '
        "al. European Association of Urology Guidelines on Renal Cell Carcinoma: The 2022 Update. Eur Urol. 2022 "
        "Oct;82(4):399-410.",
    ]
    assert ('<div class="note"><p>Compare with the 2019 version.</p><p>Focus on cytoreductive nephrectomy.</p></div>'
            in page)
    assert page.count('<div class="note">') == 1
    assert "<dt>Fig. 3</dt><dd>Electrochemotherapy of a bone metastasis. A 56-year-old man" in page
    assert ('<p class="keywords"><strong>Keywords:</strong> Cryoablation; Immunotherapy; Metastasis; Renal cell '
            "carcinoma; Thermal Ablation</p>") in page
    assert page.index("<h3>Abstract</h3>") < page.index("<h3>Figures</h3>")
    assert not re.search(r"(src|href)=", page)  # self-contained: nothing to fetch
    assert "<script" not in page


def test_html_handout_escapes_untrusted_text() -> None:
    hostile = Article(id=1, title="T", journal="J", year=2024, abstract="<img src=x onerror=alert(1)> & more",
                      keywords=[Keyword(term="<b>PD-L1</b>")], figures=[Figure("Fig. 1", "<script>x</script>")])
    page = handout_html([hostile], {1: "<iframe src=evil>"}, "<Club>")
    assert "<img" not in page and "<iframe" not in page and "<script>x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; more" in page
    assert "<h1>&lt;Club&gt;</h1>" in page


def test_markdown_handout(articles: list[Article]) -> None:
    text = handout_markdown(articles, {12: "Focus on *cytoreductive* nephrectomy."}, "Journal club", on="2026-12-03")
    lines = text.splitlines()
    assert lines[:4] == ["# Journal club", "", "2026-12-03 · 2 articles", ""]
    assert lines[4].startswith("## 1. Fung KFK. Beyond the Scalpel")
    assert "**Keywords:** Cryoablation; Immunotherapy; Metastasis; Renal cell carcinoma; Thermal Ablation" in lines
    assert "- **Fig. 2** A 70-year-old man who received 18 months of immunotherapy with residual liver metastasis " \
           "treated with microwave ablation." in lines
    second = lines.index("## 2. Ljungberg B, Albiges L, Abu-Ghanem Y, Bedke J, Capitanio U, Dabestani S, et al. "
                         "European Association of Urology Guidelines on Renal Cell Carcinoma: The 2022 Update. Eur "
                         "Urol. 2022 Oct;82(4):399-410.")
    assert lines[second + 2] == "> Focus on \\*cytoreductive\\* nephrectomy."
    assert text.endswith("**Keywords:** Guidelines; Renal cell carcinoma; Immunotherapy; Nephrectomy\n")


def test_dispatcher_formats(articles: list[Article]) -> None:
    page = export_articles(articles, "handout-html", list_notes={11: "Seed article"}, title="RCC club")
    assert "<h1>RCC club</h1>" in page and "<p>Seed article</p>" in page
    assert export_articles(articles, "handout-md", title="RCC club").startswith("# RCC club\n")
    assert export_articles(articles, "ris").count("ER  - ") == 2
    assert export_articles(articles, "bibtex").startswith("@article{fung2025beyond,\n")
    assert [suggested_extension(f) for f in ("ris", "bibtex", "csl-json", "handout-html", "handout-md")] == [
        "ris", "bib", "json", "html", "md",
    ]  # fmt: skip
    assert suggested_extension("bibliography", "markdown") == "md"


def test_write_output_replaces_atomically(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    target = tmp_path / "list.ris"
    target.write_text("old", encoding="utf-8")
    write_output("TY  - JOUR\nER  - \n", target)
    assert target.read_text(encoding="utf-8") == "TY  - JOUR\nER  - \n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.ris"]


def test_write_output_failure_leaves_nothing(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(ExportError, match=r"cannot write .*missing/list.ris: No such file or directory"):
        write_output("x", tmp_path / "missing" / "list.ris")
    folder = tmp_path / "folder.ris"
    folder.mkdir()
    with pytest.raises(ExportError, match=r"is a folder|Is a directory"):
        write_output("x", folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.ris"]
    assert list(folder.iterdir()) == []
    if os.geteuid() != 0:  # root can write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ExportError, match="Permission denied"):
            write_output("x", locked / "list.ris")
        assert list(locked.iterdir()) == []
