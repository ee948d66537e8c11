"""The words a file must contain for the analysis to see a symbol, derived from the vocabulary's
tables: rules declare their anchors with these (rules.rule(anchors=...)) and gate.py keeps out the
files that lack every enabled rule's (matching.py says how a word matches).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..matching import Anchor, Either, Imported, Operator, Unaxed, Words, occurrences
from . import ARRAY_FUNCTIONS, ARRAY_METHODS, LOSS_FUNCTIONS
from . import keras as k
from . import torch as tv
from . import torchmetrics as tm
from . import transformers as hf
from .arrays import EINSUM, NEGATIONS, PRODUCTS, REDUCTIONS, SUM
from .keras import ACCURACY_STRINGS, COMPILE, FIT, UNIT_LAYERS
from .symbols import (
    BCE,
    BCE_LOGITS,
    CROSS_ENTROPY,
    EXP,
    LOG,
    LOG_SOFTMAX,
    MEAN,
    NLL,
    ROUND,
    SIGMOID,
    SOFTMAX,
    SOFTMIN,
    Kind,
    Library,
    LossKind,
)
from .torch import EQ, LINEAR, MEAN_METHOD

__all__ = ["ACCURACY_STRINGS", "BCE", "BCE_LOGITS", "COMPILE", "CROSS_ENTROPY", "EQ", "EXP", "FIT", "LINEAR", "LOG",
           "LOG_SOFTMAX", "MEAN", "MEAN_METHOD", "NLL", "REDUCTIONS", "ROUND", "SIGMOID", "SOFTMAX", "SOFTMIN", "SUM",
           "UNIT_LAYERS", "Anchor", "Either", "Imported", "Operator", "Unaxed", "Words", "occurrences"]


def any_of(words: Iterable[str | None]) -> Words:
    return Words(frozenset(word for word in words if word))


def greater_than() -> Operator:
    """`>` or `>=`, as a threshold is written (`probs > 0.5`)."""
    return Operator(">", not_after="->", not_before=">")


def comparison(*ops: str) -> Words:
    """The methods and functions that compare as these operators do (`probs.gt(0.5)`, `torch.eq(a, b)`)."""
    return any_of(name for name, op in tv.COMPARISONS.items() if op in ops)


def raw_outputs() -> Words:
    """What makes a layer's raw output: a Linear, a convolution, F.linear (facts/torch.py's "linear" tensors)."""
    return any_of([tv.LINEAR, *tv.RAW_MODULES, *(qname.rsplit(".", 1)[-1] for qname in tv.RAW_FUNCTIONS)])


def unaxed(words: Words, axis: str) -> Unaxed:
    return Unaxed(words, axis)


def activation(*kinds: Kind) -> Words:
    """Every spelling of an array function, tensor method, torch module or Keras activation of these kinds."""
    names = [qname.rsplit(".", 1)[-1] for qname, fn in ARRAY_FUNCTIONS.items() if fn.kind in kinds]
    names += [name for name, fn in ARRAY_METHODS.items() if fn.kind in kinds]
    names += [name for name, fn in tv.ACTIVATION_MODULES.items() if fn.kind in kinds]
    names += [name for name in k.ACTIVATIONS if name in kinds]
    names += [name for name, act in k.ACTIVATION_LAYERS.items() if act in kinds]
    return any_of(names)


def tensor_loss(*kinds: LossKind) -> Words:
    """The criterion classes and functions that compute these losses on tensors."""
    losses = [loss for loss in (*LOSS_FUNCTIONS.values(), *tv.CRITERIA.values()) if loss.kind in kinds]
    # skorch's nets whose default criterion is one of them: `NeuralNetBinaryClassifier(module)`
    nets = [qname.rsplit(".", 1)[-1] for qname, (_, default) in tv.SKORCH_NETS.items()
            if default is not None and default.kind in kinds]
    return any_of([*(name for loss in losses for name in (loss.criterion, loss.function)), *nets])


def keras_loss(*families: str) -> Words:
    """Every name compile() takes for a Keras loss of these families ("bce", "cce", "scce"...)."""
    names = [name for name, loss in k.LOSSES.items() if loss.family in families]
    return any_of([*names, *(alias for alias in k.loss_aliases() if k.loss_name(alias) in names)])


def keras_loss_call(*families: str) -> Words:
    """A Keras loss of these families called on a model's output outside compile(): its class
    (`loss_fn = CategoricalCrossentropy()`) or its function (`keras.losses.categorical_crossentropy`)."""
    names = [name for name, loss in k.LOSSES.items() if loss.family in families]
    return any_of([*names, *(cls for cls in k.LOSS_CLASSES if k.loss_name(cls) in names)])


def keras_training(*families: str) -> Words:
    """What trains a Keras output with a loss of these families: compile(), or the loss called in a loop."""
    return any_of([COMPILE, *keras_loss_call(*families).words])


def keras_families() -> tuple[str, ...]:
    return tuple(sorted({loss.family for loss in k.LOSSES.values()}))


def mixed_precision() -> Words:
    """What shows mixed precision in torch: autocast, a gradient scaler, Lightning's precision=."""
    return any_of([*(qname.rsplit(".", 1)[-1] for qname in tv.MIXED_PRECISION), str(tv.TRAINER_PRECISION.name)])


def hf_models() -> Words:
    """HuggingFace's sequence classifiers: `*ForSequenceClassification`."""
    return any_of([f"*{hf.MODEL_SUFFIX}"])


def library(lib: Library) -> Words:
    return any_of(lib.gate)


def imported(lib: Library) -> Imported:
    """An import of the library: what a rule needs that reads only its names (a snippet may use Keras unimported)."""
    return Imported(frozenset(lib.roots))


def metric_tasks() -> Words:
    """How a torchmetrics metric names its task: `task="binary"`, `MulticlassAccuracy`, `binary_f1_score`."""
    return any_of([*tm.TASKS, *(f"{prefix}*" for prefix in (*tm.TASK_PREFIXES, *tm.FUNCTIONAL_TASK_PREFIXES))])


def hand_written_softmax() -> Anchor:
    """`exp(x) / sum(exp(x))`: an exp divided by a reduction of it."""
    return activation(EXP) & Operator("/", not_after="/", not_before="/") & words(*REDUCTIONS)


def negation() -> Words:
    """A minus, or a method or function that negates (`x.neg()`, `np.negative(x)`)."""
    return any_of(["-", *NEGATIONS])


def summation() -> Words:
    """A reduction, or a product that sums its terms (`np.dot(y, log_p)`, `y @ log_p.T`, einsum)."""
    return any_of([*REDUCTIONS, *PRODUCTS, EINSUM, "@"])


def words(*spelled: str) -> Words:
    return any_of(spelled)
