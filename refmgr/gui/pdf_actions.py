"""The window's PDF actions: "Find PDF" asks Unpaywall for an open-access copy off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from refmgr.core.settings import Settings
from refmgr.gui.tasks import Task, TaskContext

if TYPE_CHECKING:
    from refmgr.gui.main_window import MainWindow


def find_pdf_op(article_id: int, settings: Settings) -> Callable[[TaskContext], Any]:
    """Background op: find, download, check and attach an open-access PDF; returns what happened."""

    def op(context: TaskContext) -> Any:
        from refmgr.core.pdf.unpaywall import find_pdf

        return find_pdf(context.library, article_id, settings, cancelled=context.cancelled)

    return op


def start_find_pdf(window: MainWindow, article_id: int) -> Task:
    """Look for an open-access PDF of an article; the status bar says what came of it."""
    window.statusBar().showMessage("Asking Unpaywall for an open-access PDF…")
    window.pane.pdf.find_pdf.setEnabled(False)

    def success(message: Any) -> None:
        window.pane.pdf.find_pdf.setEnabled(True)
        window.model.forget([article_id])
        if window.pane.article_id == article_id:
            window.pane.refresh()
        window.statusBar().showMessage(f"Find PDF: {message or 'cancelled'}.", 15000)

    def failure(message: str, _details: str) -> None:
        window.pane.pdf.find_pdf.setEnabled(True)
        window.statusBar().showMessage(f"No PDF found: {message}", 20000)
        window.task_failed.emit(message)

    return window.runner.run("find-pdf", find_pdf_op(article_id, window.settings), on_success=success,
                             on_failure=failure)  # fmt: skip
