"""Dicts the pass follows key by key: literals, `dict(k=v)`, keys set one at a time (`cfg["loss"] = ...`),
`get` and `update`; read by `d[k]` and spread by `f(**d)` (expressions.py).

A key set inside a branch deeper than the dict may not have been set: its value is unknown. A key
the analysis can't read, or a method that may change the dict, makes the whole dict unknown.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from ..vocab import python
from .plugin import Args
from .values import UNKNOWN, Const, Mapping, Scalar, Value

DICT = python.DICT
_READS = frozenset({"get", "keys", "values", "items", "copy", "__getitem__"})


def from_keywords(node: cst.Call, args: Args, depth: int) -> Mapping:
    """`dict(loss=..., optimizer=...)`."""
    mapping = Mapping({}, node, depth=depth)
    for key, (item, item_node) in args.kw.items():
        mapping.set(key, item, None, item_node)
    return mapping


def store(obj: Mapping, target: cst.Subscript, index: Sequence[Value], value: Value, depth: int) -> None:
    """`obj[key] = value`."""
    key = index[0] if len(index) == 1 else UNKNOWN
    if not (isinstance(key, Const) and isinstance(key.value, (str, int))):
        forget(obj)
        return
    certain = depth <= obj.depth  # set in a branch: maybe not set at all
    element = target.slice[0].slice
    obj.set(key.value, value if certain else UNKNOWN, element.value if isinstance(element, cst.Index) else None,
            target if certain else None)


def method(obj: Mapping, name: str, node: cst.Call, args: Args, depth: int) -> Value:
    """`cfg.get("loss")`, `cfg.update(loss=...)`; any other method may change the dict."""
    if name == "get" and not args.starred:
        key = args.get(0)
        if isinstance(key, Const) and known(obj):
            return obj.items[key.value] if key.value in obj.items else args.get(1)
        return UNKNOWN
    if name == "update" and not args.starred and len(args.pos) <= 1:
        other = args.get(0) if args.pos else Mapping({})
        if isinstance(other, Mapping) and known(obj) and known(other):
            certain = depth <= obj.depth
            given: list[tuple[Scalar, Value, cst.CSTNode | None]] = [
                (entry, item, other.value_nodes.get(entry)) for entry, item in other.items.items()]
            given += [(entry, item, written) for entry, (item, written) in args.kw.items()]
            for entry, item, written in given:
                obj.set(entry, item if certain else UNKNOWN, None, written if certain else None)
            return Const(None, node)
    if name not in _READS:
        forget(obj)
    return UNKNOWN


def known(obj: Mapping) -> bool:
    """Whether every key of the dict is known (and no other is in it)."""
    return obj.depth >= 0


def forget(obj: Mapping) -> None:
    """Any key may have changed: nothing about this dict is known any more."""
    obj.items.clear()
    obj.depth = -1
