"""PyTorch facts: which tensor reaches which loss.

A model's output is followed from its `forward()` (run with `self` bound, whenever the model is
called, `self(x)` in Lightning included) through layers, activations and tensor methods to the
criterion or functional loss that consumes it. Each loss call is recorded with what fed it, and
each softmax-family call with the dim it was given. The functions and losses are the vocabulary's
of every traced library (vocab.TRACED). Wrappers that return the model (DataParallel, compile,
Fabric, Accelerate) keep what it is; trainer libraries that compute the loss themselves (ignite,
skorch) are in torch_trainers.py, how an `nn.Sequential` is built in torch_sequential.py, and
element-wise multi-label accuracy in torch_accuracy.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

import libcst as cst

from .. import vocab
from ..vocab import arrays
from ..vocab import numpy as npv
from ..vocab import torch as tv
from ..vocab.symbols import (
    INTEGER,
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
from . import torch_accuracy as accuracy
from . import torch_sequential as sequential
from . import torch_trainers as trainers
from .plugin import Args, Plugin
from .targets import Origin, Target
from .torch_values import (
    Batch,
    BatchEvidence,
    Criterion,
    ElementCount,
    ElementwiseMatch,
    LossCall,
    LossForm,
    Normalisation,
    Thresholded,
    TLayer,
    TorchModuleFacts,
    TTensor,
    Units,
)
from .values import UNKNOWN, BoundMethod, ClassVal, Const, Ext, Func, Instance, Seq, Value, literal

if TYPE_CHECKING:
    from .evaluator import Evaluator

__all__ = ["LossCall", "TTensor", "TorchFacts", "TorchModuleFacts", "Units"]


def _traced(fn: ArrayFunction | None) -> ArrayFunction | None:
    return fn if fn is not None and fn.lib in vocab.TRACED else None


class TorchFacts(Plugin):
    def __init__(self, ev: Evaluator) -> None:
        super().__init__(ev)
        self.facts = TorchModuleFacts()
        self._stacked: list[cst.CSTNode | None] = []  # per model call in progress: the stacked batch it was given

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
        wrapped = tv.WRAPPERS.get(qname)
        if wrapped is not None:
            return args.get(wrapped.index, wrapped.name)  # DataParallel(model) calls the model's forward
        if qname in tv.CRITERIA:
            return Criterion(tv.CRITERIA[qname], call)
        if qname == tv.IGNITE_TRAINER:
            trainers.ignite(self, call, args)
            return None
        if qname in tv.SKORCH_NETS:
            trainers.skorch(self, qname, call, args)
            return None
        module = tv.module_name(qname)
        if module is not None:
            return self._module(qname, module, call, args)
        loss = vocab.LOSS_FUNCTIONS.get(qname)
        if loss is not None:
            return self._loss(loss, call, args, call, "function")
        x, operand = args.get_with_node(tv.INPUT.index, tv.INPUT.name)
        if qname in tv.RAW_FUNCTIONS:
            return TTensor("linear", call, layer=tv.spelled(qname))
        if qname in tv.RESAMPLE_FUNCTIONS:
            return _resampled(x)
        if qname in tv.RESHAPE_FUNCTIONS and isinstance(x, TTensor):
            return replace(x, units=UNKNOWN)  # as the methods: the class axis is no longer known
        if qname in tv.STACKS or qname in npv.STACKS:
            return Batch(call) if not isinstance(x, Target) else None
        if qname in tv.COUNT_FUNCTIONS:
            return ElementCount(call)
        if qname in tv.COMPARE_FUNCTIONS and len(args.pos) == 2 and not args.kw:
            return accuracy.compare(tv.COMPARE_FUNCTIONS[qname], x, args.pos[1][0])
        if qname in tv.SUM_FUNCTIONS or qname in tv.TO_NUMBER:
            return accuracy.summed(x) if len(args.pos) == 1 and not args.kw else None
        pick = vocab.CLASS_PICK_FUNCTIONS.get(qname)
        if pick is not None:
            return self._pick(qname.rsplit(".", 1)[-1], x, literal(args.get(pick.index, pick.name)), call)
        if isinstance(x, Batch) and (qname in vocab.CONVERSIONS):
            return x
        fn = _traced(vocab.ARRAY_FUNCTIONS.get(qname))
        if fn is None:
            return None
        if fn.kind in (SOFTMAX, LOG_SOFTMAX, SOFTMIN) and fn.axis is not None:
            dim = literal(args.get(fn.axis.index, fn.axis.name)) if args.has(fn.axis.index, fn.axis.name) else None
            self.facts.normalisations.append(Normalisation(qname, call, dim, fn.implicit_axis, args.starred, x))
            return self._normalise(fn.kind, x, dim, call, operand, fn.lib)
        if fn.kind == SIGMOID:
            return self._sigmoid(x, call, operand, fn.lib)
        if fn.kind == LOG:
            return self.log_of(x, call, fn.lib)
        if fn.kind == ROUND:
            return accuracy.threshold(x)
        if fn.kind == MEAN:
            return accuracy.mean(self.facts, x, call, args, given=1)
        return None

    def _module(self, qname: str, name: str, call: cst.Call, args: Args) -> Value | None:
        if name == tv.LINEAR:
            units = literal(args.get(tv.LINEAR_UNITS.index, tv.LINEAR_UNITS.name))
            return TLayer(tv.LINEAR, call, units=units if type(units) is int else UNKNOWN)
        if name in tv.RAW_MODULES:
            return TLayer(name, call)
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
        if name in tv.RESAMPLE_MODULES:
            return TLayer("resample", call)
        if name == tv.SEQUENTIAL:
            return TLayer(tv.SEQUENTIAL, call, layers=sequential.modules_of(self.ev, args, call))
        return None

    def _loss(self, loss: TensorLoss, call: cst.Call, args: Args, criterion_node: cst.CSTNode,
              form: LossForm) -> Value:
        if args.starred and not args.pos:
            return UNKNOWN
        if self._in_no_grad():
            return UNKNOWN
        self.record_loss(LossCall(loss, args.get(loss.input.index, loss.input.name),
                                  args.get(loss.target.index, loss.target.name), call, criterion_node, form))
        return UNKNOWN

    def record_loss(self, loss_call: LossCall) -> None:
        self.facts.loss_calls.append(loss_call)

    def _in_no_grad(self) -> bool:
        return any(isinstance(v, Instance) and isinstance(v.cls, Ext) and v.cls.qname in tv.NO_GRAD
                   for v in self.ev.with_stack)

    def _normalise(self, act: str, x: Value, dim: object, node: cst.CSTNode, operand: cst.CSTNode | None,
                   lib: str) -> Value:
        if act == SOFTMIN:
            return UNKNOWN
        if dim == 0 and isinstance(x, TTensor) and x.act == "linear" and isinstance(x.units, int) and x.units > 1:
            # dim 0 of a Linear's output: the batch if it was batched, the classes of a single sample if not;
            # CE205 speaks only when something shows a batch: a loss, a class picked per row, a stacked input.
            stacked = next((n for n in reversed(self._stacked) if n is not None), None)
            if stacked is not None:
                self.facts.batch_softmax.setdefault(node, BatchEvidence("stacked", stacked, act))
            return TTensor(act, node, x.units, operand, batch_axis=True, lib=lib)
        if dim is not UNKNOWN and dim not in (1, -1) and dim is not None:
            return UNKNOWN  # another axis: not a class distribution the rules can reason about
        units = x.units if isinstance(x, TTensor) else UNKNOWN
        return TTensor(act, node, units, operand, lib=lib)

    @staticmethod
    def _sigmoid(x: Value, node: cst.CSTNode, operand: cst.CSTNode | None, lib: str) -> Value:
        return TTensor(SIGMOID, node, x.units if isinstance(x, TTensor) else UNKNOWN, operand, lib=lib)

    @staticmethod
    def log_of(x: Value, node: cst.CSTNode, lib: str) -> Value | None:
        if isinstance(x, TTensor) and x.act == SOFTMAX:
            return TTensor(LOG_SOFTMAX, node, x.units, lib=lib)
        return None

    def _pick(self, name: str, x: Value, dim: object, call: cst.Call) -> Value | None:
        """`probs.argmax(dim=1)`, `torch.max(probs, 1)`...: the row's class. Over dim 1 it shows the tensor is
        (batch, classes); `max` over a dim also gives the class ids."""
        if not isinstance(x, TTensor) or type(dim) is not int:
            return None
        if dim == 1 and x.batch_axis:
            self.facts.batch_softmax.setdefault(x.node, BatchEvidence("picked", call, x.act))
        if name in (arrays.ARGMAX, tv.MAX):
            self.facts.argmax_of.setdefault(call, x)
        if name == tv.MAX:
            return Seq([UNKNOWN, Target(INTEGER, call, Origin("argmax", tv.MAX))], call)
        return None

    # -- values in use -------------------------------------------------------------------

    def call_value(self, func: Value, call: cst.Call, args: Args) -> Value | None:
        if isinstance(func, Criterion):
            return self._loss(func.loss, call, args, func.node, "criterion")
        x = args.get(tv.INPUT.index, tv.INPUT.name)
        if isinstance(func, TLayer):
            return self.apply(func, x, call)
        forward = _forward(func)
        if forward is not None:
            with self._given(x):
                return self.ev.call_function(forward, args, call, self_value=func)
        head = _replaced_head(func)
        if head is not None:  # resnet.fc = nn.Linear(512, 10): the replaced head is applied last
            return self.apply(head, UNKNOWN, call)
        return None

    @contextmanager
    def _given(self, x: Value) -> Iterator[None]:
        """A model call in progress, with the stacked batch it was given (if it was one)."""
        self._stacked.append(x.node if isinstance(x, Batch) else None)
        try:
            yield
        finally:
            self._stacked.pop()

    def output_of(self, model: Value, call: cst.Call) -> Value:
        """What calling `model` on an unknown batch gives (for trainers that call it themselves)."""
        return self.call_value(model, call, Args(pos=[(UNKNOWN, call)])) or UNKNOWN

    def apply(self, layer: TLayer, x: Value, call: cst.Call) -> Value:
        if layer.kind == tv.LINEAR:
            return TTensor("linear", layer.node, layer.units)
        if layer.kind in tv.RAW_MODULES:
            return TTensor("linear", layer.node, layer=layer.kind)
        if layer.kind == "pass":
            return x
        if layer.kind == "resample":
            return _resampled(x) or UNKNOWN
        fn = tv.ACTIVATION_MODULES.get(layer.kind)
        if fn is not None and fn.kind == SIGMOID:
            return self._sigmoid(x, layer.node, None, fn.lib)
        if fn is not None:
            return self._normalise(fn.kind, x, layer.dim, layer.node, None, fn.lib)
        if layer.kind == tv.SEQUENTIAL and layer.layers is not None:
            with self._given(x):
                x = UNKNOWN if layer.layers.open else x
                for inner in list(layer.layers.items):
                    x = self.apply(inner, x, call) if isinstance(inner, TLayer) else (
                        self.call_value(inner, call, Args(pos=[(x, call)])) or UNKNOWN)
            return x
        return UNKNOWN

    def call_method(self, obj: Value, name: str, call: cst.Call, args: Args) -> Value | None:
        if isinstance(obj, Target) and obj.encoding == ONE_HOT and name == arrays.SUM:
            return Target(MULTI_HOT, call, Origin("one_hot_sum"))
        if isinstance(obj, (Thresholded, ElementwiseMatch)):
            return accuracy.method(self.facts, obj, name, call, args)
        if isinstance(obj, Batch):
            return obj if name in arrays.KEEP_SHAPE else None
        if name in tv.COUNTS:
            return ElementCount(call)
        if isinstance(obj, TLayer) and obj.kind == tv.SEQUENTIAL and obj.layers is not None:
            grown = sequential.grow(self.ev, obj, obj.layers, name, call, args)
            if grown is not None:
                return grown
        if _module_class(obj) is not None and name == tv.FORWARD:
            return self.call_value(obj, call, args)
        if name in tv.MODULE_SELF_METHODS and (isinstance(obj, (TLayer, Criterion)) or _forward(obj) is not None or
                                               _pretrained(obj)):
            return obj  # model.to(device), model.train(), criterion.cuda() return the module itself
        setup = trainers.set_up(obj, name, call, args)
        if setup is not None:
            return setup
        fn = _traced(vocab.ARRAY_METHODS.get(name))
        if _unknown_tensor(obj) and fn is not None and fn.kind in (SOFTMAX, LOG_SOFTMAX, SIGMOID):
            obj = TTensor("unknown", call)  # only torch tensors have these methods
        if not isinstance(obj, TTensor):
            return None
        pick = tv.CLASS_PICKS.get(name)
        if pick is not None:
            axis = args.get(pick.index, pick.name) if not args.has(None, tv.PICK_AXIS) else args.get(None, tv.PICK_AXIS)
            return self._pick(name, obj, literal(axis), call)
        if name == tv.TO_NUMPY and not args.pos:
            return replace(obj, lib=npv.LIBRARY.name)  # the same values; no torch loss takes them
        if fn is not None and fn.kind in (SOFTMAX, LOG_SOFTMAX) and fn.axis is not None:
            dim = literal(args.get(fn.axis.index, fn.axis.name)) if args.has(fn.axis.index, fn.axis.name) else UNKNOWN
            return self._normalise(fn.kind, obj, dim, call, _receiver(call), fn.lib)
        if fn is not None and fn.kind == SIGMOID:
            return self._sigmoid(obj, call, _receiver(call), fn.lib)
        if fn is not None and fn.kind == ROUND:
            return accuracy.threshold(obj)
        if name in tv.COMPARISONS and len(args.pos) == 1 and not args.kw:
            return accuracy.compare(tv.COMPARISONS[name], obj, args.pos[0][0])
        if name in arrays.KEEP_SHAPE:
            return obj
        if name in arrays.RESHAPES:  # the values keep what produced them; the class axis is no longer known
            return replace(obj, units=UNKNOWN)
        return None

    def attribute(self, obj: Value, name: str, node: cst.Attribute | None) -> Value | None:
        if name == tv.WRAPPED_MODULE and (isinstance(obj, TLayer) or _forward(obj) is not None):
            return obj  # DataParallel(model).module: the analysis already took the wrapper as the model
        if name in arrays.TENSOR_VIEWS and isinstance(obj, TTensor):
            return obj
        return None

    def subscript(self, obj: Value, index: Value, node: cst.Subscript) -> Value | None:
        if isinstance(obj, TTensor) and not isinstance(index, Seq):
            # out[mask], out[idx], out[:n]: some rows, each still over the classes (a copy: tags are its own)
            return replace(obj, batch_axis=obj.batch_axis and not isinstance(index, Const))
        if isinstance(obj, TTensor) and obj.act in ("linear", SIGMOID):
            # logits[:, 1], torch.sigmoid(out)[:, 0]: element-wise values keep what they are (a softmax column
            # is no distribution)
            return replace(obj, units=UNKNOWN, batch_axis=False)
        return None

    def binary(self, op: str, left: Value, right: Value, node: cst.BinaryOperation) -> Value | None:
        counted = accuracy.binary(self.facts, op, left, right, node)
        if counted is not None:
            return counted
        if op in ("Divide", "Multiply") and isinstance(left, TTensor) and left.act == "linear" and isinstance(
                right, Const):
            return left  # logits / temperature are still logits
        return None

    def augmented(self, op: str, target: Value, value: Value, node: cst.AugAssign) -> Value | None:
        return accuracy.augmented(op, target, value)

    def compare(self, op: str, left: Value, right: Value, node: cst.Comparison) -> Value | None:
        return accuracy.compare(op, left, right)


def _resampled(x: Value) -> Value | None:
    """`F.interpolate(x, ...)`: the same kind of values over another grid (the class axis is unknown)."""
    return replace(x, units=UNKNOWN, batch_axis=False) if isinstance(x, TTensor) else None


def _unknown_tensor(value: Value) -> bool:
    """A value the analysis knows nothing about: the result of an unknown call, an unknown attribute."""
    return value is UNKNOWN or isinstance(value, BoundMethod) or (
        type(value) is Instance and isinstance(value.cls, Ext))


def _module_class(value: Value) -> ClassVal | None:
    """The class of an object of a user class: maybe an nn.Module (subclasses of Instance, such as
    Keras models, belong to other plugins)."""
    return value.cls if type(value) is Instance and isinstance(value.cls, ClassVal) else None


def _forward(value: Value) -> Func | None:
    """The `forward()` of a module object."""
    cls = _module_class(value)
    return cls.method(tv.FORWARD) if cls is not None else None


def _pretrained(value: Value) -> bool:
    """A torchvision or timm model (its head may have been replaced)."""
    return type(value) is Instance and isinstance(value.cls, Ext) and value.cls.qname.startswith(tv.PRETRAINED)


def _replaced_head(value: Value) -> TLayer | None:
    if not _pretrained(value):
        return None
    assert isinstance(value, Instance)
    head = next((value.attrs[name] for name in tv.HEADS if name in value.attrs), None)
    return head if isinstance(head, TLayer) else None


def _receiver(call: cst.Call) -> cst.CSTNode | None:
    """`x` in `x.softmax(dim=1)`."""
    return call.func.value if isinstance(call.func, cst.Attribute) else None

