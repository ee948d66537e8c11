"""Numerics facts: logs of probabilities (CE3xx).

Which values are softmax or sigmoid probabilities (NumPy/SciPy, PyTorch, TensorFlow, keras.ops,
and a hand-written `exp(x) / sum(exp(x))`), which are clipped or offset by an epsilon, and where
a log is taken of them; hand-written cross-entropies (`-mean(y * log(p) + ...)`) are followed to
the reduction and minus sign that make them a loss.

This plugin runs first and asks the other plugins itself, so that the values they return (a
torch tensor, a Keras tensor) keep their meaning for them; it only tags those values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from .evaluator import Args, Plugin
from .values import UNKNOWN, Const, Ext, Instance

F = "torch.nn.functional."

SOFTMAX = {"scipy.special.softmax": "numpy", F + "softmax": "torch", "torch.softmax": "torch",
           "torch.special.softmax": "torch", "tensorflow.nn.softmax": "tensorflow",
           "tensorflow.math.softmax": "tensorflow", "keras.ops.softmax": "keras"}
SIGMOID = {"scipy.special.expit": "numpy", "torch.sigmoid": "torch", F + "sigmoid": "torch",
           "torch.special.expit": "torch", "tensorflow.sigmoid": "tensorflow", "tensorflow.nn.sigmoid": "tensorflow",
           "tensorflow.math.sigmoid": "tensorflow", "keras.ops.sigmoid": "keras"}
LOG = {"numpy.log": "numpy", "torch.log": "torch", "tensorflow.math.log": "tensorflow", "tensorflow.log": "tensorflow",
       "keras.ops.log": "keras"}
EXP = {"numpy.exp": "numpy", "torch.exp": "torch", "tensorflow.exp": "tensorflow", "tensorflow.math.exp": "tensorflow",
       "keras.ops.exp": "keras"}
_LIB_ROOTS = (("numpy", "numpy"), ("scipy", "numpy"), ("torch", "torch"), ("tensorflow", "tensorflow"),
              ("keras", "keras"))
_REDUCTIONS = frozenset({"sum", "mean", "nansum", "nanmean", "reduce_sum", "reduce_mean"})
_CLIPS = frozenset({"clip", "clamp", "clip_by_value", "maximum", "clamp_min", "clip_", "clamp_", "clamp_min_",
                    "nan_to_num", "fmax"})
# Methods that keep the values (and so what they are).
_KEEP = frozenset({"float", "double", "half", "to", "cpu", "cuda", "detach", "clone", "contiguous", "numpy",
                   "astype", "type", "squeeze", "unsqueeze", "view", "reshape", "flatten", "ravel", "copy"})


@dataclass(eq=False)
class Info:
    """What the analysis knows a value is.

    kind: "softmax" | "sigmoid" | "one_minus_sigmoid" (1 - sigmoid) | "safe" (clipped or offset by an
    epsilon) | "complement" (1 - p of an unclipped p) | "exp" | "sum_exp" | "log" | "ce" (a sum of
    products with logs of probabilities)."""

    kind: str
    node: cst.CSTNode | None = None  # the softmax/sigmoid/log call
    lib: str = ""
    operand: cst.CSTNode | None = None  # what the call was applied to (None: not one call's argument)
    fixable: bool = True  # a library softmax/sigmoid (not a hand-written one, not a slice of one)
    source: Any = None  # exp: the operand's code; sum_exp: the exp Info; one_minus_sigmoid: the sigmoid Info
    unsafe: tuple = ()  # log/ce: the logs of unclipped probabilities, as LogUse
    reduced: bool = False
    negated: bool = False


@dataclass(eq=False)
class LogUse:
    """`log(...)` of a probability."""

    node: cst.Call  # the log call
    lib: str
    arg: cst.CSTNode | None  # the argument node (the receiver of `p.log()`)
    method: bool  # `p.log()`
    prob: Info | None = None  # what its argument is


@dataclass(eq=False)
class NumValue:
    """A value only this plugin knows something about (the evaluator would have said UNKNOWN)."""

    info: Info


@dataclass
class NumericsModuleFacts:
    log_of_softmax: dict = field(default_factory=dict)  # log node -> LogUse (prob.kind softmax)
    log_of_sigmoid: dict = field(default_factory=dict)  # log node -> LogUse (sigmoid / one_minus_sigmoid)
    unclipped_ce: dict = field(default_factory=dict)  # first unsafe log node -> Info (kind "ce")


def lib_of(qname: str) -> str:
    for root, lib in _LIB_ROOTS:
        if qname == root or qname.startswith(root + "."):
            return lib
    return ""


def is_one(node: cst.CSTNode) -> bool:
    return isinstance(node, (cst.Integer, cst.Float)) and node.value in ("1", "1.", "1.0")


class NumericsFacts(Plugin):
    def __init__(self, ev) -> None:
        super().__init__(ev)
        self.facts = NumericsModuleFacts()
        self._info: dict[int, tuple[Any, Info]] = {}

    # -- tagging ---------------------------------------------------------------------------

    def info(self, value: Any) -> Info | None:
        if isinstance(value, NumValue):
            return value.info
        found = self._info.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        return _framework_probability(value)

    def _tag(self, value: Any, info: Info | None) -> Any:
        if info is None:
            return value
        if value is None or value is UNKNOWN or isinstance(value, (Const, Ext, NumValue)):
            return NumValue(info)
        self._info[id(value)] = (value, info)
        return value

    def _rest(self, hook: str, *args: Any) -> Any:
        for plugin in self.ev.plugins:
            if plugin is self:
                continue
            result = getattr(plugin, hook)(*args)
            if result is not None:
                return result
        return None

    # -- hooks -----------------------------------------------------------------------------

    def call_ext(self, qname: str, call: cst.Call, args: Args) -> Any:
        info = self._call_info(qname, call, args)
        result = self._rest("call_ext", qname, call, args)
        if info is None:
            return result
        if result is None:
            result = Instance(Ext(qname), node=call)
        return self._tag(result, info)

    def _call_info(self, qname: str, call: cst.Call, args: Args) -> Info | None:
        value, node = args.get_with_node(0, None)
        if qname in SOFTMAX:
            return Info("softmax", call, SOFTMAX[qname], node)
        if qname in SIGMOID:
            return Info("sigmoid", call, SIGMOID[qname], node)
        if qname in LOG:
            return self._log(LogUse(call, LOG[qname], node, False), value)
        if qname in EXP and node is not None:
            return Info("exp", call, EXP[qname], source=self.ev.module.code_for_node(node))
        lib = lib_of(qname)
        if not lib:
            return None
        last = qname.rsplit(".", 1)[-1]
        if last in _CLIPS:
            return Info("safe")
        if last in _REDUCTIONS:
            return self._reduce(value, args, call)
        return None

    def call_method(self, obj: Any, name: str, call: cst.Call, args: Args) -> Any:
        result = self._rest("call_method", obj, name, call, args)
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        info = self.info(obj)
        new: Info | None = None
        if name == "softmax":
            new = Info("softmax", call, "torch", receiver)
        elif name == "sigmoid":
            new = Info("sigmoid", call, "torch", receiver)
        elif name == "log":
            new = self._log(LogUse(call, "torch", receiver, True), obj)
        elif name == "exp" and receiver is not None:
            new = Info("exp", call, "torch", source=self.ev.module.code_for_node(receiver))
        elif name in _CLIPS:
            new = Info("safe")
        elif name in _REDUCTIONS:
            new = self._reduce(obj, args, call)
        elif name in _KEEP and info is not None and info.kind in ("softmax", "sigmoid", "safe", "complement",
                                                                  "one_minus_sigmoid"):
            new = info
        if new is None:
            return result
        if result is obj and info is not new:  # a module returning itself: don't retag what it is
            return result
        return self._tag(result if result is not None else UNKNOWN, new)

    def subscript(self, obj: Any, index: Any, node: cst.Subscript) -> Any:
        result = self._rest("subscript", obj, index, node)
        if _positive_mask(node):  # p[p > 0]: only the entries a log can take
            return self._tag(result if result is not None else UNKNOWN, Info("safe"))
        info = self.info(obj)
        if info is not None and info.kind in ("softmax", "sigmoid", "safe"):
            return self._tag(result if result is not None else UNKNOWN, Info(
                info.kind, info.node, info.lib, None, fixable=False))
        return result

    def unary(self, op: str, value: Any, node: cst.UnaryOperation) -> Any:
        result = self._rest("unary", op, value, node)
        info = self.info(value)
        if op == "Minus" and info is not None and info.kind == "ce":
            return self._tag(result if result is not None else UNKNOWN, self._ce(info, negated=True, node=node))
        return result

    def binary(self, op: str, left: Any, right: Any, node: cst.BinaryOperation) -> Any:
        result = self._rest("binary", op, left, right, node)
        new = self._binary_info(op, left, right, node)
        if new is None:
            return result
        return self._tag(result if result is not None and result is not left and result is not right
                         else UNKNOWN, new)

    def _entropy(self, node: cst.BinaryOperation) -> bool:
        code = self.ev.module.code_for_node
        sides = [node.left, node.right]
        for log_side, other in (sides, sides[::-1]):
            call = log_side
            if isinstance(call, cst.Call) and call.args and code(call.args[0].value) == code(other):
                return True
        return False

    def _binary_info(self, op: str, left: Any, right: Any, node: cst.BinaryOperation) -> Info | None:
        li, ri = self.info(left), self.info(right)
        terms = [i for i in (li, ri) if i is not None and i.kind in ("log", "ce")]
        if op == "Multiply" and terms and self._entropy(node):
            return None  # p * log(p): an entropy, whose 0 * log 0 is a different matter than cross-entropy
        if op == "Multiply" and terms:
            negated = any(_negative(side, value) for side, value in ((node.left, left), (node.right, right)))
            return Info("ce", node, unsafe=_unsafe(terms), negated=negated or any(t.negated for t in terms),
                        reduced=any(t.reduced for t in terms))
        if op in ("Add", "Subtract") and len(terms) == 2:
            flip = op == "Subtract"  # a - b: b enters with the opposite sign
            return Info("ce", node, unsafe=_unsafe(terms), reduced=li.reduced and ri.reduced,
                        negated=li.negated and (ri.negated != flip))
        if op in ("Divide", "Multiply") and li is not None and li.kind == "ce" and ri is None:
            return li
        if op in ("Multiply", "Divide", "Power") and not terms and any(
                i is not None and i.kind == "safe" for i in (li, ri)):
            return Info("safe")  # (clipped * onehot).sum(1): still away from 0
        if op == "Add" and not terms:
            probs = ("softmax", "sigmoid", "safe", "complement", "one_minus_sigmoid")
            if (li is not None and li.kind in probs) or (ri is not None and ri.kind in probs) or any(
                    self._epsilon(side, value) for side, value in ((node.left, left), (node.right, right))):
                return Info("safe")  # p + eps
            return None
        if op == "Subtract" and is_one(node.left):
            if ri is not None and ri.kind == "sigmoid":
                return Info("one_minus_sigmoid", node, ri.lib, node.right, ri.fixable, source=ri)
            if ri is not None and ri.kind == "safe":
                return ri
            if ri is None or ri.kind in ("complement", "softmax"):
                return Info("complement", node)
            return None
        if op == "Divide" and li is not None and ri is not None and li.kind == "exp" and ri.kind == "sum_exp" and (
                ri.source is li or ri.source.source == li.source):
            return Info("softmax", node, li.lib, None, fixable=False)
        return None

    def _epsilon(self, node: cst.CSTNode, value: Any) -> bool:
        """A small positive constant, or something named like one (`eps`, `self.epsilon`, `K.epsilon()`)."""
        if isinstance(value, Const) and isinstance(value.value, float) and 0 < value.value <= 1e-2:
            return True
        return _named_like_epsilon(node)

    # -- meanings --------------------------------------------------------------------------

    def _log(self, use: LogUse, value: Any) -> Info:
        prob = self.info(value)
        use.prob = prob
        kind = prob.kind if prob is not None else None
        if kind == "softmax":
            self.facts.log_of_softmax.setdefault(use.node, use)
        elif kind in ("sigmoid", "one_minus_sigmoid"):
            self.facts.log_of_sigmoid.setdefault(use.node, use)
        unsafe = (use,) if kind in (None, "complement") else ()
        return Info("log", use.node, use.lib, use.arg, unsafe=unsafe)

    def _reduce(self, value: Any, args: Args, call: cst.Call) -> Info | None:
        info = self.info(value)
        if info is None:
            return None
        if info.kind == "exp":
            return Info("sum_exp", call, info.lib, source=info)
        if info.kind == "safe":
            return info
        if info.kind == "ce":
            return self._ce(info, reduced=True, node=call)
        return None

    def _ce(self, info: Info, node: cst.CSTNode, reduced: bool = False, negated: bool = False) -> Info:
        new = Info("ce", node, unsafe=info.unsafe, reduced=info.reduced or reduced,
                   negated=info.negated != negated if negated else info.negated)
        if new.reduced and new.negated and new.unsafe:
            self.facts.unclipped_ce.setdefault(new.unsafe[0].node, new)
        return new


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


def _framework_probability(value: Any) -> Info | None:
    """A softmax/sigmoid the other plugins know about but no call here tagged: the output of a model whose
    `forward()` ends in `nn.Softmax`, a Keras softmax layer's output..."""
    from .keras import Act, Tensor
    from .torch import TTensor

    if isinstance(value, TTensor) and value.act in ("softmax", "sigmoid"):
        return Info(value.act, value.node, "torch", None, fixable=False)
    if isinstance(value, Tensor) and isinstance(value.act, Act) and value.act.name in ("softmax", "sigmoid"):
        return Info(value.act.name, value.act.node, "keras", None, fixable=False)
    return None


def _unsafe(terms: list) -> tuple:
    seen: list = []
    for term in terms:
        for use in term.unsafe:
            if use not in seen:
                seen.append(use)
    return tuple(seen)


def _negative(node: cst.CSTNode, value: Any) -> bool:
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
