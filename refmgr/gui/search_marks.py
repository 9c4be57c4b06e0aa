"""Searched words marked in the table, the pane and the legends; publication type badges."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QPainter, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTextEdit, QWidget

from refmgr.core.matchwords import Highlighter
from refmgr.core.pubtypes import badges

ModelIndex = QModelIndex | QPersistentModelIndex
MARK = "#fff176"  # the searched words' background (dark ink stays readable on it in dark themes too)
INK = "#1a1a1a"
BADGE_COLORS = {"RCT": "#1a4f9c", "MA": "#6a1b9a", "SR": "#6a1b9a", "Guideline": "#1e6b3a", "Review": "#5d4037"}
PHASE_COLOR = "#00695c"
MARKED_CACHE = 2_000  # cells whose marked HTML the table delegate keeps


def marked_html(text: str, highlighter: Highlighter | None) -> str:
    """Text as escaped HTML with the searched words on a highlight background."""
    return _spans_html(text, highlighter.spans(text) if highlighter else [])


def _spans_html(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    position = 0
    for start, end in spans:
        out.append(html.escape(text[position:start]))
        out.append(f'<span style="background-color:{MARK}; color:{INK};">{html.escape(text[start:end])}</span>')
        position = end
    out.append(html.escape(text[position:]))
    return "".join(out)


def badges_html(types: list[str]) -> str:
    """Publication types as small coloured badges (RCT, MA, SR, Guideline, Review, Phase III)."""
    parts = []
    for badge in badges(types):
        color = BADGE_COLORS.get(badge, PHASE_COLOR)
        style = f"background-color:{color}; color:#ffffff; font-weight:bold;"
        parts.append(f'<span style="{style}">&nbsp;{badge}&nbsp;</span>')
    return "&nbsp;".join(parts)


def mark_document(editor: QTextEdit, highlighter: Highlighter | None) -> int:
    """Mark the searched words in a text browser's document (extra selections); return how many."""
    document = editor.document()
    spans = highlighter.spans(document.toPlainText()) if highlighter else []
    selections = []
    fmt = QTextCharFormat()
    fmt.setBackground(QColor(MARK))
    fmt.setForeground(QColor(INK))
    for start, end in spans:
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(document)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor  # type: ignore[misc]
        selection.format = fmt  # type: ignore[misc]
        selections.append(selection)
    editor.setExtraSelections(selections)
    return len(selections)


class MarkingDelegate(QStyledItemDelegate):
    """Paints a column's text with the searched words marked; plain painting when nothing matches."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._highlighter: Highlighter | None = None
        self._marked: dict[str, str | None] = {}  # cell text -> its HTML, for the current highlighter

    @property
    def highlighter(self) -> Highlighter | None:
        """The searched words to mark (setting it forgets the cells already marked)."""
        return self._highlighter

    @highlighter.setter
    def highlighter(self, highlighter: Highlighter | None) -> None:
        self._highlighter = highlighter
        self._marked.clear()

    def marked(self, text: str) -> str | None:
        """The cell's HTML when it has matches, else None (worked out once per text: cells repaint often)."""
        if not self._highlighter or not text:
            return None
        if text not in self._marked:
            if len(self._marked) >= MARKED_CACHE:
                self._marked.clear()
            spans = self._highlighter.spans(text)
            self._marked[text] = _spans_html(text, spans) if spans else None
        return self._marked[text]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        text = index.data(Qt.ItemDataRole.DisplayRole)
        body = self.marked(str(text)) if text is not None else None
        if body is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget: Any = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        document = QTextDocument()
        document.setDefaultFont(opt.font)
        document.setDocumentMargin(2)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        color = opt.palette.highlightedText().color() if selected else opt.palette.text().color()
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        if foreground is not None and not selected:
            color = foreground.color()
        document.setHtml(f'<span style="color:{color.name()}; white-space:nowrap;">{body}</span>')
        rect = opt.rect
        painter.save()
        painter.setClipRect(rect)
        painter.translate(rect.left(), rect.top() + max(0, (rect.height() - document.size().height()) / 2))
        context = QAbstractTextDocumentLayout.PaintContext()
        context.clip = QRectF(0, 0, rect.width(), rect.height())
        document.documentLayout().draw(painter, context)
        painter.restore()
