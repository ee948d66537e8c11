"""A git revision's ce_lint/, exported beside the working tree's, for paired before/after timings
(paired.py, startup.py): run with the folder first on PYTHONPATH, it is the ce-lint of that revision."""

from __future__ import annotations

import compileall
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bytecode_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment without PYTHONDONTWRITEBYTECODE: an installed tool has its .pyc files."""
    return {k: v for k, v in (os.environ if env is None else env).items() if k != "PYTHONDONTWRITEBYTECODE"}


def export(revision: str, dest: Path) -> Path:
    """ce_lint/ as of `revision`, under `dest`, byte-compiled (and the working tree's compiled too)."""
    archive = subprocess.run(["git", "archive", revision, "ce_lint"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    for folder in (dest / "ce_lint", ROOT / "ce_lint"):
        compileall.compile_dir(str(folder), quiet=1)
    return dest
