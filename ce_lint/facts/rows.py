"""Label rows written cell by cell: `y = np.zeros((n, k))`, then ones set in a loop.

What the loops around the store show about the ones in each row:

- `y[i, t] = 1` where `t` runs over the items of row `i` (`for i, tags in enumerate(...): for t in tags:`):
  several ones per row, multi-hot;
- `y[np.arange(n), labels] = 1`: exactly one per row, one-hot;
- `y[i, label] = 1` where the loop runs over labels the module shows are integer class ids: one-hot.

Anything else (`y[i, tags] = 1` is one-hot or multi-hot depending on what `tags` is) shows nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from .. import vocab
from ..vocab.symbols import INTEGER, MULTI_HOT, ONE_HOT, Encoding
from .plugin import Loop
from .values import Const, Ext, Instance, Value

_ONE = (1, 1.0, True)


def evidence(index: Sequence[Value], value: Value, node: cst.Subscript, loops: Sequence[Loop]) -> Encoding | None:
    """The encoding a store into a zero-filled (samples, classes) array shows, if any."""
    if not isinstance(value, Const) or not isinstance(value.value, (int, float)) or value.value not in _ONE:
        return None
    cells = _cells(node)
    if cells is None or len(index) not in (1, 2):
        return None
    row, column = cells
    if len(index) == 2 and _is_arange(index[0]) and not isinstance(column, cst.Slice):
        return ONE_HOT  # one cell per row index: `y[np.arange(n), labels] = 1`
    row_loop = next((loop for loop in reversed(loops) if _names(row) & _bound(loop)), None)
    if row_loop is None:
        return None
    deeper = loops[loops.index(row_loop) + 1:]
    for loop in reversed(deeper):
        if _names(column) & _bound(loop):
            # The column runs over something: over the row's own items (several ones), or not (nothing shown).
            return MULTI_HOT if _names(loop.node.iter) & _bound(row_loop) else None
    if _names(column) & _bound(row_loop) and _over_class_ids(row_loop, column):
        return ONE_HOT
    return None


def _cells(node: cst.Subscript) -> tuple[cst.BaseExpression, cst.CSTNode] | None:
    """(row, column) expressions of `y[i, j]` and `y[i][j]`."""
    parts = [e.slice for e in node.slice]
    if len(parts) == 2 and isinstance(parts[0], cst.Index):
        return parts[0].value, parts[1].value if isinstance(parts[1], cst.Index) else parts[1]
    if len(parts) == 1 and isinstance(parts[0], cst.Index) and isinstance(node.value, cst.Subscript) and len(
            node.value.slice) == 1 and isinstance(node.value.slice[0].slice, cst.Index):
        return node.value.slice[0].slice.value, parts[0].value
    return None


def _is_arange(value: Value) -> bool:
    return isinstance(value, Instance) and isinstance(value.cls, Ext) and value.cls.qname in vocab.ARANGE_FUNCTIONS


def _names(node: cst.CSTNode) -> set[str]:
    return {n.value for n in _walk(node) if isinstance(n, cst.Name)}


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _bound(loop: Loop) -> set[str]:
    return _names(loop.node.target)


def _over_class_ids(loop: Loop, column: cst.CSTNode) -> bool:
    """Whether the column is one class id per sample: the loop runs over integer labels (`for i, label in
    enumerate(labels)`), or the column is `labels[i]` of such labels."""
    iterated = loop.node.iter
    if isinstance(iterated, cst.Call) and isinstance(iterated.func, cst.Name) and iterated.func.value == "enumerate" \
            and iterated.args:
        iterated = iterated.args[0].value
    candidates = [iterated]
    if isinstance(column, cst.Subscript):
        candidates.append(column.value)
    for candidate in candidates:
        if isinstance(candidate, cst.Name):
            labels = loop.scope.lookup(candidate.value)
            if labels is not None and getattr(labels, "encoding", None) == INTEGER:
                return True
    return False
