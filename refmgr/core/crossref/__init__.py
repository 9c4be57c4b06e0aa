"""Crossref: habanero client, rate limiter, work mapping, cache, reference matching and resolution."""

from refmgr.core.crossref.client import CrossrefClient, CrossrefError, Lookup, client_from_settings

__all__ = ["CrossrefClient", "CrossrefError", "Lookup", "client_from_settings"]
