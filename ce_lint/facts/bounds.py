"""Bounds of values built only from literals: the least and the greatest of their numbers, and how
many there are. `np.array([0.7, 0.2, 0.1])`, `np.arange(-6.01, 6.01, 0.01)` and what arithmetic,
exp, softmax and sigmoid make of them: enough to show that a log of one never sees 0.

The arithmetic is float64 interval arithmetic, made conservative for float32 (the default dtype of
every framework): a result that float32 could round or underflow to 0 is taken to reach 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TINY = 1e-30  # a positive float32 above it stays positive (its smallest normal number is 1.2e-38)
ROUNDING = 2.0 ** -23  # float32's precision: a difference smaller than this, relative to its operands, may be 0
ABSORBED = 2.0 ** -24  # added to a number, a smaller relative amount is rounded away in float32 (1 + 1e-10 == 1)
_EXP_MAX = 80.0
_COUNT_MAX = 1e12  # more numbers than any array holds  # exp of more overflows float32 once a few such terms are summed


@dataclass(frozen=True)
class Bounds:
    lo: float
    hi: float
    count: int | None = 1  # how many numbers (None: not known)
    absorbed: float = 0.0  # an epsilon that an addition to this value lost in float32

    @property
    def positive(self) -> bool:
        """Away from 0 and finite, in float32 as in float64: its log is finite."""
        return self.lo >= TINY and math.isfinite(self.hi)

    @property
    def scalar(self) -> float | None:
        return self.lo if self.lo == self.hi and self.count == 1 else None


def of_numbers(numbers: list[float]) -> Bounds | None:
    return Bounds(min(numbers), max(numbers), len(numbers)) if numbers else None


def joined(parts: list[Bounds]) -> Bounds | None:
    """The bounds of a literal made of these parts (`[a, b]` with a and b bounded)."""
    if not parts:
        return None
    counts = [part.count for part in parts]
    total = sum(c for c in counts if c is not None) if None not in counts else None
    return Bounds(min(p.lo for p in parts), max(p.hi for p in parts), total)


def spanned(start: float, stop: float, spacing: float, by: str) -> Bounds | None:
    """`arange(start, stop, step)` (by "step") or `linspace(start, stop, num)` (by "count")."""
    if not all(math.isfinite(x) for x in (start, stop, spacing)):
        return None
    steps = (stop - start) / spacing if by == "step" and spacing else spacing
    if (by == "step" and not spacing) or not 0 < steps <= _COUNT_MAX:
        return None
    count = math.ceil(steps) if by == "step" else int(steps)
    last = start + (count - 1) * spacing if by == "step" else stop if count > 1 else start
    if count < 1:
        return None
    return Bounds(min(start, last), max(start, last), count)


def _count(a: Bounds, b: Bounds) -> int | None:
    """How many numbers a broadcast of a with b has, where it is sure."""
    if a.count == 1:
        return b.count
    if b.count == 1 or a.count == b.count:
        return a.count
    return None


def combined(op: str, a: Bounds, b: Bounds) -> Bounds | None:
    """What a binary operator makes of two bounded values."""
    if op == "Add":
        small, big = sorted((a, b), key=lambda x: max(abs(x.lo), abs(x.hi)))
        if small.scalar is not None and big.scalar is not None and 0 < abs(small.scalar) < ABSORBED * abs(big.scalar):
            return Bounds(big.scalar, big.scalar, 1, absorbed=small.scalar)  # 1 + 1e-10 is 1 in float32
        lo, hi = a.lo + b.lo, a.hi + b.hi
    elif op == "Subtract":
        lo, hi = a.lo - b.hi, a.hi - b.lo
    elif op == "Multiply":
        products = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        lo, hi = min(products), max(products)
    elif op == "Divide" and (b.lo > 0 or b.hi < 0):
        quotients = [x / y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        lo, hi = min(quotients), max(quotients)
    else:
        return None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    magnitude = max(abs(a.lo), abs(a.hi), abs(b.lo), abs(b.hi))
    if 0 < lo < ROUNDING * magnitude:  # 1 - 0.99999999 may be 0 in float32
        lo = 0.0
    return Bounds(lo, hi, _count(a, b))


def negated(b: Bounds) -> Bounds:
    return Bounds(-b.hi, -b.lo, b.count)


def reduced(name: str, b: Bounds) -> Bounds | None:
    """A sum (of between one and all of the numbers, whatever the axis), a mean, a max or a min."""
    if name in ("sum", "nansum", "reduce_sum"):
        if b.count is None:
            return None
        return Bounds(min(b.lo, b.count * b.lo), max(b.hi, b.count * b.hi), None)
    return Bounds(b.lo, b.hi, None)


def exp(b: Bounds) -> Bounds | None:
    return Bounds(math.exp(b.lo), math.exp(b.hi), b.count) if b.hi <= _EXP_MAX else None


def sigmoid(b: Bounds) -> Bounds:
    return Bounds(_sigmoid(b.lo), _sigmoid(b.hi), b.count)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x > -700 else 0.0


def softmax(b: Bounds) -> Bounds | None:
    """Each probability of a softmax over some of these numbers (at most `count` of them, along an
    axis the analysis doesn't follow: one of them may be alone, with probability 1)."""
    n = b.count
    if n is None:
        return None
    spread = b.hi - b.lo
    lo = 1 / (1 + (n - 1) * math.exp(spread)) if spread < 700 else 0.0
    return Bounds(lo, 1.0, n)


def below_one(b: Bounds) -> bool:
    """Its greatest number stays below 1 in float32: `1 - x` is not 0."""
    return 1 - b.hi >= ROUNDING
