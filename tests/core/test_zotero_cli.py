"""`refmgr zotero-login` and `refmgr sync-zotero`, including syncs killed at random points and rerun."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from refmgr.cli import main
from refmgr.core import lists
from refmgr.core.library import Library
from refmgr.core.model import Article, Author, Figure
from tests.core.test_zotero_sync import seed
from tests.zotero_server import ZoteroState, serve_zotero


def env_for(url: str, state: ZoteroState) -> dict[str, str]:
    return {
        "REFMGR_ZOTERO_URL": url,
        "REFMGR_ZOTERO_API_KEY": state.api_key,
        "REFMGR_ZOTERO_USER_ID": str(state.user_id),
    }


def fill(path: Path, count: int) -> None:
    with Library(path) as library:
        ids = []
        for n in range(count):
            figures = [Figure("Figure 1", f"Legend {n}")] if n % 3 == 0 else []
            article = Article(title=f"Local cohort {n}", doi=f"10.5555/kill.{n}", year=2024, journal="Radiology",
                              authors=[Author("Kim", "HW")], figures=figures)  # fmt: skip
            ids.append(library.save(article).article_id)
            if n % 4 == 0:
                library.update_fields(ids[-1], notes=f"note {n}")
        lists.add_to_list(library, lists.create_list(library, "Screening"), ids[::5])


def state_of(path: Path, state: ZoteroState) -> tuple:
    with Library(path) as library:
        local = sorted((a.doi, a.notes, len(a.figures)) for a in map(library.get, library.query_ids()))
        listed = {rl.name: len(lists.list_items(library, rl.id)) for rl in lists.all_lists(library)}
    items = list(state.user_library.objects["items"].values())
    remote_dois = sorted(d["DOI"] for d in items if d["itemType"] == "journalArticle")
    notes = sorted(d["note"] for d in items if d["itemType"] == "note")
    collections = sorted(d["name"] for d in state.user_library.objects["collections"].values())
    return local, listed, remote_dois, notes, collections


def run_sync(path: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "refmgr", "sync-zotero", "--library", str(path)],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_syncs_killed_at_random_points_end_like_an_uninterrupted_one(tmp_path):
    rng = random.Random(20261130)
    results = []
    for killed in (False, True):
        state = ZoteroState()
        seed(state.user_library, 120)
        state.latency = 0.05
        path = tmp_path / f"killed-{killed}.sqlite"
        fill(path, 90)
        with serve_zotero(state) as (url, _):
            env = env_for(url, state)
            mid_write = 0
            for _ in range(6 if killed else 0):
                seen, writes_before = len(state.log), state.count("POST") + state.count("DELETE")
                process = run_sync(path, env)
                target = seen + rng.randint(1, 12)  # kill after a random number of requests, whatever the load
                deadline = time.monotonic() + 60
                while len(state.log) < target and process.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.005)
                process.send_signal(signal.SIGKILL)
                process.communicate()
                mid_write += state.count("POST") + state.count("DELETE") > writes_before
            assert mid_write >= 2 or not killed  # some kills landed after Zotero had taken writes
            process = run_sync(path, env)
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            again = run_sync(path, env)
            out, err = again.communicate(timeout=120)
            assert "0 received from Zotero; 0 sent" in out, out + err
            results.append(state_of(path, state))
    uninterrupted, interrupted = results
    local, _, remote_dois, _, _ = interrupted
    assert len(remote_dois) == len(set(remote_dois)) == 210  # no duplicates on Zotero's side
    assert len(local) == len({doi for doi, *_ in local}) == 210
    assert interrupted == uninterrupted


def test_login_then_sync_then_conflicts(tmp_path, zotero_server, monkeypatch, capsys):
    url, state = zotero_server
    monkeypatch.setenv("REFMGR_ZOTERO_URL", url)
    path = str(tmp_path / "lib.sqlite")
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(state.api_key.replace("-", "") + "\n"))
    assert main(["zotero-login", str(state.user_id)]) == 0
    account_file = tmp_path / "config" / "zotero-account.json"
    assert account_file.stat().st_mode & 0o777 == 0o600
    assert main(["sync-zotero", "--library", path]) == 1  # the key saved is not the server's
    assert "refused the API key" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("not a key!\n"))
    assert main(["zotero-login", str(state.user_id)]) == 2
    state.api_key = "testkey0123456789"
    seed(state.user_library, 3)
    assert main(["sync-zotero", "--library", path]) == 0
    assert "3 received from Zotero; 0 sent" in capsys.readouterr().out
    assert main(["sync-zotero", "--library", path, "--conflicts"]) == 0
    assert "no conflicts" in capsys.readouterr().out
    assert main(["sync-zotero", "--library", path, "--group", "Nope"]) == 2
    assert "no Zotero group 'Nope'" in capsys.readouterr().err


def test_an_article_deleted_in_zotero_can_be_restored(tmp_path, zotero_server, monkeypatch, capsys):
    url, state = zotero_server
    for name, value in env_for(url, state).items():
        monkeypatch.setenv(name, value)
    keys = seed(state.user_library, 2)
    path = str(tmp_path / "lib.sqlite")
    assert main(["sync-zotero", "--library", path]) == 0
    state.user_library.remove("items", keys[0])
    assert main(["sync-zotero", "--library", path]) == 0
    capsys.readouterr()
    assert main(["sync-zotero", "--library", path, "--conflicts"]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert "deleted in Zotero" in line
    assert main(["sync-zotero", "--library", path, "--restore", line.split("\t")[0]]) == 0
    assert main(["sync-zotero", "--library", path]) == 0
    assert "1 sent" in capsys.readouterr().out
    assert len(state.user_library.objects["items"]) == 2
