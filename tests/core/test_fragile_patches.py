"""The habanero and citeproc-py patches: pinned versions, and a loud failure if the libraries' internals change."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from types import ModuleType

import citeproc
import habanero
import pytest

from refmgr.core.crossref import habanero_patch
from refmgr.core.export import citeproc_patches

PYPROJECT = (Path(__file__).parent.parent.parent / "pyproject.toml").read_text(encoding="utf-8")


def _pinned(package: str) -> tuple[str, str]:
    match = re.search(rf'"{package}>=([\d.]+),<([\d.]+)"', PYPROJECT)
    assert match, f"{package} must have an upper bound in pyproject.toml: refmgr patches its internals"
    return match.group(1), match.group(2)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


@pytest.mark.parametrize(("package", "module"), [("habanero", habanero), ("citeproc-py", citeproc)])
def test_the_installed_versions_are_the_pinned_ones(package: str, module: ModuleType) -> None:
    low, high = _pinned(package)
    assert _version(low) <= _version(module.__version__) < _version(high)


def test_habanero_still_looks_as_the_patch_expects() -> None:
    habanero_patch.check_internals()
    for name in habanero_patch.PATCHED_MODULES:
        assert importlib.import_module(name).httpx2 is habanero_patch.ROUTER


def test_a_habanero_that_stopped_calling_httpx2_get_is_caught(monkeypatch) -> None:
    fake = ModuleType("habanero.request")
    fake.__dict__["httpx2"] = habanero_patch.ROUTER
    monkeypatch.setitem(sys.modules, "habanero.request", fake)
    monkeypatch.setattr(habanero_patch.inspect, "getsource", lambda _module: "session.request('GET', url)")
    with pytest.raises(habanero_patch.HabaneroInternalsChanged, match=r"no longer calls httpx2\.get"):
        habanero_patch.check_internals()


def test_citeproc_still_looks_as_the_patches_expect() -> None:
    citeproc_patches.check_internals()


def test_a_citeproc_without_a_wrapped_method_is_caught(monkeypatch) -> None:
    monkeypatch.delattr(citeproc.model.CitationStylesElement, "xpath_search")
    with pytest.raises(citeproc_patches.CiteprocInternalsChanged, match=r"CitationStylesElement\.xpath_search"):
        citeproc_patches.check_internals()
