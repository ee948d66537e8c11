"""Tags: what the analysis learns about a value beyond what made it.

A value is made by the one plugin that owns the event (a torch tensor by the torch plugin, a label
array by the targets plugin...); other plugins then tag it: the numerics plugin with what kind of
probability, logit or log it holds and whether it was clipped, the metrics plugin with its dtype.
Each tag has one owner, so the order in which plugins tag doesn't matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import libcst as cst

from .bounds import Bounds

DType = Literal["float", "int"]
FLOAT: DType = "float"
INT: DType = "int"

NumericKind = Literal["softmax", "sigmoid", "one_minus_sigmoid", "safe", "complement", "exp", "sum_exp", "log",
                      "ce", "bounded", "picked", "entry"]


@dataclass(eq=False)
class LogUse:
    """One evaluation of `log(...)`, with what its argument is."""

    node: cst.Call  # the log call
    lib: str
    arg: cst.CSTNode | None  # the argument node (the receiver of `p.log()`)
    method: bool  # `p.log()`
    prob: Numeric | None = None  # what its argument is


@dataclass(eq=False)
class Numeric:
    """What the numerics analysis knows a value is.

    kind: "softmax" | "sigmoid" | "one_minus_sigmoid" (1 - sigmoid) | "safe" (clipped or offset by an
    epsilon) | "complement" (1 - p of an unclipped p) | "exp" | "sum_exp" | "log" | "ce" (a sum of
    products with logs of probabilities) | "bounded" (built only from literals: its `bounds`) |
    "picked" (an unknown value's entry at each row's target class: `p[range(n), y]`) | "entry" (an
    entry of a value the analysis sees but not into, in a comprehension: not an unknown input)."""

    kind: NumericKind
    node: cst.CSTNode | None = None  # the softmax/sigmoid/log call
    lib: str = ""
    operand: cst.CSTNode | None = None  # what the call was applied to (None: not one call's argument)
    fixable: bool = True  # a library softmax/sigmoid (not a hand-written one, not a slice of one)
    source: NumericSource = None  # exp: the operand's code; sum_exp: the exp; one_minus_sigmoid: the sigmoid
    logs: tuple[LogUse, ...] = ()  # log/ce: the logs it is made of
    reduced: bool = False
    negated: bool = False
    bounds: Bounds | None = None  # bounded: what its numbers are
    picked: bool = False  # the entries at each row's target class (`p[range(n), y]`, `p.gather(1, y)`)
    absorbed: float = 0.0  # complement: the epsilon of `eps + 1 - p`, which float32 rounds away


NumericSource = str | Numeric | None


@dataclass(frozen=True)
class Tags:
    numeric: Numeric | None = None
    dtype: DType | None = None

    def merged(self, other: Tags) -> Tags:
        """These tags with those `other` sets."""
        return Tags(other.numeric if other.numeric is not None else self.numeric,
                    other.dtype if other.dtype is not None else self.dtype)


NO_TAGS = Tags()
