"""The project's own code is checked as pyproject.toml configures: mypy and Ruff are clean on the
modules they cover, and the pre-commit hooks that run them work (that one is slow: it builds
their environments)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from support import ROOT


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)


def test_mypy_is_clean() -> None:
    result = _run(sys.executable, "-m", "mypy", "--no-incremental")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean() -> None:
    result = _run(sys.executable, "-m", "ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_pre_commit_hooks_pass() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout")
    result = _run(sys.executable, "-m", "pre_commit", "run", "--all-files", "--config", ".pre-commit-config.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
