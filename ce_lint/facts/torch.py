"""PyTorch facts: which tensor reaches which loss.

A model's output is followed from its `forward()` (run with `self` bound, whenever the model is
called, `self(x)` in Lightning included) through layers, activations and tensor methods to the
criterion or functional loss that consumes it. Each loss call is recorded with what fed it, and
each softmax-family call with the dim it was given. The functions and losses are the vocabulary's
of every traced library (vocab.TRACED).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from .. import vocab
from ..vocab import arrays
from ..vocab import torch as tv
from ..vocab.symbols import (
    LOG,
    LOG_SOFTMAX,
    MEAN,
    MULTI_HOT,
    ONE_HOT,
    ROUND,
    SIGMOID,
    SOFTMAX,
    SOFTMIN,
    ArrayFunction,
    TensorLoss,
)
from .plugin import Args, Plugin
from .tags import Numeric
from .targets import Origin, Target
from .values import UNKNOWN, ClassVal, Const, Ext, Func, Instance, Unknown, Value, literal

if TYPE_CHECKING:
    from .evaluator import Evaluator

Units = int | Unknown  # the size of a class axis, when known


@dataclass(eq=False)
class TTensor(Value):
    """A tensor whose last operation the analysis knows."""

    act: str  # "softmax" | "log_softmax" | "sigmoid" | "linear" (a Linear's raw output) | "unknown"
    node: cst.CSTNode  # where that operation is written: a call, or a module's constructor
    units: Units = UNKNOWN  # size of the class axis when known (a Linear's out_features)
    operand: cst.CSTNode | None = None  # what a call applied it to (None: applied by a module)
    batch_axis: bool = False  # normalised over dim 0 of a (batch, classes) output
    lib: str = tv.LIBRARY.name  # the library whose tensor it is

    def numeric(self) -> Numeric | None:
        if self.tags.numeric is None and self.act in (SOFTMAX, SIGMOID):
            return Numeric("softmax" if self.act == SOFTMAX else "sigmoid", self.node, self.lib, None, fixable=False)
        return self.tags.numeric


@dataclass(eq=False)
class Thresholded(Value):
    """A hard 0/1 prediction made from a multi-unit output (`probs > 0.5`, `.round()`)."""

    source: TTensor


@dataclass(eq=False)
class ElementwiseMatch(Value):
    """`pred == y` over a thresholded multi-unit prediction: one boolean per (sample, label)."""

    source: TTensor
    summed: bool = False


@dataclass(eq=False)
class TLayer(Value):
    kind: str  # "Linear", an activation module ("Softmax"...), "pass", "Sequential"
    node: cst.Call
    units: Units = UNKNOWN
    dim: object = UNKNOWN  # the literal `dim`, None when absent, UNKNOWN when not a literal
    layers: list[Value] = field(default_factory=list)  # for Sequential


@dataclass(eq=False)
class Criterion(Value):
    loss: TensorLoss
    node: cst.Call


@dataclass(eq=False)
class LossCall:
    loss: TensorLoss
    input: Value
    target: Value
    node: cst.Call  # the call computing the loss
    criterion_node: cst.CSTNode  # where the loss is chosen: the constructor, or the functional call


@dataclass(eq=False)
class Normalisation:
    """A call of a softmax-family function, or the construction of such a module, and its dim."""

    qname: str  # the function or module class
    node: cst.Call
    dim: object  # the literal dim; None when not given (or None); UNKNOWN when not a literal
    implicit: bool  # without a dim the library picks one (vocab: implicit_axis)
    starred: bool  # *args or **kwargs may give the dim
    input: Value  # what it is applied to (UNKNOWN for a module)


@dataclass
class TorchModuleFacts:
    loss_calls: list[LossCall] = field(default_factory=list)
    normalisations: list[Normalisation] = field(default_factory=list)  # every evaluation
    elementwise_accuracy: dict[cst.CSTNode, ElementwiseMatch] = field(default_factory=dict)
    mixed_precision: cst.CSTNode | None = None  # the node that shows autocast/GradScaler/16-bit Lightning


def _traced(fn: ArrayFunction | None) -> ArrayFunction | None:
    return fn if fn is not None and fn.lib in vocab.TRACED else None


class TorchFacts(Plugin):
    def __init__(self, ev: Evaluator) -> None:
        super().__init__(ev)
        self.facts = TorchModuleFacts()

    # -- constructors and functions ----------------------------------------------------

    def call_ext(self, qname: str, call: cst.Call, args: Args) -> Value | None:
        if qname in tv.MIXED_PRECISION:
            device = tv.MIXED_PRECISION[qname]
            where = literal(args.get(device.index, device.name)) if device is not None else tv.AUTOCAST_DEVICE
            if where == tv.AUTOCAST_DEVICE or where is UNKNOWN:
                self.facts.mixed_precision = self.facts.mixed_precision or call
            return None
        if qname == tv.TRAINER:
            if literal(args.get(tv.TRAINER_PRECISION.index, tv.TRAINER_PRECISION.name)) in tv.HALF_PRECISION:
                self.facts.mixed_precision = self.facts.mixed_precision or call
            return None
        if qname in tv.WRAPPERS:
            return args.get(tv.WRAPPED.index, tv.WRAPPED.name)  # DataParallel(model) calls the model's forward
        if qname in tv.CRITERIA:
            return Criterion(tv.CRITERIA[qname], call)
        module = tv.module_name(qname)
        if module is not None:
            return self._module(qname, module, call, args)
        loss = vocab.LOSS_FUNCTIONS.get(qname)
        if loss is not None:
            return self._loss(loss, call, args, call)
        fn = _traced(vocab.ARRAY_FUNCTIONS.get(qname))
        if fn is None:
            return None
        x, operand = args.get_with_node(tv.INPUT.index, tv.INPUT.name)
        if fn.kind in (SOFTMAX, LOG_SOFTMAX, SOFTMIN) and fn.axis is not None:
            dim = literal(args.get(fn.axis.index, fn.axis.name)) if args.has(fn.axis.index, fn.axis.name) else None
            self.facts.normalisations.append(Normalisation(qname, call, dim, fn.implicit_axis, args.starred, x))
            return self._normalise(fn.kind, x, dim, call, operand, fn.lib)
        if fn.kind == SIGMOID:
            return self._sigmoid(x, call, operand, fn.lib)
        if fn.kind == LOG:
            return self._log(x, call, fn.lib)
        if fn.kind == ROUND:
            return self._threshold(x)
        if fn.kind == MEAN:
            self._mean(x, call)
        return None

    def _module(self, qname: str, name: str, call: cst.Call, args: Args) -> Value | None:
        if name == tv.LINEAR:
            units = literal(args.get(tv.LINEAR_UNITS.index, tv.LINEAR_UNITS.name))
            return TLayer(tv.LINEAR, call, units=units if type(units) is int else UNKNOWN)
        fn = tv.ACTIVATION_MODULES.get(name)
        if fn is not None:
            layer = TLayer(name, call)
            if fn.axis is not None:
                given = args.has(fn.axis.index, fn.axis.name)
                dim = literal(args.get(fn.axis.index, fn.axis.name)) if given else None
                self.facts.normalisations.append(Normalisation(qname, call, dim, fn.implicit_axis, args.starred,
                                                               UNKNOWN))
                layer.dim = UNKNOWN if dim is None and args.starred else dim
            return layer
        if name in tv.PASS_MODULES:
            return TLayer("pass", call)
        if name == tv.SEQUENTIAL:
            layers = [value for value, _ in args.pos]
            return TLayer(tv.SEQUENTIAL, call, layers=layers if not args.starred and not args.kw else [UNKNOWN])
        return None

    def _loss(self, loss: TensorLoss, call: cst.Call, args: Args, criterion_node: cst.CSTNode) -> Value:
        if args.starred and not args.pos:
            return UNKNOWN
        if self._in_no_grad():
            return UNKNOWN
        self.facts.loss_calls.append(LossCall(loss, args.get(loss.input.index, loss.input.name),
                                              args.get(loss.target.index, loss.target.name), call, criterion_node))
        return UNKNOWN

    def _in_no_grad(self) -> bool:
        return any(isinstance(v, Instance) and isinstance(v.cls, Ext) and v.cls.qname in tv.NO_GRAD
                   for v in self.ev.with_stack)

    def _normalise(self, act: str, x: Value, dim: object, node: cst.CSTNode, operand: cst.CSTNode | None,
                   lib: str) -> Value:
        if act == SOFTMIN:
            return UNKNOWN
        if dim == 0 and isinstance(x, TTensor) and x.act == "linear" and isinstance(x.units, int) and x.units > 1:
            # dim 0 of a Linear's output: the batch if it was batched, the classes of a single sample if not;
            # CE205 speaks only when it then reaches a loss, which needs (batch, classes).
            return TTensor(act, node, x.units, operand, batch_axis=True, lib=lib)
        if dim is not UNKNOWN and dim not in (1, -1) and dim is not None:
            return UNKNOWN  # another axis: not a class distribution the rules can reason about
        units = x.units if isinstance(x, TTensor) else UNKNOWN
        return TTensor(act, node, units, operand, lib=lib)

    @staticmethod
    def _sigmoid(x: Value, node: cst.CSTNode, operand: cst.CSTNode | None, lib: str) -> Value:
        return TTensor(SIGMOID, node, x.units if isinstance(x, TTensor) else UNKNOWN, operand, lib=lib)

    @staticmethod
    def _log(x: Value, node: cst.CSTNode, lib: str) -> Value | None:
        if isinstance(x, TTensor) and x.act == SOFTMAX:
            return TTensor(LOG_SOFTMAX, node, x.units, lib=lib)
        return None

    @staticmethod
    def _threshold(x: Value) -> Value | None:
        if isinstance(x, TTensor) and x.act in (SIGMOID, "linear") and isinstance(x.units, int) and x.units > 1:
            return Thresholded(x)
        return None

    def _mean(self, x: Value, node: cst.CSTNode) -> None:
        if isinstance(x, ElementwiseMatch) and not x.summed:
            self.facts.elementwise_accuracy[node] = x

    # -- values in use -------------------------------------------------------------------

    def call_value(self, func: Value, call: cst.Call, args: Args) -> Value | None:
        if isinstance(func, Criterion):
            return self._loss(func.loss, call, args, func.node)
        if isinstance(func, TLayer):
            return self.apply(func, args.get(tv.INPUT.index, tv.INPUT.name), call)
        forward = _forward(func)
        if forward is not None:
            return self.ev.call_function(forward, args, call, self_value=func)
        if type(func) is Instance and isinstance(func.cls, Ext) and func.cls.qname.startswith(tv.PRETRAINED):
            head = next((func.attrs[name] for name in tv.HEADS if name in func.attrs), None)
            if isinstance(head, TLayer):  # resnet.fc = nn.Linear(512, 10): the replaced head is applied last
                return self.apply(head, UNKNOWN, call)
        return None

    def apply(self, layer: TLayer, x: Value, call: cst.Call) -> Value:
        if layer.kind == tv.LINEAR:
            return TTensor("linear", layer.node, layer.units)
        if layer.kind == "pass":
            return x
        fn = tv.ACTIVATION_MODULES.get(layer.kind)
        if fn is not None and fn.kind == SIGMOID:
            return self._sigmoid(x, layer.node, None, fn.lib)
        if fn is not None:
            return self._normalise(fn.kind, x, layer.dim, layer.node, None, fn.lib)
        if layer.kind == tv.SEQUENTIAL:
            for inner in layer.layers:
                x = self.apply(inner, x, call) if isinstance(inner, TLayer) else (
                    self.call_value(inner, call, Args(pos=[(x, call)])) or UNKNOWN)
            return x
        return UNKNOWN

    def call_method(self, obj: Value, name: str, call: cst.Call, args: Args) -> Value | None:
        if isinstance(obj, Target) and obj.encoding == ONE_HOT and name == arrays.SUM:
            return Target(MULTI_HOT, call, Origin("one_hot_sum"))
        if isinstance(obj, Thresholded):
            if name == tv.EQ:
                return ElementwiseMatch(obj.source)
            return obj if name in arrays.KEEP_SHAPE or name in tv.TO_INT or name == tv.TO_BOOL else None
        if isinstance(obj, ElementwiseMatch):
            return self._match_method(obj, name, call, args)
        if _module_class(obj) is not None and name == tv.FORWARD:
            return self.call_value(obj, call, args)
        if name in tv.MODULE_SELF_METHODS and (isinstance(obj, (TLayer, Criterion)) or _forward(obj) is not None):
            return obj  # model.to(device), model.train(), criterion.cuda() return the module itself
        fn = _traced(vocab.ARRAY_METHODS.get(name))
        if obj is UNKNOWN and fn is not None and fn.kind in (SOFTMAX, LOG_SOFTMAX, SIGMOID):
            obj = TTensor("unknown", call)  # only torch tensors have these methods
        if not isinstance(obj, TTensor):
            return None
        if fn is not None and fn.kind in (SOFTMAX, LOG_SOFTMAX) and fn.axis is not None:
            dim = literal(args.get(fn.axis.index, fn.axis.name)) if args.has(fn.axis.index, fn.axis.name) else UNKNOWN
            return self._normalise(fn.kind, obj, dim, call, _receiver(call), fn.lib)
        if fn is not None and fn.kind == SIGMOID:
            return self._sigmoid(obj, call, _receiver(call), fn.lib)
        if fn is not None and fn.kind == ROUND:
            return self._threshold(obj)
        if name in arrays.KEEP_SHAPE:
            return obj
        if name in arrays.RESHAPES:  # the values keep what produced them; the class axis is no longer known
            return TTensor(obj.act, obj.node, UNKNOWN, obj.operand, obj.batch_axis, obj.lib)
        return None

    def _match_method(self, obj: ElementwiseMatch, name: str, call: cst.Call, args: Args) -> Value | None:
        if name in arrays.KEEP_SHAPE or name in tv.TO_INT:
            return obj
        if name == tv.MEAN_METHOD and not obj.summed:
            self.facts.elementwise_accuracy[call] = obj
            return None
        if name == arrays.SUM and not args.pos and not args.kw:
            return ElementwiseMatch(obj.source, summed=True)
        if name == tv.ITEM and obj.summed:
            return obj
        return None

    def binary(self, op: str, left: Value, right: Value, node: cst.BinaryOperation) -> Value | None:
        if op == "Divide" and isinstance(left, ElementwiseMatch) and left.summed and _counts_elements(node.right):
            self.facts.elementwise_accuracy[node] = left
            return UNKNOWN
        if op in ("Divide", "Multiply") and isinstance(left, TTensor) and left.act == "linear" and isinstance(
                right, Const):
            return left  # logits / temperature are still logits
        return None

    def compare(self, op: str, left: Value, right: Value, node: cst.Comparison) -> Value | None:
        if op in ("GreaterThan", "GreaterThanEqual") and isinstance(right, Const):
            return self._threshold(left)
        if op == "Equal":
            for side in (left, right):
                if isinstance(side, Thresholded):
                    return ElementwiseMatch(side.source)
        return None


def _module_class(value: Value) -> ClassVal | None:
    """The class of an object of a user class: maybe an nn.Module (subclasses of Instance, such as
    Keras models, belong to other plugins)."""
    return value.cls if type(value) is Instance and isinstance(value.cls, ClassVal) else None


def _forward(value: Value) -> Func | None:
    """The `forward()` of a module object."""
    cls = _module_class(value)
    return cls.method(tv.FORWARD) if cls is not None else None


def _receiver(call: cst.Call) -> cst.CSTNode | None:
    """`x` in `x.softmax(dim=1)`."""
    return call.func.value if isinstance(call.func, cst.Attribute) else None


def _counts_elements(node: cst.BaseExpression) -> bool:
    """`y.numel()` or `y.nelement()`: the number of (sample, label) cells."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in tv.COUNTS
