"""Opening the window from the command line (imports Qt only when asked)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from refmgr.paths import resolve_library_path


def missing_display(environ: dict[str, str] | None = None, platform: str = sys.platform) -> str:
    """Why the window cannot open here (no graphical session on Linux), or "" when it can try."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return ""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    return ("no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set: is this a terminal "
            "without a desktop session, e.g. over ssh?). The subcommands work here: see `refmgr --help`.")  # fmt: skip


def open_window(args: argparse.Namespace, files: list[str] | None = None) -> int:
    """Start the Qt application on the chosen library, importing FILES once it is shown."""
    problem = missing_display()
    if problem:
        print(f"refmgr: {problem}", file=sys.stderr)
        return 2
    try:
        from refmgr.gui.app import run_app
    except ImportError as error:
        print(f"refmgr: the window needs PySide6 ({error}); the subcommands work without it", file=sys.stderr)
        return 2
    return run_app(str(resolve_library_path(args.library)), [Path(f) for f in files or ()])
