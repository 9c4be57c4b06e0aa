"""The one patch of habanero's internals: its module-level `httpx2.get` is routed through refmgr's own client.

habanero calls the module-level httpx2.get and hides response headers. Inside habanero's two request modules
the name `httpx2` is swapped for a router: while a CrossrefClient call runs on this thread, `get` goes through
that client's httpx2.Client (keep-alive, event hooks that read the rate-limit headers, capped streamed bodies);
otherwise it is httpx2.get unchanged. Everything else is httpx2 itself. Written for habanero 2.9 (pyproject pins
`habanero>=2.9,<2.10`); `check_internals()` fails loudly when a habanero release changes what this relies on.
"""

from __future__ import annotations

import importlib
import inspect
import threading
from typing import Any

import httpx2

from refmgr.core.crossref.transport import MAX_WORK_BYTES, ReplyTooLarge, capped_get

PATCHED_MODULES = ("habanero.request", "habanero.request_class")
active = threading.local()  # the running call: session, kind, status, headers, max_bytes, deadline, cancel, ...


class HabaneroInternalsChanged(RuntimeError):
    """habanero no longer looks the way the transport patch expects."""


class _HttpxRouter:
    """Stands in for the httpx2 module inside habanero, routing `get` through the active client."""

    def __getattr__(self, name: str) -> Any:
        return getattr(httpx2, name)

    def get(self, url: str, **kwargs: Any) -> httpx2.Response:
        session: httpx2.Client | None = getattr(active, "session", None)
        if session is None:
            return httpx2.get(url, **kwargs)
        try:
            response, size = capped_get(session, url, getattr(active, "max_bytes", MAX_WORK_BYTES),
                                        deadline=getattr(active, "deadline", None),
                                        cancel=getattr(active, "cancel", None), **kwargs)  # fmt: skip
        except ReplyTooLarge as error:
            active.received += 0 if error.declared else error.size
            raise
        active.received += size
        active.body_size = size
        return response


ROUTER = _HttpxRouter()


def check_internals() -> None:
    """Raise HabaneroInternalsChanged unless each patched module imports httpx2 and calls `httpx2.get`."""
    for name in PATCHED_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            raise HabaneroInternalsChanged(f"{name} is gone: the transport patch needs revisiting") from error
        current = getattr(module, "httpx2", None)
        if current is not ROUTER and current is not httpx2:
            raise HabaneroInternalsChanged(f"{name} no longer uses the module-level httpx2")
        if "httpx2.get(" not in inspect.getsource(module):
            raise HabaneroInternalsChanged(f"{name} no longer calls httpx2.get: its requests would bypass refmgr")


def install() -> None:
    """Swap `httpx2` for the router in habanero's request modules (idempotent)."""
    for name in PATCHED_MODULES:
        importlib.import_module(name).httpx2 = ROUTER


install()
