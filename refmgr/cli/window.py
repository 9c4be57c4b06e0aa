"""Opening the window from the command line (imports Qt only when asked)."""

from __future__ import annotations

import argparse
import sys

from refmgr.paths import resolve_library_path


def open_window(args: argparse.Namespace) -> int:
    """Start the Qt application on the chosen library."""
    try:
        from refmgr.gui.app import run_app
    except ImportError as error:
        print(f"refmgr: the window needs PySide6 ({error}); the subcommands work without it", file=sys.stderr)
        return 2
    return run_app(str(resolve_library_path(args.library)))
