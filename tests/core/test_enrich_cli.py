"""The command line with PubMed and Europe PMC: add by PMID, show --json, enrich, --no-enrich, import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core.library import Library
from refmgr.core.model import Article
from tests.crossref_server import CrossrefServer
from tests.enrich_server import EnrichServer


@pytest.fixture
def services(crossref_server: CrossrefServer, enrich_server: EnrichServer,
             monkeypatch: pytest.MonkeyPatch) -> EnrichServer:  # fmt: skip
    """The CLI pointed at both loopback servers."""
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "oncologist@example.org")
    monkeypatch.setenv("REFMGR_EUROPEPMC_URL", enrich_server.europepmc_url)
    monkeypatch.setenv("REFMGR_EUTILS_URL", enrich_server.eutils_url)
    return enrich_server


def test_add_a_bare_pmid_then_show_json_with_trials_and_sources(
    services: EnrichServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = ["--library", str(library_path)]
    assert main(["add", *lib, "90000001"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("added        PMID 90000001 “Adjuvant pembrolizumab after nephrectomy")
    assert out[1].startswith("enriched     doi:10.5555/enrich.rct.0001 (#1) [enrich]: PubMed: PMID 90000001")
    assert out[1].endswith("2 legends (open access)")
    assert main(["show", *lib, "90000001", "--json"]) == 0
    item = json.loads(capsys.readouterr().out)
    assert (item["PMID"], item["PMCID"], item["container-title-short"]) == ("90000001", "PMC9000001", "J Test Oncol")
    assert item["trials"] == [{"id": "NCT03142334", "registry": "ClinicalTrials.gov", "source": "pubmed"}]
    assert {k["source"] for k in item["keywords"]} == {"pubmed"}
    assert item["keywords"][0] == {
        "term": "Carcinoma, Renal Cell", "kind": "mesh", "qualifiers": ["drug therapy", "surgery"], "major": True,
        "source": "pubmed",
    }  # fmt: skip
    assert [(f["label"], f["source"]) for f in item["figures"]] == [
        ("Figure 1", "europepmc"), ("Figure 2", "europepmc"),
    ]  # fmt: skip
    assert item["open-access"] == "https://europepmc.org/article/PMC/PMC9000001"
    assert main(["show", *lib, "90000001"]) == 0
    shown = capsys.readouterr().out
    assert "Trials: NCT03142334 (ClinicalTrials.gov)" in shown
    assert "Open access: https://europepmc.org/article/PMC/PMC9000001" in shown
    efetch = services.requests("/efetch.fcgi")[0]
    assert efetch.method == "POST" and efetch.params["email"] == ["oncologist@example.org"]


def test_no_enrich_then_enrich_backfills(services: EnrichServer, library_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    lib = ["--library", str(library_path)]
    with Library(library_path) as library:
        for n in (2, 4):
            library.save(Article(title=f"RCT {n}", doi=f"10.5555/enrich.rct.000{n}"), source="crossref")
        library.save(Article(title="Not in PubMed", doi="10.5555/not.in.pubmed"), source="crossref")
    assert main(["enrich", *lib]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("enriched     doi:10.5555/enrich.rct.0002 (#1) [enrich]: PubMed: PMID 90000002")
    assert lines[2] == ("unchanged    doi:10.5555/not.in.pubmed (#3) [enrich]: not in PubMed or Europe PMC "
                        "(Crossref only)")  # fmt: skip
    assert lines[-1] == "2 enriched, 1 unchanged"
    assert main(["enrich", *lib]) == 0
    assert capsys.readouterr().out.strip() == "nothing to enrich"
    assert main(["search", *lib, "trial:NCT02853331"]) == 0
    assert capsys.readouterr().out.split()[0] == "1"
    before = len(services.requests())
    assert main(["enrich", *lib, "--all"]) == 0  # cached replies: Europe PMC is asked only about the miss
    assert len(services.requests()) - before <= 2
    assert main(["enrich", *lib, "--all", "--refresh"]) == 0
    assert len(services.requests("/efetch.fcgi")) >= 2


def test_no_enrich_flag_asks_neither_service(services: EnrichServer, library_path: Path) -> None:
    assert main(["add", "--library", str(library_path), "--no-enrich", "10.1016/j.eururo.2022.03.006"]) == 0
    assert services.requests() == []


def test_enrich_reports_pending_when_the_services_are_down(services: EnrichServer, library_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    with Library(library_path) as library:
        library.save(Article(title="RCT", doi="10.5555/enrich.rct.0002"), source="crossref")
    services.fault_all["europepmc"] = "html"
    assert main(["enrich", "--library", str(library_path)]) == 1
    out = capsys.readouterr().out
    assert "pending      doi:10.5555/enrich.rct.0002 (#1) [enrich]: Europe PMC sent an HTML page" in out
    services.fault_all.clear()
    assert main(["sync", "--library", str(library_path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 enriched"


def test_import_of_a_file_enriches_what_it_brought(services: EnrichServer, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    ris = tmp_path / "club.ris"
    ris.write_text("TY  - JOUR\nTI  - Cryoablation trial\nAU  - Tester, Ada\nPY  - 2022\n"
                   "DO  - 10.5555/enrich.rct.0002\nKW  - my keyword\nER  - \n", encoding="utf-8")  # fmt: skip
    library = tmp_path / "lib.sqlite"
    assert main(["import", "--library", str(library), str(ris)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("added        doi:10.5555/enrich.rct.0002")
    assert lines[1].startswith("enriched     doi:10.5555/enrich.rct.0002 (#1) [enrich]: PubMed: PMID 90000002")
    with Library(library) as opened:
        article = opened.get(1)
    assert [(k.term, k.source) for k in article.keywords if k.kind == "author"] == [("my keyword", "file")]
    assert [t.accession for t in article.trials] == ["NCT02853331"]
