"""Clear messages instead of tracebacks: a newer-schema library, hand-edited settings, a mailto with CR/LF."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core import schema
from refmgr.core.crossref.client import CrossrefClient
from refmgr.core.library import Library
from refmgr.core.settings import Settings
from refmgr.paths import settings_file


def test_check_on_a_newer_library_says_so_and_changes_nothing(library_path: Path, capsys) -> None:
    Library(library_path).close()
    conn = sqlite3.connect(library_path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 3}")
    conn.close()
    before = library_path.read_bytes()
    assert main(["--library", str(library_path), "check"]) == 2
    err = capsys.readouterr().err
    assert "newer" in err or "upgrade refmgr" in err
    assert "Traceback" not in err and "it was not changed" in err
    assert library_path.read_bytes() == before


def test_settings_of_the_wrong_type_fall_back_with_a_message(caplog: pytest.LogCaptureFixture) -> None:
    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"backups_kept": "ten", "auto_backup": "yes", "mailto": 42,
                                "citation_style": "ama", "gui_state": []}), encoding="utf-8")  # fmt: skip
    with caplog.at_level(logging.WARNING):
        settings = Settings.load(path)
    assert (settings.backups_kept, settings.auto_backup, settings.mailto) == (7, True, "")
    assert settings.citation_style == "ama"  # the well-typed ones are kept
    assert "'backups_kept' should be a whole number, not \"ten\"; using 7" in caplog.text
    assert "'auto_backup' should be true or false" in caplog.text


def test_commands_run_on_settings_of_the_wrong_type(library_path: Path, capsys) -> None:
    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"backups_kept": "ten", "auto_backup": "no"}), encoding="utf-8")
    assert main(["--library", str(library_path), "list"]) == 0


def test_a_mailto_with_a_line_break_is_refused_clearly(library_path: Path, monkeypatch, capsys) -> None:
    with pytest.raises(ValueError, match="line break"):
        CrossrefClient("http://127.0.0.1:9", mailto="me@example.org\r\nX-Evil: 1")
    monkeypatch.setenv("REFMGR_MAILTO", "me@example.org\nX-Evil: 1")
    assert main(["--library", str(library_path), "add", "10.1016/j.eururo.2022.03.006"]) == 2
    err = capsys.readouterr().err
    assert "contact e-mail" in err and "line break" in err and "dropped the connection" not in err
