"""Rows arrive as batches are saved, and every window sees every writer's changes within about a second."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from refmgr.gui.imports import ImportRequest
from tests.crossref_server import CrossrefServer
from tests.gui.conftest import open_window

BATCH = 100  # the client's filter=doi:... batch size


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, crossref_server: CrossrefServer) -> CrossrefServer:
    """The window's Crossref address points at the loopback server."""
    monkeypatch.setenv("REFMGR_CROSSREF_URL", crossref_server.url)
    monkeypatch.setenv("REFMGR_MAILTO", "tests@refmgr.invalid")
    return crossref_server


def serve_generated(server: CrossrefServer, n: int) -> list[str]:
    """N more works on the server (a recorded record under new DOIs and titles); their DOIs."""
    template = server.records["10.1038/srep16696"]
    dois = [f"10.5555/batch.{i}" for i in range(n)]
    for i, doi in enumerate(dois):
        server.add({**template, "DOI": doi, "title": [f"Generated batch article {i} on renal cryoablation"]})
    return dois


def test_first_rows_show_while_the_second_batch_is_fetched(qtbot, online: CrossrefServer, library_path: Path) -> None:
    dois = serve_generated(online, BATCH + 50)
    online.fault_all = "delay"  # every reply takes a second
    online.delay = 1.0
    window = open_window(qtbot, library_path)
    shown: list[tuple[float, int]] = []
    window.model.rowsInserted.connect(lambda *_args: shown.append((time.monotonic(), window.model.rowCount())))
    with qtbot.waitSignal(window.import_finished, timeout=30_000) as finished:
        window.start_import(ImportRequest(texts=["\n".join(dois)]))
    assert finished.args[0].counts() == {"added": BATCH + 50}
    batches = online.requests("list")
    assert [len(r.filter_dois) for r in batches] == [BATCH, 50]
    first_time, first_rows = shown[0]
    assert first_rows == BATCH  # the whole first batch, in one insertion
    assert first_time < batches[1].time + online.delay  # on screen before the second batch's reply
    assert window.model.rowCount() == BATCH + 50
