"""Rotating library backups through SQLite's backup API; verified restore that keeps the current file."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from refmgr.core import schema, sqlerrors
from refmgr.core.library import LibraryError
from refmgr.core.maintenance import integrity_problems
from refmgr.core.private import private_dir, private_file
from refmgr.core.settings import Settings
from refmgr.paths import backups_dir, settings_file

AUTO_BACKUP_AGE = timedelta(days=1)
PAGES_PER_STEP = 1024  # 4 MB per backup step at the default page size
STAMP_FORMAT = "%Y%m%dT%H%M%S%f"
SQLITE_HEADER = b"SQLite format 3\x00"
log = logging.getLogger(__name__)


class BackupError(LibraryError):
    """A backup could not be made, or a file is not a sound library to restore."""


@dataclass
class RestoreResult:
    """Where a restore came from and where the replaced library was kept."""

    restored_from: Path
    previous_copy: Path | None


def _pattern(library_path: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(library_path.stem)}-(\d{{8}}T\d{{12}})(?:-([a-z0-9-]+))?\.sqlite$")


def backup_path(library_path: Path, when: datetime, reason: str = "") -> Path:
    """The file name a backup of this library taken at `when` gets in the backups folder."""
    stamp = when.astimezone(UTC).strftime(STAMP_FORMAT)
    suffix = f"-{reason}" if reason else ""
    return backups_dir(library_path) / f"{library_path.stem}-{stamp}{suffix}.sqlite"


def backup_time(path: Path) -> datetime | None:
    """When a backup was taken, read from its name."""
    match = re.search(r"-(\d{8}T\d{12})(?:-[a-z0-9-]+)?\.sqlite$", path.name)
    return datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=UTC) if match else None


def list_backups(library_path: Path) -> list[Path]:
    """This library's backups in its backups folder, newest first."""
    folder = backups_dir(Path(library_path))
    if not folder.is_dir():
        return []
    pattern = _pattern(Path(library_path))
    found = [(m.group(1), p) for p in folder.iterdir() if (m := pattern.match(p.name))]
    return [p for _, p in sorted(found, reverse=True)]


def article_count(path: Path) -> int | None:
    """How many articles a library file holds (read-only), or None when it cannot be read."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def library_problem(path: Path, full: bool = False) -> str | None:
    """Why a file is not a sound refmgr library (missing, not SQLite, damaged, not a library), or None."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            header = stream.read(len(SQLITE_HEADER))
    except OSError as error:
        return f"cannot read it ({error.strerror or error})"
    if header != SQLITE_HEADER:
        return "not a SQLite database"
    conn = sqlite3.connect(str(path))
    try:
        problems = integrity_problems(conn, quick=not full)
        if problems:
            return "damaged: " + "; ".join(problems[:3])
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return f"damaged: {error}"
    finally:
        conn.close()
    if not {"articles", "articles_fts"} <= tables or version < 1:
        return "not a refmgr library"
    if version > schema.SCHEMA_VERSION:
        return f"written by a newer refmgr (schema {version}); upgrade refmgr to restore it"
    return None


def copy_database(
    source: Path,
    dest: Path,
    pages_per_step: int = PAGES_PER_STEP,
    progress: Callable[[int, int], object] | None = None,
) -> Path:
    """Copy a live SQLite database with the backup API into dest (atomically, as a single-file database)."""
    # The copy runs in steps of `pages_per_step` pages (the GIL is released in each), inside one read
    # transaction on the source: one consistent snapshot that other connections' writes (WAL) neither block
    # nor restart. Memory stays at the two connections' page caches whatever the library's size.
    # `progress(remaining, total)` is called after each step (pages); an exception it raises aborts the copy.
    private_dir(dest.parent)
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    private_file(partial)  # backups hold the notes too: owner-only
    src = sqlite3.connect(str(source), isolation_level=None)
    dst = sqlite3.connect(str(partial))
    try:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # starts the read transaction (the snapshot)
        report = (lambda _status, remaining, total: progress(remaining, total)) if progress else None
        src.backup(dst, pages=max(1, pages_per_step), progress=report)
        src.execute("COMMIT")
        dst.execute("PRAGMA journal_mode = DELETE")
        problems = integrity_problems(dst, quick=True)
    except sqlite3.DatabaseError as error:
        if not sqlerrors.is_damage(error):  # a full or read-only destination is not the source's fault
            dst.close()
            partial.unlink(missing_ok=True)
            kind = sqlerrors.error_kind(error)
            reason = {sqlerrors.FULL: "the disk is full", sqlerrors.READ_ONLY: "the folder or disk is read-only"}
            raise BackupError(f"cannot write the backup {dest}: {reason.get(kind, str(error))}; {source} is fine",
                              kind) from error  # fmt: skip
        problems = [str(error)]
    except BaseException:  # cancelled (or interrupted): no partial file left behind
        dst.close()
        src.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        dst.close()
        src.close()
    if problems:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot back up {source}: it is damaged ({'; '.join(problems[:3])})")
    os.replace(partial, dest)
    return dest


@contextlib.contextmanager
def backup_lock(library_path: Path) -> Iterator[bool]:
    """Hold this library's backup lock if no other process or thread holds it; yields whether it was taken."""
    # An OS file lock in the backups folder: released when the holder ends, even by a crash.
    lock_path = backups_dir(library_path) / f".{library_path.stem}.backup-lock"
    try:
        private_dir(lock_path.parent)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise BackupError(f"cannot write a backup of {library_path}: {error.strerror or error}") from error
    try:
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def rotate(library_path: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (at least one is kept); return the deleted files."""
    doomed = list_backups(library_path)[max(1, keep) :]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def _keep_setting() -> int:
    return Settings.load(settings_file()).backups_kept


def create_backup(
    library_path: Path, reason: str = "", keep: int | None = None, now: datetime | None = None
) -> Path:
    """Back the library up into its backups folder and rotate (keep defaults to the setting)."""
    library_path = Path(library_path)
    if not library_path.is_file():
        raise BackupError(f"no library at {library_path}")
    try:
        dest = copy_database(library_path, backup_path(library_path, now or datetime.now(UTC), reason))
    except OSError as error:
        raise BackupError(f"cannot write a backup of {library_path}: {error.strerror or error}") from error
    rotate(library_path, _keep_setting() if keep is None else keep)
    return dest


def auto_backup(library_path: Path, settings: Settings, now: datetime | None = None) -> Path | None:
    """Back up when the newest backup is older than a day; None when not needed or not possible."""
    # Skipped, with a logged warning, while another backup of the same library is being made (the window's
    # background one, or another command's).
    library_path = Path(library_path)
    if not settings.auto_backup or not library_path.is_file() or library_path.stat().st_size == 0:
        return None
    now = now or datetime.now(UTC)
    if not _backup_due(library_path, now):
        return None
    try:
        with backup_lock(library_path) as locked:
            if not locked:
                log.warning("automatic backup skipped: another backup of %s is running", library_path)
                return None
            if not _backup_due(library_path, now):  # the other one may just have finished
                return None
            return create_backup(library_path, "auto", settings.backups_kept, now)
    except (BackupError, OSError, sqlite3.Error) as error:
        log.warning("automatic backup skipped: %s", error)
        return None


def _backup_due(library_path: Path, now: datetime) -> bool:
    backups = list_backups(library_path)
    newest = backup_time(backups[0]) if backups else None
    return newest is None or now - newest >= AUTO_BACKUP_AGE


def backup_before_migration(library_path: Path, version: int) -> None:
    """Library's before_migration hook: a verified backup of the old schema, or no migration at all."""
    create_backup(Path(library_path), f"schema-v{version}")


def find_newest_good_backup(library_path: Path) -> Path | None:
    """The newest backup of this library that passes the checks, for restore after damage."""
    for path in list_backups(Path(library_path)):
        if library_problem(path) is None:
            return path
    return None


def restore(backup: Path, library_path: Path) -> RestoreResult:
    """Replace the library with a sound backup; the current file is backed up (or copied raw) first."""
    backup, library_path = Path(backup), Path(library_path)
    problem = library_problem(backup, full=True)
    if problem:
        raise BackupError(f"{backup}: {problem}; the library was not changed")
    previous: Path | None = None
    if library_path.exists():
        try:
            previous = create_backup(library_path, "before-restore")
        except BackupError:
            previous = _raw_copy(library_path)
    staged = library_path.with_name(f".{library_path.name}.restoring")
    copy_database(backup, staged)
    for suffix in ("-wal", "-shm"):
        Path(f"{library_path}{suffix}").unlink(missing_ok=True)
    os.replace(staged, library_path)
    return RestoreResult(backup, previous)


def _raw_copy(library_path: Path) -> Path:
    """A byte copy of a damaged library (and its WAL) kept beside the backups, so nothing is ever lost."""
    stamp = datetime.now(UTC).strftime(STAMP_FORMAT)
    # a name list_backups does not match: never rotated away, never offered for restore
    dest = backups_dir(library_path) / f"{library_path.stem}-damaged-{stamp}.sqlite"
    private_dir(dest.parent)
    shutil.copy2(library_path, private_file(dest))
    wal = Path(f"{library_path}-wal")
    if wal.exists():
        with contextlib.suppress(OSError):
            shutil.copy2(wal, Path(f"{dest}-wal"))
    return dest
