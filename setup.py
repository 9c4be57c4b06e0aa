"""Build hook: copy the top-level resources/ folder into the wheel as refmgr/resources.

All metadata lives in pyproject.toml; this only makes `pipx install .` and wheels carry the icons,
CSL styles, stylesheets and sample page that paths.resources_dir() looks for beside the package.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithResources(build_py):
    """build_py that also copies resources/ into the built package (not for editable installs)."""

    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "resources"
        if source.is_dir() and not getattr(self, "editable_mode", False):
            target = Path(self.build_lib) / "refmgr" / "resources"
            shutil.copytree(source, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithResources})
