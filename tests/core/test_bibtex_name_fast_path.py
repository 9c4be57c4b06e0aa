"""The BibTeX reader's fast path for "Family, Given" names agrees with bibtexparser's name parser."""

from __future__ import annotations

from bibtexparser.middlewares.names import parse_single_name_into_parts
from hypothesis import given, settings
from hypothesis import strategies as st

from refmgr.core.formats.bibtex import _authors, _plain_family_given, decode_latex

WORDS = st.sampled_from([
    "Ljungberg", "Abu-Ghanem", "van", "de", "la", "Der", "B.", "J.-P.", "Ünal", "ørsted", "Ø", "3rd", "O'Brien", "Mc",
    "du", "Λάμπρος", "李", "d'Alembert", "Jr", "--", "$x$",
])  # fmt: skip
SPACES = st.sampled_from([" ", "  ", "~", "\t", "\n", "\xa0"])


def _slow(name: str) -> tuple[str, str]:
    parts = parse_single_name_into_parts(name, strict=False)
    return decode_latex(" ".join([*parts.von, *parts.last])), decode_latex(" ".join(parts.first))


@st.composite
def names(draw: st.DrawFn) -> str:
    def side() -> str:
        words = draw(st.lists(WORDS, min_size=0, max_size=3))
        return "".join(w + draw(SPACES) for w in words)

    return draw(SPACES) + side() + draw(st.sampled_from([",", ", ", ",,", ""])) + side()


@settings(max_examples=600, deadline=None)
@given(names())
def test_fast_path_matches_bibtexparser(name: str) -> None:
    plain = _plain_family_given(name)
    if plain is not None:
        assert (decode_latex(plain[0]), decode_latex(plain[1])) == _slow(name)


def test_fast_path_takes_plain_names_and_leaves_the_rest() -> None:
    assert _plain_family_given("Abu-Ghanem, Yasmin") == ("Abu-Ghanem", "Yasmin")
    assert _plain_family_given("Brinch Hansen, Per") == ("Brinch Hansen", "Per")
    assert _plain_family_given("van Beethoven, Ludwig") is None
    assert _plain_family_given("M{\\\"u}ller, Hans") is None
    assert _plain_family_given("Beeblebrox, IV, Zaphod") is None
    authors = _authors("Ljungberg, B. and de la Cruz, Maria and {EAU Guidelines Panel}")
    assert [(a.family, a.given, a.literal) for a in authors] == [
        ("Ljungberg", "B.", ""),
        ("de la Cruz", "Maria", ""),
        ("", "", "EAU Guidelines Panel"),
    ]
