"""One packaging step pyproject.toml can't declare: the wheel carries the version matrix's observations
(docs/version-matrix.json), from which `ce-lint rule CODE` renders each page's per-version table, as
ce_lint/data/version-matrix.json. Everything else is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MATRIX = Path("docs", "version-matrix.json")


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if MATRIX.is_file() and not getattr(self, "editable_mode", False):  # an editable install reads docs/
            target = Path(self.build_lib, "ce_lint", "data")
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(MATRIX, target / MATRIX.name)


setup(cmdclass={"build_py": BuildPy})
