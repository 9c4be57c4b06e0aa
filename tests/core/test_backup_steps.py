"""Backups that never block: stepwise copies of one snapshot, one backup at a time, the CLI's after its output."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core import backup as backup_module
from refmgr.core.backup import auto_backup, backup_lock, copy_database, list_backups
from refmgr.core.library import Library
from refmgr.core.model import Article
from refmgr.core.settings import Settings
from tests.core.test_backup import make_library


def count(path: Path) -> int:
    with Library(path) as library:
        return library.count()


def test_steps_copy_one_snapshot_while_another_connection_writes(library_path: Path, tmp_path: Path) -> None:
    make_library(library_path, n=60)
    writer = Library(library_path)
    calls: list[tuple[int, int]] = []

    def progress(remaining: int, total: int) -> None:
        if not calls:  # mid-copy: another connection commits (WAL: the copy's read snapshot does not block it)
            writer.save(Article(title="Written during the backup", year=2026))
        calls.append((remaining, total))

    dest = copy_database(library_path, tmp_path / "copy.sqlite", pages_per_step=4, progress=progress)
    writer.close()
    total = calls[0][1]
    assert len(calls) == -(-total // 4)  # one call per step, never restarted by the write
    assert [r for r, _ in calls] == sorted((r for r, _ in calls), reverse=True) and calls[-1][0] == 0
    assert count(dest) == 60 and count(library_path) == 61  # the copy is the snapshot it started from


def test_a_failing_progress_callback_aborts_without_a_partial_file(library_path: Path, tmp_path: Path) -> None:
    make_library(library_path, n=10)

    def stop(_remaining: int, _total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        copy_database(library_path, tmp_path / "out" / "copy.sqlite", pages_per_step=1, progress=stop)
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


def test_auto_backup_skips_while_another_is_running(library_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    make_library(library_path, n=5)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with backup_lock(library_path) as locked, caplog.at_level(logging.WARNING, logger=backup_module.log.name):
        assert locked
        assert auto_backup(library_path, Settings(), now=now) is None
    assert "another backup of" in caplog.text and list_backups(library_path) == []
    made = auto_backup(library_path, Settings(), now=now)  # the lock is free again
    assert made is not None and list_backups(library_path) == [made]
    assert auto_backup(library_path, Settings(), now=now + timedelta(hours=1)) is None  # not due


def test_the_command_line_backs_up_after_its_output(
    library_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_library(library_path, n=3)
    seen: list[str] = []
    real = backup_module.auto_backup

    def watching(path: Path, settings: Settings, now: datetime | None = None) -> Path | None:
        seen.append(capsys.readouterr().out)  # what the command had printed when the backup started
        return real(path, settings, now)

    monkeypatch.setattr(backup_module, "auto_backup", watching)
    assert main(["--library", str(library_path), "list"]) == 0
    assert len(seen) == 1 and len(seen[0].splitlines()) == 3
    assert len(list_backups(library_path)) == 1


def test_a_pipe_reading_the_command_ends_before_its_backup(library_path: Path, tmp_path: Path) -> None:
    """The console script hands stdout its end-of-file, then backs up: a reader is not kept waiting."""
    make_library(library_path, n=3)
    go, done = tmp_path / "go", tmp_path / "done"
    script = f"""
import sys, time
from pathlib import Path
from refmgr.core import backup

def waiting_backup(path, settings, now=None):  # stands in for a long copy: waits for the reader's signal
    deadline = time.monotonic() + 30
    while not Path({str(go)!r}).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    Path({str(done)!r}).write_text("signalled" if Path({str(go)!r}).exists() else "timed out")

backup.auto_backup = waiting_backup
sys.argv = ["refmgr", "--library", {str(library_path)!r}, "list"]
from refmgr.cli import run
run()
"""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env) as child:
        assert child.stdout is not None
        output = child.stdout.read()  # returns at end-of-file: before the backup, or after it gave up waiting
        go.touch()
        assert child.wait(timeout=60) == 0
    assert len(output.splitlines()) == 3
    assert done.read_text() == "signalled"
