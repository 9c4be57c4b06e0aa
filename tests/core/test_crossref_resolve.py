"""Reference parsing, candidate validation and resolution of the seed article's references."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refmgr.core.crossref.client import CrossrefClient
from refmgr.core.crossref.matching import check_candidate, decide, journal_similarity, parse_reference
from refmgr.core.crossref.resolve import resolve_references
from refmgr.core.library import Library
from refmgr.core.model import Article, Author, Reference
from tests.crossref_server import CrossrefServer, seed_reference_texts

EAU_2022 = "10.1016/j.eururo.2022.03.006"
EXPECTED = [EAU_2022, "10.1016/j.ejca.2018.07.005", "10.1200/op.21.00419", "10.1200/jco.2020.38.6_suppl.642",
            "10.1016/s0140-6736(98)03544-2"]  # fmt: skip


def _seed_article(library: Library, texts: list[str] | None = None) -> int:
    references = [Reference(text=t) for t in (texts or seed_reference_texts())]
    article = Article(title="Beyond the Scalpel", doi="10.1007/s00270-025-04101-y", year=2025,
                      authors=[Author("Fung", "Kin Fen Kevin")], references=references)  # fmt: skip
    return library.save(article).article_id


def test_parse_vancouver_reference() -> None:
    parsed = parse_reference(seed_reference_texts()[0])
    assert parsed.to_dict() == {
        "year": 2022, "volume": "82", "first_page": "399", "first_author": "Ljungberg",
        "title": "European association of urology guidelines on renal cell carcinoma: The 2022 update",
        "journal": "Eur Urol", "authors": ["Ljungberg", "Albiges", "Abu-Ghanem", "Bedke", "Capitanio", "Dabestani"],
        "initials": "B", "style": "vancouver",
    }  # fmt: skip


def test_parse_group_author_and_apa() -> None:
    lancet = parse_reference(seed_reference_texts()[4])
    assert lancet.group_author == "Medical Research Council Renal Cancer Collaborators"
    assert (lancet.year, lancet.volume, lancet.first_page, lancet.journal) == (1999, "353", "14", "The Lancet")
    apa = parse_reference(
        "Ljungberg, B., Albiges, L. (2022). European Association of Urology guidelines on renal cell carcinoma: "
        "the 2022 update. European Urology, 82(4), 399-410."
    )
    assert (apa.first_author, apa.year, apa.volume, apa.issue, apa.first_page) == ("Ljungberg", 2022, "82", "4", "399")
    assert apa.journal == "European Urology"
    loose = parse_reference("Ljungberg B et al. EAU guidelines on renal cell carcinoma: 2014 update. Eur Urol 2015")
    assert (loose.first_author, loose.year) == ("Ljungberg", 2015)


def test_journal_abbreviations() -> None:
    assert journal_similarity("Eur J Cancer", ["European Journal of Cancer"]) == 1.0
    assert journal_similarity("JCO Oncol Pract", ["JCO Oncology Practice"]) == 1.0
    assert journal_similarity("Eur Urol", ["JAMA Network Open"]) < 0.5


def test_candidates_contradicting_year_volume_or_page_are_never_accepted(records_by_doi) -> None:
    parsed = parse_reference(seed_reference_texts()[0])
    edition_2019 = {**records_by_doi["10.1016/j.eururo.2019.02.011"], "score": 90.0}
    candidate = check_candidate(parsed, edition_2019)
    assert candidate.contradictions == ["year 2022 vs [2019]", "volume 82 vs 75", "first page 399 vs 799"]
    assert decide([candidate]) == ("unresolved", None)
    # Only the page contradicts: still refused.
    one_off = {**records_by_doi[EAU_2022], "page": "400-410", "score": 90.0}
    assert decide([check_candidate(parsed, one_off)]) == ("unresolved", None)


def test_seed_references_resolve_even_with_older_editions_offered(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    article_id = _seed_article(library)
    results = resolve_references(library, article_id, crossref_client)
    assert [(r.status, r.doi) for r in results] == [("resolved", doi) for doi in EXPECTED]
    offered = [c["doi"] for c in results[0].candidates]
    assert offered[0] == EAU_2022
    assert {"10.1016/j.eururo.2019.02.011", "10.1016/j.eururo.2015.01.005"} <= set(offered)
    assert all(r.confidence >= 0.95 for r in results)
    stored = library.references(article_id)
    assert [r.doi for r in stored] == EXPECTED
    assert stored[0].status == "resolved" and stored[0].confidence == 1.0
    assert stored[0].parts["parsed"]["volume"] == "82"
    lists = crossref_server.requests("list")
    assert len(lists) == 5 and all(r.query["rows"] == ["5"] for r in lists)


def test_reference_not_in_crossref_stays_unresolved(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    crossref_server.remove("10.1200/JCO.2020.38.6_suppl.642")
    crossref_server.remove(EAU_2022)
    article_id = _seed_article(library)
    results = resolve_references(library, article_id, crossref_client, positions=[0, 3])
    assert [(r.position, r.status, r.doi) for r in results] == [(0, "unresolved", ""), (3, "unresolved", "")]
    # The same first author's full paper (JAMA Netw Open 2021) was offered and refused.
    assert "10.1001/jamanetworkopen.2020.21869" in [c["doi"] for c in results[1].candidates]
    assert [r.status for r in library.references(article_id)] == ["unresolved"] * 5


def test_vague_reference_is_ambiguous(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    article_id = _seed_article(library, ["Ljungberg B, et al. EAU guidelines on renal cell carcinoma. Eur Urol."])
    [result] = resolve_references(library, article_id, crossref_client)
    assert result.status == "ambiguous" and result.doi == ""
    assert 0.55 <= result.confidence < 1.0
    stored = library.references(article_id)[0]
    assert stored.status == "ambiguous" and len(stored.parts["candidates"]) >= 3


def test_doi_in_the_reference_text_needs_no_request(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    text = "Tran J, Ornstein MC. JCO Oncol Pract. 2022;18:187–96. doi:10.1200/OP.21.00419"
    article_id = _seed_article(library, [text])
    [result] = resolve_references(library, article_id, crossref_client)
    assert (result.status, result.doi, result.confidence) == ("resolved", "10.1200/op.21.00419", 1.0)
    assert crossref_server.log == []


def test_network_failure_leaves_references_untouched(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient
) -> None:
    crossref_server.fault_all = "503"
    article_id = _seed_article(library)
    results = resolve_references(library, article_id, crossref_client, positions=[1])
    assert results[0].error == "Crossref answered HTTP 503" and results[0].status == "unresolved"
    assert library.references(article_id)[1].parts == {}


@pytest.mark.parametrize("position", [0, 2, 4])
def test_progress_and_positions(
    library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient, position: int
) -> None:
    article_id = _seed_article(library)
    seen: list[tuple[int, int]] = []
    results = resolve_references(library, article_id, crossref_client, positions=[position],
                                 progress=lambda d, t: seen.append((d, t)))  # fmt: skip
    assert [r.doi for r in results] == [EXPECTED[position]] and seen == [(1, 1)]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.dictionaries(
    st.sampled_from(["DOI", "title", "author", "issued", "volume", "page", "container-title", "score", "issue", "type",
                     "subtype", "update-to", "institution", "publisher", "published-online", "short-container-title"]),
    st.none() | st.integers() | st.text(max_size=30) | st.lists(st.text(max_size=20) | st.dictionaries(
        st.sampled_from(["family", "given", "name"]), st.text(max_size=10) | st.integers(), max_size=2), max_size=3),
    max_size=8,
))  # fmt: skip
def test_parsing_and_checking_never_fail(text: str, item: dict) -> None:
    parsed = parse_reference(text)
    candidate = check_candidate(parsed, item)
    assert 0.0 <= candidate.confidence <= 1.0
    assert decide([candidate])[0] in ("resolved", "ambiguous", "unresolved")
