"""Where users run ce-lint: pre-commit (through pre-commit itself), the SARIF and GitHub outputs
(SARIF checked by independent readers from PyPI), configuration errors, and the plugins' own
option systems."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT

BUGGY = """\
import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy")
"""
CLEAN = """\
import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
"""
SAFELY_FIXABLE = """\
import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
"""


def run(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, timeout=600,
                          env={**os.environ, **(env or {})})


def ce_lint(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return run(sys.executable, "-m", "ce_lint", *args, cwd=cwd, env={"PYTHONPATH": str(ROOT)})


# --- pre-commit -----------------------------------------------------------------------------

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    """One hook environment for the module's tests (pre-commit installs ce-lint into it once)."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """This working tree (tracked and new files, not ignored ones) committed into a new repository:
    pre-commit installs hooks from a repository's commits, and try-repo leaves out new files."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("hook-repo")
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", env=GIT_ENV)
    if listed.returncode != 0:  # not a git checkout (an sdist): take the files the hooks need
        names = [str(p.relative_to(ROOT)) for p in [ROOT / "pyproject.toml", ROOT / "README.md",
                                                    ROOT / ".pre-commit-hooks.yaml", *(ROOT / "ce_lint").rglob("*.py")]]
    else:
        names = [n for n in listed.stdout.split("\0") if n]
    for name in names:
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
        done = run("git", *args, cwd=repo, env=GIT_ENV)
        assert done.returncode == 0, done.stderr
    return repo


def try_repo(hook: str, files: dict[str, str], home: Path, where: Path, hooks: Path) -> tuple[subprocess.CompletedProcess, Path]:
    """`pre-commit try-repo <hooks> <hook> --all-files` in a new git repository holding `files`."""
    repo = where / "project"
    repo.mkdir()
    run("git", "init", "-q", cwd=repo, env=GIT_ENV)
    for name, text in files.items():
        (repo / name).write_text(text)
    run("git", "add", ".", cwd=repo, env=GIT_ENV)
    result = run(sys.executable, "-m", "pre_commit", "try-repo", str(hooks), hook, "--all-files", "--color=never",
                 cwd=repo, env={**GIT_ENV, "PRE_COMMIT_HOME": str(home)})
    assert "An error has occurred" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result, repo


def test_pre_commit_hooks_are_declared() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    hooks = dict(re.findall(r"^- id: (\S+)\n(?:  .*\n)*?  entry: (.+)$", text, re.M))
    # --force-exclude: pre-commit names each file, and the project's `exclude` must still hold
    assert hooks == {"ce-lint": "ce-lint check --force-exclude", "ce-lint-fix": "ce-lint check --force-exclude --fix"}
    assert text.count("types_or: [python, jupyter]") == 2


def test_pre_commit_check_hook_fails_on_a_buggy_file(pre_commit_home: Path, tmp_path: Path, hook_repo: Path) -> None:
    result, _ = try_repo("ce-lint", {"train.py": BUGGY, "notes.txt": BUGGY}, pre_commit_home, tmp_path, hook_repo)
    assert result.returncode == 1, result.stdout
    assert "train.py:4:38: CE102" in result.stdout
    assert "notes.txt" not in result.stdout.split("Using config")[-1].split("ce-lint....")[-1]


def test_pre_commit_hooks_take_notebooks(pre_commit_home: Path, tmp_path: Path, hook_repo: Path) -> None:
    notebook = (ROOT / "fixtures" / "notebooks" / "keras_mnist.ipynb").read_text(encoding="utf-8")
    result, _ = try_repo("ce-lint", {"train.ipynb": notebook, "notes.txt": BUGGY}, pre_commit_home, tmp_path, hook_repo)
    assert result.returncode == 1, result.stdout
    assert "train.ipynb:cell 9:4:10: CE102" in result.stdout
    fixable = (ROOT / "fixtures" / "notebooks" / "fixable.ipynb").read_text(encoding="utf-8")
    (tmp_path / "project").rename(tmp_path / "first")
    result, repo = try_repo("ce-lint-fix", {"fix.ipynb": fixable}, pre_commit_home, tmp_path, hook_repo)
    assert result.returncode == 1, result.stdout  # the file was modified
    assert "from_logits=False" in (repo / "fix.ipynb").read_text(encoding="utf-8")


def test_pre_commit_check_hook_passes_on_a_clean_file(pre_commit_home: Path, tmp_path: Path, hook_repo: Path) -> None:
    result, _ = try_repo("ce-lint", {"train.py": CLEAN}, pre_commit_home, tmp_path, hook_repo)
    assert result.returncode == 0, result.stdout
    assert re.search(r"^ce-lint\.+Passed$", result.stdout, re.M), result.stdout


def test_pre_commit_fix_hook_applies_safe_fixes(pre_commit_home: Path, tmp_path: Path, hook_repo: Path) -> None:
    if "--fix" not in ce_lint("check", "--help").stdout:
        pytest.skip("`ce-lint check --fix` is not implemented yet; the ce-lint-fix hook is declared for it")
    result, repo = try_repo("ce-lint-fix", {"train.py": SAFELY_FIXABLE, "buggy.py": BUGGY}, pre_commit_home, tmp_path, hook_repo)
    assert result.returncode == 1, result.stdout  # files were modified, and CE102 has no safe fix
    assert "from_logits=False" in (repo / "train.py").read_text()
    assert (repo / "buggy.py").read_text() == BUGGY  # nothing safe to do there
    assert "buggy.py:4:38: CE102" in result.stdout


# --- output formats -------------------------------------------------------------------------

def _findings_of(fmt: str, *paths: str) -> subprocess.CompletedProcess:
    return ce_lint("check", "--output-format", fmt, "--extend-select", "CE", "--keras-version", "3",
                   "--exclude", "notebooks", *paths)  # the scripts; test_notebooks.py checks the notebooks' formats


@pytest.fixture(scope="module")
def json_findings() -> list[dict]:
    result = _findings_of("json", "fixtures")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    assert len(findings) > 30
    return findings


def _key(filename: str, row: int, col: int, end_row: int, end_col: int, code: str, message: str) -> tuple:
    return (os.path.normpath(filename), row, col, end_row, end_col, code, message)


def test_sarif_is_valid_and_carries_the_findings(json_findings: list[dict], tmp_path: Path) -> None:
    from pydantic import ValidationError
    from pydantic_sarif.model import StaticAnalysisResultsFormatSarifVersion210JsonSchema as SarifLog
    from sarif import loader

    result = _findings_of("sarif", "fixtures")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    SarifLog.model_validate(log)  # the SARIF 2.1.0 schema, as pydantic models (unknown properties forbidden)
    broken = json.loads(result.stdout)
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(ValidationError):  # the validator is not vacuous
        SarifLog.model_validate(broken)

    [run_] = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "ce-lint"
    from ce_lint.rules import all_rules

    assert [(r["id"], r["name"], r["helpUri"]) for r in driver["rules"]] == [
        (r.code, r.name, r.url) for r in all_rules()]
    assert all(r["shortDescription"]["text"] for r in driver["rules"])
    from_sarif = set()
    for res in run_["results"]:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        [location] = res["locations"]
        region = location["physicalLocation"]["region"]
        from_sarif.add(_key(location["physicalLocation"]["artifactLocation"]["uri"], region["startLine"],
                            region["startColumn"], region["endLine"], region["endColumn"], res["ruleId"],
                            res["message"]["text"]))
        assert res["level"] in ("error", "warning")
    from_json = {_key(d["filename"], d["location"]["row"], d["location"]["column"], d["end_location"]["row"],
                      d["end_location"]["column"], d["code"], d["message"]) for d in json_findings}
    assert from_sarif == from_json
    assert {res["level"] for res in run_["results"]} == {"error", "warning"}
    assert {(d["code"], d["severity"]) for d in json_findings} == {(r["ruleId"], r["level"]) for r in run_["results"]}

    (tmp_path / "out.sarif").write_text(result.stdout)
    records = loader.load_sarif_file(str(tmp_path / "out.sarif")).get_records()  # a second, independent reader
    assert sorted((os.path.normpath(r["Location"]), r["Line"], r["Code"]) for r in records) == sorted(
        (os.path.normpath(d["filename"]), d["location"]["row"], d["code"]) for d in json_findings)


def test_json_and_sarif_carry_fix_titles_and_related_locations(json_findings: list[dict]) -> None:
    assert all(d["fix_title"] for d in json_findings)
    assert all(d["fix_title"] == d["fix"]["message"] for d in json_findings if d["fix"] is not None)
    [ce102] = [d for d in json_findings if d["code"] == "CE102" and d["filename"].endswith("CE102.py")
               and d["location"]["row"] == 7]
    assert ce102["related"] == [{"message": "the 3-unit softmax output", "filename": ce102["filename"], "cell": None,
                                 "location": {"row": 16, "column": 64}, "end_location": {"row": 16, "column": 73}}]
    assert ce102["message"] == "binary_crossentropy on the 3-unit softmax output (line 16) scores each class as an " \
                               "independent yes/no label"
    assert sum(bool(d["related"]) for d in json_findings) > 50

    log = json.loads(_findings_of("sarif", "fixtures").stdout)  # valid: test_sarif_is_valid_and_carries_the_findings
    from_sarif = {}
    for res in log["runs"][0]["results"]:
        region = res["locations"][0]["physicalLocation"]["region"]
        related = [(r["id"], r["message"]["text"], r["physicalLocation"]["region"]["startLine"],
                    r["physicalLocation"]["region"]["startColumn"]) for r in res.get("relatedLocations", [])]
        from_sarif[(res["ruleId"], region["startLine"], region["startColumn"], res["message"]["text"])] = (
            res["properties"]["fixTitle"], related)
    assert from_sarif == {(d["code"], d["location"]["row"], d["location"]["column"], d["message"]): (
        d["fix_title"], [(i, r["message"], r["location"]["row"], r["location"]["column"])
                         for i, r in enumerate(d["related"], start=1)]) for d in json_findings}


def test_sarif_of_a_clean_run_and_of_unreadable_files(tmp_path: Path) -> None:
    from pydantic_sarif.model import StaticAnalysisResultsFormatSarifVersion210JsonSchema as SarifLog

    (tmp_path / "clean.py").write_text(CLEAN)
    clean = ce_lint("check", "--output-format", "sarif", str(tmp_path))
    assert clean.returncode == 0
    SarifLog.model_validate_json(clean.stdout)
    assert json.loads(clean.stdout)["runs"][0]["results"] == []
    (tmp_path / "broken.py").write_text("import keras\ndef f(:\n")
    broken = ce_lint("check", "--output-format", "sarif", str(tmp_path))
    assert broken.returncode == 2
    SarifLog.model_validate_json(broken.stdout)
    [invocation] = json.loads(broken.stdout)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "broken.py: error: syntax error" in invocation["toolExecutionNotifications"][0]["message"]["text"]


ANNOTATION = re.compile(r"^::(error|warning) title=ce-lint \((CE\d{3})\),file=([^,]+),line=(\d+),col=(\d+),"
                        r"endLine=(\d+),endColumn=(\d+)::(.*)$")


def test_github_annotations_carry_the_findings(json_findings: list[dict]) -> None:
    result = _findings_of("github", "fixtures")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    matches = [ANNOTATION.match(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches) if not m][:3]
    from_github = {_key(m[3], int(m[4]), int(m[5]), int(m[6]), int(m[7]), m[2], m[8]) for m in matches}
    from_json = {_key(d["filename"], d["location"]["row"], d["location"]["column"], d["end_location"]["row"],
                      d["end_location"]["column"], d["code"], d["message"]) for d in json_findings}
    assert from_github == from_json
    levels = {m[2]: m[1] for m in matches}
    assert levels == {d["code"]: d["severity"] for d in json_findings}


def test_github_annotation_escapes() -> None:
    from ce_lint.diagnostics import Diagnostic, Severity
    from ce_lint.output import github_annotation

    line = github_annotation(Diagnostic("a,b:c%.py", 1, 0, 2, 3, "CE101", "50% wrong\nsee", Severity.ERROR))
    assert line == "::error title=ce-lint (CE101),file=a%2Cb%3Ac%25.py,line=1,col=1,endLine=2,endColumn=4::50%25 wrong%0Asee"


def test_text_output_is_unchanged_by_the_move(json_findings: list[dict]) -> None:
    text = ce_lint("check", "--extend-select", "CE", "--keras-version", "3", "--exclude", "notebooks", "fixtures")
    rows = {tuple(line.split(":", 3)[:3]) for line in text.stdout.splitlines()}
    assert rows == {(d["filename"], str(d["location"]["row"]), str(d["location"]["column"])) for d in json_findings}


# --- configuration --------------------------------------------------------------------------

@pytest.mark.parametrize("table, key", [
    ('unknown-key = 1', "unknown-key"),
    ('keras-version = "banana"', "keras-version"),
    ('keras-version = 3', "keras-version"),
    ('select = "CE1"', "select"),
    ('select = ["E501"]', "select"),
    ('unsafe-fixes = "yes"', "unsafe-fixes"),
    ('extend-safe-fixes = ["X1"]', "extend-safe-fixes"),
    ('extend-unsafe-fixes = [1]', "extend-unsafe-fixes"),
    ('per-file-ignores = ["CE1"]', "per-file-ignores"),
    ('per-file-ignores = { "a.py" = [1] }', "per-file-ignores"),
    ('per-file-ignores = { "a.py" = ["nope"] }', "per-file-ignores"),
    ('exclude = [1]', "exclude"),
])
def test_bad_configuration_is_one_line_naming_key_and_file(tmp_path: Path, table: str, key: str) -> None:
    (tmp_path / "train.py").write_text(BUGGY)
    (tmp_path / "pyproject.toml").write_text(f"[tool.ce-lint]\n{table}\n")
    result = ce_lint("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert key in line and "pyproject.toml" in line and "Traceback" not in result.stderr


def test_ce_lint_toml_config_and_isolated(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "train.py").write_text(BUGGY)
    (tmp_path / "ce-lint.toml").write_text('keras-version = "2.3"\n[per-file-ignores]\n"tests/*" = ["CE102"]\n')
    assert ce_lint("check", ".", cwd=tmp_path).returncode == 0
    assert ce_lint("check", "--isolated", ".", cwd=tmp_path).returncode == 1
    (tmp_path / "other.toml").write_text('[tool.ce-lint]\nignore = ["CE1"]\n')
    assert ce_lint("check", "--config", "other.toml", ".", cwd=tmp_path).returncode == 0
    missing = ce_lint("check", "--config", "nope.toml", ".", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.toml" in missing.stderr


def test_bad_keras_version_on_every_command_line(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(BUGGY)
    cli = ce_lint("check", "--keras-version", "latest", str(tmp_path))
    assert cli.returncode == 2 and "'latest' is not a Keras version" in cli.stderr and "Traceback" not in cli.stderr
    flake8 = run(sys.executable, "-m", "flake8", "--select", "CE", "--keras-version", "latest", str(tmp_path))
    assert flake8.returncode != 0 and "'latest' is not a Keras version" in flake8.stderr
    assert "Traceback" not in flake8.stderr
    pylint = run(sys.executable, "-m", "pylint", "--load-plugins=ce_lint.pylint_plugin", "--disable=all",
                 "--enable=W7102", "--keras-version=latest", str(tmp_path / "train.py"))
    assert pylint.returncode == 32 and "'latest' is not a Keras version" in pylint.stderr
    assert "Traceback" not in pylint.stderr


# CE104 depends on the Keras version: 'accuracy' after binary_crossentropy resolves by the loss
# in Keras <= 2.3 (a finding) and by the shapes of targets and outputs later (none here).
VERSIONED = """\
import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
"""
EXPECTED_LINES = {"2.3": {4}, "3": set()}


def test_flake8_reads_keras_version_from_its_configuration(tmp_path: Path) -> None:
    (tmp_path / "legacy.py").write_text(VERSIONED)
    for version in ("2.3", "3"):
        (tmp_path / "setup.cfg").write_text(f"[flake8]\nselect = CE104\nkeras-version = {version}\n")
        result = run(sys.executable, "-m", "flake8", "legacy.py", "--format=%(row)d", cwd=tmp_path)
        assert {int(line) for line in result.stdout.split()} == EXPECTED_LINES[version], version


def test_pylint_reads_keras_version_from_pylintrc(tmp_path: Path) -> None:
    (tmp_path / "legacy.py").write_text(VERSIONED)
    for version in ("2.3", "3"):
        (tmp_path / ".pylintrc").write_text(f"[MAIN]\nload-plugins=ce_lint.pylint_plugin\ndisable=all\n"
                                             f"enable=W7104\nkeras-version={version}\n")
        result = run(sys.executable, "-m", "pylint", "--rcfile=.pylintrc", "--msg-template={line}", "--score=n",
                     "legacy.py", cwd=tmp_path)
        lines = {int(line) for line in result.stdout.split() if line.isdigit()}
        assert lines == EXPECTED_LINES[version], (version, result.stdout, result.stderr)
