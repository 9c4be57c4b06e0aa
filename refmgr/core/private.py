"""Owner-only files and folders on POSIX (0600/0700): a clinician's notes may hold patient-identifying text."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

POSIX = os.name == "posix"
FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create the folder (and missing parents) owner-only; an existing folder is left as it is."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    if POSIX:
        for folder in missing:
            with contextlib.suppress(OSError):
                os.chmod(folder, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create an empty owner-only file when none exists (SQLite then gives its -wal and -shm the same mode)."""
    path = Path(path)
    private_dir(path.parent)
    if POSIX and not path.exists():
        with contextlib.suppress(OSError):  # exists already, or cannot be made: whoever opens it says why
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    return path
