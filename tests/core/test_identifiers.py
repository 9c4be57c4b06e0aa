"""DOI, PMID and PMCID extraction and normalisation."""

from __future__ import annotations

import pytest

from refmgr.core.identifiers import (
    Identifier,
    extract_dois,
    extract_identifiers,
    normalise_doi,
    normalise_pmcid,
    normalise_pmid,
    same_doi,
)

SEED_DOI = "10.1007/s00270-025-04101-y"
LANCET_DOI = "10.1016/s0140-6736(97)11096-0"
SICI_DOI = "10.1002/(sici)1097-4636(199706)35:4<397::aid-jbm1>3.0.co;2-g"


@pytest.mark.parametrize(
    "text",
    [
        "10.1007/s00270-025-04101-y",
        "doi:10.1007/s00270-025-04101-y",
        "doi: 10.1007/s00270-025-04101-y",
        "DOI: 10.1007/S00270-025-04101-Y",
        "https://doi.org/10.1007/s00270-025-04101-y",
        "http://dx.doi.org/10.1007/s00270-025-04101-y",
        "dx.doi.org/10.1007/s00270-025-04101-y",
        "https://doi.org/10.1007%2Fs00270-025-04101-y",
        "10.1007%2Fs00270-025-04101-y",
        "10.1007/s00270-025-04101-y.",
        "  10.1007/s00270-025-04101-y;  ",
        "(10.1007/s00270-025-04101-y)",
    ],
)
def test_normalise_doi_forms(text: str) -> None:
    assert normalise_doi(text) == SEED_DOI


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1016/S0140-6736(97)11096-0", LANCET_DOI),
        ("https://doi.org/10.1016/S0140-6736(97)11096-0.", LANCET_DOI),
        ("10.1002/(SICI)1097-4636(199706)35:4<397::AID-JBM1>3.0.CO;2-G", SICI_DOI),
        ("doi:10.1002/(SICI)1097-4636(199706)35:4<397::AID-JBM1>3.0.CO;2-G.", SICI_DOI),
        ("https://doi.org/10.1002/(SICI)1097-4636(199706)35:4%3C397::AID-JBM1%3E3.0.CO;2-G", SICI_DOI),
    ],
)
def test_normalise_doi_with_parentheses_and_sici(text: str, expected: str) -> None:
    assert normalise_doi(text) == expected


@pytest.mark.parametrize("text", ["", "not a doi", "10.12/too-short-prefix", "see 10.1007/x", "11.1007/abc"])
def test_normalise_doi_rejects(text: str) -> None:
    assert normalise_doi(text) == ""


def test_extract_dois_from_prose() -> None:
    text = (
        "The retracted paper (see 10.1016/S0140-6736(97)11096-0). Later work: "
        "https://doi.org/10.1007/s00270-025-04101-y, and "
        "doi:10.1002/(SICI)1097-4636(199706)35:4<397::AID-JBM1>3.0.CO;2-G; "
        "again DOI: 10.1007/S00270-025-04101-Y."
    )
    assert extract_dois(text) == [LANCET_DOI, SEED_DOI, SICI_DOI]


def test_extract_dois_cut_at_markup_and_quotes() -> None:
    assert extract_dois('<a href="https://doi.org/10.1007/s00270-025-04101-y">link</a>') == [SEED_DOI]
    assert extract_dois("“10.1007/s00270-025-04101-y”") == [SEED_DOI]


def test_same_doi_is_case_and_form_insensitive() -> None:
    assert same_doi("10.1016/S0140-6736(97)11096-0", "https://doi.org/10.1016/s0140-6736(97)11096-0")
    assert same_doi("DOI:10.1007/S00270-025-04101-Y", "10.1007%2Fs00270-025-04101-y")
    assert not same_doi("10.1007/s00270-025-04101-y", "10.1007/s00270-025-04101-z")
    assert not same_doi("", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10023944", "10023944"),
        ("PMID: 10023944", "10023944"),
        ("PMID:10023944", "10023944"),
        ("https://pubmed.ncbi.nlm.nih.gov/10023944/", "10023944"),
        ("https://www.ncbi.nlm.nih.gov/pubmed/10023944", "10023944"),
        ("0010023944", ""),
        ("00123", "123"),
        ("0", ""),
        ("abc", ""),
        ("", ""),
    ],
)
def test_normalise_pmid(text: str, expected: str) -> None:
    assert normalise_pmid(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PMC9817654", "PMC9817654"),
        ("pmc9817654", "PMC9817654"),
        ("PMCID: PMC9817654", "PMC9817654"),
        ("https://pmc.ncbi.nlm.nih.gov/articles/PMC9817654/", "PMC9817654"),
        ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC9817654", "PMC9817654"),
        ("9817654", ""),
        ("", ""),
    ],
)
def test_normalise_pmcid(text: str, expected: str) -> None:
    assert normalise_pmcid(text) == expected


def test_extract_identifiers_in_order_without_duplicates() -> None:
    text = (
        "Fung et al. https://pubmed.ncbi.nlm.nih.gov/10023944/ (PMCID: PMC9817654) doi:10.1007/s00270-025-04101-y "
        "and again PMID: 10023944; https://pmc.ncbi.nlm.nih.gov/articles/PMC9817654/"
    )
    assert extract_identifiers(text) == [
        Identifier("pmid", "10023944"),
        Identifier("pmcid", "PMC9817654"),
        Identifier("doi", SEED_DOI),
    ]


def test_identifiers_inside_a_doi_are_not_pmids() -> None:
    assert extract_identifiers("https://doi.org/10.1186/PMC1234-PMID:99") == [
        Identifier("doi", "10.1186/pmc1234-pmid:99")
    ]
