"""Lazy CLI imports: `refmgr --version` and local commands load no network stack, Qt or sqlite-utils."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from refmgr.core.library import Library
from refmgr.core.model import Article

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("habanero", "httpx", "httpx2", "sqlite_utils", "PySide6", "citeproc", "rispy", "bibtexparser", "rapidfuzz")


def imported_modules(*argv: str) -> set[str]:
    """Top-level packages a fresh `python -m refmgr ARGV` imports (from -X importtime)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "refmgr", *argv], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "refmgr" in names  # the trace really was read
    return names


def test_version_imports_nothing_heavy() -> None:
    names = imported_modules("--version")
    assert not names & set(HEAVY), sorted(names & set(HEAVY))


@pytest.mark.parametrize("argv", [["list"], ["show", "1"], ["search", "survival"], ["lists"]])
def test_local_commands_import_no_network_stack(library_path: Path, argv: list[str]) -> None:
    with Library(library_path) as library:
        library.save(Article(title="Overall survival after resection", year=2021, doi="10.1000/a"))
    names = imported_modules("--library", str(library_path), *argv)
    assert not names & {"habanero", "httpx", "httpx2", "sqlite_utils", "PySide6", "citeproc"}, sorted(names)
