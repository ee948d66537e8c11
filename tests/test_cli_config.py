"""Configuration as Ruff users expect it, through the real command: the nearest configuration for each
file (with `extend`), the same as the language server's; unknown codes and names are errors; .gitignore
and force-exclude; file-level noqa; an honest summary; this repository's root checks its own code only."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT

KERAS = """\
import keras

y = keras.utils.to_categorical(labels, 10)
model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x, y)
"""  # CE102 on line 5


def ce_lint(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ce_lint", *args], capture_output=True, text=True, cwd=cwd,
                          input=stdin, timeout=300)


def codes_by_file(*args: str, cwd: Path) -> dict[str, list[str]]:
    result = ce_lint("check", "--no-cache", "--output-format", "json", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    found: dict[str, list[str]] = {}
    for d in json.loads(result.stdout):
        found.setdefault(Path(d["filename"]).as_posix(), []).append(d["code"])
    return found


def nested(tmp_path: Path) -> Path:
    """b.py at the root (no configuration) and pkg/b.py under pkg/pyproject.toml, which ignores CE102."""
    (tmp_path / "b.py").write_text(KERAS)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "b.py").write_text(KERAS)
    (tmp_path / "pkg" / "pyproject.toml").write_text('[tool.ce-lint]\nignore = ["CE102"]\n')
    return tmp_path


def test_each_file_takes_its_nearest_configuration_whatever_the_order(tmp_path: Path) -> None:
    nested(tmp_path)
    expected = {"b.py": ["CE102"]}
    assert codes_by_file("b.py", "pkg/b.py", cwd=tmp_path) == expected
    assert codes_by_file("pkg/b.py", "b.py", cwd=tmp_path) == expected
    assert codes_by_file(".", cwd=tmp_path) == expected
    assert codes_by_file("b.py", cwd=tmp_path / "pkg" / "..") == expected


def test_extend_inherits_and_a_nested_file_without_it_replaces(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint]\nextend-select = ["CE901"]\nignore = ["CE102"]\n')
    tables = (("inherits", 'extend = "../pyproject.toml"\nignore = ["CE104"]\n'), ("replaces", 'ignore = []\n'))
    for name, table in tables:
        (tmp_path / name).mkdir()
        (tmp_path / name / "pyproject.toml").write_text(f"[tool.ce-lint]\n{table}")
        (tmp_path / name / "b.py").write_text(KERAS)
    assert codes_by_file(".", cwd=tmp_path) == {"replaces/b.py": ["CE102"]}
    shown = ce_lint("check", "--show-settings", "inherits/b.py", cwd=tmp_path)
    assert 'ignore = ["CE102", "CE104"]' in shown.stdout and 'extend-select = ["CE901"]' in shown.stdout
    assert f"Settings path: {tmp_path / 'inherits' / 'pyproject.toml'}" in shown.stdout


def test_an_extend_that_is_missing_or_goes_round_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text(KERAS)
    (tmp_path / "ce-lint.toml").write_text('extend = "other.toml"\n')
    result = ce_lint("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and f"'extend': {tmp_path / 'other.toml'} not found" in result.stderr
    (tmp_path / "other.toml").write_text('extend = "ce-lint.toml"\n')
    result = ce_lint("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and "goes round in a circle" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("where", ["file", "command line"])
@pytest.mark.parametrize("setting", ["select", "ignore", "extend-select"])
def test_an_unknown_code_is_an_error_naming_the_setting_and_the_file(tmp_path: Path, where: str, setting: str) -> None:
    (tmp_path / "b.py").write_text(KERAS)
    if where == "file":
        (tmp_path / "pyproject.toml").write_text(f'[tool.ce-lint]\n{setting} = ["CE999"]\n')
        result = ce_lint("check", ".", cwd=tmp_path)
        assert f"{tmp_path / 'pyproject.toml'}: '{setting}': no ce-lint rule has the code 'CE999'" in result.stderr
    else:
        result = ce_lint("check", f"--{setting}", "CE999", ".", cwd=tmp_path)
        assert f"--{setting}: no ce-lint rule has the code 'CE999'" in result.stderr
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_rule_names_and_prefixes_select_and_unknown_names_are_errors(tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text(KERAS)
    name = "softmax-with-binary-crossentropy"
    assert ce_lint("rule", name, cwd=tmp_path).stdout.startswith("# CE102")  # the name this test relies on
    assert codes_by_file("--select", name, ".", cwd=tmp_path) == {"b.py": ["CE102"]}
    assert codes_by_file("--ignore", "CE1", ".", cwd=tmp_path) == {}
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint.per-file-ignores]\n"*.py" = ["softmax-single-unt"]\n')
    result = ce_lint("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and "'per-file-ignores': 'softmax-single-unt' is not a ce-lint code" in result.stderr


def git_repository(path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def test_gitignored_folders_are_skipped_unless_asked(tmp_path: Path) -> None:
    git_repository(tmp_path)
    (tmp_path / ".gitignore").write_text("wandb/\n/outputs\n*.ckpt.py\n!keep.ckpt.py\n")
    for name in ("train.py", "wandb/run/train.py", "outputs/train.py", "sub/outputs/train.py", "a.ckpt.py",
                 "keep.ckpt.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(KERAS)
    kept = ["keep.ckpt.py", "sub/outputs/train.py", "train.py"]  # /outputs is anchored to the root
    listed = ce_lint("check", "--show-files", ".", cwd=tmp_path).stdout.split()
    assert sorted(Path(p).as_posix() for p in listed) == kept
    assert sorted(codes_by_file(".", cwd=tmp_path)) == kept
    assert len(codes_by_file("--no-respect-gitignore", ".", cwd=tmp_path)) == 6
    (tmp_path / "pyproject.toml").write_text("[tool.ce-lint]\nrespect-gitignore = false\n")
    assert len(codes_by_file(".", cwd=tmp_path)) == 6
    assert sorted(codes_by_file("--respect-gitignore", ".", cwd=tmp_path)) == kept


def test_force_exclude_applies_exclusions_to_files_named_explicitly(tmp_path: Path) -> None:
    git_repository(tmp_path)
    (tmp_path / ".gitignore").write_text("wandb/\n")
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint]\nexclude = ["legacy"]\n')
    for name in ("legacy/old.py", "wandb/run.py", "train.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(KERAS)
    named = ("legacy/old.py", "wandb/run.py", "train.py")
    assert len(codes_by_file(*named, cwd=tmp_path)) == 3  # named explicitly: checked, as in Ruff
    assert list(codes_by_file("--force-exclude", *named, cwd=tmp_path)) == ["train.py"]
    assert list(codes_by_file("--extend-exclude", "train.py", "--force-exclude", *named, cwd=tmp_path)) == []
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint]\nexclude = ["legacy"]\nforce-exclude = true\n')
    assert list(codes_by_file(*named, cwd=tmp_path)) == ["train.py"]


@pytest.mark.parametrize(("comment", "left"), [
    ("# ce-lint: noqa", []),
    ("# ce-lint: noqa: CE102", []),
    ("# ce-lint: noqa: CE1", []),
    ("# flake8: noqa", []),
    ("# ce-lint: noqa: CE101", ["CE102"]),
    ("x = 1  # ce-lint: noqa", ["CE102"]),  # not alone on its line: not a file-level comment
])
def test_file_level_noqa(tmp_path: Path, comment: str, left: list[str]) -> None:
    (tmp_path / "b.py").write_text(f"{comment}\n{KERAS}")
    assert codes_by_file(".", cwd=tmp_path).get("b.py", []) == left
    fixed = ce_lint("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert ("binary_crossentropy" in (tmp_path / "b.py").read_text()) == (not left), fixed.stderr


def test_file_level_noqa_through_flake8(tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text(f"# ce-lint: noqa: CE1\n{KERAS}")
    run = subprocess.run([sys.executable, "-m", "flake8", "--select", "CE", "b.py"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stdout
    (tmp_path / "b.py").write_text(f"# ce-lint: noqa: CE2\n{KERAS}")
    run = subprocess.run([sys.executable, "-m", "flake8", "--select", "CE", "b.py"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert run.returncode == 1 and "CE102" in run.stdout


def test_the_summary_counts_files_with_findings_among_those_checked(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(KERAS)
    (tmp_path / "b.py").write_text(KERAS)
    for index in range(3):
        (tmp_path / f"clean{index}.py").write_text("x = 1\n")
    result = ce_lint("check", "--no-cache", ".", cwd=tmp_path)
    assert "Found 2 findings in 2 of 5 files." in result.stderr
    result = ce_lint("check", "--no-cache", "a.py", cwd=tmp_path)
    assert "Found 1 finding in 1 file." in result.stderr


def test_the_project_root_checks_its_own_code_not_its_fixtures() -> None:
    listed = ce_lint("check", "--show-files", cwd=ROOT).stdout.splitlines()
    assert listed and not [p for p in listed if p.startswith(("fixtures", "examples", "tests/oracle"))]
    assert "ce_lint/cli/check.py" in listed
    result = ce_lint("check", "--no-cache", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


# -- the language server resolves configuration as the command does --------------------------------------


@pytest.mark.asyncio
async def test_the_server_and_the_command_agree_under_nested_configurations(tmp_path: Path) -> None:
    pytest.importorskip("pytest_lsp")
    from test_lsp import server, uri_of

    nested(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint]\nextend-select = ["CE901"]\n')
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "pyproject.toml").write_text(
        '[tool.ce-lint]\nextend = "../pkg/pyproject.toml"\nselect = ["CE1"]\nignore = ["CE101"]\n')
    (tmp_path / "deep" / "b.py").write_text(KERAS)
    command = codes_by_file(".", cwd=tmp_path)
    names = ("b.py", "pkg/b.py", "deep/b.py")
    async with server(root=tmp_path) as client:
        editor = {}
        for name in names:
            client.open(uri_of(tmp_path / name), (tmp_path / name).read_text())
        for name in names:
            found = sorted(str(d.code) for d in await client.diagnostics(uri_of(tmp_path / name)))
            if found:
                editor[name] = found
    assert editor == {name: sorted(codes) for name, codes in command.items()}
    assert set(command) == {"b.py", "deep/b.py"}  # pkg ignores CE102; deep extends it but selects afresh
