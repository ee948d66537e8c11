"""Fixes never break code: the result parses, the fixed findings are gone and nothing new
appears, fixing again changes nothing; and each rule fixture is kept as two snapshots, its fixed
file (fixtures/CE101.fixed.py) and its findings with their messages, ranges and fix diffs
(fixtures/snapshots/CE101.snap). `CE_LINT_UPDATE_SNAPSHOTS=1 pytest tests/test_fixes.py`
regenerates both; review the diff."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest

from ce_lint.config import Settings
from ce_lint.core import fix_text as fix
from ce_lint.diagnostics import Diagnostic
from ce_lint.engine import lint
from ce_lint.fixes import apply_edits

from support import FIXTURES, ROOT

SETTINGS = Settings(select=("",), keras_version="3")
SOURCES = sorted(p for p in FIXTURES.glob("CE*.py") if not p.name.endswith(".fixed.py")) + sorted(
    (FIXTURES / "clean").glob("*.py"))
UPDATE = os.environ.get("CE_LINT_UPDATE_SNAPSHOTS") == "1"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_fixes_parse_remove_their_findings_and_converge(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    before = lint(source, str(path), SETTINGS).diagnostics
    fixed, count = fix(source, str(path), SETTINGS, unsafe=True)
    cst.parse_module(fixed)
    after = lint(fixed, str(path), SETTINGS).diagnostics
    assert not [d for d in after if d.fix is not None], "a fixable finding survived"
    unfixable_before = Counter(d.code for d in before if d.fix is None)
    assert Counter(d.code for d in after) - unfixable_before == Counter(), "fixing created findings"
    assert count >= sum(1 for d in before if d.fix is not None) or count > 0 or not before
    assert fix(fixed, str(path), SETTINGS, unsafe=True) == (fixed, 0), "fixing again changed something"


@pytest.mark.parametrize("path", [p for p in SOURCES if p.parent == FIXTURES], ids=lambda p: p.name)
def test_fixed_snapshot(path: Path) -> None:
    fixed, _ = fix(path.read_text(encoding="utf-8"), str(path), SETTINGS, unsafe=True)
    snapshot = path.with_suffix(".fixed.py")
    if UPDATE:
        snapshot.write_text(fixed, encoding="utf-8")
    assert snapshot.read_text(encoding="utf-8") == fixed, "regenerate with CE_LINT_UPDATE_SNAPSHOTS=1 and review"


def render_findings(path: Path) -> str:
    """Every finding of a fixture as a reviewer reads it: where, what, and what its fix changes."""
    source = path.read_text(encoding="utf-8")
    blocks = []
    for d in lint(source, str(path), SETTINGS).diagnostics:
        block = [f"{path.name}:{d.line}:{d.col + 1}-{d.end_line}:{d.end_col + 1} {d.code} {d.severity.value}",
                 f"  {d.message}"]
        block += [f"  related {r.line}:{r.col + 1}-{r.end_line}:{r.end_col + 1}: {r.message}" for r in d.related]
        block += [f"  help: {d.fix_title}"] if d.fix_title and d.fix is None else []
        block += _fix_lines(source, d)
        blocks.append("\n".join(block))
    return "\n\n".join(blocks) + "\n"


def _fix_lines(source: str, d: Diagnostic) -> list[str]:
    if d.fix is None:
        return ["  no fix"]
    fixed, _ = apply_edits(source, [d.fix])
    diff = difflib.unified_diff(source.splitlines(), fixed.splitlines(), lineterm="", n=0)
    return [f"  {d.fix.applicability.value} fix: {d.fix.message}", *(f"  {line}" for line in list(diff)[2:])]


@pytest.mark.parametrize("path", [p for p in SOURCES if p.parent == FIXTURES], ids=lambda p: p.name)
def test_findings_snapshot(path: Path) -> None:
    snapshot = FIXTURES / "snapshots" / path.with_suffix(".snap").name
    rendered = render_findings(path)
    if UPDATE:
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(rendered, encoding="utf-8")
    assert snapshot.is_file() and snapshot.read_text(encoding="utf-8") == rendered, (
        "regenerate with CE_LINT_UPDATE_SNAPSHOTS=1 and review")


def test_most_findings_carry_a_fix() -> None:
    findings = [d for p in SOURCES for d in lint(p.read_text(encoding="utf-8"), str(p), SETTINGS).diagnostics]
    with_fix = sum(d.fix is not None for d in findings)
    assert with_fix / len(findings) >= 0.6, f"{with_fix}/{len(findings)}"


def ce_lint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ce_lint", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


BUGGY = '''\
import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
detector = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
'''


def test_fix_diff_and_unsafe_fixes_on_the_command_line(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    target.write_text(BUGGY)
    run = ce_lint("check", "train.py", cwd=tmp_path)
    assert "CE105 [*] " in run.stdout and "CE101 from_logits" not in run.stdout
    assert "CE101 softmax" in run.stdout  # unsafe: not marked without --unsafe-fixes
    assert "1 more fixable with --fix --unsafe-fixes" in run.stderr
    diff = ce_lint("check", "--diff", "train.py", cwd=tmp_path)
    assert diff.returncode == 1 and "+model.compile(optimizer=\"adam\", loss=keras.losses.CategoricalCrossentropy(" \
        "from_logits=False))" in diff.stdout
    assert target.read_text() == BUGGY
    run = ce_lint("check", "--fix", "train.py", cwd=tmp_path)
    assert run.returncode == 1 and "Fixed 1 finding" in run.stderr
    assert "from_logits=False" in target.read_text() and 'Dense(1, activation="softmax")' in target.read_text()
    run = ce_lint("check", "--fix", "--unsafe-fixes", "train.py", cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert 'Dense(1, activation="sigmoid")' in target.read_text()
    assert ce_lint("check", "--diff", "train.py", cwd=tmp_path).returncode == 0


def test_noqa_suppressed_findings_are_not_fixed(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    target.write_text(BUGGY.replace("from_logits=True))", "from_logits=True))  # noqa: CE105"))
    ce_lint("check", "--fix", "--unsafe-fixes", "train.py", cwd=tmp_path)
    assert "from_logits=True))  # noqa: CE105" in target.read_text()


def test_json_carries_the_fix(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(BUGGY)
    findings = json.loads(ce_lint("check", "--output-format", "json", "train.py", cwd=tmp_path).stdout)
    ce105 = next(f for f in findings if f["code"] == "CE105")
    assert ce105["fix"] == {"applicability": "safe", "message": "Set from_logits=False", "edits": [
        {"content": "False", "location": {"row": 4, "column": 87}, "end_location": {"row": 4, "column": 91}}]}
    assert next(f for f in findings if f["code"] == "CE101")["fix"]["applicability"] == "unsafe"


def test_config_regrades_fixes(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(BUGGY)
    settings = Settings(extend_safe_fixes=("CE101",), extend_unsafe_fixes=("CE1",))
    grades = {d.code: d.fix.applicability.value for d in lint(BUGGY, "train.py", settings).diagnostics}
    assert grades == {"CE101": "safe", "CE105": "unsafe"}


def test_fix_keeps_encoding_bom_and_line_endings(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    target.write_bytes(b"\xef\xbb\xbf" + BUGGY.replace("\n", "\r\n").encode())
    ce_lint("check", "--fix", "train.py", cwd=tmp_path)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"from_logits=False))\r\n" in data and b"\n" not in data.replace(
        b"\r\n", b"")


def test_a_fix_that_cannot_be_written_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch) -> None:
    """A full disk (or a signal) while writing: the original bytes stay, no temporary file is left
    behind, and the run says so in one line."""
    import errno

    from ce_lint import files
    from ce_lint.cli import check_file

    path = tmp_path / "train.py"
    original = (FIXTURES / "CE105.py").read_bytes()
    path.write_bytes(original)
    os.chmod(path, 0o750)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    outcome = check_file(str(path), SETTINGS, "fix")
    assert outcome.errors == [f"{path}: error: cannot write the fixes (No space left on device); the file is unchanged"]
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]

    monkeypatch.undo()
    assert check_file(str(path), SETTINGS, "fix").fixed > 0
    assert path.read_bytes() != original
    assert os.stat(path).st_mode & 0o777 == 0o750, "the file's mode is kept"
