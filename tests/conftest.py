"""Shared fixtures: every test gets its own data, config and library folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.crossref_server import crossref_client, crossref_server, fake_clock, records_by_doi  # noqa: F401
from tests.enrich_server import enrich_server, sources  # noqa: F401
from tests.unpaywall_server import unpaywall_server  # noqa: F401
from tests.zotero_server import zotero_server  # noqa: F401

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"
SEED_PAGE = DATA / "pubmed-beyond-the-scalpel.txt"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every refmgr location at tmp_path so no test touches the real home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("REFMGR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REFMGR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("REFMGR_LIBRARY", raising=False)
    monkeypatch.delenv("REFMGR_CROSSREF_URL", raising=False)
    monkeypatch.delenv("REFMGR_MAILTO", raising=False)
    # PubMed and Europe PMC: a closed loopback port unless a test starts tests/enrich_server.py (never the internet)
    monkeypatch.setenv("REFMGR_EUROPEPMC_URL", "http://127.0.0.1:9/europepmc/webservices/rest")
    monkeypatch.setenv("REFMGR_EUTILS_URL", "http://127.0.0.1:9/entrez/eutils")
    monkeypatch.delenv("REFMGR_NCBI_API_KEY", raising=False)
    for name in ("REFMGR_ZOTERO_URL", "REFMGR_ZOTERO_API_KEY", "REFMGR_ZOTERO_USER_ID"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    """Where a test's library lives."""
    return tmp_path / "library.sqlite"


@pytest.fixture
def library(library_path: Path):
    """A fresh, empty library."""
    from refmgr.core.library import Library

    lib = Library(library_path)
    yield lib
    lib.close()


@pytest.fixture
def seed_page() -> Path:
    """The seed PubMed abstract page saved as text."""
    return SEED_PAGE
