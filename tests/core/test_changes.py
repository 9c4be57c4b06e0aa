"""The change log: every write returns or reveals what it changed, across connections and processes."""

from __future__ import annotations

from refmgr.core import lists
from refmgr.core.changes import Changes, fold
from refmgr.core.library import Library
from refmgr.core.model import Article, Author, Figure


def _article(i: int) -> Article:
    return Article(title=f"Cryoablation of renal tumours {i}", doi=f"10.5555/chg.{i}", year=2020,
                   authors=[Author(family=f"Okafor{i}", given="A")])  # fmt: skip


def test_writes_return_their_changes(library: Library) -> None:
    first = library.save(_article(1), source="test").article_id
    changes = library.update_fields(first, rating=3)
    assert changes.updated == {first} and not changes.added and not changes.deleted
    assert library.set_tags(first, ["rcc"]).tagged == {first}
    assert library.set_figures(first, [Figure("Fig. 1", "Ice ball")]).updated == {first}


def test_changes_since_sees_another_connection(library: Library, library_path) -> None:
    seq = library.change_seq()
    version = library.data_version()
    with Library(library_path) as other:
        a = other.save(_article(1), source="test").article_id
        b = other.save(_article(2), source="test").article_id
        other.update_fields(a, notes="typed elsewhere")
        other.delete([b])
        list_id = lists.create_list(other, "Journal club")
        lists.add_to_list(other, list_id, [a])
    assert library.data_version() != version
    changes, newest = library.changes_since(seq)
    assert changes.added == {a}  # b was added and deleted again: never seen, nothing to show or remove
    assert not changes.deleted and not changes.updated
    assert changes.lists == {list_id}
    assert newest == library.change_seq()
    assert library.changes_since(newest) == (Changes(), newest)


def test_update_of_a_deleted_article_says_so(library: Library) -> None:
    import pytest

    from refmgr.core.editing import ArticleGoneError

    article_id = library.save(_article(1), source="test").article_id
    library.delete([article_id])
    with pytest.raises(ArticleGoneError, match="deleted elsewhere"):
        library.update_fields(article_id, notes="my note")


def test_fold_keeps_the_last_word() -> None:
    changes = fold([("article+", 1), ("article~", 1), ("article~", 2), ("article-", 2), ("article-", 3),
                    ("article+", 3), ("pending", None)])  # fmt: skip
    assert changes.added == {1} and changes.deleted == {2} and changes.updated == {3} and changes.pending


def test_a_reader_too_far_behind_is_told_to_reset(library: Library) -> None:
    library.save(_article(1), source="test")
    newest = library.change_seq()
    library.conn.execute("DELETE FROM change_log")  # as if pruned, or the file replaced by a restore
    changes, _ = library.changes_since(newest + 5)
    assert changes.reset


def test_the_library_by_its_parts(library: Library) -> None:
    article_id = library.articles.save(_article(1), source="test").article_id
    assert library.articles.count() == 1 and library.articles.find("10.5555/chg.1") == article_id
    assert library.articles.update(article_id, rating=2).updated == {article_id}
    list_id = library.lists.create("Journal club")
    assert library.lists.add(list_id, [article_id]) == 1
    assert [item.article_id for item in library.lists.items(list_id)] == [article_id]
    assert library.tags.set(article_id, ["rcc"]).tagged == {article_id} and library.tags.all() == [("rcc", 1)]
    library.settings.set("citation_style", "ama")
    assert library.settings.get("citation_style") == "ama"
    assert library.pending.count() == 0 and library.pending.dois() == []
    library.cache.store({"10.5555/chg.1": {"DOI": "10.5555/chg.1"}})
    assert library.cache.get(["10.5555/chg.1"]) == {"10.5555/chg.1": {"DOI": "10.5555/chg.1"}}
    assert library.articles.delete([article_id]).deleted == {article_id}


def test_imports_and_list_edits_report_their_changes(library: Library, seed_page) -> None:
    from refmgr.core.intake import import_inputs

    report = import_inputs(library, paths=(seed_page,), client=None)
    assert report.changes.added == set(report.article_ids) and len(report.article_ids) == 1
    second = library.save(_article(2), source="test").article_id
    list_id = lists.create_list(library, "Club")
    lists.add_to_list(library, list_id, [report.article_ids[0], second])
    assert lists.move_item(library, list_id, second, 0).lists == {list_id}
    assert lists.move_items(library, list_id, [second], None).lists == {list_id}
    assert [item.article_id for item in lists.list_items(library, list_id)] == [report.article_ids[0], second]
    assert lists.rename_list(library, list_id, "GU club").lists == {list_id}
    assert lists.delete_list(library, list_id).lists == {list_id}


def test_a_library_without_the_log_asks_for_a_full_reload(library: Library) -> None:
    library.conn.execute("DROP TABLE change_log")  # as a library opened read-only at an older schema
    assert library.change_seq() == 0
    assert library.changes_since(0)[0].reset


def test_opening_a_library_never_opens_and_closes_the_database_file(library_path, monkeypatch) -> None:
    """Closing any descriptor of the file drops this process's SQLite locks (another process then corrupted it)."""
    import builtins

    from refmgr.core.db import is_writable

    Library(library_path).close()
    opened: list[object] = []
    real_open = builtins.open

    def watching(file, *args, **kwargs):
        opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching)
    assert is_writable(library_path)
    with Library(library_path) as library:
        assert library.count() == 0
    assert str(library_path) not in [str(f) for f in opened]
