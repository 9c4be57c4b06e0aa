"""The `refmgr` subcommands over the library: import, list, show, search, delete; exit codes; JSON."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core import schema

DATA = Path(__file__).parent.parent / "data"
NBIB = DATA / "medline" / "rcc-three.nbib"
TRUNCATED = DATA / "medline" / "truncated.nbib"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line; return exit code, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def lib(library_path: Path) -> list[str]:
    """The --library option for a test's library."""
    return ["--library", str(library_path)]


def test_import_seed_page_and_medline(capsys: pytest.CaptureFixture[str], lib: list[str], seed_page: Path) -> None:
    code, out, _ = run(capsys, *lib, "import", str(seed_page), str(NBIB))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("added        doi:10.1007/s00270-025-04101-y “Beyond the Scalpel: the Role of")
    assert lines[0].endswith(f"(#1) [{seed_page} page]")
    assert lines[1] == (
        "added        doi:10.5555/eururo.2024.0112 “Percutaneous cryoablation versus robotic partial nephrectomy "
        f"for cT...” (#2) [{NBIB} record 1 (line 1) PMID 38912345]"
    )
    assert lines[2].startswith("added        PMID 10023944 “Interferon-alpha and survival")
    assert lines[3].startswith("added        doi:10.5555/cancers15010173")
    # PubMed and Europe PMC are unreachable here (a closed port): the import still succeeds, enrichment waits
    assert lines[4].startswith("warning      PubMed/Europe PMC: 4 article(s) not enriched yet (cannot connect to")
    assert lines[5] == "4 added"

    code, out, _ = run(capsys, "import", str(seed_page), *lib)
    assert code == 0
    assert out.splitlines()[0].startswith("duplicate    doi:10.1007/s00270-025-04101-y")
    assert out.splitlines()[0].endswith(": same DOI as #1")
    assert out.splitlines()[-1] == "1 duplicate"


def test_truncated_record_fails_others_import(capsys: pytest.CaptureFixture[str], lib: list[str]) -> None:
    code, out, _ = run(capsys, *lib, "import", str(TRUNCATED))
    assert code == 1
    lines = out.splitlines()
    assert lines[1] == (
        f"failed       record 2 (line 15) PMID 31000002 [{TRUNCATED}]: no title (TI); the record looks truncated"
    )
    assert lines[0].startswith("added        doi:10.5555/urolonc.2019.0201")
    assert lines[2].startswith("added        PMID 31000003")
    assert lines[-1] == "2 added, 1 failed"


def test_unreadable_inputs_exit_2(capsys: pytest.CaptureFixture[str], lib: list[str], tmp_path: Path) -> None:
    unknown = tmp_path / "letter.txt"
    unknown.write_text("Dear colleague,\nplease find the slides attached.\n", encoding="utf-8")
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.7\n\x00\x01\x02\x03" * 10)
    missing = tmp_path / "missing.nbib"
    huge = tmp_path / "huge.nbib"
    with huge.open("wb") as handle:
        handle.truncate(65 * 1024 * 1024)
    for path, message in [
        (unknown, f"{unknown}: not a format refmgr knows, and no DOI or PMID in it"),
        (binary, f"{binary}: damaged or incomplete PDF (PDFium: Data format error)"),
        (missing, f"{missing}: cannot read (No such file or directory)"),
        (huge, f"{huge}: 65.0 MB is over the 64 MB limit for one file"),
    ]:
        code, out, _ = run(capsys, *lib, "import", str(path))
        assert code == 2, path
        assert out.splitlines() == [f"unreadable   {message}", "1 unreadable input(s)"]


def test_mixed_good_and_unreadable_exits_1(
    capsys: pytest.CaptureFixture[str], lib: list[str], seed_page: Path, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, *lib, "import", str(seed_page), str(tmp_path / "missing.txt"))
    assert code == 1
    assert out.splitlines()[-1] == "1 added, 1 unreadable input(s)"


def test_list_show_search_delete(capsys: pytest.CaptureFixture[str], lib: list[str], seed_page: Path) -> None:
    run(capsys, *lib, "import", str(seed_page), str(NBIB))
    code, out, _ = run(capsys, *lib, "list", "--sort", "year")
    assert code == 0
    assert [line.split()[:3] for line in out.splitlines()] == [
        ["1", "2025", "Fung"],
        ["2", "2024", "Lindqvist"],
        ["4", "2022", "Nakamura"],
        ["3", "1999", "Medical"],
    ]
    code, out, _ = run(capsys, *lib, "show", "10023944")
    assert code == 0
    assert out.splitlines()[:4] == [
        "Interferon-alpha and survival in metastatic renal carcinoma: early results of a randomised controlled trial",
        "Medical Research Council Renal Cancer Collaborators",
        "Lancet. 1999;353(9146):14-7.",
        "PMID 10023944",
    ]
    assert "  [mesh] Carcinoma, Renal Cell/drug therapy/mortality/secondary*" in out.splitlines()
    code, out, err = run(capsys, *lib, "search", "legend:hydrodissection")
    assert (code, out.split()[:3], err) == (0, ["1", "2025", "Fung"], "1 match(es)\n")
    code, out, _ = run(capsys, *lib, "search", "keyword:cryoablation", "--json")
    assert [item["id"] for item in json.loads(out)] == ["2", "1"]
    code, out, _ = run(capsys, *lib, "delete", "1", "https://doi.org/10.5555/cancers15010173")
    assert (code, out) == (0, "deleted 2 article(s)\n")
    code, out, _ = run(capsys, *lib, "list", "--json")
    assert sorted(item["id"] for item in json.loads(out)) == ["2", "3"]


def test_show_json_is_csl_with_additions(capsys: pytest.CaptureFixture[str], lib: list[str], seed_page: Path) -> None:
    run(capsys, *lib, "import", str(seed_page))
    code, out, _ = run(capsys, *lib, "show", "doi:10.1007/s00270-025-04101-y", "--json")
    assert code == 0
    item = json.loads(out)
    assert item["id"] == "1"
    assert item["type"] == "article-journal"
    assert item["title"].startswith("Beyond the Scalpel")
    assert item["author"] == [{"family": "Fung", "given": "Kin Fen Kevin"}]
    assert item["container-title-short"] == "Cardiovasc Intervent Radiol"
    assert "container-title" not in item
    assert item["issued"] == {"date-parts": [[2025, 8]]}
    assert (item["volume"], item["issue"], item["page"]) == ("48", "8", "1104-1112")
    assert item["DOI"] == "10.1007/s00270-025-04101-y"
    assert item["genre"] == "Review"
    assert item["keywords"] == [
        {"term": "Cryoablation", "kind": "author", "source": "page"},
        {"term": "Immunotherapy", "kind": "author", "source": "page"},
        {"term": "Metastasis", "kind": "author", "source": "page"},
        {"term": "Renal cell carcinoma", "kind": "author", "source": "page"},
        {"term": "Thermal Ablation", "kind": "author", "source": "page"},
    ]
    assert [f["label"] for f in item["figures"]] == ["Fig. 1", "Fig. 2", "Fig. 3"]
    assert item["figures"][2]["legend"].endswith("The patient remained opioid-free for 6 months")
    assert item["figures"][0]["source"] == "page"
    assert set(item["figures"][0]) == {"label", "legend", "source"}
    assert item["trials"] == []
    assert [r["position"] for r in item["references"]] == [1, 2, 3, 4, 5]
    assert item["references"][0] == {
        "position": 1,
        "text": "Ljungberg B, Albiges L, Abu-Ghanem Y, Bedke J, Capitanio U, Dabestani S, et al. European association "
        "of urology guidelines on renal cell carcinoma: The 2022 update. Eur Urol. 2022;82:399–410.",
        "doi": "",
        "pmid": "",
        "status": "unresolved",
    }


def test_show_json_mesh_keywords(capsys: pytest.CaptureFixture[str], lib: list[str]) -> None:
    run(capsys, *lib, "import", str(NBIB))
    code, out, _ = run(capsys, *lib, "show", "PMID:10023944", "--json")
    assert code == 0
    item = json.loads(out)
    assert item["author"] == [{"literal": "Medical Research Council Renal Cancer Collaborators"}]
    assert item["keywords"][1] == {
        "term": "Carcinoma, Renal Cell", "kind": "mesh", "qualifiers": ["drug therapy", "mortality", "secondary"],
        "major": True, "source": "pubmed",
    }  # fmt: skip
    assert item["keywords"][0] == {"term": "Adult", "kind": "mesh", "source": "pubmed"}
    assert (item["container-title"], item["ISSN"], item["language"]) == ("Lancet (London, England)", "0140-6736", "en")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], lib: list[str], library_path: Path) -> None:
    code, _, err = run(capsys, *lib, "show", "42")
    assert (code, err) == (2, f"refmgr: no article '42' in {library_path}\n")
    code, _, err = run(capsys, *lib, "delete", "10.5555/nothing")
    assert code == 2
    with pytest.raises(SystemExit) as caught:
        main(["import"])
    assert caught.value.code == 2


def test_newer_library_exits_2(capsys: pytest.CaptureFixture[str], lib: list[str], library_path: Path) -> None:
    conn = sqlite3.connect(library_path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 5}")
    conn.close()
    code, out, err = run(capsys, *lib, "list")
    assert (code, out) == (2, "")
    assert err == (
        f"refmgr: cannot open library {library_path}: this library uses schema version {schema.SCHEMA_VERSION + 5}, "
        f"but this refmgr only knows up to {schema.SCHEMA_VERSION}; upgrade refmgr to open it\n"
    )


def test_library_from_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seed_page: Path
) -> None:
    path = tmp_path / "env-library.sqlite"
    monkeypatch.setenv("REFMGR_LIBRARY", str(path))
    code, _, _ = run(capsys, "import", str(seed_page))
    assert code == 0 and path.exists()
    code, out, _ = run(capsys, "list")
    assert out.split()[:2] == ["1", "2025"]


def test_files_without_subcommand_open_the_window_with_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """`refmgr a.ris b.nbib` (the desktop file's Exec line) opens the window and imports the files."""
    import refmgr.cli.window

    calls: list[tuple[str | None, list[str] | None]] = []
    def fake_open_window(args: object, files: list[str] | None = None) -> int:
        calls.append((getattr(args, "library", None), files))
        return 0

    monkeypatch.setattr(refmgr.cli.window, "open_window", fake_open_window)
    assert main(["--library", "lib.sqlite", "a.ris", "b.nbib"]) == 0
    assert main(["c.bib"]) == 0
    assert calls == [("lib.sqlite", ["a.ris", "b.nbib"]), (None, ["c.bib"])]


def test_subcommands_are_not_taken_for_files() -> None:
    from refmgr.cli import build_parser, files_to_open

    parser = build_parser()
    assert files_to_open(["list"], parser) is None
    assert files_to_open(["--version"], parser) is None
    assert files_to_open([], parser) is None
