"""Keras facts: models, their output layers, and what each is compiled and fitted with.

Covers `keras`, `tf.keras`, `tensorflow.keras` and `tf_keras` (names.canonical folds them),
models built with Sequential (list or `.add`), the functional API, subclassing, and builder
functions; losses and metrics as strings, functions, objects or variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from .. import names
from .plugin import Args, Plugin
from .tags import Numeric
from .targets import Dataset, Target
from .values import UNKNOWN, ClassVal, Const, Ext, Instance, Mapping, Scalar, Seq, Unknown, Value, literal

if TYPE_CHECKING:
    from .evaluator import Evaluator


@dataclass(eq=False)
class Act:
    """An activation and where it was written (the string, function, or activation layer)."""

    name: str
    node: cst.CSTNode


Units = int | Unknown
Activation = Act | Unknown


@dataclass(eq=False)
class Layer(Value):
    kind: str  # Keras class name: "Dense", "Activation", "Dropout", ...
    node: cst.Call
    units: Units = UNKNOWN
    act: Activation = UNKNOWN
    name: str | None = None  # the layer's `name=` string
    conditional: bool = False  # added to a model inside a branch or loop


@dataclass(eq=False)
class Tensor(Value):
    """A symbolic output: the size of its last axis and the activation applied last."""

    units: Units
    act: Activation
    layer: Layer | None  # the layer that fixed `units` (output layer), if known
    name: Scalar = None
    conditional: bool = False

    def numeric(self) -> Numeric | None:
        act = self.act
        if self.tags.numeric is None and isinstance(act, Act) and act.name in ("softmax", "sigmoid"):
            return Numeric("softmax" if act.name == "softmax" else "sigmoid", act.node, "keras", None, fixable=False)
        return self.tags.numeric


@dataclass(eq=False)
class KModel(Instance):
    """A Keras model. Instance so that subclassed models keep `self.` attributes."""

    kind: str = "sequential"  # sequential | functional | subclass
    layers: list[Value] = field(default_factory=list)
    outputs: list[Value] | None = None  # functional and subclassed models (None: unknown)
    depth: int = 0  # branch depth at creation
    fits: list[Target] = field(default_factory=list)  # the visible targets of its fit() calls

    def output_tensors(self, facts: KerasModuleFacts | None = None) -> list[Value]:
        if self.kind != "sequential":
            return list(self.outputs) if self.outputs is not None else [UNKNOWN]
        tensor: Value = UNKNOWN
        for layer in self.layers:
            tensor = apply_layer(layer, tensor, facts)
        return [UNKNOWN if isinstance(tensor, Tensor) and tensor.conditional else tensor]


@dataclass(eq=False)
class Loss(Value):
    name: str  # canonical snake-case Keras name
    node: cst.CSTNode  # where the loss is written
    from_logits: bool | Unknown = False
    from_logits_node: cst.CSTNode | None = None

    @property
    def family(self) -> str:
        return names.LOSS_FAMILIES[self.name]


@dataclass(eq=False)
class Metric:
    value: Value
    node: cst.CSTNode | None


@dataclass(eq=False)
class OutputFacts:
    """One model output as a compile() sees it."""

    tensor: Value  # Tensor or UNKNOWN
    loss: Loss | Unknown
    metrics: list[Metric]


@dataclass(eq=False)
class Compile:
    node: cst.Call
    model: KModel
    outputs: list[OutputFacts]


@dataclass(eq=False)
class SoftmaxUse:
    """A softmax applied over a last axis of known size."""

    units: int
    act_node: cst.CSTNode
    layer: Layer | None


@dataclass
class KerasModuleFacts:
    compiles: list[Compile] = field(default_factory=list)
    softmax_uses: dict[cst.CSTNode, SoftmaxUse] = field(default_factory=dict)  # by act node
    legacy_api: bool = False  # Keras-1 argument names or TF1 graph mode seen in the module
    channels_first: bool = False


_KERAS1_KWARGS = frozenset({"nb_filter", "border_mode", "nb_row", "nb_col", "output_dim", "init", "subsample", "nb_epoch"})
_MODEL_NAMES = frozenset({"Model", "Functional", "Sequential"})


def _is_keras_model_class(ext: Ext) -> bool:
    member = names.keras_member(ext.qname)
    return member is not None and member[1] in ("Model", "Sequential") and member[0] in ("", "models", "engine")


def activation_value(value: Value, node: cst.CSTNode | None) -> Activation:
    """The Act an `activation=` argument stands for, or UNKNOWN."""
    if isinstance(value, Const):
        if value.value is None:
            return Act("linear", value.node)
        if isinstance(value.value, str) and value.value in names.ACTIVATIONS:
            return Act(value.value, value.node)
        return UNKNOWN
    if isinstance(value, Ext):
        name = names.activation_of(names.canonical(value.qname))
        return Act(name, node) if name and node is not None else UNKNOWN
    return UNKNOWN


def apply_layer(layer: Value, tensor: Value, facts: KerasModuleFacts | None) -> Value:
    """The tensor a layer produces from its input (UNKNOWN when the analysis can't tell)."""
    if isinstance(layer, KModel):
        outputs = layer.output_tensors()
        return outputs[0] if len(outputs) == 1 else UNKNOWN
    if not isinstance(layer, Layer):
        return UNKNOWN
    if layer.kind in names.UNIT_LAYERS:
        return Tensor(layer.units, layer.act, layer, layer.name, layer.conditional)
    if layer.kind == "Activation" or layer.kind in names.ACTIVATION_LAYERS:
        if not isinstance(tensor, Tensor):
            return Tensor(UNKNOWN, layer.act, None, layer.name, layer.conditional)
        if facts is not None and isinstance(layer.act, Act) and layer.act.name == "softmax" \
                and isinstance(tensor.units, int):
            facts.softmax_uses[layer.act.node] = SoftmaxUse(tensor.units, layer.act.node, tensor.layer)
        return Tensor(tensor.units, layer.act, tensor.layer, layer.name or tensor.name,
                      layer.conditional or tensor.conditional)
    if layer.kind in names.PASS_THROUGH_LAYERS or layer.kind == "InputLayer":
        if isinstance(tensor, Tensor) and layer.conditional:
            return Tensor(tensor.units, tensor.act, tensor.layer, tensor.name, True)
        return tensor
    return UNKNOWN


class KerasFacts(Plugin):
    def __init__(self, ev: Evaluator) -> None:
        super().__init__(ev)
        self.facts = KerasModuleFacts()

    # -- constructors and functions ----------------------------------------------------

    def call_ext(self, qname: str, call: cst.Call, args: Args) -> Value | None:
        if qname.startswith("tensorflow.compat.v1.disable_eager_execution") or qname.startswith(
                "tensorflow.compat.v1.disable_v2_behavior"):
            self.facts.legacy_api = True
            return None
        member = names.keras_member(qname)
        if member is None:
            act = names.activation_of(qname)
            return self._activation_call(act, call, args) if act else None
        group, name = member
        if any(kw in _KERAS1_KWARGS for kw in args.kw):
            self.facts.legacy_api = True
        if group in ("", "models", "engine") and name in _MODEL_NAMES:
            return self._model(name, call, args)
        if group == "backend" and name == "set_image_data_format":
            if literal(args.get(0)) == "channels_first":
                self.facts.channels_first = True
            return None
        if group in ("layers", "") and name == "Input":
            return Tensor(UNKNOWN, UNKNOWN, None)
        if group == "layers":
            return self._layer(name, call, args)
        if group == "losses" and name in names.LOSS_CLASSES:
            return self._loss_object(name, call, args)
        if group in ("activations", "ops", "backend") and name in names.ACTIVATIONS:
            return self._activation_call(name, call, args)
        return None

    def _layer(self, kind: str, call: cst.Call, args: Args) -> Value | None:
        name = literal(args.get(None, "name"))
        layer = Layer(kind, call, name=name if isinstance(name, str) else None)
        if kind == "TimeDistributed":
            inner = args.get(0, "layer")
            return inner if isinstance(inner, Layer) else layer
        if kind in names.UNIT_LAYERS:
            units_arg = names.UNIT_LAYERS[kind]
            units = literal(args.get(0, units_arg)) if units_arg else UNKNOWN
            channels_first = literal(args.get(None, "data_format")) == "channels_first" or (
                kind != "Dense" and self.facts.channels_first)
            layer.units = units if type(units) is int and not channels_first else UNKNOWN
            if args.has(1 if kind == "Dense" else None, "activation"):
                value, node = args.get_with_node(1 if kind == "Dense" else None, "activation")
                layer.act = activation_value(value, node)
            elif args.starred:
                layer.act = UNKNOWN
            else:
                layer.act = Act("linear", call)
            if isinstance(layer.act, Act) and layer.act.name == "softmax" and isinstance(layer.units, int):
                self.facts.softmax_uses[layer.act.node] = SoftmaxUse(layer.units, layer.act.node, layer)
        elif kind == "Activation":
            value, node = args.get_with_node(0, "activation")
            layer.act = activation_value(value, node)
        elif kind in names.ACTIVATION_LAYERS:
            off_last_axis = kind == "Softmax" and args.has(0, "axis") and literal(args.get(0, "axis")) != -1
            layer.act = UNKNOWN if off_last_axis else Act(names.ACTIVATION_LAYERS[kind], call)
        return layer

    def _activation_call(self, act: str, call: cst.Call, args: Args) -> Value | None:
        """`tf.nn.softmax(x)`, `keras.activations.sigmoid(x)`, `ops.softmax(x)` on a tensor."""
        tensor = args.get(0, "x")
        if not isinstance(tensor, Tensor):
            tensor = Tensor(UNKNOWN, UNKNOWN, None)
        axis_given = args.has(1, "axis")
        if axis_given and literal(args.get(1, "axis")) != -1:
            return Tensor(tensor.units, UNKNOWN, tensor.layer, tensor.name)
        result = Tensor(tensor.units, Act(act, call), tensor.layer, tensor.name, tensor.conditional)
        if act == "softmax" and isinstance(tensor.units, int):
            self.facts.softmax_uses[call] = SoftmaxUse(tensor.units, call, tensor.layer)
        return result

    def _model(self, name: str, call: cst.Call, args: Args) -> Value | None:
        if name == "Sequential":
            model = KModel(Ext("keras.Sequential"), node=call, kind="sequential", depth=self.ev.branch_depth)
            layers = args.get(0, "layers")
            if isinstance(layers, Seq):
                model.layers = list(layers.items)
                model.output_tensors(self.facts)  # records the softmax layers it applies
            elif args.has(0, "layers"):
                model.layers = [UNKNOWN]
            return model
        outputs = args.get(1, "outputs")
        if not args.has(1, "outputs"):
            return None
        model = KModel(Ext("keras.Model"), node=call, kind="functional", depth=self.ev.branch_depth)
        if isinstance(outputs, Seq):
            model.outputs = list(outputs.items)
        elif isinstance(outputs, Mapping):
            model.outputs = [_named(t, key) for key, t in outputs.items.items()]
        else:
            model.outputs = [outputs]
        return model

    def _loss_object(self, cls_name: str, call: cst.Call, args: Args) -> Value | None:
        name = names.loss_name(cls_name)
        loss = Loss(name, call)
        if name in names.FROM_LOGITS_FIRST or name.endswith("focal_crossentropy"):
            index = 0 if name in names.FROM_LOGITS_FIRST else None
            if args.has(index, "from_logits"):
                value, node = args.get_with_node(index, "from_logits")
                flag = literal(value)
                loss.from_logits = flag if isinstance(flag, bool) else UNKNOWN
                loss.from_logits_node = node
            elif args.starred:
                loss.from_logits = UNKNOWN
        return loss

    # -- layers and models in use --------------------------------------------------------

    def call_value(self, func: Value, call: cst.Call, args: Args) -> Value | None:
        if isinstance(func, (Layer, KModel)):
            return apply_layer(func, args.get(0, "inputs"), self.facts)
        return None

    def instantiate(self, cls: ClassVal, call: cst.CSTNode, args: Args | None) -> Value | None:
        if not cls.inherits(lambda ext: _is_keras_model_class(ext)):
            return None
        model = KModel(cls, node=call, kind="subclass", depth=self.ev.branch_depth)
        self.ev.run_init(model, args, call)
        method = cls.method("call")
        if method is not None:
            result = self.ev.call_function(method, Args(), call, self_value=model)
            model.outputs = list(result.items) if isinstance(result, Seq) else [result]
        return model

    def call_method(self, obj: Value, name: str, call: cst.Call, args: Args) -> Value | None:
        if not isinstance(obj, KModel):
            return None
        if name == "add":
            layer = args.get(0, "layer")
            if isinstance(layer, Layer) and self.ev.branch_depth > obj.depth:
                layer = _conditional(layer)
            obj.layers.append(layer if isinstance(layer, (Layer, KModel)) else UNKNOWN)
            obj.output_tensors(self.facts)
            return Const(None, call)
        if name == "pop" and obj.layers:
            obj.layers.pop()
            return UNKNOWN
        if name == "compile":
            self._compile(obj, call, args)
            return Const(None, call)
        if name in ("fit", "train_on_batch"):
            if "nb_epoch" in args.kw:  # Keras 1's name: runs only on Keras <= 2.3, tf.keras <= 2.1, graph mode
                self.facts.legacy_api = True
            target = args.get(1, "y")
            data = args.get(0, "x")
            if not args.has(1, "y") and isinstance(data, Dataset):
                target = data.target
            if isinstance(target, Target):
                obj.fits.append(target)
            return UNKNOWN
        if name in ("__call__", "call"):
            return apply_layer(obj, args.get(0, "inputs"), self.facts)
        return None

    def _compile(self, model: KModel, call: cst.Call, args: Args) -> None:
        tensors = model.output_tensors()
        loss_value, loss_node = args.get_with_node(1, "loss")
        metrics_value, metrics_node = args.get_with_node(None, "metrics")
        if not args.has(None, "metrics") and len(args.pos) > 2 and _looks_like_metrics(args.pos[2][0]):
            metrics_value, metrics_node = args.pos[2]  # Keras 2 order: optimizer, loss, metrics
        losses = _per_output(loss_value, tensors, nested=False)
        metrics = _per_output(metrics_value, tensors, nested=True)
        outputs = []
        for tensor, loss, metric in zip(tensors, losses, metrics):
            items = metric.items if isinstance(metric, Seq) else ([metric] if metric is not UNKNOWN else [])
            metric_nodes = [Metric(m, getattr(m, "node", None)) for m in items]
            outputs.append(OutputFacts(tensor, loss_of(loss, loss_node), metric_nodes))
        self.facts.compiles.append(Compile(call, model, outputs))


def loss_of(value: Value, node: cst.CSTNode | None) -> Loss | Unknown:
    """The Loss a compile() `loss=` value stands for, or UNKNOWN."""
    if isinstance(value, Loss):
        return value
    if isinstance(value, Const) and isinstance(value.value, str):
        name = names.loss_name(value.value)
        return Loss(name, value.node) if name else UNKNOWN
    if isinstance(value, Ext) and node is not None:
        member = names.keras_member(value.qname)
        if member is not None and member[0] == "losses":
            name = names.loss_name(member[1])
            if name and member[1] == name:  # the function, not the class
                return Loss(name, node)
    return UNKNOWN


def _per_output(value: Value, tensors: list[Value], nested: bool) -> list[Value]:
    """Split a loss or metrics argument over the model outputs: a dict by output name, a list by
    position (for metrics only a list of lists); anything else applies to every output."""
    count = len(tensors)
    if isinstance(value, Mapping):
        return [value.items.get(t.name, UNKNOWN) if isinstance(t, Tensor) and t.name else UNKNOWN for t in tensors]
    if isinstance(value, Seq) and count > 1 and len(value.items) == count:
        if not nested or all(isinstance(i, (Seq, Mapping)) for i in value.items):
            return list(value.items)
    return [value] * count


def _looks_like_metrics(value: Value) -> bool:
    return isinstance(value, Seq) and all(isinstance(i, Const) and isinstance(i.value, str) for i in value.items)


def _named(tensor: Value, key: Scalar) -> Value:
    if isinstance(tensor, Tensor) and isinstance(key, str):
        return Tensor(tensor.units, tensor.act, tensor.layer, key, tensor.conditional)
    return tensor


def _conditional(layer: Layer) -> Layer:
    return Layer(layer.kind, layer.node, layer.units, layer.act, layer.name, conditional=True)
