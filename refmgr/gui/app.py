"""The Qt application: names, icon, style sheet, and the event loop."""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from refmgr import APP_ID, APP_NAME, __version__
from refmgr.paths import resolve_library_path, resources_dir

ORGANIZATION = "refmgr"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """The application icon from resources/icons (empty if the icons are missing)."""
    icon = QIcon()
    base = resources_dir() / "icons" / "hicolor"
    for size in ICON_SIZES:
        png = base / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        if png.is_file():
            icon.addFile(str(png))
    svg = base / "scalable" / "apps" / f"{APP_ID}.svg"
    if icon.isNull() and svg.is_file():
        icon.addFile(str(svg))
    return icon


def style_sheet() -> str:
    """The bundled style sheet (resources/styles/refmgr.qss), or empty."""
    path = resources_dir() / "styles" / "refmgr.qss"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def ensure_application() -> QApplication:
    """The QApplication, created and named on first use."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([APP_NAME])
    configure(app)
    return app


def configure(app: QApplication) -> None:
    """Application name, organisation, desktop file name, icon and style sheet."""
    if app.property("refmgrConfigured"):
        return
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_ID)
    icon = app_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)
    if sheet := style_sheet():
        app.setStyleSheet(sheet)
    app.setProperty("refmgrConfigured", True)


def run_app(library_path: str, files: Sequence[Path] = ()) -> int:
    """Open the window on a library (importing FILES once shown) and run the event loop."""
    from refmgr.gui import create_main_window
    from refmgr.gui.imports import ImportRequest

    app = ensure_application()
    window = create_main_window(library_path)
    if window is None:  # the library could not be opened and the user chose to quit
        return 1
    window.show()
    QTimer.singleShot(0, window.first_run_prompt)
    if files:
        QTimer.singleShot(0, lambda: window.start_import(ImportRequest(paths=list(files))))
    signal.signal(signal.SIGINT, lambda *_args: window.close())  # Ctrl+C in the terminal closes cleanly
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)  # lets Python see the signal while Qt's loop runs
    wake.start(300)
    return app.exec()


def main() -> None:
    """GUI-script entry point (`refmgr-gui`): the default library, or the one named on the command line."""
    argument = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else None
    sys.exit(run_app(str(resolve_library_path(argument))))
