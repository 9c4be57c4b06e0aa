"""Requests end: an overall deadline, cancel that cuts a transfer, a bounded Retry-After wait, Ctrl+C keeps DOIs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from refmgr.core import intake
from refmgr.core.crossref.client import FAILED, CrossrefClient
from refmgr.core.intake import import_inputs, pending_dois
from refmgr.core.library import Library
from tests.crossref_server import CrossrefServer

DOI = "10.1016/j.eururo.2022.03.006"


def test_a_server_trickling_bytes_is_cut_off_at_the_deadline(crossref_client: CrossrefClient,
                                                              crossref_server: CrossrefServer) -> None:  # fmt: skip
    crossref_server.fault_all = "trickle"  # one byte every 0.2 s: no single read ever times out
    crossref_client.request_deadline_s = 1.0
    crossref_client.max_retries = 0
    started = time.monotonic()
    lookup = crossref_client.work(DOI)
    assert lookup.status == FAILED and "too slow" in lookup.reason
    assert time.monotonic() - started < 20  # one deadline per attempt, never the reply's 100,000 bytes


def test_cancel_cuts_a_transfer_in_progress(crossref_client: CrossrefClient, crossref_server: CrossrefServer) -> None:
    crossref_server.fault_all = "trickle"
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    results = crossref_client.fetch([DOI, "10.1056/nejmoa1712126"], cancel=stop.is_set)
    assert stop.is_set()
    assert all(r.status == FAILED for r in results.values())
    assert len(crossref_server.requests()) == 1  # cut midway, not retried, nothing else asked


def test_a_huge_retry_after_leaves_the_doi_pending(library: Library, crossref_client: CrossrefClient,
                                                   crossref_server: CrossrefServer, fake_clock) -> None:  # fmt: skip
    crossref_server.retry_after = "100000"
    crossref_server.fault_all = "429"
    report = import_inputs(library, texts=[DOI], client=crossref_client)
    assert report.counts() == {"pending": 1}
    assert "wait 100,000 s" in report.items[0].message
    assert crossref_client.limiter.waited <= crossref_client.max_retry_wait_s
    assert [d for d, *_ in pending_dois(library)] == [DOI]


def test_ctrl_c_during_a_fetch_leaves_the_dois_pending(library: Library, crossref_client: CrossrefClient,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    def interrupted(*_args: object, **_kwargs: object) -> dict:
        raise KeyboardInterrupt

    monkeypatch.setattr(crossref_client, "fetch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_inputs(library, texts=[f"{DOI} 10.1056/NEJMoa1712126"], client=crossref_client)
    assert sorted(d for d, *_ in pending_dois(library)) == [DOI, "10.1056/nejmoa1712126"]
    assert intake.pending_dois(library)[0][1] == "interrupted (Ctrl+C)"



def test_retries_end_at_the_batch_deadline(crossref_client: CrossrefClient, crossref_server: CrossrefServer) -> None:
    crossref_server.fault_all = "trickle"  # every attempt is cut at its request deadline, then retried
    crossref_client.request_deadline_s = 0.6
    crossref_client.batch_deadline_s = 1.5
    lookup = crossref_client.work(DOI)
    assert lookup.status == FAILED and "gave up after 2 s of retries" in lookup.reason
    assert len(crossref_server.requests()) < 1 + crossref_client.max_retries  # stopped before retries ran out


def test_sigint_during_refmgr_add_exits_130_with_the_dois_pending(library_path: Path,
                                                                  crossref_server: CrossrefServer) -> None:  # fmt: skip
    crossref_server.fault_all = "trickle"  # the child is mid-transfer when Ctrl+C comes
    env = {**os.environ, "REFMGR_CROSSREF_URL": crossref_server.url, "REFMGR_MAILTO": "tests@refmgr.invalid"}
    command = [sys.executable, "-m", "refmgr", "--library", str(library_path), "add", DOI, "10.1056/NEJMoa1712126"]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not crossref_server.requests() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    child.send_signal(signal.SIGINT)
    _out, err = child.communicate(timeout=60)
    assert child.returncode == 130 and "interrupted" in err and "Traceback" not in err
    with Library(library_path) as library:
        assert sorted(d for d, *_ in pending_dois(library)) == ["10.1016/j.eururo.2022.03.006", "10.1056/nejmoa1712126"]
