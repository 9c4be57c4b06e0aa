"""Subcommands for Zotero: log in, sync with the personal library or a group, review conflicts."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from refmgr.cli import EXIT_OK, EXIT_SOME_FAILED, UsageError, library_option
from refmgr.cli.common import open_library

if TYPE_CHECKING:
    from refmgr.core.zotero.client import ZoteroClient
    from refmgr.core.zotero.credentials import CredentialStore
    from refmgr.core.zotero.sync import ZoteroSync


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add zotero-login and sync-zotero."""
    p = subparsers.add_parser("zotero-login", help="save a Zotero user id and API key (the key is read from stdin)")
    p.add_argument("user_id", type=int, help="your Zotero user id (zotero.org/settings/keys)")
    p.add_argument("--forget", action="store_true", help="remove the saved account instead")
    p.set_defaults(handler=cmd_login)

    p = subparsers.add_parser("sync-zotero", help="two-way sync with your Zotero library or a group")
    p.add_argument("--group", metavar="NAME", help="a group library's name or id (default: your personal library)")
    p.add_argument("--conflicts", action="store_true", help="list the conflicts kept for review and exit")
    p.add_argument("--resolve", type=int, metavar="N", help="mark conflict N as settled")
    p.add_argument("--restore", type=int, metavar="N", help="restore the article deleted in Zotero by conflict N")
    library_option(p)
    p.set_defaults(handler=cmd_sync)


def _store() -> CredentialStore:
    """The credential store in the config folder."""
    from refmgr.core.zotero.credentials import CredentialStore
    from refmgr.paths import config_dir

    return CredentialStore(config_dir())


def cmd_login(args: argparse.Namespace) -> int:
    """Save (or forget) the Zotero account."""
    from refmgr.core.zotero.credentials import Account

    store = _store()
    if args.forget:
        store.forget()
        print("refmgr: the Zotero account was removed")
        return EXIT_OK
    key = getpass.getpass("Zotero API key: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not key.isalnum() or len(key) > 64:
        raise UsageError("a Zotero API key is letters and digits (zotero.org/settings/keys)")
    where = store.save(Account(args.user_id, key))
    print(f"refmgr: Zotero user {args.user_id} saved; the key is in {where}")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    """Sync, or show and settle conflicts."""
    from refmgr.core.settings import Settings
    from refmgr.core.zotero.client import ZoteroClient, ZoteroError
    from refmgr.core.zotero.sync import ZoteroSync
    from refmgr.paths import settings_file

    account = _store().load()
    if account is None:
        raise UsageError("no Zotero account yet: run `refmgr zotero-login USER_ID` first")
    client = ZoteroClient(account.api_key, str(Settings.load(settings_file()).extra.get("zotero_url", "")))
    with open_library(args) as library:
        try:
            prefix, name = _target(client, account.user_id, args.group)
            sync = ZoteroSync(library, client, prefix, name)
            if args.conflicts or args.resolve or args.restore:
                return _conflicts(sync, args)
            report = sync.run(lambda stage, done, total: None)
        except ZoteroError as error:
            print(f"refmgr: Zotero sync stopped: {error}; local changes stay queued for the next sync", file=sys.stderr)
            return EXIT_SOME_FAILED
        finally:
            client.close()
    print(f"{name}: {report.summary()} ({client.requests} requests)")
    for failure in report.failures:
        print(f"  failed: {failure}")
    return EXIT_SOME_FAILED if report.failures else EXIT_OK


def _target(client: ZoteroClient, user_id: int, group: str | None) -> tuple[str, str]:
    """The API prefix and name of the library to sync: the user's own, or the group named GROUP."""
    if not group:
        return f"/users/{user_id}", "My Library"
    groups = client.groups(user_id)
    for group_id, name in groups:
        if group in (str(group_id), name) or group.lower() == name.lower():
            return f"/groups/{group_id}", name
    known = ", ".join(name for _, name in groups) or "none"
    raise UsageError(f"no Zotero group {group!r} for this key (groups: {known})")


def _conflicts(sync: ZoteroSync, args: argparse.Namespace) -> int:
    """List the sync conflicts, or resolve or restore the one named."""
    conflicts = {c.id: c for c in sync.store.conflicts()}
    if args.resolve or args.restore:
        number = args.resolve or args.restore
        conflict = conflicts.get(number)
        if conflict is None:
            raise UsageError(f"no open conflict {number} (see --conflicts)")
        if args.restore:
            try:
                article_id = sync.store.restore_deleted(conflict)
            except ValueError as error:
                raise UsageError(f"conflict {number}: {error}") from error
            print(f"restored as article {article_id}; the next sync sends it to Zotero again")
            return EXIT_OK
        sync.store.resolve_conflict(number)
        return EXIT_OK
    for c in conflicts.values():
        print(f"{c.id}\t{c.at}\tarticle {c.article_id or '-'}\t{c.field}\tkept ({c.kept_side}): {c.kept[:80]}"
              f"\tother: {c.other[:80]}")  # fmt: skip
    if not conflicts:
        print("no conflicts")
    return EXIT_OK
