"""Citing a Word manuscript (python-docx): markers split across runs, formatting kept, superscripts as runs."""

from __future__ import annotations

import copy
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from refmgr.core.export import atomic_output
from refmgr.core.export.bibliography import style_spec
from refmgr.core.export.citations import InText, bibliography_entries
from refmgr.core.export.manuscript import (
    BIBLIOGRAPHY_MARKER,
    CiteReport,
    ManuscriptError,
    _check_strict,
    _Found,
    _plan,
    _replacement,
)
from refmgr.core.library import Library

_RUN_XPATH = "./w:r | ./w:hyperlink/w:r | ./w:ins/w:r | ./w:smartTag/w:r"


def _paragraphs(document: Any) -> Iterator[Any]:
    """Every paragraph of the body, table cells included (nested tables too), in reading order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    def walk(container: Any) -> Iterator[Any]:
        for block in container.iter_inner_content():
            if isinstance(block, Paragraph):
                yield block
            elif isinstance(block, Table):
                for row in block.rows:
                    for cell in row.cells:
                        yield from walk(cell)

    yield from walk(document)


def _runs(paragraph: Any) -> list[Any]:
    """The paragraph's text runs in order, those inside hyperlinks and tracked insertions included."""
    from docx.text.run import Run

    return [Run(r, paragraph) for r in paragraph._p.xpath(_RUN_XPATH)]


def _replace_span(runs: list[Any], start: int, end: int, text: str, superscript: bool, after: str = "") -> None:
    """Put TEXT (then AFTER, not raised) in place of characters START..END of the runs' joined text."""
    # The replacement takes the formatting of the run the marker starts in; a superscript citation gets a
    # run of its own (a copy of that run's formatting, raised).
    from docx.text.run import Run

    position = 0
    first = None
    for run in runs:
        value = run.text
        run_start, run_end = position, position + len(value)
        position = run_end
        if run_end <= start or run_start >= end:
            continue
        keep_left = value[: max(0, start - run_start)]
        keep_right = value[end - run_start :] if end < run_end else ""
        if first is not None:
            run.text = keep_right
            continue
        first = run
        if not superscript:
            run.text = keep_left + text + after + keep_right
            continue
        run.text = keep_left
        cited = copy.deepcopy(run._r)
        run._r.addnext(cited)
        cited_run = Run(cited, run._parent)
        cited_run.text = text
        cited_run.font.superscript = True
        if keep_right or after:
            tail = copy.deepcopy(run._r)
            cited.addnext(tail)
            Run(tail, run._parent).text = after + keep_right
    if first is None:
        raise ManuscriptError("internal error: a marker's text was not found in its runs")


def _bibliography_paragraphs(document: Any, anchor: Any | None, entries: list[str], numeric: bool) -> None:
    """The entries as paragraphs in place of the [bibliography] paragraph, or after a "References" heading."""
    lines = [f"{n}. {e}" if numeric else e for n, e in enumerate(entries, 1)]
    if anchor is not None:
        template = anchor
        for run in _runs(template):
            run.text = ""
        current = template
        for n, line in enumerate(lines):
            if n == 0:
                _fill(current, line)
                continue
            new = copy.deepcopy(template._p)
            current._p.addnext(new)
            from docx.text.paragraph import Paragraph

            current = Paragraph(new, template._parent)
            _fill(current, line)
        if not lines:
            template._p.getparent().remove(template._p)
        return
    if not lines:
        return
    try:
        document.add_heading("References", level=1)
    except KeyError:  # a template without heading styles
        document.add_paragraph("References")
    for line in lines:
        document.add_paragraph(line)


def _fill(paragraph: Any, text: str) -> None:
    runs = _runs(paragraph)
    if runs:
        runs[0].text = text
        for run in runs[1:]:
            run._r.getparent().remove(run._r)
    else:
        paragraph.add_run(text)


def cite_docx(source: Path, target: Path, library: Library, style: str | None = None,
              strict: bool = False) -> CiteReport:  # fmt: skip
    """Write TARGET: SOURCE with its markers cited and its bibliography; SOURCE is never written."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(source))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ManuscriptError(f"{source}: not a Word .docx document ({error})") from error
    paragraphs = list(_paragraphs(document))
    texts = ["".join(run.text for run in _runs(p)) for p in paragraphs]
    found, citations, report, groups = _plan(texts, library, style)
    _check_strict(report, strict)
    pairs: list[tuple[_Found, InText]] = list(zip(found, citations, strict=True))
    for marker, citation in sorted(pairs, key=lambda p: (p[0].paragraph, -p[0].start)):
        if not marker.articles:
            continue  # left visible, as typed
        runs = _runs(paragraphs[marker.paragraph])
        if citation.superscript:
            _replace_span(runs, marker.start, marker.end, citation.text, True, "".join(marker.unknown))
        else:
            _replace_span(runs, marker.start, marker.end, _replacement(marker, citation, "text"), False)
    anchor = next((p for p, t in zip(paragraphs, texts, strict=True) if BIBLIOGRAPHY_MARKER.match(t)), None)
    report.bibliography_at_marker = anchor is not None
    entries = bibliography_entries(groups, style, "text")
    _bibliography_paragraphs(document, anchor, entries, style_spec(style).numeric)
    _save(document, target)
    return report


def _save(document: Any, target: Path) -> None:
    """Save atomically: a temporary file beside TARGET, then a rename."""
    with atomic_output(target, binary=True) as stream:
        document.save(stream)
