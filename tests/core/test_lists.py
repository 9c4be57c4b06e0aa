"""Reading lists: the core functions and the `lists` and `export` subcommands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from refmgr.cli import main
from refmgr.core import lists
from refmgr.core.importer import import_file

DATA = Path(__file__).parent.parent / "data" / "formats"


@pytest.fixture
def filled(library):
    """The library with the six RCC references (ids 1-6)."""
    assert import_file(library, DATA / "rcc-references.ris").counts() == {"added": 6}
    return library


def test_create_rename_delete(filled) -> None:
    club = lists.create_list(filled, " Journal club ")
    with pytest.raises(lists.ReadingListError, match="already exists"):
        lists.create_list(filled, "journal CLUB")
    with pytest.raises(lists.ReadingListError, match="needs a name"):
        lists.create_list(filled, "  ")
    other = lists.create_list(filled, "Thesis")
    with pytest.raises(lists.ReadingListError, match="'thesis' already exists"):
        lists.rename_list(filled, club, "thesis")
    lists.rename_list(filled, club, "RCC club")
    assert [(rl.name, rl.count) for rl in lists.all_lists(filled)] == [("RCC club", 0), ("Thesis", 0)]
    lists.delete_list(filled, other)
    assert lists.find_list(filled, "thesis") is None
    assert lists.require_list(filled, "rcc CLUB") == club


def test_items_order_notes_and_membership(filled) -> None:
    club = lists.create_list(filled, "Club")
    thesis = lists.create_list(filled, "Thesis")
    assert lists.add_to_list(filled, club, [3, 1, 5]) == 3
    assert lists.add_to_list(filled, club, [1, 6]) == 1  # 1 keeps its place
    lists.add_to_list(filled, thesis, [1])
    lists.set_item_note(filled, club, 1, "Guideline: read section 3.4")
    lists.move_item(filled, club, 6, 0)
    assert [(i.article_id, i.note) for i in lists.list_items(filled, club)] == [
        (6, ""), (3, ""), (1, "Guideline: read section 3.4"), (5, ""),
    ]  # fmt: skip
    assert lists.remove_from_list(filled, club, [3, 2]) == 1
    articles, notes = lists.list_articles(filled, club)
    assert [a.id for a in articles] == [6, 1, 5]
    assert notes == {1: "Guideline: read section 3.4"}
    assert lists.lists_of(filled, 1) == ["Club", "Thesis"]
    filled.delete([5])
    assert [i.article_id for i in lists.list_items(filled, club)] == [6, 1]


def test_export_list_in_list_order_with_notes(filled) -> None:
    club = lists.create_list(filled, "GU oncology club")
    lists.add_to_list(filled, club, [5, 1])
    lists.set_item_note(filled, club, 1, "Compare with CheckMate 214")
    bibliography = lists.export_list(filled, club, "bibliography", "vancouver")
    assert bibliography.splitlines()[0].startswith("1. Medical Research Council Renal Cancer Collaborators.")
    assert bibliography.splitlines()[1].startswith("2. Ljungberg B, Albiges L")
    page = lists.export_list(filled, club, "handout-html")
    assert "<h1>GU oncology club</h1>" in page and "<p>Compare with CheckMate 214</p>" in page


def run(capsys, library_path: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--library", str(library_path), *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_lists_commands(filled, library_path: Path, capsys) -> None:
    created = run(capsys, library_path, "lists", "new", "Journal club")
    assert created == (0, "created reading list 'Journal club'\n", "")
    code, out, err = run(capsys, library_path, "lists", "add", "Journal club", "10.1056/NEJMoa1712126", "1", "1",
                         "10.9999/missing")
    assert code == 1
    assert out == ("added        10.1056/NEJMoa1712126 (#6)\nadded        1 (#1)\nduplicate    1 (#1)\n")
    assert err == f"not_found    10.9999/missing: no such article in {library_path}\n"
    assert run(capsys, library_path, "lists", "note", "Journal club", "6", "Presenter: Dr Okafor")[0] == 0
    code, out, _ = run(capsys, library_path, "lists", "show", "journal club")
    assert out.splitlines()[0] == "Journal club (2 articles)"
    assert out.splitlines()[1].startswith("  1. #6     2018  Motzer                Nivolumab plus Ipilimumab")
    assert out.splitlines()[2] == "       note: Presenter: Dr Okafor"
    code, out, _ = run(capsys, library_path, "lists", "show", "Journal club", "--json")
    shown = json.loads(out)
    assert (shown["name"], shown["count"]) == ("Journal club", 2)
    assert [(i["DOI"], i["list-note"]) for i in shown["items"]] == [
        ("10.1056/nejmoa1712126", "Presenter: Dr Okafor"), ("10.1016/j.eururo.2022.03.006", ""),
    ]  # fmt: skip
    removed = run(capsys, library_path, "lists", "remove", "Journal club", "6")
    assert removed == (0, "removed 1 article(s) from 'Journal club'\n", "")
    assert run(capsys, library_path, "lists", "rename", "Journal club", "Club")[0] == 0
    code, out, _ = run(capsys, library_path, "lists")
    assert out == "    1  Club\n"
    assert run(capsys, library_path, "lists", "delete", "Club") == (0, "deleted reading list 'Club'\n", "")
    code, _, err = run(capsys, library_path, "lists", "show", "Club")
    assert (code, err) == (2, "refmgr: no reading list called 'Club'\n")
    code, _, err = run(capsys, library_path, "lists", "new", "X")
    code, _, err = run(capsys, library_path, "lists", "note", "X", "2", "note")
    assert (code, err) == (2, "refmgr: '2' is not on the list 'X'\n")


def test_export_command(filled, library_path: Path, capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, library_path, "export", "1", "35346519", "--format", "ris")
    assert code == 0 and out.count("TY  - JOUR") == 2 and err == ""
    code, out, _ = run(capsys, library_path, "export", "--all", "--format", "csl-json")
    assert len(json.loads(out)) == 6
    code, out, err = run(capsys, library_path, "export", "1", "10.9999/none", "--format", "bibliography",
                         "--style", "ama")
    assert code == 1
    assert out.startswith("1. Ljungberg B, Albiges L, Abu-Ghanem Y, et al. European Association of Urology")
    assert "not_found    10.9999/none" in err
    run(capsys, library_path, "lists", "new", "Club")
    run(capsys, library_path, "lists", "add", "Club", "3", "4")
    target = tmp_path / "club.md"
    code, out, err = run(capsys, library_path, "export", "--list", "Club", "--format", "handout-md", "-o", str(target))
    assert (code, out, err) == (0, "", f"exported 2 article(s) to {target}\n")
    assert target.read_text(encoding="utf-8").startswith("# Club\n")
    code, out, _ = run(capsys, library_path, "export", "--list", "Club", "--format", "bibliography",
                       "--output-format", "html")
    assert out.startswith('<ol class="bibliography vancouver">\n  <li class="csl-entry">Tran J, Ornstein MC.')


def test_export_to_unwritable_path_fails_cleanly(filled, library_path: Path, capsys, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "refs.bib"
    code, out, err = run(capsys, library_path, "export", "--all", "--format", "bibtex", "-o", str(target))
    assert (code, out) == (2, "")
    assert err == f"refmgr: cannot write {target}: No such file or directory\n"
    assert not target.parent.exists()
    if os.geteuid() == 0:  # root can write into a read-only folder; the rest needs an ordinary user
        return
    folder = tmp_path / "readonly"
    folder.mkdir()
    existing = folder / "keep.bib"
    existing.write_text("% my file\n", encoding="utf-8")
    folder.chmod(0o500)
    try:
        code, _, err = run(capsys, library_path, "export", "--all", "--format", "bibtex", "-o", str(existing))
    finally:
        folder.chmod(0o700)
    assert (code, err) == (2, f"refmgr: cannot write {existing}: Permission denied\n")
    assert existing.read_text(encoding="utf-8") == "% my file\n"
    assert [p.name for p in folder.iterdir()] == ["keep.bib"]


def test_export_needs_one_selection(filled, library_path: Path, capsys) -> None:
    code, _, err = run(capsys, library_path, "export", "--format", "ris")
    expected = "refmgr: export needs exactly one of --list NAME, --saved NAME, --all, or article ids/DOIs\n"
    assert (code, err) == (2, expected)
    code, _, err = run(capsys, library_path, "export", "--all", "1", "--format", "ris")
    assert code == 2


def test_seed_page_handout_with_its_references_on_the_list(filled, seed_page: Path) -> None:
    seed_id = import_file(filled, seed_page).article_ids[0]
    club = lists.create_list(filled, "Ablation journal club")
    lists.add_to_list(filled, club, [seed_id, 1, 2, 3, 4, 5])
    lists.set_item_note(filled, club, seed_id, "Main paper: bring questions on cryoablation margins")
    text = lists.export_list(filled, club, "handout-md")
    lines = text.splitlines()
    assert lines[0] == "# Ablation journal club"
    assert lines[4].startswith("## 1. Fung KFK, et al. Beyond the Scalpel: the Role of Image-Guided Thermal Ablation "
                               "in Management of Metastatic Renal Cell Carcinoma in the Era of Immunotherapy.")
    assert lines[6] == "> Main paper: bring questions on cryoablation margins"
    assert [line[:9] for line in lines if line.startswith("- **Fig.")] == ["- **Fig. "] * 3
    assert [line.split(". ")[0] for line in lines if line.startswith("## ")] == [
        "## 1", "## 2", "## 3", "## 4", "## 5", "## 6",
    ]  # fmt: skip
    bibliography = lists.export_list(filled, club, "bibliography", "vancouver").splitlines()
    assert bibliography[1] == (
        "2. Ljungberg B, Albiges L, Abu-Ghanem Y, Bedke J, Capitanio U, Dabestani S, et al. European Association of "
        "Urology Guidelines on Renal Cell Carcinoma: The 2022 Update. Eur Urol. 2022 Oct;82(4):399-410."
    )
    assert bibliography[5] == (
        "6. Medical Research Council Renal Cancer Collaborators. Interferon-α and survival in metastatic renal "
        "carcinoma: early results of a randomised controlled trial. Lancet. 1999 Jan 2;353(9146):14-7."
    )
