"""Any input file: one clear line for a file that can't be checked, exit 2, and every other file's
findings still there; unusual but valid files analysed; no input makes the analysis raise."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ce_lint import cli, engine
from ce_lint.config import Settings
from ce_lint.diagnostics import FileError
from ce_lint.engine import lint

from support import FIXTURES, mutate

# A file with a known finding: each bad file is checked beside it, and the finding must survive.
GOOD = (FIXTURES / "CE201.py").read_text(encoding="utf-8")
GOOD_FINDINGS = 6  # CE201.py's findings under the default rules


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ce_lint", "check", "--no-cache", "--isolated", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def findings(result: subprocess.CompletedProcess) -> int:
    return sum(1 for line in result.stdout.splitlines() if ": CE" in line)


def nested(depth: int) -> str:
    return "import torch\nx = " + "(" * depth + "1" + ")" * depth + "\n"


TOO_DEEP = "too deep to analyse: the syntax tree nests more than 100 levels"
MALFORMED = {
    "syntax_error.py": (b"import torch\ndef f(:\n    pass\n", "syntax error at line 2"),
    "invalid_utf8.py": (b"import torch\nx = '\xff\xfe\xfa'\n", "cannot decode file"),
    "nul_byte.py": (b"import torch\nx = 1\0\n", "NUL byte"),
    "nested_parens.py": (nested(3000).encode(), "too many nested parentheses"),
    "long_chain.py": (("import torch\nx = " + " + ".join(["a"] * 20_000) + "\n").encode(), TOO_DEEP),
    "deep_conditional.py": (("import torch\nx = (" + " if a else\n".join(["a"] * 20_000) + ")\n").encode(), TOO_DEEP),
    "deep_and.py": (("import torch\nx = (" + " and\n".join(["a"] * 20_000) + ")\n").encode(), TOO_DEEP),
    "bad_coding.py": (b"# -*- coding: no-such-codec -*-\nimport torch\n", "cannot decode file"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_file_gets_one_line_and_the_run_goes_on(tmp_path: Path, name: str) -> None:
    data, reason = MALFORMED[name]
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    result = run(".", cwd=tmp_path)
    errors = [line for line in result.stderr.splitlines() if ": error:" in line]
    assert errors == [line for line in errors if line.startswith(f"{name}: error: ")] and len(errors) == 1, result.stderr
    assert reason in errors[0]
    assert "Traceback" not in result.stderr
    assert findings(result) == GOOD_FINDINGS
    assert result.returncode == 2


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    secret = tmp_path / "secret.py"
    secret.write_text("import torch\n", encoding="utf-8")
    secret.chmod(0)
    real_open = os.open

    def guarded(file, *args, **kwargs):  # root reads anything: refuse as the kernel would for others
        if str(file).endswith("secret.py"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["check", "--no-cache", "--isolated", "--jobs", "1", "good.py", "secret.py"])
    captured = capsys.readouterr()
    assert code == 2
    assert [line for line in captured.err.splitlines() if ": error:" in line] == [
        "secret.py: error: Permission denied"]
    assert captured.out.count(": CE") == GOOD_FINDINGS


def test_a_symlink_loop_and_a_dangling_link(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    os.symlink("loop_b.py", tmp_path / "loop_a.py")
    os.symlink("loop_a.py", tmp_path / "loop_b.py")
    os.symlink("missing.py", tmp_path / "dangling.py")
    os.symlink(".", tmp_path / "self")  # a folder loop: not followed
    result = run(".", cwd=tmp_path)
    errors = sorted(line for line in result.stderr.splitlines() if ": error:" in line)
    assert errors == ["dangling.py: error: No such file or directory",
                      "loop_a.py: error: Too many levels of symbolic links",
                      "loop_b.py: error: Too many levels of symbolic links"]
    assert findings(result) == GOOD_FINDINGS and result.returncode == 2


def test_a_folder_named_like_a_file_is_a_folder(tmp_path: Path) -> None:
    """As in flake8 and Ruff: a directory is walked, whatever its name; it is never read as a file."""
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inside.py").write_text(GOOD, encoding="utf-8")
    for args in ([".",], ["x.py"]):
        result = run(*args, cwd=tmp_path)
        assert findings(result) == GOOD_FINDINGS and result.returncode == 1 and "error" not in result.stderr


def test_a_missing_path(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    result = run("good.py", "nowhere.py", cwd=tmp_path)
    assert "nowhere.py: error: No such file or directory" in result.stderr
    assert findings(result) == GOOD_FINDINGS and result.returncode == 2


def test_unusual_but_valid_files_are_analysed(tmp_path: Path) -> None:
    finding = "import torch\nimport torch.nn as nn\n\nloss = nn.CrossEntropyLoss()(torch.softmax(x, dim=1), y)\n"
    files = {
        "latin1.py": ("# -*- coding: latin-1 -*-\n# café\n" + finding).encode("latin-1"),
        "bom_crlf.py": b"\xef\xbb\xbf" + finding.replace("\n", "\r\n").encode(),
        "empty.py": b"",
        "only_comment.py": b"# torch\n",
        "huge.py": (finding + "".join(f"v{i} = {i}\n" for i in range(50_000))).encode(),
        "tabs.py": ("import torch\nif True:\n\tloss = torch.nn.CrossEntropyLoss()(torch.softmax(x, dim=1), y)\n").encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result = run(".", cwd=tmp_path)
    assert result.stderr.count("error") == 0, result.stderr
    reported = sorted(line.split(":")[0] for line in result.stdout.splitlines() if "CE201" in line)
    assert reported == ["bom_crlf.py", "huge.py", "latin1.py", "tabs.py"]


def test_fixing_keeps_an_unusual_encoding(tmp_path: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n# café\nimport keras\n" \
             "model = keras.Sequential([keras.layers.Dense(1, activation='softmax')])\n" \
             "model.compile(loss='binary_crossentropy', optimizer='adam')\n"
    path = tmp_path / "latin1.py"
    path.write_bytes(source.encode("latin-1"))
    subprocess.run([sys.executable, "-m", "ce_lint", "check", "--no-cache", "--isolated", "--fix", "--unsafe-fixes",
                    "latin1.py"], capture_output=True, cwd=tmp_path, timeout=300)
    fixed = path.read_bytes()
    assert "café".encode("latin-1") in fixed and b"sigmoid" in fixed


# -- one bug never costs the findings of other files or other rules ----------------------------------------


def test_a_crashing_rule_is_reported_and_the_other_rules_still_report() -> None:
    def crash(facts):
        raise ZeroDivisionError("a bug")

    source = (FIXTURES / "CE101.py").read_text(encoding="utf-8") + "\n" + GOOD
    before = {d.code for d in lint(source, "x.py").diagnostics}
    rules = [dataclasses.replace(r, check=crash) if r.code == "CE201" else r for r in engine.enabled_rules(Settings())]
    result = lint(source, "x.py", rules=rules)
    assert {d.code for d in result.diagnostics} == before - {"CE201"}
    assert result.errors == ["internal error in rule CE201: ZeroDivisionError: a bug; " + engine.REPORT_HINT]


def check_beside_a_culprit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, good: int, jobs: int,
                           failure: Callable[[], None]) -> tuple[cli.Outcome, list[cli.Outcome]]:
    """Check `good` copies of GOOD and culprit.py, whose analysis calls `failure`; (culprit's outcome, the others')."""
    for i in range(good):
        (tmp_path / f"good{i:02}.py").write_text(GOOD, encoding="utf-8")
    # analysed, not gated out: a softmax without dim could be a finding
    (tmp_path / "culprit.py").write_text("import torch\nCULPRIT = torch.softmax(x)\n", encoding="utf-8")
    real = engine._lint

    def analyse(source, *args):
        if "CULPRIT" in source:
            failure()
        return real(source, *args)

    monkeypatch.setattr(engine, "_lint", analyse)
    paths = sorted(str(p) for p in tmp_path.glob("*.py"))
    by_name = {Path(p).name: o for p, o in zip(paths, cli.run_check(paths, Settings(), jobs=jobs))}
    return by_name.pop("culprit.py"), list(by_name.values())


def test_a_crashing_analysis_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def bug() -> None:
        raise KeyError("parser bug")

    culprit, others = check_beside_a_culprit(tmp_path, monkeypatch, 3, 1, bug)
    assert culprit.errors[0].endswith("internal error: KeyError: 'parser bug'; please report it")
    assert [len(o.diagnostics) for o in others] == [GOOD_FINDINGS] * 3


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_process_killed_by_a_file_costs_only_that_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         jobs: int) -> None:
    """A native crash (a segfault in the parser, the kernel's out-of-memory killer) kills the worker
    process; the run finds the file that did it and reports everything else."""
    if sys.platform == "win32" or multiprocessing.get_start_method() != "fork":
        pytest.skip("needs fork to carry the monkeypatch into the workers")
    culprit, others = check_beside_a_culprit(tmp_path, monkeypatch, 20, jobs,
                                             lambda: os.kill(os.getpid(), signal.SIGSEGV))
    assert "the process analysing this file crashed" in culprit.errors[0]
    assert [len(o.diagnostics) for o in others] == [GOOD_FINDINGS] * 20


# -- the analysis never raises ----------------------------------------------------------------------------------


def assert_never_raises(source: str) -> None:
    try:
        result = lint(source, "generated.py", Settings(select=("",)))
    except FileError:
        return  # a clean one-line verdict on a file that can't be analysed
    internal = [e for e in result.errors if "internal error" in e]
    assert not internal, internal


# Generated programs rarely mention a framework; this header makes the textual gate let them through.
HEADER = "import torch\nimport keras\nimport numpy as np\n"


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_generated_programs(data) -> None:
    import hypothesmith

    program = data.draw(hypothesmith.from_grammar())
    assert_never_raises(HEADER + program)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_generated_syntax_trees(data) -> None:
    import hypothesmith

    program = data.draw(hypothesmith.from_node())
    assert_never_raises(HEADER + program)


FIXTURE_SOURCES = sorted(FIXTURES.glob("CE*.py")) + sorted((FIXTURES / "clean").glob("*.py"))


@pytest.mark.parametrize("path", FIXTURE_SOURCES, ids=lambda p: p.name)
def test_mutated_fixtures(path: Path) -> None:
    """Lines dropped, duplicated, swapped, truncated or dedented: half-edited files, as an editor sends them."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    rng = random.Random(path.name)
    for _ in range(12):
        assert_never_raises(mutate(lines, rng))


def test_several_crashing_rules_are_one_line_for_their_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(facts):
        raise ZeroDivisionError("a bug")

    rules = [dataclasses.replace(r, check=crash) if r.code in ("CE201", "CE202") else r
             for r in engine.enabled_rules(Settings())]
    monkeypatch.setattr(engine, "enabled_rules", lambda settings: rules)
    path = tmp_path / "good.py"
    path.write_text(GOOD, encoding="utf-8")
    outcome = cli.check_file(str(path), Settings())
    assert outcome.errors == [f"{path}: error: internal error in rule CE201: ZeroDivisionError: a bug; internal error "
                              f"in rule CE202: ZeroDivisionError: a bug; {engine.REPORT_HINT}"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["", "r", "u", "R", "b", "f", "rb"]), st.sampled_from(["'", '"', "'''", '"""']),
       st.text(alphabet=st.sampled_from(list("ab '\"\\\n\r\té")), max_size=12))
def test_plain_strings_read_as_python_reads_them(prefix: str, quote: str, body: str) -> None:
    """The evaluator's fast reading of string literals agrees with Python's wherever it answers."""
    import ast

    from ce_lint.facts.expressions import plain_string

    literal = f"{prefix}{quote}{body}{quote}"
    try:
        expected = ast.literal_eval(literal)
    except (SyntaxError, ValueError):
        return  # not one literal: the analysis never sees it as one
    read = plain_string(literal)
    assert read is None or read == expected
