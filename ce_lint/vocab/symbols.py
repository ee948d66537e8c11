"""The shapes in which the library modules of the vocabulary declare what they know."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# What an array function does to the value it is given.
Kind = Literal["softmax", "log_softmax", "softmin", "sigmoid", "log", "exp", "round", "mean"]
SOFTMAX: Kind = "softmax"
LOG_SOFTMAX: Kind = "log_softmax"
SOFTMIN: Kind = "softmin"
SIGMOID: Kind = "sigmoid"
LOG: Kind = "log"
EXP: Kind = "exp"
ROUND: Kind = "round"
MEAN: Kind = "mean"

# Label encodings, as targets show them.
Encoding = Literal["one-hot", "integer", "multi-hot", "one-hot-or-binary"]
ONE_HOT: Encoding = "one-hot"
INTEGER: Encoding = "integer"
MULTI_HOT: Encoding = "multi-hot"
ONE_HOT_OR_BINARY: Encoding = "one-hot-or-binary"  # LabelBinarizer: one-hot for 3+ classes, one 0/1 column for 2

# Classification losses on tensors, by what they compute.
LossKind = Literal["cross_entropy", "nll", "bce", "bce_logits"]
CROSS_ENTROPY: LossKind = "cross_entropy"
NLL: LossKind = "nll"
BCE: LossKind = "bce"
BCE_LOGITS: LossKind = "bce_logits"


@dataclass(frozen=True)
class Param:
    """Where a call gives an argument: its position, its keyword (None: it can't be given that way)."""

    index: int | None
    name: str | None


@dataclass(frozen=True)
class ArrayFunction:
    """A function (or tensor method) of an array library and what it does to the value it is given."""

    kind: Kind
    lib: str  # the Library's name
    axis: Param | None = None  # the axis a softmax normalises over
    implicit_axis: bool = False  # the axis may be left out, and the library then picks one (deprecated)


@dataclass(frozen=True)
class TensorLoss:
    """A classification loss on tensors: what it computes and what its input must be."""

    kind: LossKind
    expects: Literal["logits", "log-probabilities", "probabilities"]
    lib: str
    name: str  # as messages name it
    criterion: str | None  # the class whose instances compute it (nn.CrossEntropyLoss), if any
    function: str | None  # the function that computes it (F.cross_entropy), if any
    input: Param = Param(0, "input")
    target: Param = Param(1, "target")


@dataclass(frozen=True)
class Spelling:
    """Another spelling of a library's qualified names, folded onto the canonical one by
    names.canonical: `tensorflow.keras.layers.Dense` -> `keras.layers.Dense`."""

    prefix: str
    canonical: str
    last_only: bool = False  # keep only the last component after the prefix
    alone: bool = True  # the prefix by itself is a spelling too


@dataclass(frozen=True)
class Library:
    name: str  # the tag its values carry ("numpy" for SciPy's too)
    roots: tuple[str, ...]  # its top-level modules
    gate: tuple[str, ...]  # words without which a file can't use a symbol of it (engine.GATE)
    spellings: tuple[Spelling, ...] = ()
    arrays: bool = False  # an array library: the numerics read its clips and reductions by name
    traced: bool = False  # its tensors are followed to the losses that consume them (facts/torch.py)

    def owns(self, qname: str) -> bool:
        return any(qname == root or qname.startswith(root + ".") for root in self.roots)


DType = Literal["float", "int"]
FLOAT: DType = "float"
INT: DType = "int"


@dataclass(frozen=True)
class Conversion:
    """A function that makes an array or tensor of its first argument's values."""

    labels: bool = True  # labels keep their encoding through it
    typed: bool = False  # the dtype it makes is known: fixed, given as `dtype_arg`, or that of its input
    dtype: DType | None = None  # the dtype it always makes
    dtype_arg: Param | None = Param(None, "dtype")


@dataclass(frozen=True)
class Range:
    """A function that makes evenly spaced numbers between two bounds: `np.arange(-6, 6, 0.01)` (spaced
    by a step), `np.linspace(0, 1, 11)` (by a number of points). Given one argument, arange counts to it."""

    by: Literal["step", "count"]
    stop: Param = Param(1, "stop")
    spacing: Param = Param(2, "step")
    default: int | None = 1  # the step or count when it is left out (None: it must be given)
    start: Param = Param(0, "start")


@dataclass(frozen=True)
class Sampler:
    """A function that draws samples from log-probabilities (or probabilities), or picks indices from
    them: where -inf is a valid value and no gradient flows back through what it returns
    (`tf.random.categorical(logits, 1)`, `np.random.choice(n, p=probs)`). A distribution
    (`Categorical(logits=...)`) is such a sampler only where it is used for nothing but `.sample()`;
    a pair (`torch.topk`: values and indices) only for its indices."""

    logits: Param  # a method's is its receiver
    distribution: bool = False
    probs: Param | None = None  # where it takes probabilities instead: `Categorical(probs=...)`
    pair: bool = False
    needs: Param | None = None  # without this argument it is no pair: `torch.max(x)` is one value


@dataclass(frozen=True)
class Member:
    """A module's member as a fix spells it: `Member("torch.nn.functional", "logsigmoid")` is written
    `F.logsigmoid` where the module imports `torch.nn.functional as F`."""

    module: str
    name: str
