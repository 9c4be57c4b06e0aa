"""The PySide6 window; `create_main_window` gives tests and scripts a ready window on a library."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMainWindow


def create_main_window(library_path: str) -> QMainWindow:
    """The main window for a library, ready to show (Crossref address from the environment and settings)."""
    from refmgr.core.settings import Settings
    from refmgr.gui.app import ensure_application
    from refmgr.gui.main_window import MainWindow
    from refmgr.paths import settings_file

    ensure_application()
    path = settings_file()
    return MainWindow(Path(library_path), Settings.load(path), path)
