"""The filter bar: publication type, year range, read status, rating and tag, written into the search text."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

TYPES = (("Any type", ""), ("RCT", "rct"), ("Meta-analysis", "meta-analysis"), ("Systematic review", "sr"),
         ("Guideline", "guideline"), ("Review", "review"), ("Trial", "trial"), ("Phase III", "phase3"))  # fmt: skip
STATUSES = (("Any status", ""), ("Unread", "unread"), ("Reading", "reading"), ("Read", "read"))
RATINGS = (("Any rating", ""), *((f"{'★' * n} or more", f">={n}") for n in range(1, 6)))
NO_YEAR = 1899  # the spin boxes' "any" value


def year_value(start: int, end: int) -> str:
    """The year: value for a range of spin box values (NO_YEAR meaning open)."""
    first = start if start > NO_YEAR else None
    last = end if end > NO_YEAR else None
    if first and last:
        return str(first) if first == last else f"{min(first, last)}-{max(first, last)}"
    if first:
        return f"{first}.."
    if last:
        return f"..{last}"
    return ""


def year_bounds(value: str) -> tuple[int, int]:
    """Spin box values for a year: value the bar can show (others show as open)."""
    value = value.strip()
    for sep in ("..", "-"):
        if sep in value:
            first, _, last = value.partition(sep)
            return (int(first) if first.isdigit() else NO_YEAR, int(last) if last.isdigit() else NO_YEAR)
    if value.isdigit():
        return int(value), int(value)
    if value.startswith(">=") and value[2:].isdigit():
        return int(value[2:]), NO_YEAR
    if value.startswith(">") and value[1:].isdigit():
        return int(value[1:]) + 1, NO_YEAR
    if value.startswith("<=") and value[2:].isdigit():
        return NO_YEAR, int(value[2:])
    if value.startswith("<") and value[1:].isdigit():
        return NO_YEAR, int(value[1:]) - 1
    return NO_YEAR, NO_YEAR


class FilterBar(QWidget):
    """Filters that edit the search text's type:, year:, status:, rating: and tag: terms (filters_changed)."""

    filters_changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self.type = self._combo(TYPES, "Publication type (type:)")
        self.year_from = self._year("From year (year:)")
        self.year_to = self._year("To year (year:)")
        self.status = self._combo(STATUSES, "Read status (status:)")
        self.rating = self._combo(RATINGS, "Rating (rating:)")
        self.tag = QComboBox()
        self.tag.setToolTip("Tag (tag:)")
        self.tag.setAccessibleName("Tag filter")
        self.tag.activated.connect(lambda _i: self._emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(QLabel("Filter:"))
        for widget in (self.type, self.year_from, QLabel("–"), self.year_to, self.status, self.rating, self.tag):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.set_tags([])

    def _combo(self, items: tuple[tuple[str, str], ...], tip: str) -> QComboBox:
        combo = QComboBox()
        for label, value in items:
            combo.addItem(label, value)
        combo.setToolTip(tip)
        combo.setAccessibleName(tip)
        combo.activated.connect(lambda _i: self._emit())
        return combo

    def _year(self, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(NO_YEAR, 2100)
        spin.setSpecialValueText("any")
        spin.setValue(NO_YEAR)
        spin.setToolTip(tip)
        spin.setAccessibleName(tip)
        spin.editingFinished.connect(self._emit)
        return spin

    def set_tags(self, names: list[str]) -> None:
        """The tags offered (the current choice is kept when it still exists)."""
        current = self.tag.currentData() or ""
        self.tag.blockSignals(True)
        self.tag.clear()
        self.tag.addItem("Any tag", "")
        for name in names:
            self.tag.addItem(name, name)
        index = self.tag.findData(current)
        self.tag.setCurrentIndex(max(0, index))
        self.tag.blockSignals(False)

    def values(self) -> dict[str, str]:
        """The bar's filters as field -> query value ("" for none)."""
        return {
            "type": self.type.currentData() or "",
            "year": year_value(self.year_from.value(), self.year_to.value()),
            "status": self.status.currentData() or "",
            "rating": self.rating.currentData() or "",
            "tag": self.tag.currentData() or "",
        }

    def show_filters(self, filters: dict[str, str]) -> None:
        """Reflect the filters typed in the search text, without emitting filters_changed."""
        self.blockSignals(True)
        for combo, key in ((self.type, "type"), (self.status, "status"), (self.rating, "rating"), (self.tag, "tag")):
            value = filters.get(key, "")
            index = combo.findData(value)
            if index < 0 and value:
                combo.addItem(value, value)  # a value typed by hand that the list lacks
                index = combo.count() - 1
            combo.setCurrentIndex(max(0, index))
        first, last = year_bounds(filters.get("year", ""))
        self.year_from.setValue(first)
        self.year_to.setValue(last)
        self.blockSignals(False)

    def _emit(self) -> None:
        self.filters_changed.emit(self.values())
