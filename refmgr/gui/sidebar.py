"""The sidebar: library scopes, reading lists with counts (drop targets) and tags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent, QFont
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTreeWidget, QTreeWidgetItem, QWidget

from refmgr.core import lists, smartlists
from refmgr.core.library import Library
from refmgr.gui.imports import ImportRequest, request_from_mime
from refmgr.gui.table_model import ARTICLE_IDS_MIME, ids_from_mime

RECENT_DAYS = 30
SCOPE_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class Scope:
    """Which part of the library the table shows."""

    kind: str  # all, recent, unread, list, tag, saved
    value: int | str | None = None
    label: str = ""
    query: str = ""  # a saved search's query

    def query_fields(self) -> dict[str, object]:
        """ArticleQuery fields for this scope."""
        if self.kind == "recent":
            since = datetime.now(UTC) - timedelta(days=RECENT_DAYS)
            return {"added_since": since.isoformat(timespec="seconds")}
        if self.kind == "unread":
            return {"read_status": "unread"}
        if self.kind == "list":
            return {"list_id": self.value}
        if self.kind == "tag":
            return {"tag": self.value}
        if self.kind == "saved":
            return {"scope_text": self.query}
        return {}


class Sidebar(QTreeWidget):
    """Scopes to pick from; reading lists accept dropped rows, DOIs and files."""

    scope_changed = Signal(object)
    rows_dropped_on_list = Signal(int, list)
    import_dropped = Signal(object)
    list_action = Signal(str, object)  # "new" / "rename" / "delete" / "export" / "style", list id or None
    saved_action = Signal(str, object)  # "rename" / "delete" / "export" / "edit", saved search id

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(12)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.setAccessibleName("Library sections")
        self.currentItemChanged.connect(self._current_changed)
        self.scope = Scope("all", label="All articles")
        self.drop_target: QTreeWidgetItem | None = None
        self.populate()

    def _group(self, title: str) -> QTreeWidgetItem:
        group = QTreeWidgetItem(self, [title])
        font = QFont(group.font(0))
        font.setBold(True)
        group.setFont(0, font)
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        group.setExpanded(True)
        return group

    def _add(self, parent: QTreeWidgetItem, text: str, scope: Scope) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [text])
        item.setData(0, SCOPE_ROLE, scope)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if scope.kind == "list":
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        item.setFlags(flags)
        return item

    def populate(self) -> None:
        """Rebuild from the library (counts change with every import), keeping the current scope."""
        current = self.scope
        self.blockSignals(True)
        self.drop_target = None
        self.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        titles = {"list": "Reading lists", "saved": "Saved searches", "tag": "Tags"}
        groups["Library"] = self._group("Library")
        groups["Reading lists"] = self._group("Reading lists")
        for scope, text in self._entries():
            title = titles.get(scope.kind, "Library")
            if title not in groups:
                groups[title] = self._group(title)
            item = self._add(groups[title], text, scope)
            if scope.kind == "list":
                item.setToolTip(0, "Drop articles, DOIs or files here to add them to this list")
            elif scope.kind == "saved":
                item.setToolTip(0, f"Saved search: {scope.query}")
        self.expandAll()
        found = self.item_for(current) or self.item_for(Scope("all"))
        self.setCurrentItem(found)
        self.scope = found.data(0, SCOPE_ROLE) if found else Scope("all")
        self.blockSignals(False)

    def _entries(self) -> list[tuple[Scope, str]]:
        """Every entry with counts as the library holds them now: (scope, text)."""
        entries = [
            (Scope("all", label="All articles"), f"All articles  ({self.library.count()})"),
            (Scope("recent", label="Recently added"), "Recently added"),
            (Scope("unread", label="Unread"), f"Unread  ({self.library.unread_count()})"),
        ]
        for rl in lists.all_lists(self.library):
            entries.append((Scope("list", rl.id, rl.name), f"{rl.name}  ({rl.count})"))
        for saved in smartlists.all_saved(self.library, counts=True):
            entries.append((Scope("saved", saved.id, saved.name, saved.query), f"{saved.name}  ({saved.count})"))
        entries += [(Scope("tag", name, name), f"{name}  ({count})") for name, count in self.library.all_tags()]
        return entries

    def update_counts(self) -> None:
        """Update the counts in place; rebuild only when lists or tags came or went (or were renamed)."""
        entries = self._entries()
        items = self.items()
        shown = [(item.data(0, SCOPE_ROLE), item) for item in items]
        if [(s.kind, s.value, s.label, s.query) for s, _ in entries] != [
            (s.kind, s.value, s.label, s.query) for s, _ in shown
        ]:
            self.populate()
            return
        for (_scope, text), (_shown, item) in zip(entries, shown, strict=True):
            if item.text(0) != text:
                item.setText(0, text)

    def items(self) -> list[QTreeWidgetItem]:
        """Every selectable entry, top to bottom."""
        result = []
        for g in range(self.topLevelItemCount()):
            group = self.topLevelItem(g)
            result.extend(group.child(c) for c in range(group.childCount()))
        return result

    def item_for(self, scope: Scope) -> QTreeWidgetItem | None:
        """The entry of a scope (matched by kind and value), or None."""
        for item in self.items():
            other = item.data(0, SCOPE_ROLE)
            if other.kind == scope.kind and other.value == scope.value:
                return item
        return None

    def list_item(self, list_id: int) -> QTreeWidgetItem | None:
        """The entry of a reading list."""
        return self.item_for(Scope("list", list_id))

    def select(self, scope: Scope) -> None:
        """Make a scope current (as a click would)."""
        item = self.item_for(scope)
        if item is not None:
            self.setCurrentItem(item)

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        scope = current.data(0, SCOPE_ROLE) if current is not None else None
        if isinstance(scope, Scope):
            self.scope = scope
            self.scope_changed.emit(scope)

    # ----- drops --------------------------------------------------------------------------

    def _target_list(self, point: QPoint) -> int | None:
        item = self.itemAt(point)
        scope = item.data(0, SCOPE_ROLE) if item is not None else None
        return scope.value if isinstance(scope, Scope) and scope.kind == "list" else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(ARTICLE_IDS_MIME) or mime.hasText() or mime.hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        target = self._target_list(event.position().toPoint())
        self._highlight(self.list_item(target) if target is not None else None)
        internal = event.mimeData().hasFormat(ARTICLE_IDS_MIME)
        if internal and target is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._highlight(None)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._highlight(None)
        self.handle_drop(event.mimeData(), self._target_list(event.position().toPoint()))
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def _highlight(self, item: QTreeWidgetItem | None) -> None:
        """Mark the reading list a drag hovers over (the drop target)."""
        if self.drop_target is not None and self.drop_target is not item:
            self.drop_target.setBackground(0, QBrush())
        if item is not None:
            item.setBackground(0, self.palette().highlight().color().lighter(170))
        self.drop_target = item

    def handle_drop(self, mime: object, list_id: int | None) -> bool:
        """Rows dropped on a list are added to it; DOIs and files are imported (into the list)."""
        ids = ids_from_mime(mime)
        if ids:
            if list_id is None:
                return False
            self.rows_dropped_on_list.emit(list_id, ids)
            return True
        request: ImportRequest = request_from_mime(mime)
        if not request:
            return False
        request.list_id = list_id
        self.import_dropped.emit(request)
        return True

    def _menu(self, point: QPoint) -> None:
        list_id = self._target_list(point)
        item = self.itemAt(point)
        scope = item.data(0, SCOPE_ROLE) if item is not None else None
        menu = QMenu(self)
        if isinstance(scope, Scope) and scope.kind == "saved":
            menu.addAction("Show its query in the search field", lambda: self.saved_action.emit("edit", scope.value))
            menu.addAction("Rename…", lambda: self.saved_action.emit("rename", scope.value))
            menu.addAction("Export…", lambda: self.saved_action.emit("export", scope.value))
            menu.addSeparator()
            menu.addAction("Delete saved search", lambda: self.saved_action.emit("delete", scope.value))
            menu.exec(self.viewport().mapToGlobal(point))
            return
        menu.addAction("New reading list…", lambda: self.list_action.emit("new", None))
        if list_id is not None:
            menu.addAction("Rename…", lambda: self.list_action.emit("rename", list_id))
            menu.addAction("Export…", lambda: self.list_action.emit("export", list_id))
            menu.addAction("Default style…", lambda: self.list_action.emit("style", list_id))
            menu.addSeparator()
            menu.addAction("Delete list", lambda: self.list_action.emit("delete", list_id))
        menu.exec(self.viewport().mapToGlobal(point))
