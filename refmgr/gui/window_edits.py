"""The window's editing side: user fields, figures, references, delete/undo, lists, menus, settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMenu

from refmgr.core import lists
from refmgr.core.undo import restore_deleted, snapshot_for_delete
from refmgr.gui import dialogs
from refmgr.gui.exporting import export_dialog
from refmgr.gui.figures_dialog import FiguresDialog
from refmgr.gui.imports import resolve_op
from refmgr.gui.sidebar import Scope

if TYPE_CHECKING:
    from refmgr.gui.main_window import MainWindow

    _Base = MainWindow
else:
    _Base = object


class EditsMixin(_Base):
    """Changes to the library started from the window; writes run through the task runner."""

    def _write(self, label: str, op: Any, article_ids: list[int], then: Any = None) -> None:
        def success(_result: object) -> None:
            self.refresh()
            if then is not None:
                then()
            for article_id in article_ids:
                self.edits_saved.emit(article_id)

        def failure(message: str, _details: str) -> None:
            self.refresh()
            if self.pane.article_id in article_ids and self.library.get(self.pane.article_id) is None:
                self.pane.mark_deleted()  # the article went while the edit was on its way: keep what was typed
            self.statusBar().showMessage(f"Could not save ({label}): {message}", 15000)
            self.task_failed.emit(message)

        self.runner.run(label, op, on_success=success, on_failure=failure)

    def save_fields(self, article_id: int, values: dict[str, Any]) -> None:
        """Save notes, read status or rating in the background."""
        self._write("edit", lambda c: c.library.update_fields(article_id, **values), [article_id])

    def save_tags(self, article_id: int, tags: list[str]) -> None:
        """Save an article's tags in the background."""
        self._write("tags", lambda c: c.library.set_tags(article_id, tags), [article_id])

    def set_read_status(self, status: str) -> None:
        """Mark the selected articles read or unread."""
        ids = self.table.selected_ids()

        def op(context: Any) -> None:
            with context.library.transaction():
                for article_id in ids:
                    context.library.update_fields(article_id, read_status=status)

        if ids:
            self._write("status", op, ids)

    def edit_figures(self, article_id: int | None) -> None:
        """Add or edit figure legends by hand (non-blocking dialog)."""
        article = self.library.get(article_id) if article_id is not None else None
        if article is None:
            return
        dialog = FiguresDialog(article.figures, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def done(result: int) -> None:
            if result:
                figures = dialog.result_figures()
                self._write("figures", lambda c: c.library.set_figures(article.id, figures), [article.id])

        dialog.finished.connect(done)
        dialog.open()
        self.figures_dialog = dialog

    def resolve_references(self, positions: list[int] | None) -> None:
        """Match the open article's references to DOIs through Crossref, in the background."""
        article_id = self.pane.article_id
        if article_id is None:
            return
        self.statusBar().showMessage("Resolving references through Crossref…")

        def success(result: Any) -> None:
            self.refresh()
            self.statusBar().showMessage(f"References resolved: {describe_resolution(result)}", 10000)
            self.references_resolved.emit(article_id)

        def failure(message: str, _details: str) -> None:
            self.statusBar().showMessage(f"Could not resolve references: {message}", 15000)
            self.task_failed.emit(message)

        self.current_task = self.runner.run(
            "resolve", resolve_op(article_id, positions, self.settings),
            on_success=success, on_failure=failure, on_progress=self._progress,
        )  # fmt: skip

    def delete_selected(self) -> None:
        """Delete the selected articles after asking; Undo brings them back."""
        ids = self.table.selected_ids()
        if not ids:
            return
        rows = self.library.summaries(ids[:1])
        what = f"“{rows[ids[0]]['title']}”" if len(ids) == 1 and ids[0] in rows else f"{len(ids)} articles"
        if not dialogs.ask(self, "Delete articles", f"Delete {what} from the library? (Edit ▸ Undo brings them back)"):
            return
        snapshot = snapshot_for_delete(self.library, ids)
        if self.pane.article_id in ids:  # deleted here, not elsewhere: no "deleted elsewhere" notice; keep the typing
            typed = self.pane.notes.toPlainText()
            shown = self.pane.article
            if shown is not None and typed != shown.notes:  # typed and not yet saved
                for article in snapshot.articles:
                    if article.id == shown.id:
                        article.notes = typed
            self.pane.notes_timer.stop()
            self.pane.article = None
            self.pane.show_article(None)

        def done() -> None:
            self.undo_stack.append(snapshot)
            self.undo_action.setEnabled(True)
            self.refresh()
            self.statusBar().showMessage(f"Deleted {len(ids)} article(s). Ctrl+Z to undo.", 10000)

        self._write("delete", lambda c: c.library.delete(ids), [], done)

    def undo_delete(self) -> None:
        """Bring back the last deleted articles (with notes, tags and list places)."""
        if not self.undo_stack:
            return
        snapshot = self.undo_stack.pop()
        self.undo_action.setEnabled(bool(self.undo_stack))

        def done() -> None:
            self.refresh()
            self.statusBar().showMessage(f"Restored {len(snapshot.articles)} article(s).", 8000)

        self._write("undo", lambda c: restore_deleted(c.library, snapshot), [], done)

    def add_to_list(self, list_id: int, article_ids: list[int]) -> None:
        """Add articles (dragged rows) to a reading list."""

        def done() -> None:
            self.statusBar().showMessage(f"Added {len(article_ids)} article(s) to the list.", 6000)

        self._list_write(lambda c: lists.add_to_list(c.library, list_id, article_ids), done)

    # ----- lists --------------------------------------------------------------------------

    def _list_write(self, op: Any, then: Any = None) -> None:
        """Change reading lists in the background; refresh the sidebar, or say why it could not be done."""

        def success(_result: object) -> None:
            self.refresh()
            if then is not None:
                then()
            self.lists_changed.emit()

        def failure(message: str, _details: str) -> None:
            dialogs.tell(self, "Reading list", message)
            self.task_failed.emit(message)

        self.runner.run("lists", op, on_success=success, on_failure=failure)

    def new_list(self, article_ids: list[int] | None = None) -> None:
        """Create a reading list (optionally with articles)."""
        name = dialogs.ask_text(self, "New reading list", "Name:")
        if not name or not name.strip():
            return

        def op(context: Any) -> None:
            with context.library.transaction():
                list_id = lists.create_list(context.library, name)
                lists.add_to_list(context.library, list_id, article_ids or [])

        self._list_write(op)

    def _list_action(self, action: str, list_id: int | None) -> None:
        if action == "new":
            self.new_list()
        elif action == "rename" and list_id is not None:
            name = dialogs.ask_text(self, "Rename reading list", "New name:")
            if name:
                self._list_write(lambda c: lists.rename_list(c.library, list_id, name))
        elif action == "delete" and list_id is not None:
            if dialogs.ask(self, "Delete reading list", "Delete this reading list? Its articles stay in the library."):
                if self.sidebar.scope.kind == "list" and self.sidebar.scope.value == list_id:
                    self.sidebar.select(Scope("all"))
                self._list_write(lambda c: lists.delete_list(c.library, list_id))
        elif action == "style" and list_id is not None:
            self.citing.choose_list_style(list_id)
        elif action == "export" and list_id is not None:
            items = lists.list_items(self.library, list_id)
            name = next((rl.name for rl in lists.all_lists(self.library) if rl.id == list_id), None)
            notes = {item.article_id: item.note for item in items if item.note}
            from refmgr.core.export.style_prefs import list_style

            self.export_dialog = export_dialog(self, [item.article_id for item in items], notes, name,
                                               list_style(self.library, list_id) or None)  # fmt: skip

    # ----- context menu, export, settings -------------------------------------------------

    def _row_menu(self, point: Any) -> None:
        ids = self.table.selected_ids()
        if not ids:
            return
        menu = QMenu(self)
        rows = self.library.summaries(ids)
        dois = [rows[i]["doi"] for i in ids if i in rows and rows[i]["doi"]]
        if len(ids) == 1 and dois:
            menu.addAction("Open DOI in browser", lambda: QDesktopServices.openUrl(QUrl(f"https://doi.org/{dois[0]}")))
        if len(ids) == 1 and rows[ids[0]]["pmid"]:
            pmid = rows[ids[0]]["pmid"]
            url = QUrl(f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/")
            menu.addAction("Open in PubMed", lambda: QDesktopServices.openUrl(url))
        if dois:
            menu.addAction("Copy DOI(s)", lambda: QGuiApplication.clipboard().setText("\n".join(dois)))
        menu.addSeparator()
        menu.addAction(self.read_action)
        menu.addAction(self.unread_action)
        list_menu = menu.addMenu("Add to reading list")
        for reading_list in lists.all_lists(self.library):
            list_menu.addAction(reading_list.name, lambda lid=reading_list.id: self.add_to_list(lid, ids))
        list_menu.addSeparator()
        list_menu.addAction("New list…", lambda: self.new_list(ids))
        menu.addAction("Export…", lambda: self.export_articles(ids))
        menu.addActions(self.citing.context_actions())
        if len(ids) == 1:
            menu.addAction(self.figures_action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        menu.exec(self.table.viewport().mapToGlobal(point))

    def export_articles(self, article_ids: list[int]) -> None:
        """Export articles (format, style, then a file; written in the background)."""
        self.export_dialog = export_dialog(self, article_ids)

    def open_settings(self) -> None:
        """The settings dialog (non-blocking)."""
        dialog = dialogs.SettingsDialog(self.settings, self.library_path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def done(result: int) -> None:
            if result:
                dialog.apply()
                self.save_settings()

        dialog.finished.connect(done)
        dialog.open()
        self.settings_dialog = dialog

    def save_settings(self) -> None:
        """Write the settings (layout included)."""
        self.settings.gui_state = self.layout_state()
        self.settings.save(self.settings_path)

    def first_run_prompt(self) -> None:
        """Ask once for the contact e-mail Crossref's polite pool wants; skipping is fine."""
        if self.settings.first_run_done or self.settings.effective_mailto():
            return
        email = dialogs.ask_text(
            self, "Welcome to refmgr",
            "Crossref asks for a contact e-mail so your look-ups go to its faster, polite pool.\n"
            "It is sent only to Crossref. Leave empty to skip.",
        )  # fmt: skip
        self.settings.mailto = (email or "").strip()
        self.settings.first_run_done = True
        self.save_settings()




def describe_resolution(results: list[Any] | None) -> str:
    """A short description of what resolving references did ("3 resolved, 1 ambiguous, ...")."""
    if not results:
        return "nothing to resolve" if results == [] else "cancelled"
    errors = [r for r in results if r.error]
    counts: dict[str, int] = {}
    for result in results:
        if not result.error:
            counts[result.status] = counts.get(result.status, 0) + 1
    parts = [f"{n} {status}" for status, n in counts.items()]
    if errors:
        parts.append(f"{len(errors)} not checked ({errors[0].error})")
    return ", ".join(parts)

