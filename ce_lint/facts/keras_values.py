"""Keras values: layers, symbolic tensors, models and losses, and what a layer does to a tensor."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ..names import activation_of, canonical, keras_member
from ..vocab import keras as k
from ..vocab.symbols import SIGMOID, SOFTMAX
from .tags import Numeric
from .targets import Target
from .values import UNKNOWN, Const, Ext, Instance, Scalar, Unknown, Value


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
    keeps: bool = False  # gives its input's values unchanged in another shape or dtype (Flatten, a cast)


@dataclass(eq=False)
class Tensor(Value):
    """A symbolic output: the size of its last axis and the activation applied last."""

    units: Units
    act: Activation
    layer: Layer | None  # the layer that fixed `units` (output layer), if known
    name: Scalar = None
    conditional: bool = False
    # An identity after the activation (Flatten, a cast): TensorFlow's logits short-cut for a softmax or sigmoid
    # output may not see through it (F2.2), so what TF-backed Keras >= 2.4 does with the loss is not known.
    after: cst.CSTNode | None = None

    def numeric(self) -> Numeric | None:
        act = self.act
        if self.tags.numeric is None and isinstance(act, Act) and act.name in (SOFTMAX, SIGMOID):
            return Numeric("softmax" if act.name == SOFTMAX else "sigmoid", act.node, k.LIBRARY.name, None,
                           fixable=False)
        return self.tags.numeric


@dataclass(eq=False)
class KModel(Instance):
    """A Keras model. Instance so that subclassed models keep `self.` attributes."""

    kind: str = "sequential"  # sequential | functional | subclass
    layers: list[Value] = field(default_factory=list)
    outputs: list[Value] | None = None  # functional and subclassed models (None: unknown)
    depth: int = 0  # branch depth at creation
    compiles: list[Compile] = field(default_factory=list)  # in program order
    unpaired: list[Target] = field(default_factory=list)  # targets of fit() calls run before any compile()

    def fitted(self, target: Target) -> None:
        """A fit() on these targets: it trains with the latest compile() (in program order)."""
        (self.compiles[-1].fits if self.compiles else self.unpaired).append(target)

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
    function: bool = False  # computed by a call of the loss function (`node` is that call)

    @property
    def family(self) -> str:
        return k.LOSSES[self.name].family


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
    direct: bool = False  # the loss is called on it directly (a custom training loop), not through compile()


@dataclass(eq=False)
class Compile:
    node: cst.Call
    model: KModel
    outputs: list[OutputFacts]
    fits: list[Target] = field(default_factory=list)  # targets of the fit() calls that train with it


@dataclass(eq=False)
class LossUse:
    """A loss called outside compile() (a custom training loop, a train_step, a GAN): `loss(y, output)`."""

    node: cst.Call
    output: OutputFacts  # the prediction it is given, and the loss
    target: Value


@dataclass(eq=False)
class SoftmaxUse:
    """A softmax applied over a last axis of known size."""

    units: int
    act_node: cst.CSTNode
    layer: Layer | None
    shared: bool = False  # the activation is written once for layers of several sizes (a functools.partial)


@dataclass
class KerasModuleFacts:
    compiles: list[Compile] = field(default_factory=list)
    loss_uses: list[LossUse] = field(default_factory=list)
    softmax_uses: dict[cst.CSTNode, SoftmaxUse] = field(default_factory=dict)  # by act node
    legacy_api: bool = False  # Keras-1 argument names or TF1 graph mode seen in the module
    channels_first: bool = False

    def softmax_used(self, use: SoftmaxUse) -> None:
        """A softmax over `use.units`; one written once for several sizes keeps the single-unit use."""
        seen = self.softmax_uses.get(use.act_node)
        if seen is not None and seen.units != use.units:
            use = seen if seen.units == 1 else use
            use.shared = True
        self.softmax_uses[use.act_node] = use


def is_model_class(ext: Ext) -> bool:
    """`keras.Model`, `keras.models.Sequential`...: what a subclassed model inherits."""
    member = keras_member(ext.qname)
    return member is not None and member[1] in (k.MODEL, k.SEQUENTIAL) and member[0] in k.MODEL_GROUPS


def activation_value(value: Value, node: cst.CSTNode | None) -> Activation:
    """The Act an `activation=` argument stands for, or UNKNOWN."""
    if isinstance(value, Const):
        if value.value is None:
            return Act(k.LINEAR, value.node)
        if isinstance(value.value, str) and value.value in k.ACTIVATIONS:
            return Act(value.value, value.node)
        return UNKNOWN
    if isinstance(value, Ext):
        name = activation_of(canonical(value.qname))
        return Act(name, node) if name and node is not None else UNKNOWN
    return UNKNOWN


def apply_layer(layer: Value, tensor: Value, facts: KerasModuleFacts | None) -> Value:
    """The tensor a layer produces from its input (UNKNOWN when the analysis can't tell)."""
    if isinstance(layer, KModel):
        outputs = layer.output_tensors()
        return outputs[0] if len(outputs) == 1 else UNKNOWN
    if not isinstance(layer, Layer):
        return UNKNOWN
    if layer.kind in k.UNIT_LAYERS:
        return Tensor(layer.units, layer.act, layer, layer.name, layer.conditional)
    if layer.keeps or (layer.kind == k.ACTIVATION and isinstance(layer.act, Act) and layer.act.name == k.LINEAR):
        # An identity (a linear Activation, the float32 cast of mixed precision) or a new shape of the same values.
        if not isinstance(tensor, Tensor):
            return UNKNOWN
        units = tensor.units if layer.kind == k.ACTIVATION else UNKNOWN
        conditional = layer.conditional or tensor.conditional
        return Tensor(units, tensor.act, tensor.layer, layer.name or tensor.name, conditional, layer.node)
    if layer.kind == k.ACTIVATION or layer.kind in k.ACTIVATION_LAYERS or (layer.kind == k.LAMBDA and isinstance(
            layer.act, Act)):
        if not isinstance(tensor, Tensor):
            return Tensor(UNKNOWN, layer.act, None, layer.name, layer.conditional)
        if facts is not None and isinstance(layer.act, Act) and layer.act.name == SOFTMAX \
                and isinstance(tensor.units, int):
            facts.softmax_used(SoftmaxUse(tensor.units, layer.act.node, tensor.layer))
        return Tensor(tensor.units, layer.act, tensor.layer, layer.name or tensor.name,
                      layer.conditional or tensor.conditional)
    if layer.kind in k.PASS_THROUGH_LAYERS or layer.kind == k.INPUT_LAYER:
        if isinstance(tensor, Tensor) and layer.conditional:
            return Tensor(tensor.units, tensor.act, tensor.layer, tensor.name, True, tensor.after)
        return tensor
    return UNKNOWN


