"""Every snippet of the README, run as written wherever it can run here; each one that can't is named
with the reason (and the test that covers it instead). A new snippet fails this test until it is
given one or the other."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from support import ROOT

README = ROOT / "README.md"
BIN = str(Path(sys.executable).parent)  # this environment's ce-lint, flake8, pylint, pre-commit
SYSTEM = os.path.dirname(shutil.which("python3") or "python3")  # a fresh machine's python3, not this venv's
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}

# Snippets not run here, by their first line, and why.
NOT_RUN = {
    "bash .ci/run": "the suite's own command: this test runs inside it",
    "bash .ci/pythons                # or: bash .ci/pythons 3.12": "the suite on other Pythons: its own heavy command",
    ".venv/bin/python tests/oracle_matrix/run.py                          # every cell, one at a time":
        "the version matrix: 16 environments, its own heavy command (tests/test_version_matrix.py checks its result)",
    "bash editors/vscode/build.sh                    # npm ci, type check, unit tests, editors/vscode/ce-lint.vsix":
        ".ci/run runs build.sh; no VS Code binary can be had here",
    '"ce-lint.kerasVersion": "3",': "VS Code settings: the extension's unit tests check what they become",
    "pip install jupyterlab jupyterlab-lsp './ce-lint[pylsp]'   # ./ce-lint: a clone of this repository":
        "the test environment has them; tests/test_jupyterlab.py drives JupyterLab with them",
    '{"language_servers": {"pylsp": {"serverSettings": {': "tests/test_jupyterlab.py sends these settings",
    '"languages": { "Python": { "language_servers": ["pylsp", "..."] } },': "Zed can't be had here",
    'vim.api.nvim_create_autocmd("FileType", { pattern = "python", callback = function(args)':
        "tests/test_lsp.py::test_neovim_headless (Neovim 0.7 has vim.lsp.start_client only)",
    "(with-eval-after-load 'eglot": "tests/test_lsp.py::test_emacs_eglot_batch",
    "[language-server.ce-lint]": "Helix can't be had here",
}


def blocks() -> list[tuple[str, str]]:
    """(language, text) of every fenced block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", README.read_text(encoding="utf-8"), re.S | re.M)


def first_line(text: str) -> str:
    return text.splitlines()[0]


def find(start: str) -> str:
    found = [text for _, text in blocks() if first_line(text).startswith(start)]
    assert len(found) == 1, f"no README snippet (or several) starting with {start!r}"
    return found[0]


def shell(command: str, cwd: Path, timeout: int = 600, path: str = BIN) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PATH": f"{path}{os.pathsep}{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree (tracked and new files, not ignored ones) committed as a new repository: what
    a clone of it holds."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("clone") / "ce-lint"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file() and not name.startswith("editors/vscode/node_modules"):
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
        assert shell(f"git {' '.join(args)}", repo).returncode == 0
    return repo


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's project: src/train.py is the bundled example."""
    (tmp_path / "src").mkdir()
    shutil.copy(ROOT / "examples" / "train_buggy.py", tmp_path / "src" / "train.py")
    return tmp_path


def test_every_snippet_is_run_or_says_why_not() -> None:
    run_here = ("$ ce-lint check", "python3 -m venv .venv && ", "python3 -m venv .venv-build", "ce-lint check [PATH",
                "ce-lint check --diff", "[tool.ce-lint]", "flake8 --select", "# .pre-commit-config.yaml",
                "pre-commit try-repo", "- run: pip install", "pylint --load-plugins")
    for _, text in blocks():
        line = first_line(text)
        assert line in NOT_RUN or line.startswith(run_here), f"README snippet neither run nor explained: {line!r}"
    assert set(NOT_RUN) <= {first_line(text) for _, text in blocks()}, "NOT_RUN names a snippet the README lost"


def test_the_example_output_is_what_the_command_prints() -> None:
    command, *expected = find("$ ce-lint check").splitlines()
    result = shell(command.removeprefix("$ ") + " --no-cache", ROOT)  # not a terminal: concise, as the README says
    assert (result.stdout + result.stderr).splitlines() == expected


def test_usage_lines(project: Path) -> None:
    lines = [line for line in find("ce-lint check [PATH").splitlines()[1:]]
    assert any("--watch" in line for line in lines)  # tested in test_cli_options.py: it never ends by itself
    for line in lines:
        if "--watch" in line:
            continue
        result = shell(line, project)
        assert result.returncode in (0, 1), (line, result.stderr)
        assert "error" not in result.stderr, (line, result.stderr)


def test_fix_lines(project: Path) -> None:
    for line in find("ce-lint check --diff").splitlines():
        result = shell(line, project)
        assert result.returncode in (0, 1) and "error" not in result.stderr, (line, result.stderr)
    assert "sigmoid" in (project / "src" / "train.py").read_text()  # the unsafe fixes were applied


def test_the_configuration_example_is_valid(project: Path) -> None:
    (project / "pyproject.toml").write_text(find("[tool.ce-lint]"), encoding="utf-8")
    result = shell("ce-lint check --no-cache .", project)
    assert result.returncode == 1 and "error" not in result.stderr, result.stderr


def test_flake8_and_pylint_lines(project: Path) -> None:
    for line in find("flake8 --select").splitlines():
        result = shell(line, project)
        assert result.returncode == 1 and "CE102" in result.stdout, (line, result.stdout + result.stderr)
    result = shell(find("pylint --load-plugins"), project)
    assert "W7102" in result.stdout and result.returncode & (1 | 32) == 0, result.stdout + result.stderr


def git_project(project: Path) -> Path:
    for command in ("git init -q", "git add -A", "git commit -q -m start"):
        assert shell(command, project).returncode == 0
    return project


def test_the_local_pre_commit_hook(project: Path) -> None:
    (project / ".pre-commit-config.yaml").write_text(find("# .pre-commit-config.yaml"), encoding="utf-8")
    git_project(project)
    result = shell("pre-commit run --all-files", project)
    assert result.returncode == 1 and "CE102" in result.stdout, result.stdout + result.stderr


@pytest.mark.slow
def test_pre_commit_try_repo(clone: Path, project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    beside = clone.parent / "project"
    if not beside.exists():
        shutil.copytree(project, beside)
    git_project(beside)
    home = tmp_path_factory.mktemp("pre-commit-home")
    result = shell(f"PRE_COMMIT_HOME={home} " + find("pre-commit try-repo"), beside)
    assert result.returncode == 1 and "CE102" in result.stdout, result.stdout + result.stderr


@pytest.mark.slow
def test_set_up_in_a_clone(clone: Path, tmp_path: Path) -> None:
    here = tmp_path / "ce-lint"
    shutil.copytree(clone, here)
    result = shell(find("python3 -m venv .venv && "), here, path=SYSTEM)
    assert result.returncode == 1 and "Found 3 findings in 2 files." in result.stderr, result.stdout + result.stderr


@pytest.mark.slow
def test_build_the_wheel_and_run_it_in_a_fresh_environment(clone: Path, tmp_path: Path) -> None:
    """The packaging a release needs: sdist and wheel pass twine check; the wheel, alone in a fresh
    environment, shows a whole rule page (the version matrix is package data) and checks the example."""
    here = tmp_path / "ce-lint"
    shutil.copytree(clone, here)
    result = shell(find("python3 -m venv .venv-build"), here, path=SYSTEM)
    assert result.returncode == 1, result.stdout + result.stderr  # the example's findings: exit 1
    assert result.stdout.count("PASSED") == 2, result.stdout  # twine check: the sdist and the wheel
    assert "# CE101: softmax-single-unit" in result.stdout
    assert "## What happens per version and backend" in result.stdout
    assert "Found 3 findings in 2 files." in result.stderr
    assert sorted(p.suffix for p in (here / "dist").iterdir()) == [".gz", ".whl"]


@pytest.mark.slow
def test_the_github_actions_steps(clone: Path, project: Path, tmp_path: Path) -> None:
    """The `run:` lines, in order, each in its own shell as a runner would; the install line takes this
    clone through the same pip form (git+file instead of the GitHub URL, which can't be reached here)."""
    import yaml

    steps = yaml.safe_load(find("- run: pip install"))
    environment = tmp_path / "runner"
    venv.create(environment, with_pip=True)
    # A runner's pip is recent; ensurepip's (23.2 on Python 3.11) can't read a git+file requirement.
    assert shell("python -m pip install -q --upgrade pip", tmp_path, path=str(environment / "bin")).returncode == 0
    for step in steps:
        if "run" not in step:
            assert step["uses"].startswith("github/codeql-action/upload-sarif")
            continue
        command = step["run"].replace("git+https://github.com/ce-lint/ce-lint", f"git+file://{clone}")
        result = shell(command, project, path=str(environment / "bin"))
        expected = (0,) if "pip install" in command else (0, 1)
        assert result.returncode in expected, (command, result.stdout + result.stderr)
    annotations = shell(steps[1]["run"], project, path=str(environment / "bin")).stdout
    assert annotations.startswith("::error") or annotations.startswith("::warning")
    sarif = json.loads((project / "ce-lint.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
