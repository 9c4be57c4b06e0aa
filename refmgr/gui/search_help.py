"""The search field's help popover: the query language with examples."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFrame, QLabel, QToolButton, QVBoxLayout, QWidget

HELP_HTML = """
<b>Search like PubMed</b> (all words must match; plurals and British/American spellings are found too)<br>
<table cellspacing="4">
<tr><td><code>renal metastases</code></td><td>both words (metastasis, metastatic, tumour/tumor...)</td></tr>
<tr><td><code>"partial nephrectomy"</code></td><td>exact phrase, exactly as written</td></tr>
<tr><td><code>nivolumab OR pembrolizumab</code></td><td>either word</td></tr>
<tr><td><code>-sunitinib</code> / <code>NOT sunitinib</code></td><td>without the word</td></tr>
<tr><td><code>(ablation OR cryo*) kidney</code></td><td>parentheses; <code>cryo*</code> any word starting so</td></tr>
<tr><td><code>author:"Rini BI"</code></td><td>author as reference lists write it ("Rini B", "Rini" too)</td></tr>
<tr><td><code>title: journal:"Eur Urol" keyword: legend: note:</code></td><td>one field</td></tr>
<tr><td><code>mesh:*"Carcinoma, Renal Cell"</code></td><td>MeSH major topic</td></tr>
<tr><td><code>type:rct type:meta-analysis type:guideline</code></td><td>also review, sr, trial, phase3</td></tr>
<tr><td><code>year:2019 year:2019-2022 year:&gt;2020</code></td><td>publication year</td></tr>
<tr><td><code>status:unread rating:&gt;=3 tag:RCC</code></td><td>your reading status, rating, tags</td></tr>
<tr><td><code>list:"Journal club" has:legends has:pdf retracted:yes</code></td><td>list, legends, PDFs</td></tr>
<tr><td><code>fulltext:"immune-excluded"</code></td><td>words in the attached PDFs</td></tr>
<tr><td><code>trial:NCT02853331</code> / <code>NCT</code></td><td>a trial registration number / any</td></tr>
</table>
The filter bar writes the same text, so a filter can be typed, edited and saved (<i>Save search…</i>).
"""


class SearchHelpButton(QToolButton):
    """A "?" beside the search field that opens the query language help under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText("?")
        self.setToolTip("How to search")
        self.setAccessibleName("Search help")
        self.popup = QFrame(self, Qt.WindowType.Popup)
        self.popup.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self.popup)
        self.label = QLabel(HELP_HTML)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label)
        self.clicked.connect(self.show_help)

    def show_help(self) -> None:
        """Open the popover below the button."""
        self.popup.adjustSize()
        self.popup.move(self.mapToGlobal(QPoint(0, self.height())))
        self.popup.show()
