"""Small models of the article pane: keywords with their legend hits, and the reference list."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from refmgr.core.highlight import KeywordHits
from refmgr.core.model import Reference
from refmgr.gui.richtext import plain_tooltip

ModelIndex = QModelIndex | QPersistentModelIndex
KIND_LABELS = {"author": "Author keyword", "mesh": "MeSH heading", "subject": "Subject"}
SOURCE_LABELS = {
    "pubmed": "PubMed", "europepmc": "Europe PMC", "crossref": "Crossref", "page": "the PubMed page you imported",
    "jats": "the JATS file you imported", "file": "the file you imported", "hand": "you", "pdf": "the article's PDF",
}  # fmt: skip


def source_label(source: str) -> str:
    """Where a keyword, legend or trial number came from, in words."""
    return SOURCE_LABELS.get(source, source or "an earlier import")
STATUS_LABELS = {
    "resolved": "Resolved",
    "in_library": "In library",
    "unresolved": "Unresolved",
    "ambiguous": "Ambiguous",
}
STATUS_COLORS = {"resolved": "#1e6b3a", "in_library": "#1a4f9c", "ambiguous": "#9c5a00", "unresolved": "#777777"}


class KeywordModel(QAbstractListModel):
    """Keywords of the open article, each with its colour and how many legends mention it."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.hits: list[KeywordHits] = []

    def set_hits(self, hits: list[KeywordHits]) -> None:
        """Show these keywords."""
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.hits):
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            n = len(hit.counts)
            suffix = f"   {n} legend{'s' if n != 1 else ''}" if n else ""
            return f"{hit.keyword.display}{suffix}"
        if role == Qt.ItemDataRole.DecorationRole:
            return QColor(hit.color) if hit.counts else QColor("#dddddd")
        if role == Qt.ItemDataRole.ToolTipRole:
            kind = KIND_LABELS.get(hit.keyword.kind, hit.keyword.kind)
            major = " (major topic)" if hit.keyword.major else ""
            return (f"{kind}{major}; {hit.total} occurrence(s) in {len(hit.counts)} legend(s); "
                    f"from {source_label(hit.keyword.source)}")  # fmt: skip
        if role == Qt.ItemDataRole.FontRole and hit.keyword.major:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            return None if hit.counts else QBrush(QColor("#777777"))
        if role == Qt.ItemDataRole.UserRole:
            return hit.keyword.term
        return None


class ReferenceModel(QAbstractTableModel):
    """An article's reference list with the resolution status of each entry."""

    HEADERS = ("#", "Reference", "Status", "DOI")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.references: list[Reference] = []

    def set_references(self, references: list[Reference]) -> None:
        """Show this reference list."""
        self.beginResetModel()
        self.references = list(references)
        self.endResetModel()

    @staticmethod
    def status_of(reference: Reference) -> str:
        """The status a reader cares about: in the library beats resolved."""
        return "in_library" if reference.cited_article_id else reference.status

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.references)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.references):
            return None
        reference = self.references[index.row()]
        column = index.column()
        status = self.status_of(reference)
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(index.row() + 1), reference.text, STATUS_LABELS.get(status, status), reference.doi)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return plain_tooltip(reference.text)
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and reference.confidence is not None:
            return f"match confidence {reference.confidence:.0%}"
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return QBrush(QColor(STATUS_COLORS.get(status, "#000000")))
        if role == Qt.ItemDataRole.UserRole:
            return index.row()
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None
