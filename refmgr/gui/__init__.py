"""The PySide6 window; `create_main_window` gives tests and scripts a ready window on a library."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMainWindow


def create_main_window(library_path: str) -> QMainWindow | None:
    """The main window for a library, ready to show (Crossref address from the environment and settings).

    A damaged or too-new library is explained through `dialogs.ask`, with its newest good backup offered;
    None when the user then chooses to quit.
    """
    from refmgr.core.settings import Settings
    from refmgr.gui.app import ensure_application
    from refmgr.gui.main_window import MainWindow
    from refmgr.gui.startup import open_library_interactively
    from refmgr.paths import settings_file

    ensure_application()
    library = open_library_interactively(Path(library_path))
    if library is None:
        return None
    path = settings_file()
    return MainWindow(library.path, Settings.load(path), path, library=library)
