"""Rules are what they declare, and the analysis is put together as designed: findings are made
from their rule's declared messages (severity and fix safety pinned), every declared message is
reported by some fixture, and no two plugins answer the same event."""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst
import pytest

from ce_lint.config import Settings
from ce_lint.docs import code_blocks
from ce_lint.engine import lint
from ce_lint.facts import PLUGINS, collect
from ce_lint.facts.evaluator import Evaluator
from ce_lint.rules import RULES, Message, all_rules

from support import FIXTURES

SETTINGS = Settings(select=("",), keras_version="3")
RULE_FIXTURES = sorted(p for p in FIXTURES.glob("CE*.py") if not p.name.endswith(".fixed.py"))
SOURCES = RULE_FIXTURES + sorted((FIXTURES / "clean").glob("*.py"))


def _findings(path: Path) -> list[tuple[str, Message | None]]:
    """(code, declared message) of every finding the rules make on a fixture, suppressed ones included."""
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    facts = collect(module, SETTINGS)
    return [(rule.code, finding.declared) for rule in all_rules() for finding in rule.check(facts)]


def _title_pattern(title: str) -> re.Pattern[str]:
    parts = re.split(r"\{\w+\}", title)
    return re.compile(".+".join(re.escape(part) for part in parts) + r"\Z")


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: p.name)
def test_findings_are_made_from_their_rules_declared_messages(path: Path) -> None:
    for code, declared in _findings(path):
        assert declared is not None and declared in RULES[code].messages, code


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda p: p.name)
def test_severity_and_fix_safety_are_the_declared_ones(path: Path) -> None:
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    facts = collect(module, SETTINGS)
    for rule in all_rules():
        for finding in rule.check(facts):
            declared = finding.declared
            assert declared is not None and finding.severity == declared.severity
            if finding.fix is not None:
                assert declared.fix is not None and finding.fix.applicability == declared.fix.applicability
                assert _title_pattern(declared.fix.title).match(finding.fix.title), finding.fix.title


def test_every_declared_message_is_reported_by_a_fixture() -> None:
    reported = {id(declared) for path in RULE_FIXTURES for _, declared in _findings(path)}
    unused = [f"{rule.code}: {m.text[:60]}" for rule in all_rules() for m in rule.messages
              if id(m) not in reported and rule.code != "CE902"]  # CE902 reports after the rules (engine)
    assert unused == []


def test_a_rules_severity_is_its_most_severe_message() -> None:
    for rule in all_rules():
        assert rule.severity == min((m.severity for m in rule.messages), key=["error", "warning"].index)


def test_pages_say_how_fixes_are_graded() -> None:
    """A rule whose messages declare fixes has a Fix safety section; one without has none."""
    for rule in all_rules():
        assert bool(rule.fix_safeties) == ("## Fix safety" in rule.doc), rule.code


def _sources() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in SOURCES]
    texts += [block for rule in all_rules() for section in ("Example", "Use instead")
              for block in code_blocks(rule, section)]
    return texts


def test_no_two_plugins_answer_the_same_event() -> None:
    """Owners are disjoint: the order of the plugins can't change what the analysis finds."""
    for text in _sources():
        evaluator = Evaluator(cst.parse_module(text), PLUGINS)
        evaluator.run()
        assert evaluator.conflicts == []


def test_plugin_order_does_not_matter() -> None:
    import ce_lint.facts as facts

    def everything() -> list[list[tuple[int, str, str]]]:
        return [[(d.line, d.code, d.message) for d in lint(text, "x.py", SETTINGS).diagnostics]
                for text in _sources()]

    before = everything()
    original = facts.PLUGINS
    try:
        facts.PLUGINS = tuple(reversed(original))
        assert everything() == before
    finally:
        facts.PLUGINS = original
