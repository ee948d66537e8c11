"""Numerics facts: logs of probabilities (CE3xx).

Which values are softmax or sigmoid probabilities (NumPy/SciPy, PyTorch, TensorFlow, keras.ops,
and a hand-written `exp(x) / sum(exp(x))`), which are clipped or offset by an epsilon, and where
a log is taken of them; hand-written cross-entropies (`-mean(y * log(p) + ...)`) are followed to
the reduction and minus sign that make them a loss.

The plugin never answers an event: it tags what other plugins (or the evaluator) made of it, so a
torch tensor or a Keras tensor keeps its meaning for its own plugin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from .. import vocab
from ..vocab import arrays
from ..vocab.symbols import EXP, LOG, SIGMOID, SOFTMAX, ArrayFunction
from .plugin import Args, Plugin
from .tags import LogUse, Numeric, NumericKind, Tags
from .values import Const, Value

if TYPE_CHECKING:
    from .evaluator import Evaluator

_PROBABILITIES: tuple[NumericKind, ...] = ("softmax", "sigmoid", "safe", "complement", "one_minus_sigmoid")
_TAGGED = (SOFTMAX, SIGMOID, LOG, EXP)  # what the array functions it tags do


@dataclass
class NumericsModuleFacts:
    logs: list[LogUse] = field(default_factory=list)  # every evaluation of a log, with its argument
    cross_entropies: list[Numeric] = field(default_factory=list)  # cross-entropy terms reduced or negated


def is_one(node: cst.CSTNode) -> bool:
    return isinstance(node, (cst.Integer, cst.Float)) and node.value in ("1", "1.", "1.0")


class NumericsFacts(Plugin):
    """Tags values with what they are numerically; never answers an event itself."""

    def __init__(self, ev: Evaluator) -> None:
        super().__init__(ev)
        self.facts = NumericsModuleFacts()

    @staticmethod
    def info(value: Value) -> Numeric | None:
        return value.numeric()

    # -- tags ------------------------------------------------------------------------------

    def tag_call_ext(self, qname: str, call: cst.Call, args: Args, answer: Value | None) -> Tags | None:
        return _tags(self._call_info(qname, call, args))

    def _call_info(self, qname: str, call: cst.Call, args: Args) -> Numeric | None:
        value, node = args.get_with_node(0, None)  # the first positional argument
        fn = vocab.ARRAY_FUNCTIONS.get(qname)
        if fn is not None and fn.kind in _TAGGED:
            return self._applied(fn, call, node, value, method=False)
        lib = vocab.array_library(qname)
        if not lib:
            return None
        last = qname.rsplit(".", 1)[-1]
        if last in arrays.CLIPS:
            return Numeric("safe")
        if last in arrays.REDUCTIONS:
            return self._reduce(value, call)
        return None

    def _applied(self, fn: ArrayFunction, call: cst.Call, arg: cst.CSTNode | None, value: Value,
                 method: bool) -> Numeric | None:
        """What a softmax, sigmoid, log or exp makes of `value` (written at `arg`)."""
        if fn.kind == SOFTMAX:
            return Numeric("softmax", call, fn.lib, arg)
        if fn.kind == SIGMOID:
            return Numeric("sigmoid", call, fn.lib, arg)
        if fn.kind == LOG:
            return self._log(LogUse(call, fn.lib, arg, method), value)
        if arg is not None:  # exp
            return Numeric("exp", call, fn.lib, source=self.ev.module.code_for_node(arg))
        return None

    def tag_call_method(self, obj: Value, name: str, call: cst.Call, args: Args,
                        answer: Value | None) -> Tags | None:
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        fn = vocab.ARRAY_METHODS.get(name)
        if fn is not None and fn.kind in _TAGGED:
            return _tags(self._applied(fn, call, receiver, obj, method=True))
        if name in arrays.CLIPS:
            return _tags(Numeric("safe"))
        if name in arrays.REDUCTIONS:
            return _tags(self._reduce(obj, call))
        info = self.info(obj)
        if name in arrays.KEEP_VALUES and info is not None and info.kind in _PROBABILITIES:
            return _tags(info)
        return None

    def tag_subscript(self, obj: Value, index: Value, node: cst.Subscript, answer: Value | None) -> Tags | None:
        if _positive_mask(node):  # p[p > 0]: only the entries a log can take
            return _tags(Numeric("safe"))
        info = self.info(obj)
        if info is not None and info.kind in ("softmax", "sigmoid", "safe"):
            return _tags(Numeric(info.kind, info.node, info.lib, None, fixable=False))
        return None

    def tag_unary(self, op: str, value: Value, node: cst.UnaryOperation, answer: Value | None) -> Tags | None:
        info = self.info(value)
        if op == "Minus" and info is not None and info.kind == "ce":
            return _tags(self._ce(info, negated=True, node=node))
        return None

    def tag_binary(self, op: str, left: Value, right: Value, node: cst.BinaryOperation,
                   answer: Value | None) -> Tags | None:
        return _tags(self._binary_info(op, left, right, node))

    def _entropy(self, node: cst.BinaryOperation) -> bool:
        code = self.ev.module.code_for_node
        sides = [node.left, node.right]
        for log_side, other in (sides, sides[::-1]):
            call = log_side
            if isinstance(call, cst.Call) and call.args and code(call.args[0].value) == code(other):
                return True
        return False

    def _binary_info(self, op: str, left: Value, right: Value, node: cst.BinaryOperation) -> Numeric | None:
        li, ri = self.info(left), self.info(right)
        terms = [i for i in (li, ri) if i is not None and i.kind in ("log", "ce")]
        if op == "Multiply" and terms and self._entropy(node):
            return None  # p * log(p): an entropy, whose 0 * log 0 is a different matter than cross-entropy
        if op == "Multiply" and terms:
            negated = any(_negative(side, value) for side, value in ((node.left, left), (node.right, right)))
            return Numeric("ce", node, logs=_logs(terms), negated=negated or any(t.negated for t in terms),
                           reduced=any(t.reduced for t in terms))
        if op in ("Add", "Subtract") and li is not None and ri is not None and len(terms) == 2:
            flip = op == "Subtract"  # a - b: b enters with the opposite sign
            return Numeric("ce", node, logs=_logs(terms), reduced=li.reduced and ri.reduced,
                           negated=li.negated and (ri.negated != flip))
        if op in ("Divide", "Multiply") and li is not None and li.kind == "ce" and ri is None:
            return li
        if op in ("Multiply", "Divide", "Power") and not terms and any(
                i is not None and i.kind == "safe" for i in (li, ri)):
            return Numeric("safe")  # (clipped * onehot).sum(1): still away from 0
        if op == "Add" and not terms:
            if (li is not None and li.kind in _PROBABILITIES) or (ri is not None and ri.kind in _PROBABILITIES) or any(
                    self._epsilon(side, value) for side, value in ((node.left, left), (node.right, right))):
                return Numeric("safe")  # p + eps
            return None
        if op == "Subtract" and is_one(node.left):
            if ri is not None and ri.kind == "sigmoid":
                return Numeric("one_minus_sigmoid", node, ri.lib, node.right, ri.fixable, source=ri)
            if ri is not None and ri.kind == "safe":
                return ri
            if ri is None or ri.kind in ("complement", "softmax"):
                return Numeric("complement", node)
            return None
        if op == "Divide" and li is not None and ri is not None and li.kind == "exp" and ri.kind == "sum_exp" and (
                ri.source is li or (isinstance(ri.source, Numeric) and ri.source.source == li.source)):
            return Numeric("softmax", node, li.lib, None, fixable=False)
        return None

    def _epsilon(self, node: cst.CSTNode, value: Value) -> bool:
        """A small positive constant, or something named like one (`eps`, `self.epsilon`, `K.epsilon()`)."""
        if isinstance(value, Const) and isinstance(value.value, float) and 0 < value.value <= 1e-2:
            return True
        return _named_like_epsilon(node)

    # -- meanings --------------------------------------------------------------------------

    def _log(self, use: LogUse, value: Value) -> Numeric:
        use.prob = self.info(value)
        self.facts.logs.append(use)
        return Numeric("log", use.node, use.lib, use.arg, logs=(use,))

    def _reduce(self, value: Value, call: cst.Call) -> Numeric | None:
        info = self.info(value)
        if info is None:
            return None
        if info.kind == "exp":
            return Numeric("sum_exp", call, info.lib, source=info)
        if info.kind == "safe":
            return info
        if info.kind == "ce":
            return self._ce(info, reduced=True, node=call)
        return None

    def _ce(self, info: Numeric, node: cst.CSTNode, reduced: bool = False, negated: bool = False) -> Numeric:
        new = Numeric("ce", node, logs=info.logs, reduced=info.reduced or reduced,
                      negated=info.negated != negated if negated else info.negated)
        self.facts.cross_entropies.append(new)
        return new


def _tags(info: Numeric | None) -> Tags | None:
    return Tags(numeric=info) if info is not None else None


def _named_like_epsilon(node: cst.CSTNode, depth: int = 4) -> bool:
    """`eps`, `self.epsilon`, `K.epsilon()`, `torch.finfo(x).eps`, `cfg["eps"]`, `eps * scale`,
    `np.float32(eps)`: read from the names in the expression, not its source text, as this runs on
    every addition (and only a few levels deep, so that long sums stay linear)."""
    if depth == 0:
        return False
    if isinstance(node, cst.Name):
        return "eps" in node.value.lower()
    if isinstance(node, cst.Attribute):
        return "eps" in node.attr.value.lower() or _named_like_epsilon(node.value, depth - 1)
    if isinstance(node, cst.Call):  # K.epsilon(), np.float32(eps)
        return any(_named_like_epsilon(part, depth - 1) for part in (node.func, *(a.value for a in node.args)))
    if isinstance(node, cst.Subscript):
        return _named_like_epsilon(node.value, depth - 1) or any(
            isinstance(e.slice, cst.Index) and isinstance(e.slice.value, cst.SimpleString)
            and "eps" in e.slice.value.value.lower() for e in node.slice)
    if isinstance(node, cst.BinaryOperation):
        return _named_like_epsilon(node.left, depth - 1) or _named_like_epsilon(node.right, depth - 1)
    return False


def _logs(terms: list[Numeric]) -> tuple[LogUse, ...]:
    seen: list[LogUse] = []
    for term in terms:
        for use in term.logs:
            if use not in seen:
                seen.append(use)
    return tuple(seen)


def _negative(node: cst.CSTNode, value: Value) -> bool:
    """`-y` or a negative constant as a factor."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return True
    return isinstance(value, Const) and isinstance(value.value, (int, float)) and value.value < 0


def _positive_mask(node: cst.Subscript) -> bool:
    """`p[p > 0]`, `p[p != 0]`: a boolean mask that keeps only positive entries of p itself."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    test = node.slice[0].slice.value
    return (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, (cst.GreaterThan, cst.NotEqual))
            and isinstance(test.comparisons[0].comparator, (cst.Integer, cst.Float))
            and test.left.deep_equals(node.value))
