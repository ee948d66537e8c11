"""The words a file must contain for the analysis to see a symbol, derived from the vocabulary's
tables: rules declare their anchors with these (rules.rule(anchors=...)) and gate.py keeps out the
files that lack every enabled rule's. A word that is an identifier matches as a whole identifier,
case and all, as the analysis reads names (`softmax` in `F.softmax` and "softmax", not in
`log_softmax`); one that starts with `*` is the end of an identifier (`*ForSequenceClassification`);
any other word (`==`, `*`) matches anywhere.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from . import ARRAY_FUNCTIONS, ARRAY_METHODS, LOSS_FUNCTIONS
from . import keras as k
from . import torch as tv
from . import transformers as hf
from .arrays import REDUCTIONS, SUM
from .keras import ACCURACY_STRINGS, COMPILE, FIT, UNIT_LAYERS
from .symbols import (
    BCE,
    BCE_LOGITS,
    CROSS_ENTROPY,
    EXP,
    LOG,
    LOG_SOFTMAX,
    MEAN,
    NLL,
    ROUND,
    SIGMOID,
    SOFTMAX,
    SOFTMIN,
    Kind,
    Library,
    LossKind,
)
from .torch import EQ, LINEAR, MEAN_METHOD

__all__ = ["ACCURACY_STRINGS", "BCE", "BCE_LOGITS", "COMPILE", "CROSS_ENTROPY", "EQ", "EXP", "FIT", "LINEAR", "LOG",
           "LOG_SOFTMAX", "MEAN", "MEAN_METHOD", "NLL", "REDUCTIONS", "ROUND", "SIGMOID", "SOFTMAX", "SOFTMIN", "SUM",
           "UNIT_LAYERS"]

class Anchor:
    """Something a file's text must hold for a rule to find anything there; `a | b`: either."""

    def found(self, source: str) -> bool:
        raise NotImplementedError

    def __or__(self, other: Anchor) -> Anchor:
        return Either((self, other))


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
    `nn.Softmax(dim=0)`), or any mention of them that isn't such a call or prose: a name bound
    or passed on may be called without one elsewhere."""

    words: Words
    axis: str  # the axis' keyword

    def found(self, source: str) -> bool:
        for word in self.words.words:
            for end in occurrences(source, word):
                if not _prose(source, end) and not _axed(source, end, self.axis):
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


def occurrences(source: str, word: str) -> Iterator[int]:
    """Where each occurrence of an anchor word ends, matched as the module's docstring says."""
    suffix = word.startswith("*")
    text = word.lstrip("*")
    identifier = text.isidentifier()
    start = source.find(text)
    while start != -1:
        end = start + len(text)
        if not identifier or ((suffix or start == 0 or not _word_char(source[start - 1]))
                              and (end == len(source) or not _word_char(source[end]))):
            yield end
        start = source.find(text, start + 1)


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


_PROSE = re.compile(r"[ \t]+([A-Za-z_]\w*)")
_CALL = re.compile(r"\s*\(")
_NONZERO = re.compile(r"\s*(?:-\s*)?(?:[1-9][0-9]*)\s*")


def _prose(source: str, end: int) -> bool:
    """A name followed by another word that is no keyword, which Python code never is: a comment or docstring."""
    match = _PROSE.match(source, end)
    return match is not None and not keyword.iskeyword(match.group(1))


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


def any_of(words: Iterable[str | None]) -> Words:
    return Words(frozenset(word for word in words if word))


def greater_than() -> Operator:
    """`>` or `>=`, as a threshold is written (`probs > 0.5`)."""
    return Operator(">", not_after="->", not_before=">")


def unaxed(words: Words, axis: str) -> Unaxed:
    return Unaxed(words, axis)


def activation(*kinds: Kind) -> Words:
    """Every spelling of an array function, tensor method, torch module or Keras activation of these kinds."""
    names = [qname.rsplit(".", 1)[-1] for qname, fn in ARRAY_FUNCTIONS.items() if fn.kind in kinds]
    names += [name for name, fn in ARRAY_METHODS.items() if fn.kind in kinds]
    names += [name for name, fn in tv.ACTIVATION_MODULES.items() if fn.kind in kinds]
    names += [name for name in k.ACTIVATIONS if name in kinds]
    names += [name for name, act in k.ACTIVATION_LAYERS.items() if act in kinds]
    return any_of(names)


def tensor_loss(*kinds: LossKind) -> Words:
    """The criterion classes and functions that compute these losses on tensors."""
    losses = [loss for loss in (*LOSS_FUNCTIONS.values(), *tv.CRITERIA.values()) if loss.kind in kinds]
    # skorch's nets whose default criterion is one of them: `NeuralNetBinaryClassifier(module)`
    nets = [qname.rsplit(".", 1)[-1] for qname, (_, default) in tv.SKORCH_NETS.items()
            if default is not None and default.kind in kinds]
    return any_of([*(name for loss in losses for name in (loss.criterion, loss.function)), *nets])


def keras_loss(*families: str) -> Words:
    """Every name compile() takes for a Keras loss of these families ("bce", "cce", "scce"...)."""
    names = [name for name, loss in k.LOSSES.items() if loss.family in families]
    return any_of([*names, *(alias for alias in k.loss_aliases() if k.loss_name(alias) in names)])


def mixed_precision() -> Words:
    """What shows mixed precision in torch: autocast, a gradient scaler, Lightning's precision=."""
    return any_of([*(qname.rsplit(".", 1)[-1] for qname in tv.MIXED_PRECISION), str(tv.TRAINER_PRECISION.name)])


def hf_models() -> Words:
    """HuggingFace's sequence classifiers: `*ForSequenceClassification`."""
    return any_of([f"*{hf.MODEL_SUFFIX}"])


def library(lib: Library) -> Words:
    return any_of(lib.gate)


def words(*spelled: str) -> Words:
    return any_of(spelled)
