"""Numerics facts: logs of probabilities (CE3xx).

Which values are softmax or sigmoid probabilities (NumPy/SciPy, PyTorch, TensorFlow, Keras, JAX,
and a hand-written `exp(x) / sum(exp(x))`), which are clipped or offset by an epsilon, which are
built only from literals and bounded away from 0 (bounds.py), and where a log is taken of them.
Hand-written cross-entropies (`-mean(y * log(p) + ...)`, `-y @ log(p).T`, `-log(p[range(n), y])`,
`-sum(t * math.log(q) for ...)`) are followed to the reduction and minus sign that make them a
loss. Calls that only draw samples from log-probabilities are recorded, so that the rules can see
where a log goes (consumers.py).

The plugin never answers an event: it tags what other plugins (or the evaluator) made of it, so a
torch tensor or a Keras tensor keeps its meaning for its own plugin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from .. import vocab
from ..vocab import arrays, python
from ..vocab.symbols import EXP, INT, LOG, SIGMOID, SOFTMAX, ArrayFunction, Conversion
from . import bounds
from .bounds import Bounds
from .constants import bounds_of, full_precision, spanned
from .draws import Sampling, function_draw, method_draw
from .numeric_syntax import epsilon, epsilon_bound, is_one, negative, positive_mask, stripped, target_pick
from .plugin import Args, Plugin
from .tags import LogUse, Numeric, NumericKind, Tags
from .values import UNKNOWN, Const, Value

if TYPE_CHECKING:
    from .evaluator import Evaluator

_PROBABILITIES: tuple[NumericKind, ...] = ("softmax", "sigmoid", "safe", "complement", "one_minus_sigmoid")
_TERMS: tuple[NumericKind, ...] = ("log", "ce")
_TAGGED = (SOFTMAX, SIGMOID, LOG, EXP)  # what the array functions it tags do
_KEEP_BOUNDS = arrays.KEEP_VALUES - arrays.CASTS - arrays.CASTS_TO_INT - {"half", "bfloat16"}
_EXTREMUM_KEYWORDS = frozenset({"axis", "keepdims"})  # `np.max(x, axis=1)`; torch's `max(dim=1)` gives indices too


@dataclass
class NumericsModuleFacts:
    logs: list[LogUse] = field(default_factory=list)  # every evaluation of a log, with its argument
    cross_entropies: list[Numeric] = field(default_factory=list)  # cross-entropy terms reduced or negated
    samplings: list[Sampling] = field(default_factory=list)


class NumericsFacts(Plugin):
    """Tags values with what they are numerically; never answers an event itself."""

    def __init__(self, ev: Evaluator) -> None:
        super().__init__(ev)
        self.facts = NumericsModuleFacts()

    @staticmethod
    def info(value: Value) -> Numeric | None:
        return value.numeric()

    # -- calls -----------------------------------------------------------------------------

    def tag_call_ext(self, qname: str, call: cst.Call, args: Args, answer: Value | None) -> Tags | None:
        if (drawn := function_draw(qname, call, args)) is not None:
            self.facts.samplings.append(drawn)
        return _tags(self._call_info(qname, call, args))

    def _call_info(self, qname: str, call: cst.Call, args: Args) -> Numeric | None:
        value, node = args.get_with_node(0, None)  # the first positional argument
        fn = vocab.ARRAY_FUNCTIONS.get(qname)
        if fn is not None and fn.kind in _TAGGED:
            return self._applied(fn, call, node, value, method=False)
        span = vocab.RANGES.get(qname)
        if span is not None:
            return _bounded(spanned(span, args))
        conversion = vocab.CONVERSIONS.get(qname)
        if conversion is not None:
            return self._converted(conversion, value, args)
        if qname in python.CLIPS_WITH_EPSILON:
            if len(args.pos) == 2 and any(epsilon_bound(n, v) for v, n in args.pos):
                return Numeric("safe")  # max(q, eps), min(q, 1 - eps)
            if len(args.pos) != 1:
                return None  # max(a, b)
        if not vocab.array_library(qname):
            return None
        name = qname.rsplit(".", 1)[-1]
        if name == arrays.EINSUM and len(args.pos) >= 3:  # einsum("ij,ij->i", y, np.log(p))
            return self._product([(n, v) for v, n in args.pos[1:]], call, reduces=True)
        other, other_node = args.get_with_node(1, None)
        return self._array_op(name, value, node, other, other_node, call, args, 1)

    def tag_call_method(self, obj: Value, name: str, call: cst.Call, args: Args,
                        answer: Value | None) -> Tags | None:
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        info = self.info(obj)
        if (drawn := method_draw(obj, info.lib if info is not None else "", name, call, args)) is not None:
            self.facts.samplings.append(drawn)
        fn = vocab.ARRAY_METHODS.get(name)
        if fn is not None and fn.kind in _TAGGED:
            return _tags(self._applied(fn, call, receiver, obj, method=True))
        other, other_node = args.get_with_node(0, None)
        found = self._array_op(name, obj, receiver, other, other_node, call, args, 0)
        if found is not None:
            return _tags(found)
        if info is not None and info.kind == "bounded" and name in _KEEP_BOUNDS:
            return _tags(info)
        if name in arrays.KEEP_VALUES and info is not None and info.kind in _PROBABILITIES:
            return _tags(info)
        return None

    def _array_op(self, name: str, value: Value, node: cst.CSTNode | None, other: Value,
                  other_node: cst.CSTNode | None, call: cst.Call, args: Args, operands: int) -> Numeric | None:
        """What an array function or method called `name` makes of `value` (its first argument or
        receiver) and `other` (the next argument); `operands`: how many arguments are operands."""
        if name in arrays.CLIPS:
            return Numeric("safe")
        if name in arrays.NEGATIONS:
            return self._negated(value, call)
        if name in arrays.PRODUCTS and other_node is not None and node is not None:
            return self._product([(node, value), (other_node, other)], call, reduces=True)
        if name in arrays.MULTIPLIES and other_node is not None and node is not None and len(args.pos) == operands + 1:
            return self._product([(node, value), (other_node, other)], call, reduces=False)
        if name in arrays.GATHERS:
            return self._picked(value)
        if name in arrays.TRANSPOSES:
            return self.info(value)
        if name in arrays.REDUCTIONS:
            return self._reduce(name, value, call)
        if name in arrays.EXTREMA and len(args.pos) == operands and set(args.kw) <= _EXTREMUM_KEYWORDS:
            return _bounded(bounds.reduced(name, b)) if (b := bounds_of(value)) is not None else None
        return None

    def _applied(self, fn: ArrayFunction, call: cst.Call, arg: cst.CSTNode | None, value: Value,
                 method: bool) -> Numeric | None:
        """What a softmax, sigmoid, log or exp makes of `value` (written at `arg`)."""
        given = bounds_of(value)
        if fn.kind == SOFTMAX:
            probs = bounds.softmax(given) if given is not None else None
            if probs is not None and probs.positive:
                return _bounded(probs)  # a softmax of constants that can't underflow
            return Numeric("softmax", call, fn.lib, arg)
        if fn.kind == SIGMOID:
            probs = bounds.sigmoid(given) if given is not None else None
            if probs is not None and probs.positive and bounds.below_one(probs):
                return _bounded(probs)
            return Numeric("sigmoid", call, fn.lib, arg)
        if fn.kind == LOG:
            return self._log(LogUse(call, fn.lib, arg, method), value)
        grown = bounds.exp(given) if given is not None else None
        if grown is not None:
            return _bounded(grown)
        if arg is not None:
            return Numeric("exp", call, fn.lib, source=self.ev.module.code_for_node(arg))
        return None

    def _converted(self, conversion: Conversion, value: Value, args: Args) -> Numeric | None:
        """An array of the same numbers (not in a dtype that rounds or truncates them)."""
        if conversion.dtype == INT or not full_precision(args, conversion):
            return None
        info = self.info(value)
        if info is not None:
            return info
        return _bounded(bounds_of(value))

    # -- operators and indexing ------------------------------------------------------------

    def tag_attribute(self, obj: Value, name: str, node: cst.Attribute | None, answer: Value | None) -> Tags | None:
        return _tags(self.info(obj)) if name in arrays.TRANSPOSES else None

    def tag_subscript(self, obj: Value, index: Value, node: cst.Subscript, answer: Value | None) -> Tags | None:
        if positive_mask(node):  # p[p > 0]: only the entries a log can take
            return _tags(Numeric("safe"))
        picked = target_pick(node)
        info = self.info(obj)
        given = bounds_of(obj)
        if given is not None:  # some of the numbers
            return _tags(Numeric("bounded", bounds=_some(given), picked=picked))
        if picked:
            return _tags(self._picked(obj))
        if info is not None and info.kind in ("softmax", "sigmoid", "safe"):
            return _tags(Numeric(info.kind, info.node, info.lib, None, fixable=False))
        return None

    def _picked(self, value: Value) -> Numeric | None:
        """The entry of each row at its target class: `p[range(n), y]`, `p.gather(1, y[:, None])`."""
        info = self.info(value)
        if info is None:
            return Numeric("picked")
        if info.kind == "log":  # log_p[range(n), y]: the log-likelihood of each target
            return Numeric("ce", info.node, info.lib, logs=info.logs, reduced=True, negated=info.negated)
        if info.kind in ("softmax", "sigmoid", "safe", "bounded"):
            return Numeric(info.kind, info.node, info.lib, None, fixable=False, bounds=info.bounds, picked=True)
        return None

    def tag_unary(self, op: str, value: Value, node: cst.UnaryOperation, answer: Value | None) -> Tags | None:
        return _tags(self._negated(value, node)) if op == "Minus" else None

    def _negated(self, value: Value, node: cst.CSTNode) -> Numeric | None:
        info = self.info(value)
        if info is None:
            return None
        if info.kind == "ce":
            return self._ce(info, negated=True, node=node)
        if info.kind == "log":
            return Numeric("log", info.node, info.lib, info.operand, logs=info.logs, negated=not info.negated)
        if info.kind == "bounded" and info.bounds is not None:
            return _bounded(bounds.negated(info.bounds))
        return info if info.kind == "entry" else None

    def tag_binary(self, op: str, left: Value, right: Value, node: cst.BinaryOperation,
                   answer: Value | None) -> Tags | None:
        lb, rb = bounds_of(left), bounds_of(right)
        if lb is not None and rb is not None:
            return _tags(_bounded(bounds.combined(op, lb, rb)))
        return _tags(self._binary_info(op, left, right, node))

    def tag_comprehension(self, element: Value, node: cst.BaseSimpleComp | cst.DictComp,
                          answer: Value | None) -> Tags | None:
        info = self.info(element)
        if info is None:
            return None
        filtered = False
        clause: cst.CompFor | None = node.for_in
        while clause is not None:
            filtered = filtered or bool(clause.ifs)
            clause = clause.inner_for_in
        if filtered and info.kind in _TERMS:
            return None  # `... for q in p if q > 0` may be what keeps the log finite
        return _tags(_entry(info))

    def tag_element(self, iterable: Value, node: cst.BaseExpression, answer: Value | None) -> Tags | None:
        """An entry of an array is what the array is, numerically (`for q in clipped`)."""
        info = self.info(iterable)
        if info is not None and info.kind in (*_PROBABILITIES, "bounded", "entry"):
            return _tags(_entry(info))
        given = bounds_of(iterable)
        if given is not None:
            return _tags(_bounded(_some(given)))
        if iterable is UNKNOWN:
            return None  # an entry of an unknown input (`for q in p`): as unknown as p
        return _tags(Numeric("entry"))  # of a value it sees but not into (`pairs = zip(y, p)`)

    def _binary_info(self, op: str, left: Value, right: Value, node: cst.BinaryOperation) -> Numeric | None:
        li, ri = self.info(left), self.info(right)
        if op in ("Multiply", "MatrixMultiply"):
            product = self._product([(node.left, left), (node.right, right)], node, reduces=op == "MatrixMultiply")
            if product is not None or self._entropy([(node.left, left), (node.right, right)]):
                return product
        terms = [i for i in (li, ri) if i is not None and i.kind in _TERMS]
        if not terms and any(i is not None and i.kind == "entry" for i in (li, ri)):
            return Numeric("entry")  # 1 - q, c / n
        if op in ("Add", "Subtract") and li is not None and ri is not None and len(terms) == 2:
            flip = op == "Subtract"  # a - b: b enters with the opposite sign
            return Numeric("ce", node, logs=_logs(terms), reduced=li.reduced and ri.reduced,
                           negated=li.negated and (ri.negated != flip))
        if op == "Divide" and li is not None and li.kind == "ce" and (ri is None or ri.kind == "bounded"):
            return li
        if op in ("Multiply", "Divide", "Power") and not terms and any(
                i is not None and i.kind == "safe" for i in (li, ri)):
            return Numeric("safe")  # (clipped * onehot).sum(1): still away from 0
        if op == "Add" and not terms:
            if (li is not None and li.kind in _PROBABILITIES) or (ri is not None and ri.kind in _PROBABILITIES) or any(
                    epsilon(side, value) for side, value in ((node.left, left), (node.right, right))):
                return Numeric("safe")  # p + eps
            return None
        if op == "Subtract":
            return self._subtracted(node, li, ri)
        if op == "Divide" and li is not None and ri is not None and li.kind == "exp" and ri.kind == "sum_exp" and (
                ri.source is li or (isinstance(ri.source, Numeric) and ri.source.source == li.source)):
            return Numeric("softmax", node, li.lib, None, fixable=False)
        return None

    def _subtracted(self, node: cst.BinaryOperation, li: Numeric | None, ri: Numeric | None) -> Numeric | None:
        """`1 - p`, and `eps + 1 - p`: 1 in float32 when eps is too small to be added to 1."""
        given = li.bounds if li is not None and li.kind == "bounded" else None
        start = given.scalar if given is not None else None
        if is_one(node.left) or start == 1.0:
            if ri is not None and ri.kind == "sigmoid":
                return Numeric("one_minus_sigmoid", node, ri.lib, node.right, ri.fixable, source=ri)
            if ri is not None and ri.kind == "safe":
                return ri
            if ri is None or ri.kind in ("complement", "softmax"):
                return Numeric("complement", node, absorbed=given.absorbed if given is not None else 0.0)
            return None
        if start is not None and start > 1 and (ri is None or ri.kind in _PROBABILITIES):
            return Numeric("safe")  # 1 + eps - p, where the epsilon survives
        return None

    def _product(self, factors: list[tuple[cst.CSTNode, Value]], node: cst.CSTNode, reduces: bool) -> Numeric | None:
        """`y * log(p)`, `np.dot(y, np.log(p))` (`reduces`: a product that sums), `-2 * log(p)`."""
        infos = [self.info(value) for _, value in factors]
        terms = [i for i in infos if i is not None and i.kind in _TERMS]
        if not terms or self._entropy(factors):
            return None  # p * log(p): an entropy, whose 0 * log 0 is a different matter than cross-entropy
        negated, constant = False, True
        for (side, value), info in zip(factors, infos):
            if info is not None and info.kind in _TERMS:
                negated ^= info.negated
            else:
                negated ^= negative(side, value)
                constant = constant and isinstance(value, Const)
        logs = _logs(terms)
        if constant and not reduces and [t.kind for t in terms] == ["log"]:  # -2 * log(p): a scaled log
            return Numeric("log", terms[0].node, terms[0].lib, terms[0].operand, logs=logs, negated=negated)
        found = Numeric("ce", node, logs=logs, negated=negated, reduced=reduces or any(t.reduced for t in terms))
        if found.reduced and found.negated:
            self.facts.cross_entropies.append(found)  # -1 / m * np.sum(y * np.log(p))
        return found

    def _entropy(self, factors: list[tuple[cst.CSTNode, Value]]) -> bool:
        """A log of one factor's own value: `p * log(p)`, `(-p) * p.log()`, `p * log_p` after `log_p = log(p)`."""
        for i, (_, value) in enumerate(factors):
            info = self.info(value)
            if info is None or info.kind != "log" or len(info.logs) != 1 or info.logs[0].arg is None:
                continue
            others = [side for j, (side, _) in enumerate(factors) if j != i]
            if others and self._code(stripped(others[0])) == self._code(stripped(info.logs[0].arg)):
                return True
        return False

    def _code(self, node: cst.CSTNode) -> str:
        if isinstance(node, cst.BaseExpression):
            node = node.with_changes(lpar=(), rpar=())
        return re.sub(r"\s+", "", self.ev.module.code_for_node(node))

    # -- meanings --------------------------------------------------------------------------

    def _log(self, use: LogUse, value: Value) -> Numeric:
        prob = self.info(value)
        if prob is None:
            prob = _bounded(bounds_of(value))
        picked = prob is not None and (prob.picked or prob.kind == "picked")
        if prob is not None and (prob.kind == "picked" or (
                prob.kind == "bounded" and not (prob.bounds is not None and prob.bounds.positive))):
            prob = None  # as good as unknown: it may be 0
        use.prob = prob
        self.facts.logs.append(use)
        if picked:  # the log-probability of each row's target: a cross-entropy term, summed over the classes
            return Numeric("ce", use.node, use.lib, use.arg, logs=(use,), reduced=True)
        return Numeric("log", use.node, use.lib, use.arg, logs=(use,))

    def _reduce(self, name: str, value: Value, call: cst.Call) -> Numeric | None:
        given = bounds_of(value)
        if given is not None:
            return _bounded(bounds.reduced(name, given))
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


def _bounded(given: Bounds | None) -> Numeric | None:
    return Numeric("bounded", bounds=given) if given is not None else None


def _some(given: Bounds | None) -> Bounds | None:
    """Some of the numbers: the same bounds, not as many."""
    return Bounds(given.lo, given.hi, None) if given is not None else None


def _entry(info: Numeric) -> Numeric:
    """What an entry (or a list of entries) of a value is."""
    return Numeric("bounded", bounds=_some(info.bounds)) if info.kind == "bounded" else info


def _logs(terms: list[Numeric]) -> tuple[LogUse, ...]:
    seen: list[LogUse] = []
    for term in terms:
        for use in term.logs:
            if use not in seen:
                seen.append(use)
    return tuple(seen)
