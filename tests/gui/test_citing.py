"""Citing from the window: copy citation (HTML + text), in-text, cite keys, style picker preview, manuscripts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from refmgr.core.export import journals
from refmgr.core.model import Article
from refmgr.core.settings import Settings
from refmgr.gui import dialogs
from refmgr.gui.cite_dialogs import JournalAbbreviationsDialog
from refmgr.gui.exporting import export_dialog
from refmgr.gui.main_window import MainWindow

SEED_DOI = "10.1007/s00270-025-04101-y"


def _select_seed(window: MainWindow) -> int:
    article_id = window.library.find(SEED_DOI)
    assert article_id is not None and window.select_article(article_id)
    return article_id


def test_copy_citation_puts_html_and_text_on_the_clipboard(qtbot, seeded_window: MainWindow) -> None:
    _select_seed(seeded_window)
    QGuiApplication.clipboard().clear()
    assert seeded_window.citing.copy_action.shortcut().toString() == "Ctrl+Shift+C"
    seeded_window.citing.copy_action.trigger()
    def has_html() -> bool:
        data = QGuiApplication.clipboard().mimeData()
        return data is not None and data.hasHtml()

    qtbot.waitUntil(has_html, timeout=10000)
    data = QGuiApplication.clipboard().mimeData()
    assert data.text().startswith("1. Fung KFK, et al. Beyond the Scalpel")
    assert data.text().endswith("Cardiovasc Intervent Radiol. 2025 Aug;48(8):1104-12.")
    assert '<li class="csl-entry">Fung KFK, et al.' in data.html()
    assert seeded_window.citing.copy_in_text_action.shortcut().toString() == "Ctrl+Shift+A"
    seeded_window.citing.copy_in_text_action.trigger()
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "(1)", timeout=10000)


def test_the_pane_shows_the_cite_key_and_copies_it(qtbot, seeded_window: MainWindow,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from refmgr.core.export.citekeys import stored_key

    article_id = _select_seed(seeded_window)
    assert seeded_window.pane.authors.text() == "Fung KFK, et al."  # the page showed only the first author
    label = seeded_window.pane.cite_key
    assert "fung2025beyond" in label.text() and stored_key(seeded_window.library, article_id) == ""  # shown only
    label.linkActivated.emit("copy:fung2025beyond")
    assert QGuiApplication.clipboard().text() == "[@fung2025beyond]"
    qtbot.waitUntil(lambda: stored_key(seeded_window.library, article_id) == "fung2025beyond", timeout=10000)
    monkeypatch.setattr(dialogs, "ask_text", lambda *args: "fung2025ablation")
    label.linkActivated.emit("edit:")
    qtbot.waitUntil(lambda: "fung2025ablation" in label.text(), timeout=10000)
    assert stored_key(seeded_window.library, article_id) == "fung2025ablation"


def test_export_dialog_searches_every_style_with_a_live_preview(qtbot, seeded_window: MainWindow) -> None:
    article_id = _select_seed(seeded_window)
    dialog = export_dialog(seeded_window, [article_id])
    picker = dialog.style
    dialog.format.setCurrentIndex(dialog.format.findData("bibliography"))
    picker.search.setText("european urology")
    assert picker.currentText() == "european-urology"
    expected = "Cardiovasc Intervent Radiol 2025;48:1104–12."
    qtbot.waitUntil(lambda: expected in picker.preview_view.toPlainText(), timeout=15000)
    picker.search.setText("agora")
    qtbot.waitUntil(lambda: "citeproc-py cannot format" in picker.preview_view.toPlainText(), timeout=15000)
    dialog.reject()


def test_cite_a_manuscript_from_the_window(qtbot, seeded_window: MainWindow, tmp_path: Path) -> None:
    source = tmp_path / "draft.md"
    source.write_text(f"Ablation works {{doi:{SEED_DOI}}} [@nobody].\n", encoding="utf-8")
    seeded_window.citing.cite_manuscript()
    dialog = seeded_window.citing.manuscript_dialog
    dialog.source.setText(str(source))
    assert dialog.target.text() == str(tmp_path / "draft-cited.md")
    dialog.style.search.setText("the lancet")
    assert dialog.style.currentText() == "the-lancet"
    dialog.accept()
    qtbot.waitUntil(lambda: (tmp_path / "draft-cited.md").exists(), timeout=15000)
    text = (tmp_path / "draft-cited.md").read_text(encoding="utf-8")
    assert text.startswith("Ablation works ^1^[@nobody].")
    assert "*Cardiovasc Intervent Radiol* 2025; **48**: 1104–12." in text
    qtbot.waitUntil(lambda: "1 unknown marker(s) left visible" in seeded_window.statusBar().currentMessage())
    assert Settings.load(seeded_window.settings_path).recent_styles[0] == "the-lancet"


def test_journal_abbreviation_overrides_are_edited_and_used(qtbot, seeded_window: MainWindow) -> None:
    dialog = JournalAbbreviationsDialog({})
    qtbot.addWidget(dialog)
    dialog._add_row("CardioVascular and Interventional Radiology", "CVIR")
    dialog.lookup.setText("European Urology")
    assert dialog.found.text() == "→ Eur Urol  (list)"
    assert dialog.overrides() == {"CardioVascular and Interventional Radiology": "CVIR"}
    seeded_window.citing.edit_abbreviations()
    window_dialog = seeded_window.citing.abbreviations_dialog
    window_dialog._add_row("Cardiovasc Intervent Radiol", "CVIR")  # as the seed page names its journal
    window_dialog.accept()
    try:
        saved = Settings.load(seeded_window.settings_path).journal_abbreviations
        assert saved == {"Cardiovasc Intervent Radiol": "CVIR"}
        seed = seeded_window.library.get(seeded_window.library.find(SEED_DOI))
        assert journals.resolve(seed).text == "CVIR"
        assert journals.resolve(Article(journal="Radiology")).text == "Radiology"
    finally:
        journals.set_overrides({})


def test_a_reading_list_keeps_its_own_style(qtbot, seeded_window: MainWindow) -> None:
    from refmgr.core import lists
    from refmgr.core.export.style_prefs import list_style

    article_id = seeded_window.library.find(SEED_DOI)
    list_id = lists.create_list(seeded_window.library, "Club")
    lists.add_to_list(seeded_window.library, list_id, [article_id])
    seeded_window._list_action("style", list_id)
    dialog = seeded_window.citing.list_style_dialog
    dialog.picker.search.setText("journal of clinical oncology")
    dialog.accept()
    qtbot.waitUntil(lambda: list_style(seeded_window.library, list_id) == "journal-of-clinical-oncology", timeout=10000)
    seeded_window._list_action("export", list_id)
    assert seeded_window.export_dialog.style.currentText() == "journal-of-clinical-oncology"
    seeded_window.export_dialog.reject()
