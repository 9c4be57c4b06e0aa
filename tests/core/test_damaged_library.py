"""A library damaged in the middle of the file: found at start, never written into, the backup named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core import sqlerrors
from refmgr.core.backup import create_backup
from refmgr.core.library import Library
from refmgr.core.maintenance import probe
from tests.gui.conftest import make_articles


def damage_index(path: Path, index: str = "articles_date_added") -> None:
    """Overwrite the root page of one index (the table itself and count(*) still read fine)."""
    conn = sqlite3.connect(path)
    page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    data[(page - 1) * size : page * size] = b"\xa5" * size
    path.write_bytes(bytes(data))


@pytest.fixture
def damaged(library_path: Path) -> Path:
    """A 1,000-article library with a good backup, then damaged in one index page."""
    with Library(library_path) as library:
        library.save_many(make_articles(1000))
        assert library.count() == 1000
    create_backup(library_path, "auto")
    damage_index(library_path)
    with Library(library_path) as library:
        assert library.count() == 1000  # what the old start-up check trusted
    return library_path


def test_probe_finds_damage_that_count_misses(damaged: Path) -> None:
    conn = sqlite3.connect(damaged)
    try:
        assert probe(conn)
    finally:
        conn.close()


def test_probe_passes_a_sound_library(library: Library) -> None:
    library.save_many(make_articles(50))
    assert probe(library.conn) == []


def test_list_on_a_damaged_library_names_the_backup(damaged: Path, capsys) -> None:
    assert main(["--library", str(damaged), "list"]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and "refmgr restore" in err and "Traceback" not in err


def test_import_never_writes_into_a_damaged_library(damaged: Path, tmp_path: Path, capsys) -> None:
    before = damaged.read_bytes()
    source = tmp_path / "one.ris"
    source.write_text("TY  - JOUR\nTI  - A new article\nPY  - 2020\nER  - \n", encoding="utf-8")
    assert main(["--library", str(damaged), "import", str(source)]) == 2
    assert "damaged" in capsys.readouterr().err
    assert damaged.read_bytes() == before


def test_damage_met_midway_is_a_clear_message(library_path: Path, monkeypatch, capsys) -> None:
    with Library(library_path) as library:
        library.save_many(make_articles(5))

    def broken(*_args: object, **_kwargs: object) -> list[int]:
        error = sqlite3.DatabaseError("database disk image is malformed")
        error.sqlite_errorcode = sqlite3.SQLITE_CORRUPT  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(Library, "query_ids", broken)
    assert main(["--library", str(library_path), "list"]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and "Traceback" not in err


def test_error_kinds_come_from_the_result_code() -> None:
    conn = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.Error) as caught:
        conn.execute("SELECT * FROM nowhere")
    assert sqlerrors.error_kind(caught.value) == sqlerrors.OTHER
    assert not sqlerrors.is_damage(caught.value)
