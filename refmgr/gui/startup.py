"""Opening the library at start: a damaged file is offered its newest good backup, a too-new file says so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCursor, QGuiApplication
from PySide6.QtWidgets import QWidget

from refmgr.core.backup import (
    article_count,
    backup_before_migration,
    backup_time,
    find_newest_good_backup,
    library_problem,
    restore,
)
from refmgr.core.library import Library, LibraryError
from refmgr.core.maintenance import probe
from refmgr.core.schema import SchemaTooNewError
from refmgr.core.settings import Settings
from refmgr.core.sqlerrors import DAMAGED
from refmgr.gui import dialogs
from refmgr.paths import backups_dir, settings_file

Ask = Callable[[QWidget | None, str, str], bool]
Tell = Callable[[QWidget | None, str, str], None]


def open_library(path: Path) -> Library:
    """The library, with a verified backup taken before any schema migration; raises LibraryError."""
    library = Library(path, before_migration=backup_before_migration)
    problems = probe(library.conn)  # bounded quick_check and the first sorted reads the window makes
    if problems:
        library.close()
        raise LibraryError(f"cannot read library {path}: damaged: {'; '.join(problems[:3])}", DAMAGED)
    return library


def describe_backup(path: Path) -> str:
    """A backup's name, then when it was taken and how many articles it holds (for questions to the user)."""
    when = backup_time(path) or datetime.fromtimestamp(path.stat().st_mtime, UTC)
    details = [f"taken {when.astimezone():%d %b %Y at %H:%M}"]
    count = article_count(path)
    if count is not None:
        details.append(f"{count:,} article{'s' if count != 1 else ''}")
    return f"{path.name} ({', '.join(details)})"


def new_library_path(path: Path) -> Path:
    """A free file name beside PATH for a new, empty library (the old file is left alone)."""
    candidate = path.with_name(f"{path.stem}-new{path.suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-new-{n}{path.suffix}")
        n += 1
    return candidate


def open_library_interactively(
    path: Path, ask: Ask | None = None, tell: Tell | None = None, parent: QWidget | None = None
) -> Library | None:
    """Open the library; if it cannot be opened, say why and offer its newest good backup or a new library."""
    # Returns None when the user chooses to quit. The damaged file is never overwritten in place: a restore
    # keeps a copy of it in the backups folder, and a new library goes to a different file.
    ask = ask or dialogs.ask  # looked up at call time, so tests can replace dialogs.ask / dialogs.tell
    tell = tell or dialogs.tell
    path = Path(path)
    try:
        return open_library(path)
    except (LibraryError, OSError) as error:
        failure: Exception = error
    if isinstance(failure.__cause__, SchemaTooNewError):
        reason = (f"The library\n{path}\nwas written by a newer version of refmgr: {failure.__cause__}.\n\n"
                  "It has not been changed.")  # fmt: skip
        return _offer_new_library(path, reason, ask, tell, parent)
    problem = library_problem(path) if path.exists() else None
    if problem is None:
        return _offer_new_library(path, f"refmgr could not open the library\n{path}\n\n{failure}", ask, tell, parent)
    reason = f"refmgr cannot open your library\n{path}\n\nThe file is {problem}."
    backup = find_newest_good_backup(path)
    if backup is not None:
        question = (f"{reason}\n\nThe newest good backup is\n{describe_backup(backup)}.\n\n"
                    "Restore it? Changes made after that backup will not be in it. The damaged file is kept "
                    f"in {backups_dir(path)} so nothing is lost.")  # fmt: skip
        if ask(parent, "Library damaged", question):
            restored = _restore_and_open(backup, path, tell, parent)
            if restored is not None:
                return restored
    else:
        reason += "\n\nNo backup of it was found."
    return _offer_new_library(path, reason, ask, tell, parent)


def _restore_and_open(backup: Path, path: Path, tell: Tell, parent: QWidget | None) -> Library | None:
    """Restore BACKUP over the damaged library and open it; None (after telling why) when that fails."""
    QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
    try:
        result = restore(backup, path)
        library = open_library(path)
    except (LibraryError, OSError) as error:
        QGuiApplication.restoreOverrideCursor()
        tell(parent, "Restore failed", f"refmgr could not restore {backup.name}:\n{error}")
        return None
    QGuiApplication.restoreOverrideCursor()
    kept = f"\n\nThe damaged library was kept as\n{result.previous_copy}" if result.previous_copy else ""
    tell(parent, "Library restored", f"Your library was restored from {backup.name}.{kept}")
    return library


def _offer_new_library(path: Path, reason: str, ask: Ask, tell: Tell, parent: QWidget | None) -> Library | None:
    """Offer a new, empty library at another path (remembered in the settings); None means quit."""
    fresh = new_library_path(path)
    question = (f"{reason}\n\nStart with a new, empty library at\n{fresh}\ninstead? refmgr will open it from now "
                f"on; {path.name} stays where it is, untouched. Choose No to quit.")  # fmt: skip
    if not ask(parent, "Cannot open the library", question):
        return None
    try:
        library = open_library(fresh)
    except (LibraryError, OSError) as error:
        tell(parent, "Cannot create a library", f"refmgr could not create {fresh}:\n{error}")
        return None
    settings_path = settings_file()
    settings = Settings.load(settings_path)
    settings.library_path = str(fresh)
    settings.save(settings_path)
    return library
