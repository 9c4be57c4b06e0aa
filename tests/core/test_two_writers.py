"""Two writers: processes importing into and editing the same (new) library at once all land, none sees "locked"."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench.generate import generate_articles
from refmgr.core.library import Library
from refmgr.core.maintenance import fts_problems, integrity_problems
from refmgr.core.model import to_csl

REPO = Path(__file__).resolve().parents[2]
PER_WRITER = 240
# A writer like the window: waits for the start signal, imports in small batches, edits what it imported.
EDITOR = """
import sys, time
from pathlib import Path
from bench.generate import generate_articles
from refmgr.core.formats import ParsedRecord
from refmgr.core.importer import save_records
from refmgr.core.library import Library

library_path, go, name, seed, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
while not go.exists():
    time.sleep(0.005)
library = Library(library_path)
articles = list(generate_articles(count, seed))
for start in range(0, count, 20):
    records = [ParsedRecord(f"item {i}", a) for i, a in enumerate(articles[start:start + 20], start)]
    report = save_records(library, records, name)
    assert report.ok, report.render()
    for position, article_id in enumerate(report.article_ids, start):
        if position % 2 == 0:
            library.update_fields(article_id, notes=f"{name} note {position}", rating=2)
        if position % 3 == 0:
            library.set_tags(article_id, [name, "shared tag"])
library.close()
print(name, "done")
"""


def child_counts(articles: list) -> dict[str, int]:
    return {
        "authors": sum(len(a.authors) for a in articles),
        "keywords": sum(len(a.keywords) for a in articles),
        "figures": sum(len(a.figures) for a in articles),
        "refs": sum(len(a.references) for a in articles),
    }


def test_two_editors_and_a_command_line_import_write_at_once(library_path: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    cli_articles = list(generate_articles(PER_WRITER, 33))
    cli_file = tmp_path / "cli.json"
    cli_file.write_text(json.dumps([to_csl(a) for a in cli_articles]), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", EDITOR, str(library_path), str(go), name, str(seed), str(PER_WRITER)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name, seed in (("alpha", 31), ("beta", 32))
    ]  # fmt: skip
    time.sleep(0.5)  # both editors are waiting at the start line
    go.touch()
    cli = subprocess.run(
        [sys.executable, "-m", "refmgr", "--library", str(library_path), "import", str(cli_file)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    outputs = [w.communicate(timeout=300) for w in writers]
    for writer, (_, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    assert [out.strip() for out, _ in outputs] == ["alpha done", "beta done"]
    assert cli.returncode == 0, cli.stderr
    assert "locked" not in cli.stderr and cli.stdout.strip().endswith(f"{PER_WRITER} added")

    everything = [*generate_articles(PER_WRITER, 31), *generate_articles(PER_WRITER, 32), *cli_articles]
    conn = sqlite3.connect(library_path)
    assert integrity_problems(conn) == []
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 3 * PER_WRITER
    assert conn.execute("SELECT count(DISTINCT doi) FROM articles").fetchone()[0] == 3 * PER_WRITER
    for table, expected in child_counts(everything).items():
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == expected, table
    edited = PER_WRITER // 2
    for name in ("alpha", "beta"):
        notes = conn.execute("SELECT count(*) FROM articles WHERE notes LIKE ?", (f"{name} note %",)).fetchone()[0]
        assert notes == edited
    assert conn.execute("SELECT count(*) FROM articles WHERE rating = 2").fetchone()[0] == 2 * edited
    tagged = dict(conn.execute(
        "SELECT t.name, count(*) FROM tags t JOIN article_tags at ON at.tag_id = t.id GROUP BY t.name"
    ).fetchall())  # fmt: skip
    assert tagged == {"alpha": PER_WRITER // 3, "beta": PER_WRITER // 3, "shared tag": 2 * PER_WRITER // 3}
    conn.close()
    with Library(library_path) as library:
        assert fts_problems(library) == []
        assert len(library.search("note:alpha")) == edited
