"""The textual gate: whether a file's text can hold a finding of the enabled rules, decided before
anything is parsed. A file passes when it mentions a framework (the vocabulary's gate words) and
holds every anchor group of some enabled rule (rules declare them, vocab/anchors.py derives their
words, matching.py says how they match).
Only a small share of real code passes, and a file that doesn't pass costs a few substring searches.
The words and each rule's anchors are read from catalog.py (generated from the rules and the
vocabulary), so keeping a file out loads neither: this module imports only `re` until a file
mentions a framework (the flake8 plugin imports it in every flake8 run).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from . import catalog

if TYPE_CHECKING:
    from .config import Settings
    from .matching import Anchor
    from .rules import Rule

# Every rule needs one of these words in a file.
GATE = re.compile("|".join(re.escape(word) for word in catalog.GATE_WORDS))
# A noqa comment naming one of ce-lint's codes: without one, no CE902 can be reported (cheap to search for).
NAMES_OURS = re.compile(r"noqa.*?ce", re.IGNORECASE)


class Gate:
    def __init__(self, rules: Sequence[Rule] = (), anchors: Iterable[tuple[Anchor, ...]] = ()) -> None:
        # CE902 needs the other rules' findings, not a parse of its own (engine.py runs it last).
        self.anchors = (*(r.anchors for r in rules if r.code != catalog.UNUSED_NOQA), *anchors)
        self.open = any(not anchors for anchors in self.anchors)  # a rule without anchors: every framework file

    def passes(self, source: str) -> bool:
        if not GATE.search(source):
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


def enabled_codes(settings: Settings) -> tuple[str, ...]:
    """The codes of the rules these settings enable, known without loading the rules."""
    return tuple(code for code, (_, default, _) in catalog.RULES.items() if settings.enabled(code, default))


@functools.lru_cache(maxsize=64)
def gate_of(codes: tuple[str, ...]) -> Gate:
    """The gate of the rules with these codes, from the catalog: the same as their gate_for (a test
    says so), without loading them. Build it only for a file that mentions a framework."""
    from .matching import from_spec

    return Gate(anchors=[tuple(from_spec(spec) for spec in catalog.RULES[code][2])
                         for code in codes if code != catalog.UNUSED_NOQA])


def keeps_out(source: str, settings: Settings) -> bool:
    """Whether no rule these settings enable could find anything in this text."""
    return GATE.search(source) is None or not gate_of(enabled_codes(settings)).passes(source)
