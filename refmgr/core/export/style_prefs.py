"""Which style to use: a reading list's own default, the recently used styles, the settings' default."""

from __future__ import annotations

import contextlib
from pathlib import Path

from refmgr.core.library import Library
from refmgr.core.settings import Settings

RECENT_KEPT = 10
DEFAULT_STYLE = "vancouver"


def list_style(library: Library, list_id: int) -> str:
    """The style a reading list is exported in by default ("" if it has none)."""
    return library.get_setting(f"list_style:{list_id}")


def set_list_style(library: Library, list_id: int, style: str) -> None:
    """Give a reading list its default style ("" removes it)."""
    library.set_setting(f"list_style:{list_id}", style.strip())


def remember_style(settings_path: Path, style: str) -> list[str]:
    """Put STYLE first in the settings' recently used styles; returns the new list."""
    settings = Settings.load(settings_path)
    recent = [style, *(s for s in settings.recent_styles if isinstance(s, str) and s != style)][:RECENT_KEPT]
    if recent != settings.recent_styles:
        settings.recent_styles = recent
        with contextlib.suppress(OSError):  # a convenience: a read-only settings folder must not stop an export
            settings.save(settings_path)
    return recent


def default_style(settings: Settings, library: Library | None = None, list_id: int | None = None) -> str:
    """The style to use when none is given: the list's own, then the settings' citation style, then Vancouver."""
    if library is not None and list_id is not None and (own := list_style(library, list_id)):
        return own
    return str(settings.citation_style or "") or DEFAULT_STYLE
