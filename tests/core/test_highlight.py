"""Keyword matching in legends and the safe rendering of untrusted abstracts (no Qt widgets)."""

from __future__ import annotations

from refmgr.core.highlight import EMPHASIS, find_hits, highlight_legend, keyword_regex, legends_html
from refmgr.core.model import Figure, Keyword
from refmgr.gui.richtext import safe_abstract_html


def test_keyword_regex_finds_inflections_and_respects_word_edges() -> None:
    pattern = keyword_regex("Metastasis")
    assert pattern is not None
    text = "nodal metastasis, liver metastases and metastatic focus; premetastasis is not a match"
    assert [m.group(0) for m in pattern.finditer(text)] == ["metastasis", "metastases", "metastatic"]
    pair = keyword_regex("Thermal Ablation")
    assert pair is not None
    assert pair.findall("image-guided thermal-ablation and thermal  ablation; ablation alone") == [
        "thermal-ablation", "thermal  ablation",
    ]  # fmt: skip
    assert keyword_regex("RCC").findall("RCC and RCCs, not MRCC") == ["RCC", "RCCs"]
    assert keyword_regex("  ") is None
    rcc = keyword_regex("Renal cell carcinoma")
    assert rcc is not None
    assert rcc.findall("renal cell carcinoma (RCC); metastatic RCCs; Rcc or mRCC are not") == [
        "renal cell carcinoma", "RCC", "RCCs",
    ]  # fmt: skip


def test_hits_count_per_legend_and_html_marks_each_occurrence() -> None:
    keywords = [Keyword("Cryoablation"), Keyword("Immunotherapy", kind="mesh", qualifiers=["methods"])]
    figures = [
        Figure("Fig. 1", "Cryoablation before immunotherapy; post-cryoablation necrosis."),
        Figure("Fig. 2", "Microwave ablation after immunotherapy."),
        Figure("Fig. 3", "Electrochemotherapy <bleomycin> & pain."),
    ]
    hits = find_hits(keywords, figures)
    assert hits[0].counts == {0: 2}
    assert hits[1].counts == {0: 1, 1: 1}
    assert hits[1].legend_indexes == [0, 1] and hits[1].total == 2
    marked = highlight_legend(figures[0].legend, hits)
    assert marked.count(f'background-color:{hits[0].color}; color:#1a1a1a;">') == 2
    assert f'<span style="background-color:{hits[1].color}; color:#1a1a1a;">immunotherapy</span>' in marked
    emphasised = highlight_legend(figures[0].legend, hits, selected=hits[1])
    assert f'background-color:{EMPHASIS}; font-weight:bold; color:#1a1a1a;">immunotherapy</span>' in emphasised
    page = legends_html(figures, hits, selected=hits[0])
    assert 'name="fig-2"' in page and "&lt;bleomycin&gt; &amp; pain" in page
    assert page.count("◀") == 1  # only Fig. 1 mentions cryoablation
    assert page.count("color:#888888;") == 4  # Figs 2 and 3 dimmed (label and legend)


def test_abstract_jats_is_mapped_and_sanitised() -> None:
    jats = (
        '<jats:sec><jats:title>Background</jats:title><jats:p>RCC <jats:italic>in vivo</jats:italic>'
        '<script>alert(1)</script><img src="https://tracker.example/x.png"/> CO<jats:sub>2</jats:sub>'
        '<a href="javascript:evil()">link</a></jats:p></jats:sec>'
    )
    html = safe_abstract_html(jats)
    assert "<h4>Background</h4>" in html and "<i>in vivo</i>" in html and "CO<sub>2</sub>" in html
    assert "script" not in html and "alert" not in html and "img" not in html and "tracker" not in html
    assert "javascript" not in html and "href" not in html
    assert safe_abstract_html("", "Survival p < 0.05 & more.\n\nSecond.") == (
        "<p>Survival p &lt; 0.05 &amp; more.</p><p>Second.</p>"
    )
    assert safe_abstract_html("", "PubMed <b>bold</b><script>x()</script>") == "PubMed <b>bold</b>"
