"""`refmgr --self-test`: prove a build works by importing the bundled sample and rendering the window once."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from refmgr import __version__
from refmgr.paths import CONFIG_ENV, DATA_ENV, LIBRARY_ENV, resources_dir

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

    from refmgr.core.model import Article

SAMPLE_NAME = "sample-pubmed-page.txt"
# What the bundled seed page (resources/sample-pubmed-page.txt) must yield.
EXPECTED_DOI = "10.1007/s00270-025-04101-y"
EXPECTED_TITLE_START = "Beyond the Scalpel"
EXPECTED_FIGURES = 3
EXPECTED_REFERENCES = 5


class SelfTestError(Exception):
    """A self-test step failed; the message says which and why."""


def sample_page() -> Path:
    """The bundled sample PubMed page."""
    return resources_dir() / SAMPLE_NAME


def needs_offscreen() -> bool:
    """True on Linux/BSD without an X11 or Wayland display (and no platform chosen already)."""
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@contextmanager
def isolated_environment(folder: Path) -> Iterator[None]:
    """Point refmgr's data, config and library at FOLDER so the user's own files are never read or written."""
    names = (DATA_ENV, CONFIG_ENV, LIBRARY_ENV)
    saved = {name: os.environ.get(name) for name in names}
    os.environ[DATA_ENV] = str(folder / "data")
    os.environ[CONFIG_ENV] = str(folder / "config")
    os.environ[LIBRARY_ENV] = str(folder / "library.sqlite")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def check_import(library_path: Path) -> Article:
    """Import the sample into a new library, check its key fields and return the article."""
    from refmgr.core.importer import import_files
    from refmgr.core.library import Library

    sample = sample_page()
    if not sample.is_file():
        raise SelfTestError(f"the bundled sample page is missing: {sample}")
    library = Library(library_path)
    try:
        report = import_files(library, [sample])
        if not report.ok or len(report.article_ids) != 1:
            raise SelfTestError(f"importing {sample.name} gave: {report.summary()}")
        article = library.get(report.article_ids[0])
    finally:
        library.close()
    if article is None:
        raise SelfTestError("the imported article cannot be read back from the library")
    problems = []
    if not article.title.startswith(EXPECTED_TITLE_START):
        problems.append(f"title {article.title!r}")
    if article.doi.lower() != EXPECTED_DOI:
        problems.append(f"DOI {article.doi!r} (expected {EXPECTED_DOI})")
    if len(article.figures) != EXPECTED_FIGURES:
        problems.append(f"{len(article.figures)} figures (expected {EXPECTED_FIGURES})")
    if len(article.references) != EXPECTED_REFERENCES:
        problems.append(f"{len(article.references)} references (expected {EXPECTED_REFERENCES})")
    if problems:
        raise SelfTestError("the sample was imported wrongly: " + "; ".join(problems))
    return article


def check_styles(article: Article) -> int:
    """Format the article in every bibliography style (proves the CSL styles and locales are bundled)."""
    from refmgr.core.export.bibliography import STYLES, format_bibliography

    for name in STYLES:
        try:
            text = format_bibliography([article], name)
        except Exception as error:  # citeproc raises plain errors for missing styles or locales
            raise SelfTestError(f"formatting the sample in the {name} style failed: {error}") from error
        if EXPECTED_TITLE_START not in text:
            raise SelfTestError(f"the {name} style formatted the sample without its title: {text!r}")
    return len(STYLES)


def check_window(library_path: Path) -> tuple[int, int]:
    """Open the main window on the library, let it paint once offscreen, and return the grabbed size."""
    if needs_offscreen():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        from PySide6.QtWidgets import QApplication

        from refmgr.gui import create_main_window
    except ImportError as error:
        raise SelfTestError(f"the window cannot be loaded: {error}") from error
    window = create_main_window(str(library_path))  # creates and names the QApplication
    if window is None:
        raise SelfTestError(f"the window could not open the temporary library {library_path}")
    app = QApplication.instance()
    try:
        window.show()
        app.processEvents()
        pixmap = window.grab()
        app.processEvents()
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
    if pixmap.isNull() or pixmap.width() == 0 or pixmap.height() == 0:
        raise SelfTestError("the window rendered an empty picture")
    if distinct_colours(pixmap.toImage()) < 2:
        raise SelfTestError("the window rendered a blank picture (one colour only)")
    return pixmap.width(), pixmap.height()


def distinct_colours(image: QImage, step: int = 8) -> int:
    """How many different colours a grid of sample points shows (1 means nothing was drawn)."""
    colours = {image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)}
    return len(colours)


def run_self_test() -> int:
    """Run every check; print a one-line summary and return the exit code (0 ok, 1 failed)."""
    try:
        with tempfile.TemporaryDirectory(prefix="refmgr-selftest-", ignore_cleanup_errors=True) as name:
            folder = Path(name)
            with isolated_environment(folder):
                article = check_import(folder / "library.sqlite")
                styles = check_styles(article)
                width, height = check_window(folder / "library.sqlite")
    except SelfTestError as error:
        print(f"refmgr {__version__} self-test FAILED: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a packaged build must say what broke, not crash silently
        traceback.print_exc()
        print(f"refmgr {__version__} self-test FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(
        f"refmgr {__version__} self-test ok: imported 1 article ({len(article.figures)} figures, "
        f"{len(article.references)} references), formatted it in {styles} citation styles, "
        f"window rendered {width}x{height}"
    )
    return 0
