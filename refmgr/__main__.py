"""`python -m refmgr` runs the command line."""

from refmgr.cli import run

run()
