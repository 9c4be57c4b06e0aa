"""The window's import side: drops, paste, "Add by identifier", background imports and their report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QFileDialog

from refmgr.gui import dialogs
from refmgr.gui.imports import (
    ImportRequest,
    identifiers_text,
    import_op,
    pending_count,
    refuse_oversized,
    request_from_mime,
    sync_pending_op,
)

if TYPE_CHECKING:
    from refmgr.gui.main_window import MainWindow

    _Base = MainWindow
else:
    _Base = object


class ImportsMixin(_Base):
    """Everything that brings articles in; every import runs through the task runner."""


    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasText() or event.mimeData().hasUrls():
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        request = request_from_mime(event.mimeData())
        if request:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.start_import(request)
        else:
            event.ignore()

    def import_mime(self, mime: QMimeData) -> bool:
        """Import what a drop or the clipboard carries; False when it holds nothing importable."""
        request = request_from_mime(mime)
        if request:
            self.start_import(request)
        return bool(request)

    def paste(self) -> None:
        """Ctrl+V on the table: import the clipboard."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not self.import_mime(mime):
            self.statusBar().showMessage("The clipboard holds no DOIs, links or records to import.", 5000)

    def add_by_identifier(self) -> None:
        """The "Add by identifier" dialog (non-blocking)."""
        dialog = dialogs.AddByIdentifierDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def done(result: int) -> None:
            if result and dialog.text().strip():
                text = identifiers_text(dialog.text())
                self.start_import(ImportRequest(texts=[text], list_id=self._current_list_id()))

        dialog.finished.connect(done)
        dialog.open()
        self.identifier_dialog = dialog

    def import_files_dialog(self) -> None:
        """Choose files to import."""
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import files", str(Path.home()),
            "References and PDFs (*.txt *.nbib *.ris *.bib *.json *.xml *.pdf);;All files (*)",
        )  # fmt: skip
        if paths:
            self.start_import(ImportRequest(paths=[Path(p) for p in paths], list_id=self._current_list_id()))

    def _current_list_id(self) -> int | None:
        scope = self.sidebar.scope
        return int(scope.value) if scope.kind == "list" and scope.value is not None else None

    def start_import(self, request: ImportRequest) -> None:
        """Queue an import (texts and files over the size limit are refused); imports run one at a time."""
        request = refuse_oversized(request)
        if self.library.read_only and request:
            request.refused.append("the library is read-only, so nothing can be imported into it")
            request.texts, request.paths = [], []
        if request.refused:
            message = "Not imported: " + "; ".join(request.refused) + "."
            self.statusBar().showMessage(message, 30000)
            self.input_refused.emit(message)
            if not request:
                return
        self.import_queue.append(request)
        if not self.import_running:
            self._next_import()

    def _next_import(self) -> None:
        if not self.import_queue:
            self.import_running = False
            return
        request = self.import_queue.pop(0)
        self.import_running = True
        n = len(request.paths) + sum(1 for t in request.texts if t.strip())
        self.statusBar().showMessage(f"Importing {n} input(s)…")
        self.progress.setFormat("%v / %m")  # no stage named yet
        self.current_task = self.runner.run(
            "import", import_op(request, self.settings),
            on_success=self._import_done, on_failure=self._import_failed,
            on_progress=self._progress, on_item=self._item_arrived,
        )  # fmt: skip

    def _item_arrived(self, item: object) -> None:
        """Show a batch's rows as soon as it is saved, then at most every REFRESH_DEBOUNCE_MS while more arrive."""
        if isinstance(item, str):  # the name of the stage now running (e.g. "PubMed and Europe PMC")
            self.progress.setFormat(f"{item}: %v / %m")
            return
        if self.refresh_timer.isActive():
            return
        self.refresh()
        self.refresh_timer.start()

    def _import_done(self, report: Any) -> None:
        self.refresh()
        if report is None:
            self.statusBar().showMessage("Import cancelled.", 8000)
            self.import_finished.emit(None)
            self._next_import()
            return
        self.last_report = report
        counts = report.counts()
        note = ""
        if counts.get("pending"):
            note = (f"Crossref could not be reached: {counts['pending']} item(s) are kept as pending and will be "
                    "fetched when you choose File ▸ Retry pending (F5).")  # fmt: skip
        elif report.cancelled:
            note = "The import was cancelled; the items done so far are kept."
        self.statusBar().showMessage(" ".join(filter(None, [f"Import: {report.summary()}.", note])), 15000)
        self.show_report(note)
        if report.article_ids and not self.table.current_id():
            self.select_article(report.article_ids[-1])
        self.import_finished.emit(report)
        self._next_import()

    def _import_failed(self, message: str, _details: str) -> None:
        self.refresh()
        self.statusBar().showMessage(f"Import failed: {message}", 15000)
        self.task_failed.emit(message)
        self.import_finished.emit(None)
        self._next_import()

    def show_report(self, note: str = "") -> None:
        """Show (or raise) the non-modal report of the last import."""
        if self.last_report is None:
            self.statusBar().showMessage("No import yet in this session.", 4000)
            return
        if self.report_dialog is None:
            self.report_dialog = dialogs.ReportDialog(self)
        self.report_dialog.show_report(self.last_report, note)
        self.report_dialog.show()
        self.report_dialog.raise_()

    def retry_pending(self) -> None:
        """Fetch again the items kept pending while Crossref was unreachable."""
        if not pending_count(self.library):
            self.statusBar().showMessage("Nothing is pending.", 4000)
            return
        self.import_running = True
        self.statusBar().showMessage("Retrying pending items…")
        self.current_task = self.runner.run(
            "sync", sync_pending_op(self.settings),
            on_success=self._import_done, on_failure=self._import_failed,
            on_progress=self._progress, on_item=self._item_arrived,
        )  # fmt: skip

    def _update_pending(self) -> None:
        n = pending_count(self.library)
        self.retry_action.setEnabled(bool(n))
        self.pending_button.setVisible(bool(n))
        self.pending_button.setText(f"{n} pending — retry")
        self.pending_button.setToolTip(
            "Crossref, PubMed or Europe PMC could not be reached for these items; click to try again"
        )

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        stage = self.progress.format().split(":")[0] if ":" in self.progress.format() else ""
        self.progress.setFormat(f"{stage}: {done} / {total}" if stage else f"{done} / {total}")

    def _busy_changed(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)

    def cancel_tasks(self) -> None:
        """Stop the running import or resolution (work already done is kept)."""
        self.import_queue.clear()
        self.runner.cancel_all()
        self.statusBar().showMessage("Cancelling…")

