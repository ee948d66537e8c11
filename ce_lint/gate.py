"""The textual gate: whether a file's text can hold a finding of the enabled rules, decided before
anything is parsed. A file passes when it mentions a framework (the vocabulary's gate) and holds
every anchor group of some enabled rule (rules declare them, vocab/anchors.py derives their words
and says how they match).
Only a small share of real code passes, and a file that doesn't pass costs a few substring searches.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from . import vocab
from .rules import Rule
from .rules.suppressions import CODE as UNUSED_NOQA
from .vocab.anchors import Anchor


class Gate:
    def __init__(self, rules: Sequence[Rule]) -> None:
        # CE902 needs the other rules' findings, not a parse of its own (engine.py runs it last).
        self.anchors = tuple(r.anchors for r in rules if r.code != UNUSED_NOQA)
        self.open = any(not anchors for anchors in self.anchors)  # a rule without anchors: every framework file

    def passes(self, source: str) -> bool:
        if not vocab.GATE.search(source):
            return False
        if self.open:
            return True
        found: dict[Anchor, bool] = {}  # rules share anchors: each is looked for once

        def has(anchor: Anchor) -> bool:
            if anchor not in found:
                found[anchor] = anchor.found(source)
            return found[anchor]

        return any(all(has(anchor) for anchor in anchors) for anchors in self.anchors)


@functools.lru_cache(maxsize=64)
def _gate(rules: tuple[Rule, ...]) -> Gate:
    return Gate(rules)


def gate_for(rules: Sequence[Rule]) -> Gate:
    return _gate(tuple(rules))
