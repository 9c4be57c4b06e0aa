"""The library table: a lazy model that holds only ids and fetches display rows in pages."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from refmgr.core.changes import Changes
from refmgr.core.library import Library
from refmgr.core.pubtypes import badges
from refmgr.core.search import ArticleQuery
from refmgr.gui.richtext import plain_tooltip, shown_text

ARTICLE_IDS_MIME = "application/x-refmgr-article-ids"
PAGE_SIZE = 250
CACHE_LIMIT = 20_000
RECENT_QUERIES = 4
RETRACTED_BRUSH = QBrush(QColor("#b3261e"))
READ_LABELS = {"unread": "Unread", "reading": "Reading", "read": "Read"}

ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """One table column: its key, header and the SQL sort key (None: not sortable)."""

    key: str
    title: str
    sort: str | None


COLUMNS = (
    Column("retracted", "⚠", None),
    Column("first_author", "First author", "first_author"),
    Column("year", "Year", "year"),
    Column("title", "Title", "title"),
    Column("journal", "Journal", "journal"),
    Column("date_added", "Added", "date_added"),
    Column("read_status", "Status", "read_status"),
    Column("rating", "Rating", "rating"),
    Column("citation_count", "Cited by", "citation_count"),
    Column("extras", "Fig/Ref", "has_extras"),
    Column("types", "Type", None),
)
COLUMN_KEYS = [column.key for column in COLUMNS]
TITLE_COLUMN = COLUMN_KEYS.index("title")
CENTERED_COLUMNS = frozenset(COLUMN_KEYS.index(k) for k in ("year", "citation_count", "retracted", "extras"))
DISPLAY, USER = int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.UserRole)
FOREGROUND, FONT = int(Qt.ItemDataRole.ForegroundRole), int(Qt.ItemDataRole.FontRole)
ALIGNMENT, TOOLTIP = int(Qt.ItemDataRole.TextAlignmentRole), int(Qt.ItemDataRole.ToolTipRole)
SERVED_ROLES = frozenset((DISPLAY, USER, FOREGROUND, FONT, ALIGNMENT, TOOLTIP))
CENTER = int(Qt.AlignmentFlag.AlignCenter)
ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled


def extras_text(row: dict[str, Any]) -> str:
    """Short indicator for an article with figures and/or references: "F R", "F", "R" or ""."""
    return " ".join(mark for mark, n in (("F", row["n_figures"]), ("R", row["n_references"])) if n)


def display_value(row: dict[str, Any], key: str) -> str:
    """The text a cell shows."""
    if key == "retracted":
        return "⚠" if row["retracted"] else ""
    if key == "extras":
        return extras_text(row)
    if key == "types":
        return " ".join(badges(json.loads(row["publication_types"] or "[]")))
    if key == "date_added":
        return (row["date_added"] or "")[:10]
    if key == "read_status":
        return READ_LABELS.get(row["read_status"], row["read_status"] or "")
    if key == "rating":
        return "★" * int(row["rating"] or 0)
    value = row.get(key)
    return "" if value is None else shown_text(str(value))


def fill_journal_abbrev(library: Library, rows: dict[int, dict[str, Any]]) -> None:
    """Show the abbreviated journal title where the full one is unknown (PubMed pages give only that)."""
    missing = [article_id for article_id, row in rows.items() if not row["journal"]]
    if not missing:
        return
    for article_id, abbrev in library.journal_abbrevs(missing).items():
        rows[article_id]["journal"] = abbrev


class ArticleTableModel(QAbstractTableModel):
    """Rows are the ids a query returned; display rows come from Library.summaries on demand."""

    def __init__(self, library: Library, parent: Any = None) -> None:
        super().__init__(parent)
        self.library = library
        self.query = ArticleQuery()
        self.ids: list[int] = []
        self._rows: dict[int, int] | None = None  # id -> row, rebuilt on demand after the ids change
        self.loaded = False  # no query has run yet: sorting only records the order (no query run twice)
        self.cache: dict[int, dict[str, Any]] = {}
        self.recent: dict[str, list[int]] = {}  # query -> ids, oldest first; cleared by reload()
        self.bold = QFont()
        self.bold.setBold(True)

    # ----- queries ------------------------------------------------------------------------

    def set_query(self, query: ArticleQuery) -> None:
        """Run a new query (search text, scope, order) and show its ids; recent results are reused."""
        self.query = query
        key = repr(query)
        ids = self.recent.pop(key, None)
        if ids is None:
            ids = self.library.query_ids(query)
        self.recent[key] = ids
        while len(self.recent) > RECENT_QUERIES:
            self.recent.pop(next(iter(self.recent)))
        self._show(ids)

    def reload(self) -> None:
        """Re-run the current query, dropping cached rows and results (after imports or edits)."""
        self.recent.clear()
        self.set_query(self.query)

    def _show(self, ids: list[int]) -> None:
        self.beginResetModel()
        self.ids = ids
        self._rows = None
        self.loaded = True
        self.cache.clear()
        self.endResetModel()

    def forget(self, article_ids: list[int] | set[int]) -> None:
        """Drop cached rows of changed articles (and cached results, which may now differ) and repaint them."""
        self.recent.clear()
        for article_id in article_ids:
            self.cache.pop(article_id, None)
        rows = [self.row_of(article_id) for article_id in article_ids]
        for row in (r for r in rows if r is not None):
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def row_of(self, article_id: int) -> int | None:
        """The row showing an article, or None."""
        if self._rows is None:
            self._rows = {article_id: row for row, article_id in enumerate(self.ids)}
        return self._rows.get(article_id)

    def apply(self, changes: Changes) -> None:
        """Bring the rows up to date with what changed: rows inserted, removed, moved or repainted, never reset."""
        if changes.reset:
            self.reload()
            return
        self.recent.clear()
        for article_id in changes.articles:
            self.cache.pop(article_id, None)
        if self._order_may_change(changes):
            self.sync(self.library.query_ids(self.query))
        else:
            if changes.deleted:
                self.remove_ids(changes.deleted)
            if changes.added:
                head = self._added_head(changes.added)
                if head is None:
                    self.sync(self.library.query_ids(self.query))
                elif head:
                    self.beginInsertRows(QModelIndex(), 0, len(head) - 1)
                    self.ids[0:0] = head
                    self._rows = None
                    self.endInsertRows()
        self.forget(changes.updated | changes.tagged)

    def _order_may_change(self, changes: Changes) -> bool:
        """Whether edits may change which rows match or their order (a rating edit by date added does not)."""
        query = self.query
        if query.list_id is not None and query.list_id in changes.lists:
            return True
        if not (changes.updated or changes.tagged):
            return False
        # an edit can change which rows match (status, notes, tags, a merge's title) or the order, except by date added
        return bool(query.text or query.read_status or query.tag or query.sort != "date_added")

    def _added_head(self, added: set[int]) -> list[int] | None:
        """The added articles in order when they all come first (newest first, the usual order), else None.

        Asks only for the first len(added) + 1 rows: they must be exactly the added articles followed by the
        row that is first now, which proves the rest is unchanged. Spares re-reading 100,000 ids.
        """
        top = self.library.query_ids(replace(self.query, limit=len(added) + 1))
        head, rest = top[: len(added)], top[len(added) :]
        if set(head) != added or rest != self.ids[:1]:
            return None
        return head

    def remove_ids(self, article_ids: set[int]) -> None:
        """Remove the rows of these articles (those shown), run by run from the bottom."""
        rows = sorted(row for row in (self.row_of(i) for i in article_ids) if row is not None)
        for start, end in reversed(_runs(rows)):
            self.beginRemoveRows(QModelIndex(), start, end)
            del self.ids[start : end + 1]
            self._rows = None
            self.endRemoveRows()

    def sync(self, new_ids: list[int]) -> None:
        """Turn the shown ids into new_ids with row removals, a layout change for moves, and row insertions."""
        new_set, old_set = set(new_ids), set(self.ids)
        removed = old_set - new_set
        if removed:
            self.remove_ids(removed)
        added = new_set - old_set
        positions = _positions(new_ids, added)
        ordered = _without(new_ids, positions)
        if ordered != self.ids:
            self._move_rows(ordered)
        for start, end in _runs(positions):  # in increasing order: rows before each run are already in place
            self.beginInsertRows(QModelIndex(), start, end)
            self.ids[start:start] = new_ids[start : end + 1]
            self._rows = None
            self.endInsertRows()
        self.loaded = True

    def _move_rows(self, ordered: list[int]) -> None:
        """Same rows, new order: a layout change that carries the selection and current row along."""
        self.layoutAboutToBeChanged.emit()
        old_ids = self.ids
        self.ids = ordered
        self._rows = None
        before = self.persistentIndexList()
        after = []
        for index in before:
            row = self.row_of(old_ids[index.row()]) if index.row() < len(old_ids) else None
            after.append(QModelIndex() if row is None else self.index(row, index.column()))
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def article_id(self, row: int) -> int:
        """The article shown in a row."""
        return self.ids[row]

    def summary(self, row: int) -> dict[str, Any] | None:
        """The display row of a table row, fetching its page when needed."""
        article_id = self.ids[row]
        cached = self.cache.get(article_id)
        if cached is not None:
            return cached
        if len(self.cache) > CACHE_LIMIT:
            self.cache.clear()
        start = max(0, row - PAGE_SIZE // 4)
        page = [i for i in self.ids[start : start + PAGE_SIZE] if i not in self.cache]
        rows = self.library.summaries(page)
        fill_journal_abbrev(self.library, rows)
        for row in rows.values():
            row["_display"] = [display_value(row, key) for key in COLUMN_KEYS]
        self.cache.update(rows)
        return self.cache.get(article_id)

    # ----- Qt model -----------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: ModelIndex, role: int = DISPLAY) -> Any:
        # Called for every visible cell and role on each paint: constants are pre-bound, rows pre-rendered.
        if role not in SERVED_ROLES or not index.isValid():
            return None
        row_number = index.row()
        if row_number >= len(self.ids):
            return None
        if role == USER:
            return self.ids[row_number]
        row = self.cache.get(self.ids[row_number]) or self.summary(row_number)
        if row is None:
            return None
        column = index.column()
        if role == DISPLAY:
            return row["_display"][column]
        if role == FOREGROUND:
            return RETRACTED_BRUSH if row["retracted"] else None
        if role == FONT:
            return self.bold if column == TITLE_COLUMN and row["read_status"] == "unread" else None
        if role == ALIGNMENT:
            return CENTER if column in CENTERED_COLUMNS else None
        return self._tooltip(row, COLUMNS[column].key)

    def _tooltip(self, row: dict[str, Any], key: str) -> str | None:
        if key == "retracted" and row["retracted"]:
            return "This article has been retracted"
        if key == "extras":
            return f"{row['n_figures']} figure legend(s), {row['n_references']} reference(s)"
        if key in ("title", "journal"):
            return plain_tooltip(row[key])
        if key == "types":
            return plain_tooltip("; ".join(json.loads(row["publication_types"] or "[]"))) or None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Retracted" if COLUMNS[section].key == "retracted" else COLUMNS[section].title
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else Qt.ItemFlag.ItemIsDropEnabled

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].sort if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        self.query = replace(self.query, sort=key, descending=order == Qt.SortOrder.DescendingOrder)
        if not self.loaded:
            return  # the window runs its first query once it is built
        ids = self.library.query_ids(self.query)
        self.recent.clear()
        if len(ids) != len(self.ids) or set(ids) != set(self.ids):  # the library changed meanwhile
            self.sync(ids)
        else:
            self._move_rows(ids)

    # ----- drag and drop ------------------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return [ARTICLE_IDS_MIME, "text/plain", "text/uri-list"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        ids = sorted({self.ids[i.row()] for i in indexes if i.isValid()}, key=lambda a: self.row_of(a) or 0)
        mime = QMimeData()
        mime.setData(ARTICLE_IDS_MIME, json.dumps(ids).encode())
        rows = self.library.summaries(ids)
        mime.setText("\n".join(f"https://doi.org/{rows[i]['doi']}" for i in ids if i in rows and rows[i]["doi"]))
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.LinkAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


def _positions(ids: list[int], wanted: set[int]) -> list[int]:
    """Where the wanted ids stand in ids, in order (quickly when they are all at the top or the bottom)."""
    n = len(wanted)
    if not n:
        return []
    if set(ids[:n]) == wanted:
        return list(range(n))
    if set(ids[-n:]) == wanted:
        return list(range(len(ids) - n, len(ids)))
    return [p for p, article_id in enumerate(ids) if article_id in wanted]


def _without(ids: list[int], positions: list[int]) -> list[int]:
    """ids without the elements at these (sorted) positions, copied slice by slice."""
    if not positions:
        return ids
    kept: list[int] = []
    previous = 0
    for position in positions:
        kept += ids[previous:position]
        previous = position + 1
    kept += ids[previous:]
    return kept


def ids_from_mime(mime: QMimeData) -> list[int]:
    """Article ids carried by a drag from the table (empty for any other drag)."""
    if not mime.hasFormat(ARTICLE_IDS_MIME):
        return []
    try:
        return [int(i) for i in json.loads(bytes(mime.data(ARTICLE_IDS_MIME).data()).decode())]
    except (ValueError, TypeError):
        return []
