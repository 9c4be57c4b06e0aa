"""The one background-task helper: work runs on a pool thread, callbacks run on the GUI thread."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

from refmgr.core.library import Library


class Cancelled(Exception):
    """Raised inside an operation that noticed its cancel flag."""


@dataclass
class TaskContext:
    """What an operation receives on its worker thread: its own library and ways to report."""

    _library: Library | None
    cancel_event: threading.Event
    _progress: Callable[[int, int], None]
    _item: Callable[[object], None]
    _sync: Callable[[object], None] | None = None

    @property
    def library(self) -> Library:
        """The task's own connection (absent for tasks started with with_library=False)."""
        if self._library is None:
            raise RuntimeError("this task runs without a library connection")
        return self._library

    def cancelled(self) -> bool:
        """True once the user asked to stop."""
        return self.cancel_event.is_set()

    def progress(self, done: int, total: int) -> None:
        """Report progress (delivered to the GUI thread)."""
        self._progress(done, total)

    def item(self, payload: object) -> None:
        """Report one finished item (delivered to the GUI thread)."""
        self._item(payload)

    def wait_for_gui(self, timeout: float = 1.0) -> None:
        """Wait (at most timeout seconds) until the GUI thread has handled everything reported so far.

        Imports call this after each saved batch, so its rows are on screen before the next batch is asked for
        and the window never falls behind the worker.
        """
        if self._sync is None or self.cancelled():
            return
        handled = threading.Event()
        self._sync(handled)
        handled.wait(timeout)


class _Relay(QObject):
    """Lives on the GUI thread; worker-thread emits arrive here queued and call the callbacks."""

    succeeded = Signal(object)
    failed = Signal(str, str)
    progressed = Signal(int, int)
    itemed = Signal(object)
    synced = Signal(object)  # a threading.Event, set once every earlier report has been handled

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.callbacks: dict[str, list[Callable[..., None]]] = {}
        self.succeeded.connect(self._on_succeeded)
        self.failed.connect(self._on_failed)
        self.progressed.connect(self._on_progressed)
        self.itemed.connect(self._on_item)
        self.synced.connect(self._on_synced)

    def add(self, name: str, callback: Callable[..., None] | None) -> None:
        """Call callback(*args) on the GUI thread when the worker reports NAME."""
        if callback is not None:
            self.callbacks.setdefault(name, []).append(callback)

    def _call(self, name: str, *args: object) -> None:
        for callback in self.callbacks.get(name, []):
            callback(*args)

    @Slot(object)
    def _on_succeeded(self, result: object) -> None:
        self._call("finished")
        self._call("success", result)

    @Slot(str, str)
    def _on_failed(self, message: str, details: str) -> None:
        self._call("finished")
        self._call("failure", message, details)

    @Slot(int, int)
    def _on_progressed(self, done: int, total: int) -> None:
        self._call("progress", done, total)

    @Slot(object)
    def _on_item(self, payload: object) -> None:
        self._call("item", payload)

    @Slot(object)
    def _on_synced(self, handled: object) -> None:
        if isinstance(handled, threading.Event):
            handled.set()


@dataclass
class Task:
    """A running operation: cancel it, or wait for its finished signal."""

    label: str
    relay: _Relay
    cancel_event: threading.Event = field(default_factory=threading.Event)
    done: bool = False

    def cancel(self) -> None:
        """Ask the operation to stop at its next check."""
        self.cancel_event.set()


class _Runner(QRunnable):
    def __init__(self, library_path: Path | None, op: Callable[[TaskContext], Any], task: Task,
                 low_priority: bool = False) -> None:
        super().__init__()
        self.library_path = library_path
        self.op = op
        self.task = task
        self.low_priority = low_priority
        self.setAutoDelete(True)

    def _call(self, library: Library | None) -> Any:
        relay = self.task.relay
        return self.op(TaskContext(library, self.task.cancel_event, relay.progressed.emit, relay.itemed.emit,
                                   relay.synced.emit))  # fmt: skip

    def run(self) -> None:
        relay = self.task.relay
        thread = QThread.currentThread()
        thread.setPriority(QThread.Priority.LowPriority if self.low_priority else QThread.Priority.NormalPriority)
        try:
            if self.library_path is None:
                result = self._call(None)
            else:
                with Library(self.library_path) as library:
                    result = self._call(library)
            relay.succeeded.emit(result)
        except Cancelled:
            relay.succeeded.emit(None)
        except Exception as error:  # reported to the GUI, never raised on a pool thread
            relay.failed.emit(str(error) or type(error).__name__, traceback.format_exc())


class TaskRunner(QObject):
    """Starts operations on a thread pool; each gets its own Library connection."""

    busy_changed = Signal(bool)

    def __init__(self, library_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library_path = Path(library_path)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.active: list[Task] = []
        self.background: list[Task] = []  # quiet low-priority work (pre-formatting): no busy signal

    def run(
        self,
        label: str,
        op: Callable[[TaskContext], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[str, str], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        on_item: Callable[[object], None] | None = None,
        with_library: bool = True,
        background: bool = False,
    ) -> Task:
        """Run op(context) in the background; callbacks are called on the GUI thread.

        with_library=False runs op without opening the library (backups, restores and checks that must
        not hold a connection to the file they copy or replace). background=True is for quiet housekeeping:
        queued behind other tasks on a low-priority thread, kept out of `active` and of busy_changed.
        """
        relay = _Relay(self)
        task = Task(label, relay)
        relay.add("success", on_success)
        relay.add("failure", on_failure)
        relay.add("progress", on_progress)
        relay.add("item", on_item)
        relay.add("finished", lambda: self._finish(task))
        runnable = _Runner(self.library_path if with_library else None, op, task, low_priority=background)
        if background:
            self.background.append(task)
            self.pool.start(runnable, -1)
            return task
        self.active.append(task)
        if len(self.active) == 1:
            self.busy_changed.emit(True)
        self.pool.start(runnable)
        return task

    def _finish(self, task: Task) -> None:
        task.done = True
        task.relay.deleteLater()
        if task in self.background:
            self.background.remove(task)
            return
        if task in self.active:
            self.active.remove(task)
        if not self.active:
            self.busy_changed.emit(False)

    def cancel_background(self) -> None:
        """Ask the quiet background operations to stop."""
        for task in self.background:
            task.cancel()

    def cancel_all(self) -> None:
        """Ask every running operation to stop."""
        self.cancel_background()
        for task in self.active:
            task.cancel()

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancel everything and wait for the pool threads to end; their late results go nowhere."""
        self.cancel_all()
        for task in [*self.active, *self.background]:
            task.relay.callbacks.clear()
        self.pool.waitForDone(timeout_ms)
