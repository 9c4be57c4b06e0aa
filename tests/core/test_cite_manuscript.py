"""Manuscripts cited from the library: a .docx with 30 markers over 12 articles, Markdown, strict mode."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from refmgr.core.export import citekeys
from refmgr.core.export.manuscript import ManuscriptError, cite_file, cite_markdown
from refmgr.core.library import Library
from refmgr.core.model import Article, Author

docx = pytest.importorskip("docx")

TITLES = [
    "Sunitinib versus interferon alfa in metastatic renal-cell carcinoma",
    "Nivolumab plus ipilimumab versus sunitinib in advanced renal-cell carcinoma",
    "Pembrolizumab plus axitinib versus sunitinib for advanced renal-cell carcinoma",
    "Avelumab plus axitinib versus sunitinib for advanced renal-cell carcinoma",
    "Cabozantinib versus everolimus in advanced renal-cell carcinoma",
    "Lenvatinib plus pembrolizumab or everolimus for advanced renal cell carcinoma",
    "Nivolumab plus cabozantinib versus sunitinib for advanced renal-cell carcinoma",
    "Cytoreductive nephrectomy in metastatic renal cancer",
    "Thermal ablation of renal metastases",
    "Stereotactic radiotherapy for oligometastatic renal cancer",
    "Survival in the IMDC database",
    "Radiofrequency ablation versus partial nephrectomy",
]


@pytest.fixture
def twelve(library: Library) -> list[int]:
    """Twelve articles; the 4th has a DOI and the 5th a PMID, cited by those instead of keys."""
    ids = []
    for n, title in enumerate(TITLES):
        article = Article(title=title, journal="European Urology", year=2010 + n, volume=str(50 + n), issue="1",
                          pages=f"{100 + n}-{110 + n}", authors=[Author(f"Author{chr(65 + n)}", "J")],
                          doi=f"10.1016/j.eururo.2020.{n:02d}" if n == 3 else "", pmid="30779529" if n == 4 else "",
                          source="crossref")  # fmt: skip
        ids.append(library.save(article).article_id)
    return ids


def _key(library: Library, article_id: int) -> str:
    return citekeys.key_of(library, article_id)


def _write_manuscript(path: Path, library: Library, ids: list[int]) -> None:
    """30 markers: adjacent, repeated, one unknown, one split across three runs; formatting around them."""
    k = [_key(library, i) for i in ids]
    document = docx.Document()
    document.add_heading("Ablation in metastatic RCC", level=1)
    p = document.add_paragraph("Sunitinib was the standard ")
    p.add_run("for years").bold = True
    p.add_run(f" [@{k[0]}]. Immunotherapy combinations followed [@{k[1]}; @{k[2]}][@{k[3]}], "
              f"{{doi:10.1016/j.eururo.2020.03}} and [@{k[4]}].")  # 2 citations (5 markers, one repeated DOI)
    document.add_paragraph(f"Later trials [@{k[5]}] [@{k[6]}] and {{pmid:30779529}} confirmed it [@{k[0]}].")  # 4
    split = document.add_paragraph("Nephrectomy remains debated ")
    split.add_run("[@" + k[7][:4])
    split.add_run(k[7][4:8]).italic = True
    split.add_run(k[7][8:] + "]")
    split.add_run(" in this setting.")  # 1 marker, split over three runs
    document.add_paragraph(f"Ablation [@{k[8]}] and radiotherapy [@{k[9]}] are local options; "
                           "see also [@nosuchkey2020].")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = f"IMDC [@{k[10]}]"
    table.cell(0, 1).text = f"RFA [@{k[11]}; @{k[0]}]"
    for n in range(12):  # 12 more single markers, each article again
        document.add_paragraph(f"Point {n} [@{k[n]}].")
    document.add_paragraph(f"Reviews agree [@{k[1]}], [@{k[3]}] and [@{k[11]}].")
    document.add_paragraph("References")
    document.add_paragraph("[bibliography]")
    document.add_paragraph("Acknowledgements follow the references.")
    document.save(str(path))


def _markers(text: str) -> int:
    import re

    from refmgr.core.export.manuscript import _PIECE, MARKER

    return sum(len(list(_PIECE.finditer(m.group(0)))) for m in MARKER.finditer(text)) if re else 0


def test_docx_with_thirty_markers(library: Library, twelve: list[int], tmp_path: Path) -> None:
    source, target = tmp_path / "manuscript.docx", tmp_path / "cited.docx"
    _write_manuscript(source, library, twelve)
    text_before = "\n".join(p.text for p in docx.Document(str(source)).paragraphs)
    cells = "".join(c.text for c in docx.Document(str(source)).tables[0]._cells)
    assert _markers(text_before) + _markers(cells) == 30
    digest = hashlib.sha256(source.read_bytes()).hexdigest()

    report = cite_file(source, target, library, "vancouver")

    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest  # the input is never modified
    assert report.articles == 12 and report.bibliography_at_marker
    assert [u.marker for u in report.unknown] == ["[@nosuchkey2020]"]
    assert report.unknown[0].paragraph == 5 and "see also [@nosuchkey2020]" in report.unknown[0].excerpt
    cited = docx.Document(str(target))
    paragraphs = [p.text for p in cited.paragraphs]
    assert paragraphs[1] == ("Sunitinib was the standard for years (1). Immunotherapy combinations followed (2-4), (4) "
                             "and (5).")
    assert cited.paragraphs[1].runs[1].bold and cited.paragraphs[1].runs[1].text == "for years"  # formatting kept
    assert paragraphs[2] == "Later trials (6,7) and (5) confirmed it (1)."  # adjacent markers: one citation
    assert paragraphs[3] == "Nephrectomy remains debated (8) in this setting."
    assert paragraphs[4] == "Ablation (9) and radiotherapy (10) are local options; see also [@nosuchkey2020]."
    assert [c.text for c in cited.tables[0]._cells] == ["IMDC (11)", "RFA (1,12)"]
    assert paragraphs[5:17] == [f"Point {n} ({n + 1})." for n in range(12)]
    assert paragraphs[17] == "Reviews agree (2), (4) and (12)."
    assert paragraphs[18] == "References"
    bibliography = paragraphs[19:31]
    assert [line.split(". ")[0] for line in bibliography] == [str(n) for n in range(1, 13)]
    assert bibliography[0].startswith("1. AuthorA J. Sunitinib versus interferon alfa in metastatic renal-cell")
    assert bibliography[0].endswith("Eur Urol. 2010;50(1):100-10.")
    assert bibliography[3].startswith("4. AuthorD J. Avelumab")
    assert paragraphs[31] == "Acknowledgements follow the references."
    _opens_in_libreoffice(target, tmp_path, bibliography[11])


def _opens_in_libreoffice(target: Path, folder: Path, last_entry: str) -> None:
    """Convert the cited document to text headless, when LibreOffice is installed, and check its content."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        return  # python-docx has read it back above; LibreOffice is not installed here
    out = folder / "converted"
    profile = f"-env:UserInstallation=file://{folder / 'lo-profile'}"
    subprocess.run([office, "--headless", profile, "--convert-to", "txt:Text", "--outdir", str(out), str(target)],
                   check=True, capture_output=True, timeout=180)  # fmt: skip
    text = (out / "cited.txt").read_text(encoding="utf-8-sig")
    assert "Immunotherapy combinations followed (2-4), (4) and (5)." in text
    assert last_entry in text


def test_superscript_style_puts_numbers_in_raised_runs(library: Library, twelve: list[int], tmp_path: Path) -> None:
    source, target = tmp_path / "m.docx", tmp_path / "out.docx"
    k = [_key(library, i) for i in twelve]
    document = docx.Document()
    document.add_paragraph(f"Combinations [@{k[0]}; @{k[1]}; @{k[2]}] improved survival [@{k[0]}][@nope].")
    document.save(str(source))
    report = cite_file(source, target, library, "ama")
    runs = docx.Document(str(target)).paragraphs[0].runs
    assert [(r.text, bool(r.font.superscript)) for r in runs] == [
        ("Combinations ", False), ("1–3", True), (" improved survival ", False), ("1", True), ("[@nope].", False),
    ]
    assert len(report.unknown) == 1


def test_markdown_in_and_out(library: Library, twelve: list[int], tmp_path: Path) -> None:
    k = [_key(library, i) for i in twelve]
    text = f"# Review\n\nFirst [@{k[2]}], then [@{k[0]}; @{k[1]}; @{k[2]}] and {{doi:10.1016/j.eururo.2020.03}}.\n"
    cited, report = cite_markdown(text, library, "vancouver")
    lines = cited.splitlines()
    assert lines[2] == "First (1), then (1-3) and (4)."
    assert lines[4:6] == ["## References", ""]
    assert lines[6].startswith("1. AuthorC J. Pembrolizumab plus axitinib") and len(lines) == 10
    source = tmp_path / "review.md"
    source.write_text(text, encoding="utf-8")
    cite_file(source, tmp_path / "cited.md", library, "vancouver")
    assert (tmp_path / "cited.md").read_text(encoding="utf-8") == cited
    assert source.read_text(encoding="utf-8") == text and report.unknown == []


def test_strict_refuses_unknown_markers_and_writes_nothing(library: Library, twelve: list[int], tmp_path: Path) -> None:
    source = tmp_path / "draft.md"
    source.write_text("Claim [@missing2019] and {pmid:1}.\n", encoding="utf-8")
    with pytest.raises(ManuscriptError, match=r"2 marker\(s\) match nothing.*\n.*paragraph 1: \[@missing2019\]"):
        cite_file(source, tmp_path / "out.md", library, "vancouver", strict=True)
    assert not (tmp_path / "out.md").exists()
    report = cite_file(source, tmp_path / "out.md", library, "vancouver")
    assert (tmp_path / "out.md").read_text(encoding="utf-8").startswith("Claim [@missing2019] and {pmid:1}.")
    assert [u.marker for u in report.unknown] == ["[@missing2019]", "{pmid:1}"]


def test_bad_inputs_get_clear_messages(library: Library, tmp_path: Path) -> None:
    fake = tmp_path / "fake.docx"
    fake.write_text("not a zip", encoding="utf-8")
    with pytest.raises(ManuscriptError, match=r"not a Word \.docx document"):
        cite_file(fake, tmp_path / "o.docx", library, "vancouver")
    with pytest.raises(ManuscriptError, match="no such file"):
        cite_file(tmp_path / "missing.md", tmp_path / "o.md", library, "vancouver")


def test_cite_keys_are_stable_unique_and_editable(library: Library) -> None:
    ljungberg = [Author("Ljungberg", "B")]
    a = library.save(Article(title="The 2022 update", year=2022, authors=ljungberg)).article_id
    b = library.save(Article(title="The 2022 update of guidelines", year=2022, authors=[Author("Ljungberg", "B")]))
    assert citekeys.shown_key(library, a) == ("ljungberg2022update", False)  # shown before it is stored
    keys = citekeys.keys_of(library, [a, b.article_id])
    assert keys == {a: "ljungberg2022update", b.article_id: "ljungberg2022updatea"}
    assert citekeys.set_key(library, a, "@eau2022") == "eau2022"
    assert citekeys.key_of(library, a) == "eau2022" and citekeys.find_keys(library, ["EAU2022"]) == {"EAU2022": a}
    with pytest.raises(citekeys.CiteKeyError, match="already belongs to article"):
        citekeys.set_key(library, b.article_id, "eau2022")
    with pytest.raises(citekeys.CiteKeyError, match="not a usable cite key"):
        citekeys.set_key(library, a, "two words")
