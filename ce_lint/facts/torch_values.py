"""The values and facts of the PyTorch analysis (facts/torch.py makes them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from ..vocab import torch as tv
from ..vocab.symbols import SIGMOID, SOFTMAX, TensorLoss
from .tags import Numeric
from .values import UNKNOWN, Seq, Unknown, Value

Units = int | Unknown  # the size of a class axis, when known


@dataclass(eq=False)
class TTensor(Value):
    """A tensor whose last operation the analysis knows."""

    act: str  # "softmax" | "log_softmax" | "sigmoid" | "linear" (a layer's raw output) | "unknown"
    node: cst.CSTNode  # where that operation is written: a call, or a module's constructor
    units: Units = UNKNOWN  # size of the class axis when known (a Linear's out_features)
    operand: cst.CSTNode | None = None  # what a call applied it to (None: applied by a module)
    batch_axis: bool = False  # normalised over dim 0 of a (batch, classes) output
    lib: str = tv.LIBRARY.name  # the library whose tensor it is
    layer: str = tv.LINEAR  # what made a raw ("linear") output: "Linear", "Conv2d", "F.conv2d"...

    def numeric(self) -> Numeric | None:
        if self.tags.numeric is None and self.act in (SOFTMAX, SIGMOID):
            return Numeric("softmax" if self.act == SOFTMAX else "sigmoid", self.node, self.lib, None, fixable=False)
        return self.tags.numeric


@dataclass(eq=False)
class Batch(Value):
    """Samples stacked into a batch (`torch.stack(states)`): a model applied to it sees dim 0 as the batch."""

    node: cst.CSTNode  # the stacking call


@dataclass(eq=False)
class Thresholded(Value):
    """A hard 0/1 prediction made from a multi-unit output (`probs > 0.5`, `.round()`)."""

    source: TTensor


@dataclass(eq=False)
class ElementwiseMatch(Value):
    """`pred == y` over a thresholded multi-unit prediction: one boolean per (sample, label)."""

    source: TTensor
    summed: bool = False
    targets: Value | None = None  # multi-hot targets that show it, where the output's width is unknown


@dataclass(eq=False)
class ElementCount(Value):
    """`y.numel()`, summed over batches: the number of (sample, label) cells."""

    node: cst.CSTNode


@dataclass(eq=False)
class TLayer(Value):
    kind: str  # "Linear", a raw layer ("Conv2d"...), an activation module ("Softmax"...), "pass", "resample",
    # "Sequential"
    node: cst.Call
    units: Units = UNKNOWN
    dim: object = UNKNOWN  # the literal `dim`, None when absent, UNKNOWN when not a literal
    layers: Seq | None = None  # a Sequential's modules, in order (open: only the last ones are known)

    def changed(self) -> None:
        """`seq[-1] = ...`, `del seq[-1]`, `seq.name = ...` (which replaces or appends a module)."""
        if self.layers is not None:
            self.layers.changed()


@dataclass(eq=False)
class Criterion(Value):
    loss: TensorLoss
    node: cst.Call


LossForm = Literal["criterion", "function", "default"]  # how the loss is chosen at criterion_node


@dataclass(eq=False)
class LossCall:
    loss: TensorLoss
    input: Value
    target: Value
    node: cst.CSTNode  # the call computing the loss (or the trainer that computes it)
    criterion_node: cst.CSTNode  # where the loss is chosen: the constructor, or the functional call
    form: LossForm = "criterion"  # "default": a trainer's default loss, written nowhere (no fix renames it)


@dataclass(eq=False)
class Normalisation:
    """A call of a softmax-family function, or the construction of such a module, and its dim."""

    qname: str  # the function or module class
    node: cst.Call
    dim: object  # the literal dim; None when not given (or None); UNKNOWN when not a literal
    implicit: bool  # without a dim the library picks one (vocab: implicit_axis)
    starred: bool  # *args or **kwargs may give the dim
    input: Value  # what it is applied to (UNKNOWN for a module)


@dataclass(frozen=True)
class BatchEvidence:
    """What shows that a softmax over dim 0 of a Linear's output normalised a batch: a class picked per
    row over dim 1 of its result ("picked"), or a stacked batch the model was applied to ("stacked")."""

    kind: Literal["picked", "stacked"]
    node: cst.CSTNode
    act: str  # "softmax" | "log_softmax"


@dataclass
class TorchModuleFacts:
    loss_calls: list[LossCall] = field(default_factory=list)
    normalisations: list[Normalisation] = field(default_factory=list)  # every evaluation
    elementwise_accuracy: dict[cst.CSTNode, ElementwiseMatch] = field(default_factory=dict)
    mixed_precision: cst.CSTNode | None = None  # the node that shows autocast/GradScaler/16-bit Lightning
    batch_softmax: dict[cst.CSTNode, BatchEvidence] = field(default_factory=dict)  # by the softmax (first seen)
    argmax_of: dict[cst.CSTNode, TTensor] = field(default_factory=dict)  # argmax/max(dim) calls: what they read
