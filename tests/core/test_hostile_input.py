"""Hostile input: identifier extraction and every reader on arbitrary text, XML attacks, oversized files."""

from __future__ import annotations

import json
import socket
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import generate_articles
from refmgr.cli import main
from refmgr.core.export.bibtex import write_bibtex
from refmgr.core.export.ris import write_ris
from refmgr.core.formats import ParsedRecord, readers
from refmgr.core.identifiers import Identifier, extract_dois, extract_identifiers, normalise_doi, normalise_pmid
from refmgr.core.importer import import_files, import_text
from refmgr.core.intake import import_inputs
from refmgr.core.library import Library
from refmgr.core.model import to_csl
from refmgr.core.textio import MAX_INPUT_BYTES, InputError, read_text_file

DATA = Path(__file__).resolve().parents[1] / "data"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
READERS = {module.NAME: module for module in readers()}
MEDLINE_RECORD = """PMID- 31234567
TI  - Radiofrequency ablation of small hepatocellular carcinoma: a 10-year
      single-centre experience.
FAU - Smith, Anna
AU  - Smith A
DP  - 2019 Mar
MH  - *Carcinoma, Hepatocellular/surgery
LID - 10.1000/rfa.2019 [doi]
"""

# ---------------------------------------------------------------- identifiers


doi_suffix = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._;:/-]{0,40}[A-Za-z0-9]\Z")
dois = st.builds(lambda registrant, suffix: f"10.{registrant}/{suffix}", st.integers(1000, 999999999), doi_suffix)


@FUZZ
@given(before=st.text(), doi=dois, after=st.text())
def test_a_doi_is_found_whatever_surrounds_it(before: str, doi: str, after: str) -> None:
    text = f"{before} {doi} {after}"
    assert doi.lower() in extract_dois(text)
    assert Identifier("doi", doi.lower()) in extract_identifiers(text)


@FUZZ
@given(before=st.text(), pmid=st.integers(1, 999_999_999), after=st.text(), spelling=st.sampled_from(
    ["PMID: {}", "PMID {}", "pmid:{}", "https://pubmed.ncbi.nlm.nih.gov/{}/"]))  # fmt: skip
def test_a_pmid_is_found_whatever_surrounds_it(before: str, pmid: int, after: str, spelling: str) -> None:
    text = f"{before} {spelling.format(pmid)} {after}"
    assert Identifier("pmid", str(pmid)) in extract_identifiers(text)


@FUZZ
@given(st.text())
def test_extraction_never_fails_and_returns_normal_forms(text: str) -> None:
    for identifier in extract_identifiers(text):
        if identifier.kind == "doi":
            assert identifier.value == identifier.value.lower() and identifier.value.startswith("10.")
            if "%" not in identifier.value:
                assert normalise_doi(identifier.value) == identifier.value
        elif identifier.kind == "pmid":
            assert identifier.value.isdigit() and not identifier.value.startswith("0")
        else:
            assert identifier.kind == "pmcid" and identifier.value[3:].isdigit()
    assert normalise_pmid(text) in ("", *(c for c in [normalise_pmid(text)] if c.isdigit()))


def test_a_huge_pasted_reference_list_is_scanned_in_linear_time() -> None:
    # 30,000 references with DOIs, PMIDs and PMCIDs: the old "inside a DOI" test was quadratic (minutes)
    text = "\n".join(f"{i}. Author A. Title. 10.1000/ref.{i} PMID: {i + 1} PMC{i + 2}" for i in range(30_000))
    found = extract_identifiers(text)
    assert len(found) == 90_000 and found[:3] == [
        Identifier("doi", "10.1000/ref.0"), Identifier("pmid", "1"), Identifier("pmcid", "PMC2")
    ]  # fmt: skip


# ---------------------------------------------------------------- readers on arbitrary text


def _samples() -> dict[str, tuple[str, set[str]]]:
    """A valid text per reader and the identifiers (DOI or PMID) of the records in it."""
    articles = list(generate_articles(3, 5))
    dois = {a.doi for a in articles}
    return {
        "ris": (write_ris(articles), dois),
        "bibtex": (write_bibtex(articles), dois),
        "csl-json": (json.dumps([to_csl(a) for a in articles]), dois),
        "medline": (MEDLINE_RECORD, {"10.1000/rfa.2019"}),
        "jats": ((DATA / "formats" / "pmc-articleset.xml").read_text(encoding="utf-8"),
                 {"10.1007/s00270-025-04101-y", "10.1200/op.21.00419"}),
        "pubmed-page": ((DATA / "pubmed-beyond-the-scalpel.txt").read_text(encoding="utf-8"),
                        {"10.1007/s00270-025-04101-y"}),
        "pubmed-xml": ((DATA / "formats" / "pubmed-efetch.xml").read_text(encoding="utf-8"),
                       {"10.1016/j.eururo.2022.03.006", "10.1016/s0140-6736(98)03544-2"}),
    }  # fmt: skip


SAMPLES = _samples()


def _parse_all(module: object, text: str) -> list[ParsedRecord]:
    score = module.sniff(text)
    assert isinstance(score, int) and 0 <= score <= 100
    records = list(module.parse(text))
    assert all(isinstance(r, ParsedRecord) and (r.article is not None or r.error) for r in records)
    return records


def _found(records: list[ParsedRecord]) -> set[str]:
    return {r.article.doi.lower() or r.article.pmid for r in records if r.article is not None}


def test_every_registered_reader_is_fuzzed() -> None:
    assert set(READERS) <= set(SAMPLES), "add a valid sample of the new reader's format to SAMPLES"


@pytest.mark.parametrize("name", sorted(READERS))
@FUZZ
@given(text=st.text())
def test_readers_survive_arbitrary_text(name: str, text: str) -> None:
    _parse_all(READERS[name], text)


@pytest.mark.parametrize("name", sorted(READERS))
@FUZZ
@given(data=st.data())
def test_readers_survive_their_own_format_cut_and_shuffled(name: str, data: st.DataObject) -> None:
    lines = SAMPLES[name][0].splitlines()
    pieces = data.draw(st.lists(st.one_of(st.sampled_from(lines), st.text(max_size=30)), max_size=60))
    _parse_all(READERS[name], "\n".join(pieces))


garbage = st.lists(
    st.text(alphabet=string.ascii_letters + string.digits + " .,;:!?'()", min_size=1, max_size=80), max_size=4
).map(lambda paragraphs: "\n\n".join(p.strip() or "x" for p in paragraphs))


@pytest.mark.parametrize("name", sorted(set(READERS) - {"csl-json"}))
@FUZZ
@given(before=garbage, after=garbage)
def test_valid_records_survive_surrounding_garbage(name: str, before: str, after: str) -> None:
    text, expected = SAMPLES[name]
    assert _found(_parse_all(READERS[name], f"{before}\n\n{text}\n\n{after}")) >= expected


json_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)


@FUZZ
@given(before=st.lists(json_junk, max_size=4), after=st.lists(json_junk, max_size=4))
def test_valid_csl_items_survive_junk_items(before: list, after: list) -> None:
    items = json.loads(SAMPLES["csl-json"][0])
    records = _parse_all(READERS["csl-json"], json.dumps([*before, *items, *after]))
    assert _found(records) >= SAMPLES["csl-json"][1]


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"title": "x", "author": ' * 50_000 + "1" + "}" * 50_000,
    "<article>" + "<sec>" * 50_000 + "x" + "</sec>" * 50_000 + "</article>",
    "TY  - JOUR\n" * 50_000,
    "PMID- 1\nTI  - x\n" + "      continued\n" * 200_000,
    "@article{" * 20_000,
])  # fmt: skip
def test_pathological_files_are_reported_not_fatal(library: Library, text: str) -> None:
    report = import_text(library, text, "hostile")
    assert report.items or report.unreadable
    assert library.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"


def test_absurdly_nested_json_is_one_failed_item(library: Library) -> None:
    report = import_text(library, '[{"title": "x", "author": ' * 50_000 + "1" + "}]" * 50_000, "nested.json")
    assert [(i.status, i.message) for i in report.items] == [
        ("failed", "JSON nested too deeply to be CSL-JSON; nothing imported from this file")
    ]


# ---------------------------------------------------------------- XML attacks


XML_DOCUMENTS = {
    "jats": '<article><front><article-meta><article-id pub-id-type="doi">10.1000/xml.attack</article-id>'
            "<title-group><article-title>{title}</article-title></title-group></article-meta></front></article>",
    "pubmed-xml": "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
                  "<ArticleTitle>{title}</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>",
}  # fmt: skip


def _xml(reader: str, doctype: str, title: str) -> str:
    root = XML_DOCUMENTS[reader].split(">", 1)[0].strip("<")
    return f'<?xml version="1.0"?>\n{doctype.replace("ROOT", root)}\n' + XML_DOCUMENTS[reader].format(title=title)


@pytest.mark.parametrize("reader", sorted(XML_DOCUMENTS))
def test_billion_laughs_is_refused(reader: str) -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    plain = list(READERS[reader].parse(_xml(reader, "<!DOCTYPE ROOT []>", "plain")))
    assert plain[0].article is not None and plain[0].article.title == "plain"
    records = list(READERS[reader].parse(_xml(reader, f"<!DOCTYPE ROOT [{entities}]>", "&lol9;")))
    assert records and all(r.article is None and r.error for r in records)


@pytest.mark.parametrize("reader", sorted(XML_DOCUMENTS))
def test_external_entities_are_never_fetched_or_read(reader: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("patient list: do not leak", encoding="utf-8")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    attacks = [
        _xml(reader, f'<!DOCTYPE ROOT [<!ENTITY xxe SYSTEM "file://{secret}">]>', "&xxe;"),
        _xml(reader, f'<!DOCTYPE ROOT [<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/x">]>', "&xxe;"),
        _xml(reader, f'<!DOCTYPE ROOT [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p.dtd"> %p;]>', "t"),
        _xml(reader, f'<!DOCTYPE ROOT SYSTEM "http://127.0.0.1:{port}/external.dtd">', "Title, external DTD"),
    ]
    try:
        for attack in attacks:
            for record in READERS[reader].parse(attack):
                assert record.article is None or "leak" not in json.dumps(record.article.to_dict())
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    finally:
        listener.close()


# ---------------------------------------------------------------- size limit


@pytest.fixture
def oversized(tmp_path: Path) -> Path:
    """A sparse file one byte over the input limit (no disk space used)."""
    path = tmp_path / "huge.ris"
    with path.open("wb") as stream:
        stream.truncate(MAX_INPUT_BYTES + 1)
    return path


def test_oversized_files_are_refused_with_a_message(library: Library, oversized: Path, library_path: Path,
                                                     capsys) -> None:  # fmt: skip
    with pytest.raises(InputError, match=r"over the \d+ MB limit"):
        read_text_file(oversized)
    report = import_files(library, [oversized])
    assert report.items == [] and len(report.unreadable) == 1 and "limit" in report.unreadable[0]
    assert main(["--library", str(library_path), "import", str(oversized)]) == 2
    assert "MB limit" in capsys.readouterr().out


def test_oversized_files_dropped_on_the_window_are_refused(library: Library, oversized: Path) -> None:
    report = import_inputs(library, paths=[oversized], client=None)
    size, limit = oversized.stat().st_size / 2**20, MAX_INPUT_BYTES // 2**20
    assert report.items == []
    assert report.unreadable == [f"{oversized}: {size:.1f} MB is over the {limit} MB limit for one file"]


SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@pytest.mark.parametrize("name", sorted(READERS))
def test_digits_that_are_not_decimal_do_not_crash_readers_or_exports(name: str) -> None:
    # "²⁰²⁰".isdigit() is True but int() refuses it: years, months, PMIDs and pages written in superscripts
    text = SAMPLES[name][0].translate(SUPERSCRIPTS)
    for record in _parse_all(READERS[name], text):
        if record.article is not None:
            json.dumps(to_csl(record.article))
    assert normalise_pmid("²⁰²⁰") == "" and extract_identifiers("PMID: ²⁰²⁰") == []
