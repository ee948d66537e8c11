"""What the numerics read from the source text itself rather than from values: names that say
epsilon, signs written on a factor, masks and indexes that pick entries."""

from __future__ import annotations

import libcst as cst

from ..vocab import arrays
from .values import Const, Value


def is_one(node: cst.CSTNode) -> bool:
    return isinstance(node, (cst.Integer, cst.Float)) and node.value in ("1", "1.", "1.0")


def epsilon(node: cst.CSTNode, value: Value) -> bool:
    """A small positive constant, or something named like one (`eps`, `self.epsilon`, `K.epsilon()`)."""
    if isinstance(value, Const) and isinstance(value.value, float) and 0 < value.value <= 1e-2:
        return True
    return named_like_epsilon(node)


def epsilon_bound(node: cst.CSTNode, value: Value) -> bool:
    """An epsilon, or 1 - epsilon (`min(q, 1 - eps)`, `min(q, 0.9999999)`)."""
    if isinstance(value, Const) and isinstance(value.value, float) and 0.99 <= value.value < 1:
        return True
    return epsilon(node, value)


def named_like_epsilon(node: cst.CSTNode, depth: int = 4) -> bool:
    """`eps`, `self.epsilon`, `K.epsilon()`, `torch.finfo(x).eps`, `cfg["eps"]`, `eps * scale`,
    `np.float32(eps)`: read from the names in the expression, not its source text, as this runs on
    every addition (and only a few levels deep, so that long sums stay linear)."""
    if depth == 0:
        return False
    if isinstance(node, cst.Name):
        return "eps" in node.value.lower()
    if isinstance(node, cst.Attribute):
        return "eps" in node.attr.value.lower() or named_like_epsilon(node.value, depth - 1)
    if isinstance(node, cst.Call):  # K.epsilon(), np.float32(eps)
        return any(named_like_epsilon(part, depth - 1) for part in (node.func, *(a.value for a in node.args)))
    if isinstance(node, cst.Subscript):
        return named_like_epsilon(node.value, depth - 1) or any(
            isinstance(e.slice, cst.Index) and isinstance(e.slice.value, cst.SimpleString)
            and "eps" in e.slice.value.value.lower() for e in node.slice)
    if isinstance(node, cst.BinaryOperation):
        return named_like_epsilon(node.left, depth - 1) or named_like_epsilon(node.right, depth - 1)
    return False


def negative(node: cst.CSTNode, value: Value) -> bool:
    """`-y` or a negative constant as a factor, or a quotient or product of such with other factors
    (`-1 / m`: m counts samples)."""
    if isinstance(value, Const) and isinstance(value.value, (int, float)) and value.value < 0:
        return True
    return _minus_sign(node)


def _minus_sign(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Multiply, cst.Divide)):
        return _minus_sign(node.left) != _minus_sign(node.right)
    return False


def stripped(node: cst.CSTNode) -> cst.CSTNode:
    """A factor without its signs: `-p`, `p.neg()` -> `p`."""
    while True:
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            node = node.expression
        elif (isinstance(node, cst.Call) and not node.args and isinstance(node.func, cst.Attribute)
              and node.func.attr.value in arrays.NEGATIONS):
            node = node.func.value
        else:
            return node


def positive_mask(node: cst.Subscript) -> bool:
    """`p[p > 0]`, `p[p != 0]`: a boolean mask that keeps only positive entries of p itself."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    test = node.slice[0].slice.value
    return (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, (cst.GreaterThan, cst.NotEqual))
            and isinstance(test.comparisons[0].comparator, (cst.Integer, cst.Float))
            and test.left.deep_equals(node.value))


def target_pick(node: cst.Subscript) -> bool:
    """`p[range(len(y)), y]`, `p[np.arange(n), y]`: each row's entry at its target."""
    if len(node.slice) != 2 or not all(isinstance(e.slice, cst.Index) for e in node.slice):
        return False
    rows = node.slice[0].slice
    if not isinstance(rows, cst.Index) or not isinstance(rows.value, cst.Call):
        return False
    func = rows.value.func
    return (isinstance(func, cst.Name) and func.value == arrays.RANGE) or (
        isinstance(func, cst.Attribute) and func.attr.value == arrays.ARANGE)
