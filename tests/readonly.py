"""Making a library file read-only for a test, even when the tests run as root (who ignores mode 444)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def read_only_file(path: Path) -> Iterator[Path]:
    """Mode 444 (and, as root, the immutable flag); the test is skipped where neither makes the file read-only."""
    os.chmod(path, 0o444)
    immutable = False
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("chattr"):
        immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
    try:
        try:
            with open(path, "r+b"):
                pytest.skip("cannot make a file read-only here (root without chattr)")
        except OSError:
            pass
        yield path
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        os.chmod(path, 0o644)
