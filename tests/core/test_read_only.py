"""A read-only library (mode 444, a read-only disk) opens read-only: checked without being called damaged."""

from __future__ import annotations

from pathlib import Path

from refmgr.cli import main
from refmgr.core.importer import import_files
from refmgr.core.library import Library, LibraryError
from refmgr.core.maintenance import check_library
from tests.gui.conftest import make_articles
from tests.readonly import read_only_file


def make(path: Path) -> Path:
    with Library(path) as library:
        library.save_many(make_articles(10))
    return path


def test_check_does_not_call_a_read_only_library_damaged(library_path: Path, capsys) -> None:
    with read_only_file(make(library_path)):
        report = check_library(library_path)
        assert report.ok and report.read_only and report.articles == 10
        assert main(["--library", str(library_path), "check"]) == 0
        out = capsys.readouterr().out
        assert "damaged" not in out and "read-only" in out and "integrity    ok" in out


def test_a_read_only_library_reads_and_refuses_writes_clearly(library_path: Path, tmp_path: Path, capsys) -> None:
    with read_only_file(make(library_path)):
        before = library_path.read_bytes()
        with Library(library_path) as library:
            assert library.read_only and library.count() == 10 and library.search("ablation")
            try:
                library.save_many(make_articles(1, start=50))
            except LibraryError as error:
                assert "read-only" in str(error)
            else:
                raise AssertionError("a write into a read-only library succeeded")
            source = tmp_path / "one.ris"
            source.write_text("TY  - JOUR\nTI  - New\nPY  - 2020\nER  - \n", encoding="utf-8")
            report = import_files(library, [source])
            assert "read-only" in report.stopped and "nothing was imported" in report.stopped
        assert main(["--library", str(library_path), "lists", "new", "GU club"]) == 2
        assert "read-only" in capsys.readouterr().err
        assert main(["--library", str(library_path), "list"]) == 0
        assert library_path.read_bytes() == before
