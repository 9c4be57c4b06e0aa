"""`refmgr refs --explain` and the explanation text: parsed fields and each candidate's verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core.crossref.explain import explain_reference
from refmgr.core.library import Library
from refmgr.core.model import Article, Author, Reference
from tests.crossref_server import AUTHORED, CrossrefServer, seed_reference_texts

CORRIGENDUM = json.loads((AUTHORED / "extra_erratum_10.1016_j.eururo.2022.08.001.json").read_text())["message"]


@pytest.fixture
def seeded(library_path: Path, crossref_server: CrossrefServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A library with the seed article's references, the CLI pointed at the loopback server (with the corrigendum)."""
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "oncologist@example.org")
    crossref_server.add(CORRIGENDUM)
    with Library(library_path) as library:
        texts = [*seed_reference_texts(), "Tran J. JCO Oncol Pract. 2022;18:187–96. doi:10.1200/OP.21.00419"]
        library.save(Article(title="Beyond the Scalpel", doi="10.1007/s00270-025-04101-y", year=2025,
                             authors=[Author("Fung", "K")], references=[Reference(text=t) for t in texts]))  # fmt: skip
    return library_path


def test_refs_explain_shows_parsed_fields_and_verdicts(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["refs", "--library", str(seeded), "1", "--explain"]) == 0
    before = capsys.readouterr().out
    assert "parsed: not resolved through Crossref yet" in before
    assert main(["refs", "--library", str(seeded), "1", "--resolve", "--explain"]) == 0
    out = capsys.readouterr().out
    first = out.split("\n  2. ")[0]
    assert "[resolved 1.00] doi:10.1016/j.eururo.2022.03.006" in first
    assert ("parsed: first_author=Ljungberg, initials=B, "
            "authors=Ljungberg; Albiges; Abu-Ghanem; Bedke; Capitanio; Dabestani, "
            "year=2022, title=European association of urology guidelines on renal cell carcinoma: The 2022 update, "
            "journal=Eur Urol, volume=82, first_page=399, style=vancouver") in first  # fmt: skip
    assert "doi:10.1016/j.eururo.2022.03.006 (2022) confidence 1.00" in first
    assert "accepted: confidence 1.00" in first
    assert "refused: year 2022 vs [2019]; volume 82 vs 75; first page 399 vs 799" in first
    assert "the record is an erratum; the reference does not cite one" in first
    last = out.split("\n  6. ")[1]
    assert "parsed: doi=10.1200/op.21.00419" in last


def test_explanation_of_a_stored_reference(seeded: Path, crossref_server: CrossrefServer) -> None:
    from refmgr.core.crossref.client import CrossrefClient
    from refmgr.core.crossref.resolve import resolve_references

    crossref_server.remove("10.1016/j.eururo.2022.03.006")
    with Library(seeded) as library, CrossrefClient(crossref_server.url, mailto="a@example.org") as client:
        resolve_references(library, 1, client, positions=[0, 5])
        references = library.references(1)
    text = explain_reference(references[0])
    assert text.splitlines()[1] == "status: unresolved 0.00"
    assert "refused: year 2022 vs [2015]" in text and "10.1016/j.eururo.2022.08.001" in text
    assert "the reference carries its DOI: accepted without asking Crossref" in explain_reference(references[5])
    assert "nothing to explain" in explain_reference(references[1])
