"""The textual gate: whether a file's text can hold a finding of the enabled rules, decided before
anything is parsed. A file passes when it mentions a framework (the vocabulary's gate words) and
holds every anchor group of some enabled rule (rules declare them, vocab/anchors.py derives their
words, matching.py says how they match) outside its comments and docstrings, which the analysis
never reads.
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


# Comments and strings as Python's tokenizer reads them: a `#` inside a string is no comment, a quote
# inside a comment opens no string. Each string's body is an unrolled loop, which can't backtrack.
def _string(quote: str) -> str:
    q = re.escape(quote[0])
    if len(quote) == 3:
        return rf"{q}{{3}}[^{q}\\]*(?:(?:\\.|{q}(?!{q}{q}))[^{q}\\]*)*{q}{{3}}"
    return rf"{q}[^{q}\\\r\n]*(?:\\.[^{q}\\\r\n]*)*{q}"


_LEXEMES = re.compile(rf"(?P<comment>#[^\r\n]*)|(?P<triple>{_string(chr(34) * 3)}|{_string(chr(39) * 3)})"
                      rf"|{_string(chr(34))}|{_string(chr(39))}", re.S)
_ALONE_AFTER = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r?\n|\r|$)")


def code_of(source: str) -> str:
    """The source without its comments and docstrings (the triple-quoted strings alone on their lines);
    every other string is kept, as a value may be one."""
    pieces, kept = [], 0
    for match in _LEXEMES.finditer(source):
        start, end = match.span()
        if match.lastgroup == "triple":
            line = source.rfind("\n", 0, start) + 1
            before = source[line:start]
            if before[-1:] in ("r", "R", "u", "U"):
                before = before[:-1]
            if before.strip(" \t") or not _ALONE_AFTER.match(source, end):
                continue
        elif match.lastgroup is None:
            continue
        pieces.append(source[kept:start])
        kept = end
    pieces.append(source[kept:])
    return "".join(pieces)


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
        # Words are looked for in the whole text first, which is quicker and keeps most files out.
        return self._holds(source) and self._holds(code_of(source))

    def _holds(self, text: str) -> bool:
        found: dict[Anchor, bool] = {}  # rules share anchors: each is looked for once

        def has(anchor: Anchor) -> bool:
            if anchor not in found:
                found[anchor] = anchor.found(text)
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
