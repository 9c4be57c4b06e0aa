"""Opening the window from the command line (imports Qt only when asked)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from refmgr.paths import resolve_library_path


def open_window(args: argparse.Namespace, files: list[str] | None = None) -> int:
    """Start the Qt application on the chosen library, importing FILES once it is shown."""
    try:
        from refmgr.gui.app import run_app
    except ImportError as error:
        print(f"refmgr: the window needs PySide6 ({error}); the subcommands work without it", file=sys.stderr)
        return 2
    return run_app(str(resolve_library_path(args.library)), [Path(f) for f in files or ()])
