"""The window with PubMed and Europe PMC: an import by PMID and DOI arrives complete; the pane shows sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from refmgr.gui.imports import ImportRequest, identifiers_text
from tests.core.test_enrich import crossref_work
from tests.crossref_server import CrossrefServer
from tests.enrich_server import EnrichServer
from tests.gui.conftest import open_window

IMPORT_TIMEOUT_MS = 30_000


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, crossref_server: CrossrefServer,
           enrich_server: EnrichServer) -> EnrichServer:  # fmt: skip
    """The window's Crossref, Europe PMC and E-utilities addresses point at the loopback servers."""
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "tests@refmgr.invalid")
    monkeypatch.setenv("REFMGR_EUROPEPMC_URL", enrich_server.europepmc_url)
    monkeypatch.setenv("REFMGR_EUTILS_URL", enrich_server.eutils_url)
    for entry in enrich_server.authored:
        crossref_server.add(crossref_work(entry))
    return enrich_server


def test_add_by_identifier_enriches_in_the_background_and_the_pane_shows_sources(
    qtbot, online: EnrichServer, library_path: Path
) -> None:
    window = open_window(qtbot, library_path)
    text = identifiers_text("90000001\n10.5555/enrich.rct.0007")
    with qtbot.waitSignal(window.import_finished, timeout=IMPORT_TIMEOUT_MS) as finished:
        window.start_import(ImportRequest(texts=[text]))
    report = finished.args[0]
    assert report.counts() == {"added": 2, "enriched": 2}
    assert window.progress.format().startswith("PubMed and Europe PMC: ")  # the bar named the stage
    assert window.model.rowCount() == 2
    article_id = window.library.find("90000001")
    window.select_article(article_id)
    pane = window.pane
    assert pane.side_by_side.legends_title.text() == "<b>Figure legends</b> (2)"
    assert pane.side_by_side.legends_title.toolTip() == "Legends from Europe PMC"
    links = pane.links.text()
    assert 'href="https://clinicaltrials.gov/study/NCT03142334"' in links
    assert "NCT03142334</a>" in links and "from PubMed" in links
    assert 'href="https://europepmc.org/article/PMC/PMC9000001"' in links and "Open access" in links
    model = pane.side_by_side.keyword_model
    first = model.index(0, 0)
    assert model.data(first, Qt.ItemDataRole.ToolTipRole).endswith("from PubMed")
    assert "(major topic)" in model.data(first, Qt.ItemDataRole.ToolTipRole)
    assert model.data(first, Qt.ItemDataRole.FontRole).bold()
    assert "pembrolizumab" in pane.side_by_side.html().lower()
    other = window.library.find("10.5555/enrich.rct.0007")
    window.select_article(other)
    links = window.pane.links.text()
    assert 'href="https://www.isrctn.com/ISRCTN12345678"' in links and "Open access" not in links
