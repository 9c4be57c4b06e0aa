"""Terminal output without escape sequences or bidi controls; owner-only files for everything refmgr writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core.backup import create_backup
from refmgr.core.export import write_output
from refmgr.core.export.citecache import EntryCache
from refmgr.core.library import Library
from refmgr.core.model import Article, Author
from refmgr.paths import backups_dir

HOSTILE_TITLE = "Renal \x1b]0;pwned\x07ablation \x1b[2J\x9b31m in \u202eevil\u202c trials"


def test_titles_reach_the_terminal_without_control_or_bidi_characters(library_path: Path, capsys) -> None:
    with Library(library_path) as library:
        article_id = library.save(Article(title=HOSTILE_TITLE, doi="10.5555/x", authors=[Author("Ng", "A")])).article_id
    for command in (["list"], ["show", str(article_id)], ["search", "ablation"]):
        assert main(["--library", str(library_path), *command]) == 0
        out, err = capsys.readouterr()
        for unsafe in ("\x1b", "\x07", "\x9b", "\u202e", "\u202c"):
            assert unsafe not in out + err, (command, unsafe)
        assert "ablation" in out
    assert main(["--library", str(library_path), "show", str(article_id), "--json"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert json.loads(out)["title"] == HOSTILE_TITLE  # JSON keeps the data, escaped


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_library_backups_caches_and_exports_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        library_path = tmp_path / "new" / "library.sqlite"
        with Library(library_path) as library:
            library.save(Article(title="A note with a patient's name", doi="10.5555/y"))
            for sidecar in ("-wal", "-shm"):  # SQLite gives them the library's mode
                assert stat.S_IMODE(Path(f"{library_path}{sidecar}").stat().st_mode) == 0o600
        backup = create_backup(library_path, "manual")
        export = tmp_path / "out.ris"
        write_output("TY  - JOUR\nER  - \n", export)
        cache = EntryCache(tmp_path / "cache" / "citations.sqlite")
        cache.put_many({"k": "v"})
        files = [library_path, backup, export, tmp_path / "cache" / "citations.sqlite"]
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        for folder in (library_path.parent, backups_dir(library_path), tmp_path / "cache"):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    finally:
        os.umask(old)
