"""Forgiving word forms: inflections, Greek -sis families and British/American spellings share one index form."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refmgr.core.textnorm import stem, stemmed_text, words

SAME = [
    ("metastasis", "metastases", "metastatic", "metastasize", "metastasised"),
    ("diagnosis", "diagnoses", "diagnostic", "diagnosed"),
    ("analysis", "analyses", "analyse", "analyze", "analytic"),
    ("necrosis", "necrotic"),
    ("randomised", "randomized", "randomisation", "randomization"),
    ("tumour", "tumor", "tumours", "tumors"),
    ("haematology", "hematology"),
    ("haematological", "hematological"),
    ("oesophageal", "esophageal"),
    ("anaemia", "anemia"),
    ("oedema", "edema"),
    ("paediatric", "pediatric"),
    ("leukaemia", "leukemia"),
    ("signalling", "signaling"),
    ("labelled", "labeled"),
    ("centre", "center"),
    ("analogues", "analogs"),
    ("trial", "trials"),
    ("response", "responses"),
    ("therapy", "therapies"),
]
DIFFERENT = [
    ("disease", "diseases", "disea"),  # -ses that is English -se + s keeps its own stem
    ("purpose", "purposes", "purpo"),
    ("phosphatase", "phosphatases", "phosphata"),
    ("exercise", "exercises", "exerciz"),
]


@pytest.mark.parametrize("forms", SAME)
def test_forms_share_one_index_word(forms: tuple[str, ...]) -> None:
    assert len({stem(f) for f in forms}) == 1, {f: stem(f) for f in forms}


@pytest.mark.parametrize(("singular", "plural", "wrong_root"), DIFFERENT)
def test_english_plurals_are_not_taken_for_greek_ones(singular: str, plural: str, wrong_root: str) -> None:
    assert stem(singular) == stem(plural) != wrong_root


def test_words_fold_like_the_index() -> None:
    expected = ["borje", "ljungberg", "pd", "l1", "high", "nct02853331"]
    assert words("Börje Ljungberg, PD-L1_high (NCT02853331)") == expected


def test_registry_numbers_also_index_their_registry() -> None:
    assert stemmed_text("Registered at NCT03141177.") == "regist at nct03141177 nct"


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_the_ascii_fast_path_tokenizes_like_the_regex(text: str) -> None:
    assert words(text) == re.findall(r"[^\W_]+", text.lower())
