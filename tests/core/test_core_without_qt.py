"""`refmgr.core` (every module under it) and the library subcommands work with PySide6 unavailable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCK_QT = """
import importlib.abc
import sys

class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6"):
            raise ImportError(f"{name} is blocked for this test")
        return None

sys.meta_path.insert(0, BlockQt())
for name in [m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6")]:
    del sys.modules[name]
"""


def run_without_qt(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run Python code in a fresh interpreter where importing PySide6 fails."""
    env = {"PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "REFMGR_DATA_DIR": str(tmp_path / "data"),
           "REFMGR_CONFIG_DIR": str(tmp_path / "config"), "PATH": "/usr/bin:/bin"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-c", BLOCK_QT + textwrap.dedent(code)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_every_core_module_imports_without_pyside6(tmp_path: Path) -> None:
    result = run_without_qt(
        """
        import importlib, pkgutil
        import refmgr.core
        names = sorted(m.name for m in pkgutil.walk_packages(refmgr.core.__path__, "refmgr.core."))
        for name in names:
            importlib.import_module(name)
        try:
            import PySide6
        except ImportError:
            print("blocked")
        print(len(names), "modules")
        print("qt loaded:", any(m.startswith("PySide6") for m in sys.modules))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "blocked"
    assert int(lines[1].split()[0]) >= 10
    assert lines[2] == "qt loaded: False"


def test_library_subcommands_run_without_pyside6(tmp_path: Path) -> None:
    seed = ROOT / "tests" / "data" / "pubmed-beyond-the-scalpel.txt"
    result = run_without_qt(
        f"""
        from refmgr.cli import main
        assert main(["--library", "lib.sqlite", "import", {str(seed)!r}]) == 0
        assert main(["--library", "lib.sqlite", "search", "legend:hydrodissection"]) == 0
        print("qt loaded:", any(m.startswith("PySide6") for m in sys.modules))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "qt loaded: False"
    assert result.stdout.splitlines()[-2].startswith("     1  2025  Fung")
