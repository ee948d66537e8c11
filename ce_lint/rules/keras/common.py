"""What the Keras rules share: each compiled output with its activation, loss and targets, and
fixes that swap a loss or an activation where it is written."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from ...facts import ModuleFacts
from ...facts.keras_values import Act, Loss, OutputFacts, Tensor
from ...facts.targets import Target
from ...fixes import Replacement, code, renamed, string_with, with_keyword
from ...vocab import keras as k
from ...vocab.symbols import Member


def outputs(facts: ModuleFacts) -> Iterator[tuple[Tensor | None, str | None, Loss | None, OutputFacts, list[Target]]]:
    """(tensor, activation name, loss, output facts, targets) for every output of every compile(), with the
    targets of the fit() calls that train with that compile, and for every loss called outside compile()."""
    trained: list[tuple[OutputFacts, list[Target]]] = []
    for compiled in facts.keras.compiles:
        targets = list(compiled.fits) if len(compiled.outputs) == 1 else []
        trained += [(out, targets) for out in compiled.outputs]
    for use in facts.keras.loss_uses:
        trained.append((use.output, [use.target] if isinstance(use.target, Target) else []))
    for out, targets in trained:
        tensor = out.tensor if isinstance(out.tensor, Tensor) else None
        act = tensor.act.name if tensor is not None and isinstance(tensor.act, Act) else None
        loss = out.loss if isinstance(out.loss, Loss) else None
        yield tensor, act, loss, out, targets


def trained_acts(facts: ModuleFacts, loss: Loss) -> set[str | None]:
    """The activations of every output this loss object trains (a GAN's loss trains several): a fix that
    changes how the loss reads its input must suit all of them."""
    return {act for _, act, other, _, _ in outputs(facts) if other is loss}


def fails(out: OutputFacts) -> str:
    """What stops when the loss can't take the targets: fit(), or the loss called in a training loop."""
    return "the loss call fails" if out.direct else "fit() fails"


def units(tensor: Tensor) -> int | None:
    return tensor.units if isinstance(tensor.units, int) else None


def output_node(tensor: Tensor) -> cst.CSTNode | None:
    """Where an output's activation (else its layer) is written."""
    if isinstance(tensor.act, Act):
        return tensor.act.node
    return tensor.layer.node if tensor.layer is not None else None


def output_words(tensor: Tensor, act: str) -> str:
    count = units(tensor)
    return f"{count}-unit {act} output" if count else f"{act} output"


def loss_class(keras: str, loss: str) -> str | None:
    """A loss's class, spelled from the name the module binds to keras: `keras.losses.BinaryCrossentropy`."""
    cls = k.LOSSES[loss].cls
    return k.spelled(keras, Member(k.LOSSES_MODULE, cls)) if cls else None


def loss_swap(facts: ModuleFacts, loss: Loss, new: str) -> Replacement:
    """Replace a loss by another, spelled as it was: string, function, or object."""
    node = loss.node
    if isinstance(node, cst.SimpleString):
        return node, string_with(node, new)
    if isinstance(node, cst.Call) and loss.function:
        portable = len(node.args) <= 3 and all(arg.keyword is None or arg.keyword.value in
                                               k.PORTABLE_LOSS_ARGUMENTS for arg in node.args)
        return node, renamed(facts, node, new) if portable and not any(arg.star for arg in node.args) else None
    if isinstance(node, cst.Call):
        portable = all((arg.keyword is None and i == 0) or (arg.keyword is not None and arg.keyword.value in
                       k.PORTABLE_LOSS_KEYWORDS) for i, arg in enumerate(node.args))
        cls = k.LOSSES[new].cls
        return node, renamed(facts, node, cls) if portable and cls else None
    return node, renamed(facts, node, new)


def loss_from_logits(facts: ModuleFacts, loss: Loss) -> Replacement:
    """The same loss with from_logits=True."""
    node = loss.node
    if isinstance(node, cst.Call):
        if loss.from_logits_node is not None:
            return loss.from_logits_node, "True"
        return node, with_keyword(facts, node, "from_logits", "True")
    cls = k.LOSSES[loss.name].cls
    if isinstance(node, cst.SimpleString):
        keras = facts.alias(k.KERAS)
        text = loss_class(keras, loss.name) if keras else None
        return node, f"{text}(from_logits=True)" if text else None
    text = renamed(facts, node, cls) if cls else None
    return node, text + "(from_logits=True)" if text else None


def act_swap(facts: ModuleFacts, act: Act, new: str) -> Replacement:
    """Replace an activation by another where it is written: `"softmax"`, `tf.nn.softmax`,
    `layers.Softmax()`, or `tf.nn.softmax(x)` applied in call()."""
    node = act.node
    if isinstance(node, cst.SimpleString):
        return node, string_with(node, new)
    if isinstance(node, cst.Attribute):
        return node, renamed(facts, node, new)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value in k.ACTIVATION_LAYERS:
            return node, f'{renamed(facts, node.func, k.ACTIVATION)}("{new}")'
        if node.args and node.args[0].keyword is None and not node.args[0].star:
            return node, f"{renamed(facts, node.func, new)}({code(facts, node.args[0].value)})"
    return node, None
