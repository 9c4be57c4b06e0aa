"""Quietly pre-format bibliography entries in the background, so exports are ready before they are asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from refmgr.core.export.preformat import preformat, reading_list_ids
from refmgr.gui.tasks import Task, TaskContext

if TYPE_CHECKING:
    from refmgr.gui.main_window import MainWindow

START_UP_LIMIT = 2_000  # entries made at most by the start-up pass over the reading lists


def preformat_op(article_ids: list[int] | None, style: str, limit: int | None = None) -> Callable[[TaskContext], int]:
    """Background op: pre-format these articles (None: those on reading lists) in STYLE; returns entries made."""

    def op(context: TaskContext) -> int:
        targets = reading_list_ids(context.library) if article_ids is None else article_ids
        return preformat(context.library, targets, styles=(style,), cancel=context.cancelled, limit=limit)

    return op


class BackgroundPreformat(QObject):
    """One pre-formatting task at a time on the window's task runner; requests made meanwhile are queued."""

    finished = Signal(int)  # entries made by one pass (-1 when it failed)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.waiting: dict[int, None] = {}
        self.start_up_waiting = False
        self.stopped = False
        self.task: Task | None = None

    def start_up(self) -> None:
        """Pre-format the uncached articles of the user's reading lists (bounded)."""
        self.start_up_waiting = True
        self._next()

    def articles_changed(self, article_ids: Iterable[int]) -> None:
        """Pre-format these (imported or changed) articles."""
        self.waiting.update(dict.fromkeys(article_ids))
        self._next()

    def after_import(self, report: Any) -> None:
        """Slot for the window's import_finished signal (the report, or None when the import failed)."""
        if report is not None and report.article_ids:
            self.articles_changed(report.article_ids)

    def stop(self) -> None:
        """Cancel the running pass and start no more (the window is closing or the library is replaced)."""
        self.stopped = True
        self.waiting.clear()
        if self.task is not None:
            self.task.cancel()

    def _next(self) -> None:
        if self.stopped or (self.task is not None and not self.task.done):
            return
        style = self.window.settings.citation_style
        if self.waiting:
            ids, self.waiting = list(self.waiting), {}
            op = preformat_op(ids, style)
        elif self.start_up_waiting:
            self.start_up_waiting = False
            op = preformat_op(None, style, START_UP_LIMIT)
        else:
            self.task = None
            return
        self.task = self.window.runner.run("preformat", op, on_success=self._done, on_failure=self._failed,
                                           background=True)  # fmt: skip

    def _done(self, made: int | None) -> None:
        self.task = None
        self.finished.emit(made or 0)
        self._next()

    def _failed(self, message: str, _details: str) -> None:
        self.task = None
        self.window.statusBar().showMessage(
            f"Bibliography entries could not be prepared in advance ({message}); exports still work, only slower.",
            15000,
        )
        self.finished.emit(-1)
        self._next()
