"""What the PyTorch rules share: the losses each tensor reaches, and fixes that rewrite an
activation or a loss in place."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from ...facts import ModuleFacts
from ...facts.torch import LossCall, TTensor
from ...fixes import Replacement, parenthesised, renamed
from ...vocab import torch as tv
from ...vocab.symbols import BCE, SIGMOID, Kind, LossKind, TensorLoss


def fed(facts: ModuleFacts, kinds: tuple[LossKind, ...], act: str | None = None) -> Iterator[tuple[LossCall, TTensor]]:
    """Each call of a loss of these kinds whose input the analysis knows (with this last activation),
    a tensor of the loss's own library."""
    for call in facts.torch.loss_calls:
        tensor = call.input
        if call.loss.kind in kinds and isinstance(tensor, TTensor) and tensor.lib == call.loss.lib and (
                act is None or tensor.act == act):
            yield call, tensor


def sigmoid_into_bce(facts: ModuleFacts) -> Iterator[tuple[LossCall, TTensor]]:
    return fed(facts, (BCE,), SIGMOID)


def swap_loss(facts: ModuleFacts, call: LossCall, new: TensorLoss) -> Replacement:
    """The criterion constructor (or class, or functional call) renamed to another loss; nothing for a
    trainer's default loss, which is written nowhere."""
    node = call.criterion_node
    if call.form == "default":
        return node, None
    name = new.function if call.form == "function" else new.criterion
    return node, renamed(facts, node, name) if name else None


def raw_output(tensor: TTensor) -> str:
    """How a message names what made a raw output: "a Linear layer", "a Conv2d layer", "F.conv2d"."""
    return tensor.layer if "." in tensor.layer else f"a {tensor.layer} layer"


def drop(facts: ModuleFacts, tensor: TTensor) -> Replacement:
    """Remove an activation: `F.softmax(x, dim=1)` -> `x`; an `nn.Softmax(dim=1)` module -> `nn.Identity()`."""
    if tensor.operand is not None:
        return tensor.node, parenthesised(facts, tensor.operand)
    func = getattr(tensor.node, "func", None)
    return tensor.node, f"{renamed(facts, func, tv.IDENTITY)}()" if isinstance(func, cst.Attribute) else None


def to_activation(facts: ModuleFacts, tensor: TTensor, kind: Kind) -> Replacement:
    """Change an activation in place: `F.softmax(x, dim=1)` -> `F.log_softmax(x, dim=1)`,
    `x.softmax(1)` -> `x.log_softmax(1)`, `nn.Softmax(dim=1)` -> `nn.LogSoftmax(dim=1)`."""
    return tensor.node, renamed(facts, tensor.node, tv.activation_module(kind) if tensor.operand is None else kind)


def to_sigmoid(facts: ModuleFacts, tensor: TTensor) -> Replacement:
    """`x.softmax(1)` -> `x.sigmoid()`, `nn.Softmax(dim=1)` -> `nn.Sigmoid()`, `F.softmax(x, 1)` ->
    `torch.sigmoid(x)`."""
    node = tensor.node
    func = getattr(node, "func", None)
    if tensor.operand is None:
        module = tv.activation_module(SIGMOID)
        return node, f"{renamed(facts, func, module)}()" if isinstance(func, cst.Attribute) else None
    if isinstance(func, cst.Attribute) and func.value is tensor.operand:
        return node, f"{parenthesised(facts, tensor.operand)}.{SIGMOID}()"
    torch = facts.alias(tv.LIBRARY.name)
    return node, f"{torch}.{SIGMOID}({facts.module.code_for_node(tensor.operand)})" if torch else None
