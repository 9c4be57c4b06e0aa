"""Settings, first-run e-mail prompt, export, About, the report dialog, and untrusted HTML in the pane."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QMessageBox

from refmgr.core.export import write_output
from refmgr.core.importer import ImportReport, ItemReport
from refmgr.core.settings import Settings
from refmgr.gui import dialogs
from refmgr.gui.main_window import MainWindow
from refmgr.paths import settings_file
from tests.gui.conftest import open_window


def test_settings_dialog_saves_every_field(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.settings_action.trigger()
    dialog = window.settings_dialog
    assert dialog.isVisible() and dialog.library_path.text() == str(window.library_path)
    dialog.mailto.setText("  oncologist@hospital.example ")
    dialog.crossref_url.setText("http://127.0.0.1:8123")
    dialog.library_path.setText(str(tmp_path / "other.sqlite"))
    dialog.style.setCurrentText("apa")
    assert dialog.enrich.isChecked() and dialog.ncbi_api_key.text() == ""
    dialog.enrich.setChecked(False)
    dialog.ncbi_api_key.setText(" my-own-key ")
    dialog.accept()
    saved = Settings.load(settings_file())
    assert saved.mailto == "oncologist@hospital.example"
    assert saved.crossref_url == "http://127.0.0.1:8123"
    assert saved.library_path == str(tmp_path / "other.sqlite")
    assert saved.citation_style == "apa"
    assert saved.effective_crossref_url() == "http://127.0.0.1:8123"
    assert not saved.enrich and saved.effective_ncbi_api_key() == "my-own-key"


def test_first_run_prompt_asks_once_and_can_be_skipped(qtbot, library_path: Path, monkeypatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask_text", lambda _parent, title, _label, default="": asked.append(title) or "")
    window = open_window(qtbot, library_path)
    window.first_run_prompt()
    assert asked == ["Welcome to refmgr"]
    saved = Settings.load(settings_file())
    assert saved.first_run_done and saved.mailto == ""
    window.first_run_prompt()
    assert asked == ["Welcome to refmgr"]
    window.close()
    again = open_window(qtbot, library_path)
    again.first_run_prompt()
    assert asked == ["Welcome to refmgr"]


def test_first_run_prompt_stores_the_email(qtbot, window: MainWindow, monkeypatch) -> None:
    monkeypatch.setattr(dialogs, "ask_text", lambda *_args, **_kw: " me@clinic.example ")
    window.first_run_prompt()
    assert Settings.load(settings_file()).mailto == "me@clinic.example"


def test_export_runs_in_the_background_and_writes_the_file(qtbot, seeded_window: MainWindow, tmp_path: Path) -> None:
    from refmgr.gui.exporting import ExportDialog, start_export

    ids = seeded_window.model.ids
    dialog = ExportDialog("vancouver", len(ids), seeded_window)
    dialog.format.setCurrentIndex(dialog.format.findData("ris"))
    assert dialog.extension() == "ris" and not dialog.style.isEnabled()
    target = tmp_path / "refs.ris"
    with qtbot.waitSignal(seeded_window.export_finished, timeout=10_000) as finished:
        start_export(seeded_window, dialog, ids, target)
    assert finished.args == [str(target)]
    text = target.read_text(encoding="utf-8")
    assert "DO  - 10.1007/s00270-025-04101-y" in text and text.startswith("TY  - ")
    dialog.format.setCurrentIndex(dialog.format.findData("bibliography"))
    assert dialog.style.isEnabled() and dialog.output.isEnabled()
    write_output("x", tmp_path / "probe.txt")  # the core writer the export uses
    assert (tmp_path / "probe.txt").read_text() == "x"


def test_report_dialog_lists_each_item_and_copies(qtbot, window: MainWindow) -> None:
    report = ImportReport(items=[
        ItemReport("doi:10.1/a", "added", 1), ItemReport("doi:10.1/b", "not_found", None, "Crossref has no such DOI"),
    ], warnings=["text: 1 line skipped"])  # fmt: skip
    window.last_report = report
    window.report_action.trigger()
    dialog = window.report_dialog
    assert dialog.isVisible() and not dialog.isModal()
    assert dialog.statuses() == ["added", "not found", "warning"]
    assert dialog.table.item(1, 2).text() == "Crossref has no such DOI"
    dialog._copy()
    assert QApplication.clipboard().text() == report.render()


def test_about_box_names_the_program(qtbot, window: MainWindow, monkeypatch) -> None:
    shown: list[str] = []
    # the real box would block in a modal loop
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda _parent, _title, text: shown.append(text)))
    window.about_action.trigger()
    assert shown and "refmgr" in shown[0] and "oncology reviews" in shown[0]


def test_untrusted_abstract_cannot_fetch_anything(qtbot, seeded_window: MainWindow) -> None:
    article_id = seeded_window.model.ids[0]
    seeded_window.library.update_fields(
        article_id, abstract_jats='<jats:p>Hi<img src="http://127.0.0.1:9/track.png"/><script>x()</script></jats:p>'
    )
    seeded_window.select_article(article_id)
    seeded_window.pane.refresh()
    abstract = seeded_window.pane.abstract
    assert abstract.toPlainText().strip() == "Hi"
    assert "track.png" not in abstract.toHtml()
    abstract.setHtml('<p>x<img src="http://127.0.0.1:9/pixel.png"></p>')
    abstract.grab()
    assert set(abstract.refused) == {"http://127.0.0.1:9/pixel.png"}


def test_dialog_buttons_relabel_and_wire(qtbot) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    accepted: list[bool] = []
    buttons = dialogs.dialog_buttons(dialog, "Cite", on_accept=lambda: accepted.append(True))
    assert buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "Cite"
    buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert accepted == [True]
    saving = dialogs.dialog_buttons(dialog, save=True)
    assert saving.button(QDialogButtonBox.StandardButton.Ok) is None
    saving.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert dialog.result() == QDialog.DialogCode.Rejected
