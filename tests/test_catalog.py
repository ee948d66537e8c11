"""catalog.py is what the rules and the vocabulary derive, never kept by hand: a run that loads
neither (every file cached or kept out by the gate) decides exactly as one that loads both."""

from __future__ import annotations

import pytest

from ce_lint import catalog, vocab
from ce_lint.config import Settings
from ce_lint.gate import enabled_codes, gate_for, gate_of
from ce_lint.rules import DOCS_URL, all_rules
from ce_lint.rules.export import PATH, render
from ce_lint.rules.suppressions import CODE as UNUSED_NOQA


def test_the_catalog_is_what_the_rules_derive() -> None:
    assert PATH.read_text(encoding="utf-8") == render(), "run: python -m ce_lint.rules.export"


def test_the_catalog_says_what_the_rules_and_the_vocabulary_do() -> None:
    rules = all_rules()
    assert list(catalog.RULES) == [r.code for r in rules]
    assert {c: (name, default) for c, (name, default, _) in catalog.RULES.items()} == {
        r.code: (r.name, r.default_enabled) for r in rules}
    assert catalog.GATE_WORDS == vocab.GATE_WORDS
    assert catalog.UNUSED_NOQA == UNUSED_NOQA
    assert catalog.DOCS_URL == DOCS_URL


@pytest.mark.parametrize("settings", [Settings(), Settings(select=("",)), Settings(select=("CE2",), ignore=("CE205",)),
                                      Settings(extend_select=("CE901",)), Settings(select=("CE902",))],
                         ids=["default", "all", "CE2 but CE205", "CE901 too", "CE902 only"])
def test_the_catalog_gates_as_the_rules_do(settings: Settings) -> None:
    rules = [r for r in all_rules() if settings.enabled(r.code, r.default_enabled)]
    assert enabled_codes(settings) == tuple(r.code for r in rules)
    assert gate_of(enabled_codes(settings)).anchors == gate_for(rules).anchors
