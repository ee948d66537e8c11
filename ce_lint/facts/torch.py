"""PyTorch facts: which tensor reaches which loss.

A model's output is followed from its `forward()` (run with `self` bound, whenever the model is
called, `self(x)` in Lightning included) through layers, activations and tensor methods to the
criterion or functional loss that consumes it. Each loss call is recorded with what fed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from .plugin import Args, Plugin
from .tags import Numeric
from .targets import MULTI_HOT, ONE_HOT, Target
from .values import UNKNOWN, ClassVal, Const, Ext, Instance, Unknown, Value, literal

if TYPE_CHECKING:
    from .evaluator import Evaluator

F = "torch.nn.functional."


Units = int | Unknown  # the size of a class axis, when known


@dataclass(eq=False)
class TTensor(Value):
    """A tensor whose last operation the analysis knows."""

    act: str  # "softmax" | "log_softmax" | "sigmoid" | "linear" (a Linear's raw output) | "unknown"
    node: cst.CSTNode  # where that operation is written: a call, or a module's constructor
    units: Units = UNKNOWN  # size of the class axis when known (a Linear's out_features)
    operand: cst.CSTNode | None = None  # what a call applied it to (None: applied by a module)
    batch_axis: bool = False  # normalised over dim 0 of a (batch, classes) output

    def numeric(self) -> Numeric | None:
        if self.tags.numeric is None and self.act in ("softmax", "sigmoid"):
            return Numeric("softmax" if self.act == "softmax" else "sigmoid", self.node, "torch", None, fixable=False)
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
    kind: str  # "Linear", "Softmax", "LogSoftmax", "Sigmoid", "Softmin", "pass", "Sequential", "other"
    node: cst.Call
    units: Units = UNKNOWN
    dim: object = UNKNOWN  # the literal `dim`, None when absent, UNKNOWN when not a literal
    layers: list[Value] = field(default_factory=list)  # for Sequential


@dataclass(eq=False)
class Criterion(Value):
    kind: str  # "cross_entropy" | "nll" | "bce" | "bce_logits"
    node: cst.Call


@dataclass(eq=False)
class LossCall:
    kind: str
    input: Value
    target: Value
    node: cst.Call  # the call computing the loss
    criterion_node: cst.CSTNode  # where the loss is chosen: the constructor, or the functional call


@dataclass
class TorchModuleFacts:
    loss_calls: list[LossCall] = field(default_factory=list)
    implicit_dim: dict[cst.CSTNode, tuple[str, Value]] = field(default_factory=dict)
    elementwise_accuracy: dict[cst.CSTNode, ElementwiseMatch] = field(default_factory=dict)
    mixed_precision: cst.CSTNode | None = None  # the node that shows autocast/GradScaler/16-bit Lightning


_CRITERIA = {"CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll", "BCELoss": "bce", "BCEWithLogitsLoss": "bce_logits"}
_FUNCTIONAL_LOSSES = {"cross_entropy": "cross_entropy", "nll_loss": "nll", "binary_cross_entropy": "bce",
                      "binary_cross_entropy_with_logits": "bce_logits"}
# Functions that normalise over `dim` (softmax family) and the activation they produce.
_SOFTMAX_FUNCS = {F + "softmax": "softmax", F + "log_softmax": "log_softmax", F + "softmin": "softmin",
                  "torch.softmax": "softmax", "torch.log_softmax": "log_softmax",
                  "torch.special.softmax": "softmax", "torch.special.log_softmax": "log_softmax"}
_IMPLICIT_DIM_FUNCS = frozenset({F + "softmax", F + "log_softmax", F + "softmin"})  # dim=None allowed, deprecated
_SIGMOID_FUNCS = frozenset({"torch.sigmoid", F + "sigmoid", "torch.special.expit"})
_ACT_LAYERS = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Softmin": "softmin", "Sigmoid": "sigmoid"}
_PASS_LAYERS = frozenset({"Dropout", "Identity", "AlphaDropout", "Dropout1d"})
_MIXED_PRECISION = frozenset({"torch.autocast", "torch.cuda.amp.autocast", "torch.amp.autocast",
                              "torch.cuda.amp.GradScaler", "torch.amp.GradScaler", "torch.GradScaler"})
# Tensor methods that keep the last operation (and the class axis, for the first group).
_KEEP_SHAPE = frozenset({"float", "double", "half", "to", "cpu", "cuda", "contiguous", "clone", "detach", "type"})
_MODULE_SELF_METHODS = frozenset({"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16",
                                   "requires_grad_", "type", "to_empty"})
_WRAPPERS = frozenset({"torch.nn.DataParallel", "torch.nn.parallel.DataParallel",
                       "torch.nn.parallel.DistributedDataParallel", "torch.compile"})
# Pretrained model factories whose classification head users replace (`model.fc = nn.Linear(...)`).
_PRETRAINED = ("torchvision.models.", "timm.create_model")
_HEADS = ("fc", "classifier", "head")
_RESHAPE = frozenset({"view", "reshape", "permute", "transpose", "flatten", "squeeze", "unsqueeze"})


def _nn(qname: str) -> str | None:
    """`torch.nn.BCELoss` -> "BCELoss"."""
    return qname[len("torch.nn."):] if qname.startswith("torch.nn.") and qname.count(".") == 2 else None


class TorchFacts(Plugin):
    def __init__(self, ev: Evaluator) -> None:
        super().__init__(ev)
        self.facts = TorchModuleFacts()

    # -- constructors and functions ----------------------------------------------------

    def call_ext(self, qname: str, call: cst.Call, args: Args) -> Value | None:
        if not (qname.startswith("torch") or qname.startswith("lightning.")):
            return None
        if qname in _MIXED_PRECISION:
            device = literal(args.get(0, "device_type")) if qname in ("torch.autocast", "torch.amp.autocast") else "cuda"
            if device in ("cuda", UNKNOWN):  # CPU autocast runs binary_cross_entropy in float32
                self.facts.mixed_precision = self.facts.mixed_precision or call
            return None
        if qname == "lightning.Trainer":
            precision = literal(args.get(None, "precision"))
            if precision in (16, "16", "16-mixed"):
                self.facts.mixed_precision = self.facts.mixed_precision or call
            return None
        if qname in _WRAPPERS:
            return args.get(0, "module")  # DataParallel(model), torch.compile(model) call the model's forward
        nn_name = _nn(qname)
        if nn_name is not None:
            return self._module(nn_name, call, args)
        if qname.startswith(F) and qname[len(F):] in _FUNCTIONAL_LOSSES:
            return self._loss(_FUNCTIONAL_LOSSES[qname[len(F):]], call, args, call)
        if qname in _SOFTMAX_FUNCS:
            return self._softmax(qname, _SOFTMAX_FUNCS[qname], call, args, dim_index=1)
        if qname in _SIGMOID_FUNCS:
            value, operand = args.get_with_node(0, "input")
            return self._sigmoid(value, call, operand)
        if qname == "torch.log":
            return self._log(args.get(0, "input"), call)
        if qname in ("torch.round",):
            return self._threshold(args.get(0, "input"))
        if qname in ("torch.mean",):
            return self._mean(args.get(0, "input"), call)
        return None

    def _module(self, name: str, call: cst.Call, args: Args) -> Value | None:
        if name in _CRITERIA:
            return Criterion(_CRITERIA[name], call)
        if name == "Linear":
            units = literal(args.get(1, "out_features"))
            return TLayer("Linear", call, units=units if type(units) is int else UNKNOWN)
        if name in _ACT_LAYERS:
            layer = TLayer(name, call)
            if name != "Sigmoid":
                if not args.has(0, "dim") or literal(args.get(0, "dim")) is None:
                    if not args.starred:
                        self.facts.implicit_dim[call] = (f"nn.{name}()", UNKNOWN)
                    layer.dim = None if not args.starred else UNKNOWN
                else:
                    layer.dim = literal(args.get(0, "dim"))
            return layer
        if name in _PASS_LAYERS:
            return TLayer("pass", call)
        if name == "Sequential":
            layers = [value for value, _ in args.pos]
            return TLayer("Sequential", call, layers=layers if not args.starred and not args.kw else [UNKNOWN])
        return None

    def _loss(self, kind: str, call: cst.Call, args: Args, criterion_node: cst.CSTNode) -> Value | None:
        if args.starred and not args.pos:
            return UNKNOWN
        if self._in_no_grad():
            return UNKNOWN
        self.facts.loss_calls.append(LossCall(kind, args.get(0, "input"), args.get(1, "target"), call, criterion_node))
        return UNKNOWN

    def _in_no_grad(self) -> bool:
        return any(isinstance(v, Instance) and isinstance(v.cls, Ext) and v.cls.qname in (
            "torch.no_grad", "torch.inference_mode") for v in self.ev.with_stack)

    def _softmax(self, qname: str, act: str, call: cst.Call, args: Args, dim_index: int | None) -> Value | None:
        x = args.get(0, "input")
        has_dim = args.has(dim_index, "dim")
        dim = literal(args.get(dim_index, "dim")) if has_dim else None
        if dim is None and qname in _IMPLICIT_DIM_FUNCS and not args.starred:
            self.facts.implicit_dim[call] = (qname.replace(F, "F.") + "()", x)
        return self._normalise(act, x, dim, call, args.get_with_node(0, "input")[1])

    def _normalise(self, act: str, x: Value, dim: Value, node: cst.CSTNode, operand: cst.CSTNode | None) -> Value | None:
        if act == "softmin":
            return UNKNOWN
        if dim == 0 and isinstance(x, TTensor) and x.act == "linear" and isinstance(x.units, int) and x.units > 1:
            # dim 0 of a Linear's output: the batch if it was batched, the classes of a single sample if not;
            # CE205 speaks only when it then reaches a loss, which needs (batch, classes).
            return TTensor(act, node, x.units, operand, batch_axis=True)
        if dim is not UNKNOWN and dim not in (1, -1) and dim is not None:
            return UNKNOWN  # another axis: not a class distribution the rules can reason about
        units = x.units if isinstance(x, TTensor) else UNKNOWN
        return TTensor(act, node, units, operand)

    def _sigmoid(self, x: Value, node: cst.CSTNode, operand: cst.CSTNode | None) -> Value | None:
        return TTensor("sigmoid", node, x.units if isinstance(x, TTensor) else UNKNOWN, operand)

    @staticmethod
    def _log(x: Value, node: cst.CSTNode) -> Value | None:
        if isinstance(x, TTensor) and x.act == "softmax":
            return TTensor("log_softmax", node, x.units)
        return None

    @staticmethod
    def _threshold(x: Value) -> Value | None:
        if isinstance(x, TTensor) and x.act in ("sigmoid", "linear") and isinstance(x.units, int) and x.units > 1:
            return Thresholded(x)
        return None

    def _mean(self, x: Value, node: cst.CSTNode) -> Value | None:
        if isinstance(x, ElementwiseMatch) and not x.summed:
            self.facts.elementwise_accuracy[node] = x
        return None

    # -- values in use -------------------------------------------------------------------

    def call_value(self, func: Value, call: cst.Call, args: Args) -> Value | None:
        if isinstance(func, Criterion):
            return self._loss(func.kind, call, args, func.node)
        if isinstance(func, TLayer):
            return self.apply(func, args.get(0, "input"), call)
        if _module_instance(func):
            assert isinstance(func, Instance) and isinstance(func.cls, ClassVal)
            forward = func.cls.method("forward")
            if forward is not None:
                return self.ev.call_function(forward, args, call, self_value=func)
        if type(func) is Instance and isinstance(func.cls, Ext) and func.cls.qname.startswith(_PRETRAINED):
            head = next((func.attrs[name] for name in _HEADS if name in func.attrs), None)
            if isinstance(head, TLayer):  # resnet.fc = nn.Linear(512, 10): the replaced head is applied last
                return self.apply(head, UNKNOWN, call)
        return None

    def apply(self, layer: TLayer, x: Value, call: cst.CSTNode) -> Value:
        if layer.kind == "Linear":
            return TTensor("linear", layer.node, layer.units)
        if layer.kind == "pass":
            return x
        if layer.kind == "Sigmoid":
            return self._sigmoid(x, layer.node, None)
        if layer.kind in _ACT_LAYERS:
            return self._normalise(_ACT_LAYERS[layer.kind], x, layer.dim, layer.node, None)
        if layer.kind == "Sequential":
            for inner in layer.layers:
                x = self.apply(inner, x, call) if isinstance(inner, TLayer) else (
                    self.call_value(inner, call, Args(pos=[(x, call)])) or UNKNOWN)
            return x
        return UNKNOWN

    def call_method(self, obj: Value, name: str, call: cst.Call, args: Args) -> Value | None:
        if isinstance(obj, Target) and obj.encoding == ONE_HOT and name == "sum":
            return Target(MULTI_HOT, call, "one_hot(...).sum()")
        if isinstance(obj, Thresholded):
            if name == "eq":
                return ElementwiseMatch(obj.source)
            return obj if name in _KEEP_SHAPE or name in ("int", "long", "bool") else None
        if isinstance(obj, ElementwiseMatch):
            if name in _KEEP_SHAPE or name in ("int", "long"):
                return obj
            if name == "mean" and not obj.summed:
                self.facts.elementwise_accuracy[call] = obj
                return None
            if name == "sum" and not args.pos and not args.kw:
                return ElementwiseMatch(obj.source, summed=True)
            if name == "item" and obj.summed:
                return obj
            return None
        if _module_instance(obj) and name == "forward":
            return self.call_value(obj, call, args)
        if name in _MODULE_SELF_METHODS and (isinstance(obj, (TLayer, Criterion)) or (
                _module_instance(obj) and isinstance(obj, Instance) and isinstance(obj.cls, ClassVal)
                and obj.cls.method("forward"))):
            return obj  # model.to(device), model.train(), criterion.cuda() return the module itself
        if obj is UNKNOWN and name in ("softmax", "log_softmax", "sigmoid"):
            obj = TTensor("unknown", call)  # only torch tensors have these methods
        if not isinstance(obj, TTensor):
            return None
        if name in ("softmax", "log_softmax"):
            dim = literal(args.get(0, "dim")) if args.has(0, "dim") else UNKNOWN
            return self._normalise(name, obj, dim, call, _receiver(call))
        if name == "sigmoid":
            return self._sigmoid(obj, call, _receiver(call))
        if name == "round":
            return self._threshold(obj)
        if name in _KEEP_SHAPE:
            return obj
        if name in _RESHAPE:  # the values keep what produced them; the class axis is no longer known
            return TTensor(obj.act, obj.node, UNKNOWN, obj.operand, obj.batch_axis)
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


def _module_instance(value: Value) -> bool:
    """An object of a user class: maybe an nn.Module (the subclasses of Instance belong to other plugins)."""
    return type(value) is Instance and isinstance(value.cls, ClassVal)


def _receiver(call: cst.Call) -> cst.CSTNode | None:
    """`x` in `x.softmax(dim=1)`."""
    return call.func.value if isinstance(call.func, cst.Attribute) else None


def _counts_elements(node: cst.BaseExpression) -> bool:
    """`y.numel()` or `y.nelement()`: the number of (sample, label) cells."""
    return isinstance(node, cst.Call) and (
        (isinstance(node.func, cst.Attribute) and node.func.attr.value in ("numel", "nelement")))
