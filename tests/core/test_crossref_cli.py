"""`refmgr add`, `refresh`, `sync`, `refs` and `show` against the loopback Crossref server."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core.intake import import_inputs, pending_dois
from refmgr.core.library import Library
from refmgr.core.lists import find_list, list_items
from refmgr.core.model import Article, Author, Reference
from refmgr.core.settings import Settings
from refmgr.paths import settings_file
from tests.crossref_server import CrossrefServer, seed_reference_texts


@pytest.fixture
def crossref_env(crossref_server: CrossrefServer, monkeypatch: pytest.MonkeyPatch) -> CrossrefServer:
    """Point the CLI at the loopback server in the polite pool."""
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "oncologist@example.org")
    return crossref_server


def test_add_prints_a_line_per_item_and_uses_one_batch(
    crossref_env: CrossrefServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["add", "--library", str(library_path), "10.1016/j.eururo.2022.03.006 10.5281/zenodo.3233118",
                 "https://doi.org/10.1200/OP.21.00419", "--list", "RCC"])  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert code == 1  # the DataCite DOI is not an import
    assert out[0].startswith("added        doi:10.1016/j.eururo.2022.03.006 “European Association of Urology")
    assert out[1].startswith("added        doi:10.1200/op.21.00419 “Clinical Review on the Management")
    assert out[2] == "non_crossref doi:10.5281/zenodo.3233118 [text 1]: registered with DataCite, not Crossref"
    assert out[-1] == "2 added, 1 non crossref"
    assert len(crossref_env.requests("list")) == 1
    assert "mailto:oncologist@example.org" in crossref_env.log[0].headers["user-agent"]
    with Library(library_path) as library:
        assert len(list_items(library, find_list(library, "RCC"))) == 2


def test_add_reads_stdin(
    crossref_env: CrossrefServer, library_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO("doi:10.1016/S0140-6736(97)11096-0\n"))
    assert main(["add", "--library", str(library_path), "-"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(": RETRACTED")
    assert main(["show", "--library", str(library_path), "10.1016/S0140-6736(97)11096-0"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("*** RETRACTED")


def test_sync_finishes_pending_dois(crossref_env: CrossrefServer, library_path: Path, capsys) -> None:
    Settings(enrich=False).save(settings_file())  # Crossref alone here (PubMed's own pending: test_enrich_cli)
    with Library(library_path) as library:
        import_inputs(library, texts=["10.1038/srep16696 10.1200/OP.21.00419"], client=None)
        assert len(pending_dois(library)) == 2
    assert main(["sync", "--library", str(library_path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "2 added"
    with Library(library_path) as library:
        assert pending_dois(library) == [] and library.count() == 2
    assert main(["sync", "--library", str(library_path)]) == 0
    assert capsys.readouterr().out.strip() == "nothing pending"


def test_refresh_refetches(crossref_env: CrossrefServer, library_path: Path, capsys) -> None:
    assert main(["add", "--library", str(library_path), "10.1038/srep16696"]) == 0
    assert main(["refresh", "--library", str(library_path), "--all"]) == 0
    assert "duplicate    doi:10.1038/srep16696" in capsys.readouterr().out
    assert len(crossref_env.log) == 2
    assert main(["refresh", "--library", str(library_path)]) == 2


def test_refs_resolve_json(crossref_env: CrossrefServer, library_path: Path, capsys) -> None:
    with Library(library_path) as library:
        references = [Reference(text=t) for t in seed_reference_texts()]
        library.save(Article(title="Beyond the Scalpel", doi="10.1007/s00270-025-04101-y", year=2025,
                             authors=[Author("Fung", "Kin Fen Kevin")], references=references))  # fmt: skip
    assert main(["refs", "--library", str(library_path), "10.1007/s00270-025-04101-y"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("  1. [unresolved] Ljungberg B")
    assert main(["refs", "--library", str(library_path), "1", "--resolve", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["position"], r["status"], r["doi"]) for r in rows][:2] == [
        (1, "resolved", "10.1016/j.eururo.2022.03.006"), (2, "resolved", "10.1016/j.ejca.2018.07.005"),
    ]  # fmt: skip
    assert all(r["confidence"] >= 0.95 for r in rows)
    assert main(["refs", "--library", str(library_path), "1"]) == 0
    assert "[resolved 1.00] doi:10.1016/j.eururo.2022.03.006 Ljungberg" in capsys.readouterr().out
