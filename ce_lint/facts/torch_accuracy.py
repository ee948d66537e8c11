"""Element-wise accuracy over a multi-label prediction (CE208), as facts/torch.py meets it:
a multi-unit output thresholded (`probs > 0.5`, `.round()`), compared with the targets cell by cell
(`preds == y`; an output of unknown width when the targets are visibly multi-hot), then averaged
(`.mean()`) or summed and divided by the number of cells (`.sum() / y.numel()`, also with both counts
summed over a loop: `correct += ...; total += y.numel()`).
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from ..vocab import arrays
from ..vocab import torch as tv
from ..vocab.symbols import MULTI_HOT, SIGMOID
from .plugin import Args
from .targets import Target
from .torch_values import ElementCount, ElementwiseMatch, Thresholded, TorchModuleFacts, TTensor
from .values import UNKNOWN, Const, Ext, Instance, Value, literal


def threshold(x: Value) -> Value | None:
    """`x > 0.5`, `x.round()` of a sigmoid or raw output that may have several units."""
    if isinstance(x, TTensor) and x.act in (SIGMOID, "linear") and not (isinstance(x.units, int) and x.units <= 1):
        return Thresholded(x)
    return None


def match(preds: Thresholded, targets: Value) -> ElementwiseMatch | None:
    """`preds == targets`: cell by cell where the output has several units or the targets are multi-hot."""
    if isinstance(targets, Target) and targets.encoding == MULTI_HOT:
        return ElementwiseMatch(preds.source, targets=targets)
    return ElementwiseMatch(preds.source) if isinstance(preds.source.units, int) else None


def mean(facts: TorchModuleFacts, x: Value, node: cst.CSTNode, args: Args, given: int = 0) -> Value | None:
    """`torch.mean(preds == y)`, `(preds == y).mean()` (`given`: the arguments before the dim); over a dim:
    per label (dim 0) it's another metric, per sample (dim 1) its mean is still the average over the cells."""
    if not isinstance(x, ElementwiseMatch) or x.summed:
        return None
    if len(args.pos) == given and not args.kw and not args.starred:
        facts.elementwise_accuracy[node] = x
        return None
    dim = literal(args.get(given, tv.MEAN_DIM))
    return x if len(args.pos) <= given + 1 and set(args.kw) <= {tv.MEAN_DIM} and dim in (1, -1) else None


def summed(x: Value) -> Value | None:
    """`torch.sum(preds == y)`, `float(correct)`: a count of matching cells."""
    if isinstance(x, ElementwiseMatch):
        return replace(x, summed=True)
    return None


def method(facts: TorchModuleFacts, obj: Thresholded | ElementwiseMatch, name: str, call: cst.Call,
           args: Args) -> Value | None:
    if isinstance(obj, Thresholded):
        if name == tv.EQ and len(args.pos) == 1:
            return match(obj, args.pos[0][0])
        return obj if name in arrays.KEEP_SHAPE or name in tv.TO_INT or name == tv.TO_BOOL else None
    if name in arrays.KEEP_SHAPE or name in tv.TO_INT:
        return obj
    if name == tv.MEAN_METHOD:
        return mean(facts, obj, call, args)
    if name == arrays.SUM and not args.pos and not args.kw:
        return replace(obj, summed=True)
    if name == tv.ITEM and obj.summed:
        return obj
    return None


def binary(facts: TorchModuleFacts, op: str, left: Value, right: Value, node: cst.BinaryOperation) -> Value | None:
    """`correct / total` over the cells: the finding; `100 * correct`: still the count."""
    if op == "Divide" and isinstance(left, ElementwiseMatch) and left.summed and isinstance(right, ElementCount):
        facts.elementwise_accuracy[node] = left
        return UNKNOWN
    if op == "Multiply":
        for one, other in ((left, right), (right, left)):
            if isinstance(one, ElementwiseMatch) and one.summed and isinstance(other, Const):
                return one
        first, second = _extent(node.left), _extent(node.right)
        if first and second and {first[1], second[1]} == {0, 1} and first[0].deep_equals(second[0]):
            return ElementCount(node)
    return None


def _extent(expr: cst.BaseExpression) -> tuple[cst.BaseExpression, int] | None:
    """`y.size(1)`, `y.shape[1]`, `y.size()[1]`, `len(y)` (axis 0): what is measured, along which axis."""
    if isinstance(expr, cst.Call) and len(expr.args) == 1 and not expr.args[0].keyword and not expr.args[0].star:
        arg = expr.args[0].value
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value == tv.SIZE and isinstance(arg, cst.Integer):
            return expr.func.value, int(arg.value)
        if isinstance(expr.func, cst.Name) and expr.func.value == tv.LEN:
            return arg, 0
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        index = expr.slice[0].slice.value
        base = expr.value
        if isinstance(base, cst.Call) and not base.args and isinstance(base.func, cst.Attribute) and \
                base.func.attr.value == tv.SIZE:
            base = base.func.value
        elif not (isinstance(base, cst.Attribute) and base.attr.value == tv.SHAPE):
            return None
        else:
            base = base.value
        if isinstance(index, cst.Integer):
            return base, int(index.value)
    return None


def augmented(op: str, target: Value, value: Value) -> Value | None:
    """`correct += (preds == y).sum().item()`, `total += y.numel()`: counts summed over batches."""
    if op != "Add" or not (_starts_count(target) or type(target) is type(value)):
        return None
    if isinstance(value, ElementwiseMatch) and value.summed:
        return value
    if isinstance(value, ElementCount):
        return value
    return None


def compare(op: str, left: Value, right: Value) -> Value | None:
    if op in ("GreaterThan", "GreaterThanEqual") and isinstance(right, Const):
        return threshold(left)
    if op == "Equal":
        for side, other in ((left, right), (right, left)):
            if isinstance(side, Thresholded):
                return match(side, other)
    return None


def _starts_count(value: Value) -> bool:
    """What a count summed over batches starts from: 0, `torch.zeros(())`, or something unknown."""
    return value is UNKNOWN or (isinstance(value, Const) and type(value.value) in (int, float)) or (
        type(value) is Instance and isinstance(value.cls, Ext))
