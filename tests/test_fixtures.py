"""Fixtures are the spec: each rule's file lists what must be reported and the near misses that
must not be; fixtures/clean/ holds realistic correct scripts on which nothing may be reported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ce_lint.config import Settings
from ce_lint.engine import lint
from ce_lint.rules import all_rules

from support import FIX_GRADES, FIXTURES, marked, markers

RULE_FIXTURES = sorted(p for p in FIXTURES.glob("CE*.py") if not p.name.endswith(".fixed.py"))
CLEAN = sorted((FIXTURES / "clean").glob("*.py"))
EVERY_RULE = Settings(select=("",), keras_version="3")


def findings(path: Path, settings: Settings = EVERY_RULE) -> set[tuple[int, str]]:
    result = lint(path.read_text(encoding="utf-8"), str(path), settings)
    assert not result.errors
    return {(d.line, d.code) for d in result.diagnostics}


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: p.name)
def test_fixture_expectations(path: Path) -> None:
    expected, near_misses = markers(path)
    actual = findings(path)
    assert sorted(actual - expected) == [], "reported but not expected"
    assert sorted(expected - actual) == [], "expected but not reported"
    assert not (actual & near_misses)


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: p.name)
def test_fixture_fix_grades(path: Path) -> None:
    """Each `# expect: CE201[unsafe]` marker pins how the finding's fix is graded."""
    expected, _ = marked(path)
    assert all(grade in FIX_GRADES for grade in expected.values()), "every expect marker gives safe, unsafe or no-fix"
    result = lint(path.read_text(encoding="utf-8"), str(path), EVERY_RULE)
    graded = {(d.line, d.code, d.fix.applicability.value if d.fix else "no-fix") for d in result.diagnostics}
    assert sorted(graded - {(line, code, grade) for (line, code), grade in expected.items()}) == []


def test_every_rule_has_a_fixture_with_enough_near_misses() -> None:
    for rule in all_rules():
        files = [p for p in RULE_FIXTURES if re.match(rf"{rule.code}(_\w+)?\.py$", p.name)]
        assert files, f"no fixture for {rule.code}"
        expected = near = 0
        for path in files:
            e, n = markers(path)
            expected += sum(1 for _, code in e if code == rule.code)
            near += sum(1 for _, code in n if code == rule.code)
        assert expected >= 1, f"{rule.code}: no expected finding"
        assert near >= expected, f"{rule.code}: {near} near misses for {expected} findings"


def test_clean_corpus_is_big_enough() -> None:
    assert len([p for p in CLEAN if p.name.startswith("keras_")]) >= 20
    assert len([p for p in CLEAN if p.name.startswith("torch_")]) >= 20


@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.name)
def test_clean_scripts_are_silent(path: Path) -> None:
    assert findings(path, Settings(keras_version="3")) == set()


def test_known_limits_are_documented_and_silent() -> None:
    path = FIXTURES / "known_limits.py"
    assert "# limit:" in path.read_text(encoding="utf-8")
    assert findings(path) == set()
