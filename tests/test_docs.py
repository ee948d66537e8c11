"""Rule pages are generated from the rules; their examples are linted like any code."""

from __future__ import annotations

import pytest

from ce_lint.config import Settings
from ce_lint.docs import DOCS_DIR, code_blocks, pages
from ce_lint.engine import lint
from ce_lint.rules import all_rules

SETTINGS = Settings(select=("",), keras_version="3")


def test_pages_are_current() -> None:
    stale = [name for name, content in pages().items()
             if not (DOCS_DIR / name).is_file() or (DOCS_DIR / name).read_text(encoding="utf-8") != content]
    assert not stale, f"regenerate with `python -m ce_lint.docs`: {stale}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_page_sections(rule) -> None:
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References"):
        assert section in rule.doc, f"{rule.code} lacks {section}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_example_triggers_exactly_its_rule(rule) -> None:
    examples = code_blocks(rule, "Example")
    assert examples
    for code in examples:
        found = {d.code for d in lint(code, "example.py", SETTINGS).diagnostics}
        assert found == {rule.code}


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_use_instead_is_clean(rule) -> None:
    blocks = code_blocks(rule, "Use instead")
    assert blocks
    for code in blocks:
        assert lint(code, "use_instead.py", SETTINGS).diagnostics == []


def test_rules_with_fixes_document_their_safety() -> None:
    from support import FIXTURES

    fixed = {d.code for p in FIXTURES.glob("CE*.py")
             for d in lint(p.read_text(encoding="utf-8"), str(p), SETTINGS).diagnostics if d.fix is not None}
    for rule in all_rules():
        assert (rule.code in fixed) == ("## Fix safety" in rule.doc), rule.code
