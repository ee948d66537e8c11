"""The command and the flake8 plugin, driven for real as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import FIXTURES, ROOT

BUGGY = """\
import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy")
"""


def ce_lint(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ce_lint", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300)


def flake8(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flake8", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300)


def test_flake8_reports_what_the_command_reports() -> None:
    paths = ["fixtures"]
    cli = ce_lint("check", "--output-format", "json", "--extend-select", "CE", "--keras-version", "3",
                  "--exclude", "notebooks", *paths)  # flake8 reads no notebooks
    assert cli.returncode == 1, cli.stderr
    from_cli = {(d["filename"], d["location"]["row"], d["location"]["column"], f'{d["code"]} {d["message"]}')
                for d in json.loads(cli.stdout)}
    plugin = flake8("--select", "CE", "--keras-version", "3", "--format", "%(path)s\t%(row)d\t%(col)d\t%(code)s %(text)s",
                    *paths)
    from_flake8 = set()
    for line in plugin.stdout.splitlines():
        path, row, col, text = line.split("\t")
        from_flake8.add((os.path.normpath(path), int(row), int(col), text))
    assert from_flake8 == from_cli
    assert len(from_cli) > 30


def test_exit_codes_and_text_output(tmp_path: Path) -> None:
    (tmp_path / "clean.py").write_text("import keras\n")
    assert ce_lint("check", str(tmp_path)).returncode == 0
    (tmp_path / "buggy.py").write_text(BUGGY)
    run = ce_lint("check", str(tmp_path))
    assert run.returncode == 1
    assert run.stdout.splitlines() == [f"{tmp_path / 'buggy.py'}:4:38: CE102 binary_crossentropy on the 10-unit softmax "
                                       "output (line 3) scores each class as an independent yes/no label"]
    assert "Found 1 finding" in run.stderr


def test_unreadable_file_is_one_line_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a_broken.py").write_text("import keras\ndef f(:\n")
    (tmp_path / "b_latin.py").write_bytes(b"import keras\nx = '\xff'\n")
    (tmp_path / "c_buggy.py").write_text(BUGGY)
    run = ce_lint("check", str(tmp_path))
    assert run.returncode == 2
    errors = [line for line in run.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 2
    assert errors[0].startswith(str(tmp_path / "a_broken.py") + ": error: syntax error")
    assert errors[1].startswith(str(tmp_path / "b_latin.py") + ": error: cannot decode")
    assert "c_buggy.py:4:38: CE102" in run.stdout
    assert "Traceback" not in run.stderr


def test_missing_path(tmp_path: Path) -> None:
    run = ce_lint("check", str(tmp_path / "nope.py"))
    assert run.returncode == 2 and "nope.py: error:" in run.stderr


def test_json_output_shape(tmp_path: Path) -> None:
    (tmp_path / "buggy.py").write_text(BUGGY)
    [finding] = json.loads(ce_lint("check", "--output-format", "json", str(tmp_path)).stdout)
    assert finding["code"] == "CE102"
    assert finding["location"] == {"row": 4, "column": 38}
    assert finding["end_location"] == {"row": 4, "column": 59}
    assert finding["fix"] is None
    assert finding["url"].endswith("CE102.md")
    assert finding["filename"].endswith("buggy.py")


def test_select_ignore_and_noqa(tmp_path: Path) -> None:
    (tmp_path / "buggy.py").write_text(BUGGY)
    assert ce_lint("check", "--select", "CE101", str(tmp_path)).returncode == 0
    assert ce_lint("check", "--ignore", "CE1", str(tmp_path)).returncode == 0
    assert ce_lint("check", "--select", "CE1", "--ignore", "CE101", str(tmp_path)).returncode == 1
    for comment in ("# noqa", "# noqa: CE102", "# noqa:CE1", "# NOQA: E501,CE102"):
        (tmp_path / "buggy.py").write_text(BUGGY.replace('crossentropy")', f'crossentropy")  {comment}'))
        assert ce_lint("check", str(tmp_path)).returncode == 0, comment
    (tmp_path / "buggy.py").write_text(BUGGY.replace('crossentropy")', 'crossentropy")  # noqa: CE101'))
    assert ce_lint("check", str(tmp_path)).returncode == 1


def test_bad_code_is_a_usage_error() -> None:
    run = ce_lint("check", "--select", "E501", "fixtures")
    assert run.returncode == 2 and "E501" in run.stderr and "Traceback" not in run.stderr


def test_excluded_folders_are_skipped(tmp_path: Path) -> None:
    for folder in (".venv", "build", "node_modules", "skipme"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "buggy.py").write_text(BUGGY)
    assert ce_lint("check", "--exclude", "skipme", str(tmp_path)).returncode == 0
    assert ce_lint("check", str(tmp_path)).returncode == 1


def test_config_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "buggy.py").write_text(BUGGY)
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint]\nignore = ["CE102"]\n')
    assert ce_lint("check", ".", cwd=tmp_path).returncode == 0
    assert ce_lint("check", "--isolated", ".", cwd=tmp_path).returncode == 1
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint]\nignored = ["CE102"]\n')
    run = ce_lint("check", ".", cwd=tmp_path)
    assert run.returncode == 2 and "ignored" in run.stderr and "pyproject.toml" in run.stderr


def test_rule_page_and_version() -> None:
    page = ce_lint("rule", "CE101")
    assert page.returncode == 0 and page.stdout.startswith("# CE101: softmax-single-unit")
    assert ce_lint("rule", "softmax-with-binary-crossentropy").stdout.startswith("# CE102")
    assert ce_lint("rule", "CE999").returncode == 2
    assert ce_lint("--version").stdout.startswith("ce-lint ")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_jobs_give_the_same_stable_output(jobs: str) -> None:
    single = ce_lint("check", "--jobs", "1", "fixtures")
    run = ce_lint("check", "--jobs", jobs, "fixtures")
    assert run.stdout == single.stdout and run.returncode == single.returncode


def test_fix_settings_and_per_file_ignores_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "buggy.py").write_text(BUGGY)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ce-lint]\nunsafe-fixes = true\nextend-safe-fixes = ["CE102"]\nextend-unsafe-fixes = []\n'
        '[tool.ce-lint.per-file-ignores]\n"scripts/*.py" = ["CE102"]\n')
    assert ce_lint("check", ".", cwd=tmp_path).returncode == 0
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint]\nunsafe-fixes = "yes"\n')
    run = ce_lint("check", ".", cwd=tmp_path)
    assert run.returncode == 2 and "unsafe-fixes" in run.stderr and "Traceback" not in run.stderr
