"""How a rule's anchors are looked for in a file's text (vocab/anchors.py derives their words from
the vocabulary; gate.py asks them). A word that is an identifier matches as a whole identifier,
case and all, as the analysis reads names (`softmax` in `F.softmax` and "softmax", not in
`log_softmax`), and not where another word follows it, which code never does (prose: "softmax
outputs"); one that starts with `*` is the end of an identifier (`*ForSequenceClassification`), one
that ends with `*` its start (`Binary*`); any other word (`==`, `*`) matches anywhere.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


class Anchor:
    """Something a file's text must hold for a rule to find anything there; `a | b`: either."""

    def found(self, source: str) -> bool:
        raise NotImplementedError

    def __or__(self, other: Anchor) -> Anchor:
        return Either((self, other))

    def __and__(self, other: Anchor) -> Anchor:
        return Both((self, other))


@dataclass(frozen=True)
class Both(Anchor):
    """All of these (inside an Either: a rule's anchors are all needed anyway)."""

    anchors: tuple[Anchor, ...]

    def found(self, source: str) -> bool:
        return all(anchor.found(source) for anchor in self.anchors)


@dataclass(frozen=True)
class Either(Anchor):
    anchors: tuple[Anchor, ...]

    def found(self, source: str) -> bool:
        return any(anchor.found(source) for anchor in self.anchors)


@dataclass(frozen=True)
class Words(Anchor):
    """Any of these words."""

    words: frozenset[str]

    def __or__(self, other: Anchor) -> Anchor:
        return Words(self.words | other.words) if isinstance(other, Words) else Either((self, other))

    def found(self, source: str) -> bool:
        return any(next(occurrences(source, word), None) is not None for word in self.words)


@dataclass(frozen=True)
class Unaxed(Anchor):
    """A call of one of these functions without an explicit non-zero axis (`F.softmax(x)`,
    `nn.Softmax(dim=0)`), or any other mention of them: a name bound or passed on may be called
    without one elsewhere."""

    words: Words
    axis: str  # the axis' keyword

    def found(self, source: str) -> bool:
        for word in self.words.words:
            for end in occurrences(source, word):
                if not _axed(source, end, self.axis):
                    return True
        return False


@dataclass(frozen=True)
class Operator(Anchor):
    """An operator that isn't part of a longer one: `>` but not `->` or `>>>`."""

    symbol: str
    not_after: str = ""
    not_before: str = ""

    def found(self, source: str) -> bool:
        start = source.find(self.symbol)
        while start != -1:
            end = start + len(self.symbol)
            if (start == 0 or source[start - 1] not in self.not_after) and (
                    end == len(source) or source[end] not in self.not_before):
                return True
            start = source.find(self.symbol, start + 1)
        return False


@dataclass(frozen=True)
class Imported(Anchor):
    """An absolute import of one of these packages (`import torch.nn as nn`, `from transformers import X`):
    the analysis knows a library's names only from its imports, and a relative import binds none."""

    roots: frozenset[str]

    def found(self, source: str) -> bool:
        for root in self.roots:
            for end in occurrences(source, root):
                start = end - len(root)
                line = source.rfind("\n", 0, start) + 1
                continued = line >= 2 and source[line - 2] == "\\"  # `import os, \` on the line above
                if continued or _IMPORTING.fullmatch(source, line, start):
                    return True
        return False


def occurrences(source: str, word: str) -> Iterator[int]:
    """Where each occurrence of an anchor word ends, matched as the module's docstring says."""
    suffix, prefix = word.startswith("*"), word.endswith("*")
    text = word.strip("*")
    identifier = text.isidentifier()
    start = source.find(text)
    while start != -1:
        end = start + len(text)
        if not identifier or ((suffix or start == 0 or not _word_char(source[start - 1]))
                              and (prefix or ((end == len(source) or not _word_char(source[end]))
                                              and not _prose(source, end)))):
            yield end
        start = source.find(text, start + 1)


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


# What precedes a package's name on its line in an import: `from `, `import a, b as c, `; also after `if x:` or `;`.
_IMPORTING = re.compile(r"(?:[^\n]*[;:])?[ \t]*"
                        r"(?:from[ \t]+|import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*)")
_PROSE = re.compile(r"[ \t]+([A-Za-z_]\w*)")
_CALL = re.compile(r"\s*\(")
_NONZERO = re.compile(r"\s*(?:-\s*)?(?:[1-9][0-9]*)\s*")


def _prose(source: str, end: int) -> bool:
    """A name followed by another word that is no keyword, which Python code never is: a comment or docstring."""
    match = _PROSE.match(source, end)
    return match is not None and not keyword.iskeyword(match.group(1)) and not keyword.issoftkeyword(match.group(1))


def _axed(source: str, end: int, axis: str) -> bool:
    """Whether a call starts here and names a non-zero axis: `(x, dim=-1)`, `(x, 1)`, `(1)`."""
    call = _CALL.match(source, end)
    if call is None:
        return False
    args = _arguments(source, call.end())
    if args is None:
        return False
    for index, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if equals and name.strip() == axis and _NONZERO.fullmatch(value):
            return True
        if not equals and index < 2 and _NONZERO.fullmatch(arg):  # (input, dim) or, for methods and modules, (dim)
            return True
    return False


def _arguments(source: str, start: int) -> list[str] | None:
    """The top-level arguments of the call whose `(` ends at start; None when they can't be told
    apart (a bracket or quote inside, or no closing bracket nearby)."""
    depth, pieces, piece = 0, [], start
    for index in range(start, min(len(source), start + 2000)):
        char = source[index]
        if char in "\"'#":
            return None
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                pieces.append(source[piece:index])
                return pieces
            depth -= 1
        elif char == "," and depth == 0:
            pieces.append(source[piece:index])
            piece = index + 1
    return None


# catalog.py holds each rule's anchors as plain data, so that reading it imports nothing:
# ("words", words), ("unaxed", words, axis), ("operator", symbol, not_after, not_before), ("either", specs),
# ("both", specs), ("imported", roots).


Spec = tuple[Any, ...]


def to_spec(anchor: Anchor) -> Spec:
    if isinstance(anchor, Words):
        return ("words", tuple(sorted(anchor.words)))
    if isinstance(anchor, Unaxed):
        return ("unaxed", tuple(sorted(anchor.words.words)), anchor.axis)
    if isinstance(anchor, Operator):
        return ("operator", anchor.symbol, anchor.not_after, anchor.not_before)
    if isinstance(anchor, Either):
        return ("either", tuple(to_spec(a) for a in anchor.anchors))
    if isinstance(anchor, Both):
        return ("both", tuple(to_spec(a) for a in anchor.anchors))
    if isinstance(anchor, Imported):
        return ("imported", tuple(sorted(anchor.roots)))
    raise TypeError(f"no spec for {anchor!r}")


def from_spec(spec: Spec) -> Anchor:
    kind, *rest = spec
    if kind == "words":
        return Words(frozenset(rest[0]))
    if kind == "unaxed":
        return Unaxed(Words(frozenset(rest[0])), rest[1])
    if kind == "operator":
        return Operator(*rest)
    if kind == "either":
        return Either(tuple(from_spec(s) for s in rest[0]))
    if kind == "both":
        return Both(tuple(from_spec(s) for s in rest[0]))
    if kind == "imported":
        return Imported(frozenset(rest[0]))
    raise ValueError(f"unknown anchor spec {spec!r}")
