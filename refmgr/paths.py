"""Where refmgr keeps its files: platformdirs defaults, each overridable by the environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from refmgr import APP_NAME

LIBRARY_ENV = "REFMGR_LIBRARY"
DATA_ENV = "REFMGR_DATA_DIR"
CONFIG_ENV = "REFMGR_CONFIG_DIR"
LIBRARY_FILENAME = "library.sqlite"


def data_dir() -> Path:
    """Folder for the library and its backups (REFMGR_DATA_DIR overrides)."""
    override = os.environ.get(DATA_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """Folder for settings (REFMGR_CONFIG_DIR overrides)."""
    override = os.environ.get(CONFIG_ENV)
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def settings_file() -> Path:
    """The JSON settings file."""
    return config_dir() / "settings.json"


def default_library_path() -> Path:
    """The library used when no --library is given: REFMGR_LIBRARY, the settings, or the data folder."""
    override = os.environ.get(LIBRARY_ENV)
    if override:
        return Path(override).expanduser()
    from refmgr.core.settings import Settings

    configured = Settings.load(settings_file()).library_path
    if configured:
        return Path(configured).expanduser()
    return data_dir() / LIBRARY_FILENAME


def resolve_library_path(cli_value: str | None) -> Path:
    """The library path: the --library flag first, then the defaults."""
    return Path(cli_value).expanduser() if cli_value else default_library_path()


def backups_dir(library_path: Path) -> Path:
    """Folder for a library's automatic backups, beside the library file."""
    return library_path.parent / "backups"


def resources_dir() -> Path:
    """The bundled resources folder (icons, CSL styles, the sample page).

    Looked for in a PyInstaller bundle (sys._MEIPASS), inside the installed package (wheels built by
    setup.py carry it as refmgr/resources), then beside the package in a source checkout.
    """
    here = Path(__file__).resolve().parent
    bundle = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundle) / "resources"] if bundle else []
    for candidate in (*candidates, here / "resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    return here.parent / "resources"
