"""The References tab explains a match on demand: parsed fields and each candidate's verdict."""

from __future__ import annotations

from typing import Any

import pytest

from refmgr.core.crossref.client import CrossrefClient
from refmgr.core.crossref.resolve import resolve_references
from refmgr.core.library import Library
from refmgr.core.model import Article, Author, Reference
from refmgr.gui import dialogs
from refmgr.gui.article_pane import ReferencesTab
from tests.crossref_server import CrossrefServer, seed_reference_texts


def test_explain_shows_parsed_fields_and_candidates(
    qtbot, library: Library, crossref_server: CrossrefServer, crossref_client: CrossrefClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    article = Article(title="Beyond the Scalpel", year=2025, authors=[Author("Fung", "K")],
                      references=[Reference(text=t) for t in seed_reference_texts()])  # fmt: skip
    article_id = library.save(article).article_id
    resolve_references(library, article_id, crossref_client, positions=[0])
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(dialogs, "show_text", lambda _parent, title, text: shown.append((title, text)))
    tab = ReferencesTab()
    qtbot.addWidget(tab)
    tab.set_references(library.references(article_id))
    tab.explain(0)
    [(title, text)] = shown
    assert title == "Reference 1: how it was matched"
    lines: list[Any] = text.splitlines()
    assert lines[1] == "status: resolved 1.00, doi:10.1016/j.eururo.2022.03.006"
    assert lines[2].startswith("parsed: first_author=Ljungberg") and "volume=82" in lines[2]
    assert any(line.strip().startswith("accepted: confidence 1.00") for line in lines)
    assert any("refused: year 2022 vs [2019]" in line for line in lines)
    tab.explain(1)
    assert "nothing to explain (resolve it first)" in shown[1][1]
