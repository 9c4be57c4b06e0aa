"""Crossref work records (recorded and authored) mapped to articles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refmgr.core.crossref.mapping import abstract_text, clean_text, date_parts, work_to_article
from refmgr.core.library import Library

DATA = Path(__file__).parent.parent / "data"


def _work(name: str) -> dict[str, Any]:
    folder = "crossref_authored" if (DATA / "crossref_authored" / name).exists() else "crossref"
    return json.loads((DATA / folder / name).read_text(encoding="utf-8"))["message"]


def test_retracted_lancet_article_is_flagged_with_its_notices() -> None:
    article = work_to_article(_work("works_10.1016_s0140-6736_97_11096-0.json"))
    assert article.retracted
    assert article.title.startswith("RETRACTED: Ileal-lymphoid-nodular hyperplasia")
    assert [(u["type"], u["doi"], u["date"]) for u in article.updates] == [
        ("correction", "10.1016/s0140-6736(04)15715-2", "2004-03-06"),
        ("retraction", "10.1016/s0140-6736(10)60175-4", "2010-02-06"),
    ]
    assert article.updates[1]["source"] == "retraction-watch"
    assert (article.journal, article.volume, article.issue, article.pages) == ("The Lancet", "351", "9103", "637-641")
    assert article.authors[0].family == "Wakefield"
    assert len(article.references) == 26


def test_retraction_notice_itself_is_not_retracted() -> None:
    path = DATA / "crossref" / "works_filter_updates_10.1016_s0140-6736_97_11096-0_rows_20.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    notices = [work_to_article(item) for item in body["message"]["items"]]
    assert not any(n.retracted for n in notices)
    kinds = {u["type"] for n in notices for u in n.updates}
    assert "retraction" in kinds
    assert all(u["direction"] == "update-to" for n in notices for u in n.updates)


def test_structured_jats_abstract_kept_and_flattened() -> None:
    article = work_to_article(_work("works_10.1136_jclinpath-2020-206745.json"))
    assert article.abstract_jats.lstrip().startswith("<jats:sec>")
    assert "<" not in article.abstract
    assert article.abstract.startswith("Background: The absence of high-quality next-generation sequencing")
    assert "\n\nObjective: This study aimed" in article.abstract
    assert article.authors[0].affiliations == [
        "Department of Neurosurgery, China-Japan Friendship Hospital, Beijing, China"
    ]
    assert article.journal == "Journal of Clinical Pathology"
    assert (article.journal_abbrev, article.year) == ("J Clin Pathol", 2020)
    assert article.issn == ["0021-9746", "1472-4146"]
    assert article.license == "http://creativecommons.org/licenses/by-nc/4.0/"


def test_orcid_authors() -> None:
    article = work_to_article(_work("works_10.1136_esmoopen-2020-000776.json"))
    orcids = [a.orcid for a in article.authors if a.orcid]
    assert len(orcids) == 2
    assert all(len(o) == 19 and o[4] == "-" for o in orcids)


def test_two_titles_and_language() -> None:
    article = work_to_article(_work("works_10.1007_s00120-007-1345-2.json"))
    assert article.title == (
        "Penisverletzung durch eine Moulinette: Folge einer autoerotischen Selbstverstümmelung "
        "[Penile injury caused by a Moulinette]"
    )
    assert article.language == "de"
    assert article.references[0].parts == {
        "author": "Aboseif", "year": "1993", "journal-title": "J Urol", "volume": "150", "first-page": "1143",
        "DOI": "10.1016/S0022-5347(17)35709-9",
    }  # fmt: skip
    assert article.references[0].doi == "10.1016/s0022-5347(17)35709-9"
    assert article.references[0].status == "resolved"


def test_null_issued_date_is_tolerated() -> None:
    article = work_to_article(_work("works_10.1109_icdcsw.2003.1203662.json"))
    assert article.year is None and article.date == ""
    assert article.type == "paper-conference"
    assert date_parts({"date-parts": [[None]]}) == []


def test_group_author_and_subjects() -> None:
    article = work_to_article(_work("works_10.1016_s0140-6736_98_03544-2.json"))
    assert article.authors[0].literal == "Medical Research Council Renal Cancer Collaborators"
    assert article.first_author == "Medical Research Council Renal Cancer Collaborators"
    assert [(k.term, k.kind) for k in article.keywords] == [("General Medicine", "subject")]
    assert article.title.startswith("Interferon-α and survival")


@pytest.mark.parametrize(
    ("name", "csl_type"),
    [
        ("works_10.1101_2020.12.01.406702.json", "article"),
        ("works_10.1007_978-3-662-46370-3_13.json", "chapter"),
        ("works_10.1186_isrctn11093872.json", "dataset"),
        ("works_10.7554_elife.01567.json", "article-journal"),
    ],
)
def test_types(name: str, csl_type: str) -> None:
    assert work_to_article(_work(name)).type == csl_type


def test_every_recorded_work_maps_and_saves(library: Library, records_by_doi: dict[str, dict[str, Any]]) -> None:
    for doi, work in records_by_doi.items():
        article = work_to_article(work)
        assert article.doi.lower() == doi and article.doi == work["DOI"].strip()  # the case Crossref gave is kept
        assert article.title
        result = library.save(article, source="crossref")
        saved = library.get(result.article_id)
        assert saved is not None and saved.doi == article.doi
        assert saved is not None and saved.title == article.title and saved.retracted == article.retracted
    assert library.count() == len(records_by_doi)


def test_references_with_unstructured_text_and_dois() -> None:
    article = work_to_article(_work("works_10.1038_srep16696.json"))
    assert len(article.references) == 62
    assert all(r.doi and r.text for r in article.references)
    seed = work_to_article(_work("works_10.1007_s00270-025-04101-y.json"))
    assert [r.status for r in seed.references] == ["resolved", "resolved", "resolved", "unresolved", "resolved"]
    assert seed.references[3].text.startswith("Dudani S, de Velasco G")
    assert seed.abstract.startswith("Renal cell carcinoma (RCC) is the most common")


def test_clean_text_strips_markup_safely() -> None:
    assert clean_text("<i>BRAF</i><sup>V600E</sup> &amp; <script>alert(1)</script>MEK") == "BRAFV600E & MEK"
    assert clean_text("A&lt;B <jats:italic>in vivo</jats:italic>") == "A<B in vivo"
    assert abstract_text("<jats:title>Abstract</jats:title><jats:p>One &gt; two.</jats:p>") == "One > two."


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
_KEYS = st.sampled_from([
    "DOI", "title", "subtitle", "author", "container-title", "short-container-title", "issued", "published-print",
    "volume", "issue", "page", "ISSN", "subject", "abstract", "license", "reference", "updated-by", "update-to",
    "resource", "is-referenced-by-count", "type", "language", "publisher", "article-number",
])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=8))
def test_mapping_never_fails_on_malformed_records(work: dict[str, Any]) -> None:
    article = work_to_article(work)
    assert isinstance(article.title, str) and isinstance(article.authors, list)
    assert article.year is None or isinstance(article.year, int)


def test_bare_string_fields_as_in_csl_json() -> None:
    article = work_to_article({"title": "A <i>KRAS</i> story", "container-title": "Ann Oncol", "ISSN": "0923-7534",
                               "issued": {"date-parts": [["2021", "²", 3]]}})  # fmt: skip
    assert (article.title, article.journal, article.issn, article.year) == ("A KRAS story", "Ann Oncol",
                                                                             ["0923-7534"], 2021)  # fmt: skip


def test_huge_fields_are_capped_and_long_author_lists_kept() -> None:
    from refmgr.core.crossref.mapping import MAX_ABSTRACT, MAX_AFFILIATION, MAX_REFERENCE, MAX_TITLE, slim_work

    work = _work("works_10.1038_srep16696.json")
    authors = [{"family": f"Author{n}", "given": "A", "affiliation": [{"name": "Institute " * 500}]}
               for n in range(3000)]  # fmt: skip
    huge = {**work, "title": ["T" * 10_000], "abstract": "<jats:p>" + "word " * MAX_ABSTRACT + "</jats:p>",
            "author": authors, "reference": [{"unstructured": "ref " * 5000}], "volume": "9" * 1000}  # fmt: skip
    article = work_to_article(huge)
    assert len(article.title) == MAX_TITLE and article.title.endswith("…")
    assert article.abstract == "" and article.abstract_jats == ""
    assert len(article.authors) == 3000 and article.authors[-1].family == "Author2999"
    assert len(article.authors[0].affiliations[0]) <= MAX_AFFILIATION
    assert len(article.references[0].text) <= MAX_REFERENCE and article.volume == "9" * 99 + "…"
    assert "abstract" not in slim_work(huge) and slim_work(work) is work
    normal = work_to_article(work)
    assert normal.abstract and normal.title == work_to_article(work).title and not normal.title.endswith("…")
