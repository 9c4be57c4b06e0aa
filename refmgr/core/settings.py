"""User settings kept in a JSON file: Crossref contact and address, library, styles, journal abbreviations."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_CROSSREF_URL = "https://api.crossref.org"
CROSSREF_URL_ENV = "REFMGR_CROSSREF_URL"
MAILTO_ENV = "REFMGR_MAILTO"
DEFAULT_EUROPEPMC_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest"
DEFAULT_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
EUROPEPMC_URL_ENV = "REFMGR_EUROPEPMC_URL"
EUTILS_URL_ENV = "REFMGR_EUTILS_URL"
NCBI_API_KEY_ENV = "REFMGR_NCBI_API_KEY"


@dataclass
class Settings:
    """Everything the user can set; unknown keys in the file are kept for newer versions."""

    mailto: str = ""
    crossref_url: str = ""
    unpaywall_url: str = ""
    europepmc_url: str = ""
    eutils_url: str = ""
    ncbi_api_key: str = ""
    enrich: bool = True
    library_path: str = ""
    citation_style: str = "vancouver"
    first_run_done: bool = False
    backups_kept: int = 7
    auto_backup: bool = True
    journal_abbreviations: dict[str, str] = field(default_factory=dict)  # journal title or ISSN -> abbreviation
    recent_styles: list[str] = field(default_factory=list)  # CSL style ids, most recent first
    gui_state: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read settings; a missing or unreadable file gives the defaults."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        defaults = cls()
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {}
        for key in known & data.keys():
            default = getattr(defaults, key)
            if _same_type(data[key], default):
                values[key] = data[key]
            else:  # a hand-edited file: say which setting is wrong and go on with its default
                log.warning("settings file %s: %r should be %s, not %s; using %r", path, key,
                            _TYPE_NAMES.get(type(default), type(default).__name__), json.dumps(data[key]), default)
        settings = cls(**values)
        settings.extra = {k: v for k, v in data.items() if k not in known}
        return settings

    def save(self, path: Path) -> None:
        """Write settings atomically (temp file, then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        data.update(data.pop("extra"))
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2, ensure_ascii=False)
        os.replace(temp, path)

    def effective_crossref_url(self) -> str:
        """Crossref base URL: REFMGR_CROSSREF_URL, then the setting, then api.crossref.org."""
        return (os.environ.get(CROSSREF_URL_ENV) or self.crossref_url or DEFAULT_CROSSREF_URL).rstrip("/")

    def effective_mailto(self) -> str:
        """Contact e-mail for the polite pool: REFMGR_MAILTO, then the setting."""
        return os.environ.get(MAILTO_ENV) or self.mailto

    def effective_europepmc_url(self) -> str:
        """Europe PMC REST base URL: REFMGR_EUROPEPMC_URL, then the setting, then the EBI's."""
        return (os.environ.get(EUROPEPMC_URL_ENV) or self.europepmc_url or DEFAULT_EUROPEPMC_URL).rstrip("/")

    def effective_eutils_url(self) -> str:
        """NCBI E-utilities base URL: REFMGR_EUTILS_URL, then the setting, then NCBI's."""
        return (os.environ.get(EUTILS_URL_ENV) or self.eutils_url or DEFAULT_EUTILS_URL).rstrip("/")

    def effective_ncbi_api_key(self) -> str:
        """The user's own NCBI API key (10 requests/s instead of 3): REFMGR_NCBI_API_KEY, then the setting."""
        return (os.environ.get(NCBI_API_KEY_ENV) or self.ncbi_api_key).strip()

def mailto_problem(mailto: str) -> str:
    """Why a contact e-mail cannot go into a request header (a line break or other control character), or ""."""
    if any(ord(c) < 32 or ord(c) == 127 for c in mailto):
        return (f"the contact e-mail {mailto!r} contains a line break or control character; correct it in the "
                f"settings (or {MAILTO_ENV})")  # fmt: skip
    return ""


_TYPE_NAMES = {bool: "true or false", int: "a whole number", str: "text", dict: "an object"}


def _same_type(value: Any, default: Any) -> bool:
    """True when a value read from the file has the type of the setting (a bool is not a number here)."""
    if isinstance(default, bool) or isinstance(value, bool):
        return type(value) is type(default)
    if isinstance(default, int):
        return isinstance(value, int) and value >= 0
    return isinstance(value, type(default))
