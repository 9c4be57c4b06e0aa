"""Exports re-import to the same records: hostile text in every field forges no record and loses no field."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refmgr.core.export import export_articles
from refmgr.core.formats import bibtex, csl_json, ris
from refmgr.core.identifiers import normalise_doi
from refmgr.core.model import Article, Author, Keyword

READERS = {"ris": ris.parse, "bibtex": bibtex.parse, "csl-json": csl_json.parse}
# Letters, accents, digits, every delimiter of the three formats, and every kind of line break.
HOSTILE = string.ascii_letters + string.digits + "éüßø  \t\n\r\x0b\x0c\x85\u2028\u2029{}\\%,=-@$&#_\"'()[]:;/.*"
INJECTION = (
    "\nER  - \n\nTY  - JOUR\nTI  - INJECTED RECORD\nDO  - 10.6666/injected\nER  - ", "} , note = {", "}\n@article{x,",
)

text = st.one_of(st.text(HOSTILE, max_size=40), st.sampled_from(INJECTION)).map(lambda s: f"A{s}z")
word = st.text(string.ascii_lowercase + "éüø'-{}", min_size=1, max_size=10)
name = st.lists(word, min_size=1, max_size=3).map(lambda ws: " ".join(w.capitalize() for w in ws))
term = st.text(string.ascii_letters + "é -{}/()\n\r", min_size=1, max_size=20).filter(lambda t: t.strip())
authors = st.lists(
    st.one_of(
        st.builds(Author, family=name.map(lambda n: n.replace("\n", " ")), given=name.map(lambda n: f"{n}\nJ")),
        st.builds(Author, literal=name.map(lambda n: f"{n} Study Group\nof X")),
    ),
    min_size=1, max_size=4,
)  # fmt: skip
doi = st.text(string.ascii_lowercase + string.digits + "./()_;:{}-", min_size=1, max_size=20).map(
    lambda s: normalise_doi(f"10.1234/a{s}")
)  # stored DOIs are normalised (no trailing punctuation), as the library keeps them
url = st.text(string.ascii_letters + string.digits + "/{}%?=&-_.", max_size=20).map(lambda s: f"https://example.org/{s}")


@st.composite
def articles(draw: st.DrawFn) -> Article:
    """An article with hostile text in every free-text field and plausible identifiers."""
    return Article(
        title=draw(text), authors=draw(authors), journal=draw(text), journal_abbrev=draw(text),
        year=draw(st.integers(1900, 2030)), volume=draw(st.from_regex(r"\A[0-9]{1,3}[A-Z]?\Z")),
        issue=draw(st.from_regex(r"\A[0-9]{1,2}\Z")), pages=draw(st.from_regex(r"\A[1-9][0-9]{0,2}-[1-9][0-9]{3}\Z")),
        publisher=draw(text), language=draw(st.sampled_from(["en", "fr", "de"])), abstract=draw(text),
        notes=draw(text), doi=draw(doi), pmid=draw(st.from_regex(r"\A[1-9][0-9]{3,7}\Z")),
        pmcid=draw(st.from_regex(r"\APMC[1-9][0-9]{3,6}\Z")), url=draw(url),
        issn=draw(st.lists(st.from_regex(r"\A[0-9]{4}-[0-9]{3}[0-9X]\Z"), max_size=2, unique=True)),
        keywords=[Keyword(t) for t in draw(st.lists(term, max_size=3))],
        publication_types=draw(st.lists(term, max_size=2)),
    )  # fmt: skip


def flat(value: str) -> str:
    return " ".join(value.split())


def snapshot(article: Article, fmt: str) -> dict[str, object]:
    """The fields a format can carry, with line breaks and runs of spaces made one space."""
    fields: dict[str, object] = {
        "title": flat(article.title), "journal": flat(article.journal), "abbrev": flat(article.journal_abbrev),
        "year": article.year, "volume": article.volume, "issue": article.issue, "pages": article.pages,
        "publisher": flat(article.publisher), "language": article.language, "abstract": flat(article.abstract),
        "notes": flat(article.notes), "doi": article.doi.lower().replace("%7b", "{").replace("%7d", "}"),
        "url": article.url.replace("%7B", "{").replace("%7D", "}").replace("%25", "%"),  # BibTeX's brace-safe URLs
        "pmid": article.pmid, "pmcid": article.pmcid, "issn": article.issn,
        "keywords": [flat(k.term) for k in article.keywords],
        "authors": [(flat(a.family), flat(a.given), flat(a.literal)) for a in article.authors],
    }  # fmt: skip
    if fmt != "bibtex":  # BibTeX has no field for publication types
        fields["types"] = [flat(t) for t in article.publication_types]
    return fields


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(articles(), min_size=1, max_size=4))
def test_every_format_reimports_the_same_records(batch: list[Article]) -> None:
    for fmt, read in READERS.items():
        records = list(read(export_articles(batch, fmt)))
        assert all(not r.error for r in records), (fmt, [r.error for r in records])
        assert len(records) == len(batch), fmt  # nothing forged, nothing lost
        for original, record in zip(batch, records, strict=True):
            assert record.article is not None
            assert snapshot(record.article, fmt) == snapshot(original, fmt), fmt


def test_the_issue_s_forged_ris_record_stays_one_title() -> None:
    article = Article(title=f"Real title{INJECTION[0]}", doi="10.1234/real")
    records = list(ris.parse(export_articles([article] * 6, "ris")))
    assert len(records) == 6
    assert all(r.article and r.article.doi == "10.1234/real" for r in records)
    assert "INJECTED RECORD" in records[0].article.title  # kept as text, on one line


def test_a_brace_in_a_bibtex_title_or_doi_adds_no_field() -> None:
    article = Article(title="Before } , note = {forged", doi="10.1234/x}, note = {forged", notes="real")
    (record,) = bibtex.parse(export_articles([article], "bibtex"))
    assert record.article is not None and record.article.notes == "real"
    assert record.article.title == "Before } , note = {forged"
