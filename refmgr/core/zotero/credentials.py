"""The Zotero user id and API key: in the platform's keyring, or an owner-only file where no keyring exists."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

SERVICE = "refmgr-zotero"
API_KEY_ENV, USER_ID_ENV = "REFMGR_ZOTERO_API_KEY", "REFMGR_ZOTERO_USER_ID"


@dataclass
class Account:
    """A Zotero account as refmgr uses it."""

    user_id: int
    api_key: str


class CredentialStore:
    """Stores one Zotero account; the key never goes into the library, the settings or a log."""

    def __init__(self, folder: Path, use_keyring: bool = True) -> None:
        self.file = folder / "zotero-account.json"
        self.use_keyring = use_keyring

    def load(self) -> Account | None:
        """The saved account (REFMGR_ZOTERO_USER_ID and REFMGR_ZOTERO_API_KEY win), or None."""
        if os.environ.get(API_KEY_ENV) and os.environ.get(USER_ID_ENV, "").isdigit():
            return Account(int(os.environ[USER_ID_ENV]), os.environ[API_KEY_ENV])
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            user_id = int(data["user_id"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        key = data.get("api_key") or self._keyring_get(user_id)
        return Account(user_id, key) if key else None

    def saved_user_id(self) -> int | None:
        """The saved account's user id, read without asking the keyring (cheap enough for the GUI thread)."""
        if os.environ.get(API_KEY_ENV) and os.environ.get(USER_ID_ENV, "").isdigit():
            return int(os.environ[USER_ID_ENV])
        try:
            return int(json.loads(self.file.read_text(encoding="utf-8"))["user_id"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, account: Account) -> str:
        """Save the account; where the key went ("the system keyring" or the file's path)."""
        in_keyring = self._keyring_set(account)
        self.file.parent.mkdir(parents=True, exist_ok=True)
        data = {"user_id": account.user_id} if in_keyring else {"user_id": account.user_id, "api_key": account.api_key}
        handle = os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream)
        os.chmod(self.file, 0o600)
        return "the system keyring" if in_keyring else str(self.file)

    def forget(self) -> None:
        """Remove the saved account and its key."""
        account = self.load()
        if account and self.use_keyring:
            try:
                import keyring

                keyring.delete_password(SERVICE, str(account.user_id))
            except Exception:
                pass
        self.file.unlink(missing_ok=True)

    def _keyring_set(self, account: Account) -> bool:
        if not self.use_keyring:
            return False
        try:
            import keyring
            from keyring.backends import fail

            if isinstance(keyring.get_keyring(), fail.Keyring):
                return False
            keyring.set_password(SERVICE, str(account.user_id), account.api_key)
            return True
        except Exception:
            return False

    def _keyring_get(self, user_id: int) -> str:
        if not self.use_keyring:
            return ""
        try:
            import keyring

            return keyring.get_password(SERVICE, str(user_id)) or ""
        except Exception:
            return ""
