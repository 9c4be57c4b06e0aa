"""Bibliographies: Vancouver, AMA and APA checked entry by entry, in text, Markdown and HTML; the entry cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from refmgr.core.export import ExportError, export_articles
from refmgr.core.export.bibliography import fix_entry, format_entries, html_to_markdown, style_spec
from refmgr.core.export.citecache import EntryCache
from refmgr.core.formats import ris
from refmgr.core.model import Article, Author

SAMPLE = Path(__file__).parent.parent / "data" / "formats" / "rcc-references.ris"

VANCOUVER = """\
1. Ljungberg B, Albiges L, Abu-Ghanem Y, Bedke J, Capitanio U, Dabestani S, et al. European Association of Urology Guidelines on Renal Cell Carcinoma: The 2022 Update. Eur Urol. 2022 Oct;82(4):399-410.
2. Ferlay J, Colombet M, Soerjomataram I, Dyba T, Randi G, Bettio M, et al. Cancer incidence and mortality patterns in Europe: Estimates for 40 countries and 25 major cancers in 2018. Eur J Cancer. 2018 Nov;103:356-87.
3. Tran J, Ornstein MC. Clinical Review on the Management of Metastatic Renal Cell Carcinoma. JCO Oncol Pract. 2022 Mar;18(3):187-96.
4. Dudani S, de Velasco G, Wells C, Gan CL, Donskov F, Porta C. Sites of metastasis and survival in metastatic renal cell carcinoma (mRCC): Results from the International mRCC Database Consortium (IMDC). J Clin Oncol. 2020;38(6 Suppl):642.
5. Medical Research Council Renal Cancer Collaborators. Interferon-α and survival in metastatic renal carcinoma: early results of a randomised controlled trial. Lancet. 1999 Jan 2;353(9146):14-7.
6. Motzer RJ, Tannir NM, McDermott DF, Arén Frontera O, Melichar B, Choueiri TK, et al. Nivolumab plus Ipilimumab versus Sunitinib in Advanced Renal-Cell Carcinoma. N Engl J Med. 2018 Apr 5;378(14):1277-90.
"""  # noqa: E501

AMA = """\
1. Ljungberg B, Albiges L, Abu-Ghanem Y, et al. European Association of Urology Guidelines on Renal Cell Carcinoma: The 2022 Update. Eur Urol. 2022;82(4):399-410. doi:10.1016/j.eururo.2022.03.006
2. Ferlay J, Colombet M, Soerjomataram I, et al. Cancer incidence and mortality patterns in Europe: Estimates for 40 countries and 25 major cancers in 2018. Eur J Cancer. 2018;103:356-387. doi:10.1016/j.ejca.2018.07.005
3. Tran J, Ornstein MC. Clinical Review on the Management of Metastatic Renal Cell Carcinoma. JCO Oncol Pract. 2022;18(3):187-196. doi:10.1200/op.21.00419
4. Dudani S, de Velasco G, Wells C, Gan CL, Donskov F, Porta C. Sites of metastasis and survival in metastatic renal cell carcinoma (mRCC): Results from the International mRCC Database Consortium (IMDC). J Clin Oncol. 2020;38(6 Suppl):642. doi:10.1200/jco.2020.38.6_suppl.642
5. Medical Research Council Renal Cancer Collaborators. Interferon-α and survival in metastatic renal carcinoma: early results of a randomised controlled trial. Lancet. 1999;353(9146):14-17. doi:10.1016/s0140-6736(98)03544-2
6. Motzer RJ, Tannir NM, McDermott DF, et al. Nivolumab plus Ipilimumab versus Sunitinib in Advanced Renal-Cell Carcinoma. N Engl J Med. 2018;378(14):1277-1290. doi:10.1056/nejmoa1712126
"""  # noqa: E501

APA_FIRST_TWO = [
    "Ljungberg, B., Albiges, L., Abu-Ghanem, Y., Bedke, J., Capitanio, U., Dabestani, S., Fernández-Pello, S., Giles, R. H., Hofmann, F., Hora, M., Klatte, T., Kuusk, T., Lam, T. B., Marconi, L., Powles, T., Tahbaz, R., Volpe, A., & Bex, A. (2022). European Association of Urology Guidelines on Renal Cell Carcinoma: The 2022 Update. European Urology, 82(4), 399–410. https://doi.org/10.1016/j.eururo.2022.03.006",  # noqa: E501
    "Ferlay, J., Colombet, M., Soerjomataram, I., Dyba, T., Randi, G., Bettio, M., Gavin, A., Visser, O., & Bray, F. (2018). Cancer incidence and mortality patterns in Europe: Estimates for 40 countries and 25 major cancers in 2018. European Journal of Cancer, 103, 356–387. https://doi.org/10.1016/j.ejca.2018.07.005",  # noqa: E501
]


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return [r.article for r in ris.parse(SAMPLE.read_text(encoding="utf-8"))]


def test_vancouver_text_exact(articles: list[Article]) -> None:
    assert export_articles(articles, "bibliography", "vancouver") == VANCOUVER


def test_ama_text_exact(articles: list[Article]) -> None:
    assert export_articles(articles, "bibliography", "ama") == AMA


def test_apa_text_sorted_by_author(articles: list[Article]) -> None:
    lines = export_articles(articles, "bibliography", "apa").splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "Dudani", "Ferlay", "Ljungberg", "Medical Research Council Renal Cancer Collaborators. (1999). Interferon-α "
        "and survival in metastatic renal carcinoma: early results of a randomised controlled trial. The Lancet",
        "Motzer", "Tran",
    ]  # fmt: skip
    assert lines[2] == APA_FIRST_TWO[0]
    assert lines[1] == APA_FIRST_TWO[1]


def test_html_and_markdown(articles: list[Article]) -> None:
    html = export_articles(articles[:2], "bibliography", "ama", output_format="html")
    assert html == (
        '<ol class="bibliography ama">\n'
        '  <li class="csl-entry">Ljungberg B, Albiges L, Abu-Ghanem Y, et al. European Association of Urology '
        "Guidelines on Renal Cell Carcinoma: The 2022 Update. <i>Eur Urol</i>. 2022;82(4):399-410. "
        "doi:10.1016/j.eururo.2022.03.006</li>\n"
        '  <li class="csl-entry">Ferlay J, Colombet M, Soerjomataram I, et al. Cancer incidence and mortality patterns '
        "in Europe: Estimates for 40 countries and 25 major cancers in 2018. <i>Eur J Cancer</i>. 2018;103:356-387. "
        "doi:10.1016/j.ejca.2018.07.005</li>\n"
        "</ol>\n"
    )
    markdown = export_articles(articles[3:4], "bibliography", "apa", output_format="markdown")
    assert markdown == (
        "Dudani, S., de Velasco, G., Wells, C., Gan, C. L., Donskov, F., & Porta, C. (2020). Sites of metastasis and "
        "survival in metastatic renal cell carcinoma (mRCC): Results from the International mRCC Database Consortium "
        "(IMDC). *Journal of Clinical Oncology*, *38*(6 Suppl), 642. https://doi.org/10.1200/jco.2020.38.6\\_suppl.642\n"
    )
    vancouver_md = export_articles(articles[:1], "bibliography", "vancouver", output_format="markdown")
    assert vancouver_md == VANCOUVER.splitlines()[0] + "\n"


def test_html_escapes_markup_in_titles() -> None:
    article = Article(title="PD-L1 <script>alert(1)</script> & survival", journal="J Oncol", year=2020,
                      authors=[Author(family="Smith", given="Jane")])
    html = export_articles([article], "bibliography", "vancouver", output_format="html")
    assert "<script>" not in html
    assert "PD-L1 &lt;script&gt;alert(1)&lt;/script&gt; &amp; survival" in html


def test_fixes_for_citeproc_slips() -> None:
    vancouver = style_spec("vancouver")
    assert fix_entry("1.Doe J. Title. J Clin. 2020Feb20;38(6):642–50.", vancouver, "text") == (
        "Doe J. Title. J Clin. 2020 Feb 20;38(6):642-50."
    )
    apa = style_spec("apa")
    assert fix_entry("Doe J. Title . . J  Clin. 2021Dec;1:2.", apa, "text") == "Doe J. Title. J Clin. 2021 Dec;1:2."
    assert html_to_markdown("A <i>B_c</i> &amp; <b>[d]</b>") == "A *B\\_c* & **\\[d\\]**"


def test_missing_authors_and_question_titles() -> None:
    no_authors = Article(title="Renal cell carcinoma in 2021", journal="Eur Urol", journal_abbrev="Eur Urol",
                         year=2021, volume="79", pages="1-5")
    question = Article(title="Is ablation enough?", authors=[Author(family="Doe", given="Ann")], journal="Lancet",
                       year=2020, volume="395", pages="100-110")
    assert export_articles([no_authors, question], "bibliography", "ama") == (
        "1. Renal cell carcinoma in 2021. Eur Urol. 2021;79:1-5.\n"
        "2. Doe A. Is ablation enough? Lancet. 2020;395:100-110.\n"
    )
    assert export_articles([no_authors, question], "bibliography", "apa") == (
        "Doe, A. (2020). Is ablation enough? Lancet, 395, 100–110.\n"
        "Renal cell carcinoma in 2021. (2021). Eur Urol, 79, 1–5.\n"
    )
    assert export_articles([question], "bibliography", "vancouver") == (
        "1. Doe A. Is ablation enough? Lancet. 2020;395:100-10.\n"
    )


def test_unknown_style_and_format(articles: list[Article]) -> None:
    with pytest.raises(ExportError, match=r"\d+ styles match 'harvard'; give the id of one"):
        export_articles(articles, "bibliography", "harvard")
    with pytest.raises(ExportError, match="no CSL style matches 'no such style'"):
        export_articles(articles, "bibliography", "no such style")
    with pytest.raises(ExportError, match="unknown export format 'docx'"):
        export_articles(articles, "docx")
    assert export_articles([], "bibliography", "vancouver") == ""


def test_entries_are_cached_by_content(articles: list[Article], tmp_path: Path) -> None:
    cache = EntryCache(tmp_path / "citations.sqlite")
    first = format_entries(articles, "vancouver", "text", cache=cache)
    assert len(cache.memory) == 6
    reopened = EntryCache(tmp_path / "citations.sqlite")
    assert format_entries(articles, "vancouver", "text", cache=reopened) == first
    assert set(reopened.memory) == set(cache.memory)  # every entry came from the file, none re-formatted
    changed = Article.from_dict(articles[0].to_dict())
    changed.volume = "83"
    entries = format_entries([changed, *articles[1:]], "vancouver", "text", cache=reopened)
    assert entries[0].endswith("Eur Urol. 2022 Oct;83(4):399-410.")
    assert entries[1:] == first[1:]
    assert len(reopened.memory) == 7


def test_unusable_cache_file_falls_back_to_memory(articles: list[Article], tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    cache = EntryCache(blocker / "citations.sqlite")
    entries = format_entries(articles[:2], "ama", "text", cache=cache)
    assert entries[0].startswith("Ljungberg B, Albiges L, Abu-Ghanem Y, et al.")
    assert len(cache.memory) == 2
    assert format_entries(articles[:2], "ama", "text", cache=cache) == entries


def test_threads_formatting_text_and_html_at_once(articles: list[Article]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def run(output: str) -> list[str]:
        return format_entries(articles, "ama", output, cache=EntryCache(None))

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, ["text", "html", "text", "html"]))
    assert results[0] == results[2] and results[1] == results[3]
    assert "<i>" not in "".join(results[0])
    assert all("<i>Eur Urol</i>" in "".join(r) for r in results[1::2])


def test_oversized_cache_file_is_dropped(articles: list[Article], tmp_path: Path, monkeypatch) -> None:
    from refmgr.core.export import citecache

    path = tmp_path / "citations.sqlite"
    first = EntryCache(path)
    format_entries(articles[:1], "vancouver", "text", cache=first)
    (key,) = first.memory
    assert EntryCache(path).get_many([key]) == {key: first.memory[key]}
    monkeypatch.setattr(citecache, "FILE_LIMIT_BYTES", 10)
    fresh = EntryCache(path)
    assert fresh.get_many([key]) == {}
    assert format_entries(articles[:1], "vancouver", "text", cache=fresh)[0].startswith("Ljungberg B")


def test_author_date_entries_are_cached_one_by_one_and_sorted(articles: list[Article], tmp_path: Path) -> None:
    """citeproc-py formats each entry on its own (no year suffixes): a new article costs one entry, not all."""
    cache = EntryCache(tmp_path / "citations.sqlite")
    first = format_entries(articles[:4], "apa", cache=cache)
    before = cache.misses
    both = format_entries(articles, "apa", cache=cache)
    assert cache.misses - before == 1 + 2  # the new whole list, then the two new entries
    assert [e for e in both if e in first] == first and both == sorted(both, key=lambda e: e.lower())
