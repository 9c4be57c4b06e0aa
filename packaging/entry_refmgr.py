"""PyInstaller entry point: the `refmgr` command (no arguments opens the window)."""

from refmgr.cli import run

run()
