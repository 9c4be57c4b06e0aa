"""The window against damaged, read-only and hostile libraries (issue 17)."""

from __future__ import annotations

from pathlib import Path

from refmgr.core.backup import create_backup, library_problem
from refmgr.core.library import Library
from tests.core.test_damaged_library import damage_index
from tests.gui.conftest import make_articles, open_window
from tests.gui.test_safety import Dialogs


def test_damage_in_the_middle_is_found_at_start_and_the_backup_restored(qtbot, monkeypatch, library_path: Path) -> None:
    with Library(library_path) as library:
        library.save_many(make_articles(1000))
    create_backup(library_path, "auto")
    damage_index(library_path)
    asked = Dialogs(monkeypatch, True)
    window = open_window(qtbot, library_path)
    assert asked.questions and asked.questions[0][0] == "Library damaged"
    assert window.model.rowCount() == 1000
    assert library_problem(library_path, full=True) is None
