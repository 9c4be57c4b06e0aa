"""Small fixes from the window issue: publisher links with queries, whole warnings, the CLI at its edges."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.cli.window import missing_display
from refmgr.core.identifiers import extract_dois, normalise_doi
from refmgr.core.intake import import_inputs
from refmgr.core.library import Library

NBIB = Path(__file__).parent.parent / "data" / "medline" / "rcc-three.nbib"


def test_a_publisher_link_keeps_its_doi_without_the_query() -> None:
    link = "https://www.nejm.org/doi/full/10.1056/NEJMoa1816047?query=featured_home"
    assert extract_dois(link) == ["10.1056/nejmoa1816047"]
    assert extract_dois("https://x.org/doi/10.1002/cncr.33&utm_source=alert") == ["10.1002/cncr.33"]
    assert normalise_doi("https://doi.org/10.1056/NEJMoa1816047?af=R") == "10.1056/nejmoa1816047"
    assert normalise_doi("10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0") != ""


def test_the_pmid_warning_is_a_whole_sentence(library: Library) -> None:
    report = import_inputs(library, texts=("doi:10.1038/srep16696 and PMID: 31234567",), client=None)
    warning = report.warnings[0]
    assert "PMID 31234567 was not looked up, only the DOIs beside it were (PubMed cannot be reached" in warning
    assert warning.endswith(")")


def test_list_on_an_empty_library_says_so(library_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--library", str(library_path)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "The library is empty" in err and "refmgr import" in err
    assert main(["list", "--json", "--library", str(library_path)]) == 0
    assert capsys.readouterr().out.strip() == "[]"


def _refmgr(library_path: Path, *argv: str, env: dict[str, str] | None = None, pipe_to_head: bool = False):
    command = [sys.executable, "-m", "refmgr", *argv, "--library", str(library_path)]
    if pipe_to_head:
        quoted = " ".join(f"'{part}'" for part in command)
        return subprocess.run(f"{quoted} | head -1", shell=True, capture_output=True, text=True, timeout=120,
                              env=env, check=False)  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)


def test_list_into_a_closed_pipe_ends_quietly(library_path: Path) -> None:
    with Library(library_path) as library:
        from tests.gui.conftest import make_articles

        library.save_many(make_articles(3000), source="test")  # more than a pipe buffer of output
    result = _refmgr(library_path, "list", pipe_to_head=True)
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr


def test_the_window_without_a_display_says_what_is_wrong(library_path: Path) -> None:
    assert missing_display({}, "linux").startswith("no display to open the window on")
    assert missing_display({"DISPLAY": ":0"}, "linux") == ""
    assert missing_display({"QT_QPA_PLATFORM": "offscreen"}, "linux") == ""
    assert missing_display({}, "darwin") == ""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = _refmgr(library_path, env=env)
    assert result.returncode == 2
    assert "no display to open the window on" in result.stderr and "xcb" not in result.stderr
