"""Python's own containers in the one pass: lists filled step by step, `*` in calls and displays, and
the builtins that build or measure them (`len`, `dict`, `OrderedDict`, `setattr`).

A list is changed in place only where the analysis knows the change happens exactly once: at the
branch depth the list was made at. A change inside a loop or an `if` may happen any number of times,
so the list becomes open (values.Seq): its earlier items are forgotten, and what is added after that,
at the list's own depth, is its known tail. For `nn.Sequential(*layers)` the tail is what matters.
"""

from __future__ import annotations

import libcst as cst

from ..vocab import python
from .plugin import Args
from .values import UNKNOWN, Const, Instance, Mapping, Scalar, Seq, Value

_REPEATED_ITEMS = 10_000  # the longest list `[x] * n` is spelled out to
LIST_MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "reverse", "sort"})


class Containers:
    """The container half of the Evaluator."""

    branch_depth: int

    def new_list(self, items: list[Value], node: cst.CSTNode | None, open_: bool = False) -> Seq:
        return Seq(items, node, open=open_, depth=self.branch_depth)

    def _here(self, seq: Seq) -> bool:
        """Whether a change to `seq` now happens exactly once."""
        return self.branch_depth <= seq.depth

    def mutate_list(self, seq: Seq, name: str, call: cst.Call, args: Args) -> Value:
        """`seq.append(x)` and the other list methods that change it; returns what the method returns."""
        exact = self._here(seq) and not args.starred and not args.kw
        first = args.pos[0][0] if args.pos else UNKNOWN
        if exact and name == "append" and len(args.pos) == 1:
            seq.items.append(first)
        elif exact and name == "extend" and len(args.pos) == 1 and isinstance(first, Seq):
            self.extend_list(seq, first)
        elif exact and name == "insert" and not seq.open and len(args.pos) == 2 and isinstance(first, Const) and \
                type(first.value) is int and 0 <= first.value <= len(seq.items):
            seq.items.insert(first.value, args.pos[1][0])
        elif exact and name == "pop" and not args.pos and seq.items and not seq.open:
            return seq.items.pop()
        elif exact and name == "clear" and not args.pos:
            seq.items.clear()
            seq.open = False
        elif name == "append" and len(args.pos) == 1 and not args.starred and not args.kw:
            seq.changed(args.pos[0])
        else:
            seq.changed()
        return UNKNOWN if name == "pop" else Const(None, call)

    def extend_list(self, seq: Seq, more: Value) -> None:
        """`seq += more` or `seq.extend(more)`, where it happens exactly once."""
        if not self._here(seq) or not isinstance(more, Seq):
            seq.changed()
        elif more.open:
            seq.items[:] = list(more.items)
            seq.open = True
        else:
            seq.items.extend(more.items)

    def spread(self, items: list[Value], value: Value) -> bool:
        """Add `*value` to a display's items; False when the items before it can no longer be counted
        (the items are then cleared: what follows is the known tail)."""
        if isinstance(value, Seq) and not value.open:
            items.extend(value.items)
            return True
        items.clear()
        if isinstance(value, Seq):
            items.extend(value.items)
        return False

    def repeated(self, left: Value, right: Value, node: cst.CSTNode) -> Value | None:
        """`[0] * 50` (or `50 * [0]`) of a list or tuple whose items can be counted."""
        seq, count = (left, right) if isinstance(left, Seq) else (right, left)
        if not isinstance(seq, Seq) or seq.open or not isinstance(count, Const) or type(count.value) is not int or (
                not 0 <= count.value * len(seq.items) <= _REPEATED_ITEMS):
            return None
        return self.new_list(list(seq.items) * count.value, node)

    def concatenated(self, left: Value, right: Value, node: cst.CSTNode) -> Value | None:
        """`a + b` of two lists or tuples."""
        if not isinstance(left, Seq) or not isinstance(right, Seq):
            return None
        if right.open:
            return self.new_list(list(right.items), node, open_=True)
        return self.new_list([*left.items, *right.items], node, open_=left.open)

    def python_call(self, qname: str, node: cst.Call, args: Args) -> Value | None:
        """What a call of a Python builtin makes, where the analysis can tell; None otherwise."""
        if args.starred:
            return None
        first = args.pos[0][0] if args.pos else UNKNOWN
        if qname == python.LEN and len(args.pos) == 1:
            if isinstance(first, Seq) and not first.open:
                return Const(len(first.items), node)
            if isinstance(first, Mapping):
                return Const(len(first.items), node)
            return None
        if qname in python.MAPPINGS and len(args.pos) <= 1:
            return _mapping(first if args.pos else Seq([]), args, node)
        if qname == python.SETATTR and len(args.pos) == 3 and not args.kw:
            name = args.pos[1][0]
            if isinstance(first, Instance) and isinstance(name, Const) and isinstance(name.value, str):
                first.attrs[name.value] = args.pos[2][0]
            return Const(None, node)
        return None


def _mapping(pairs: Value, args: Args, node: cst.Call) -> Value | None:
    """`dict([("a", x), ("b", y)])`, `OrderedDict(a=x)`: a Mapping of string (or int) keys, in order."""
    if isinstance(pairs, Mapping):
        items: dict[Scalar, Value] = dict(pairs.items)
    elif isinstance(pairs, Seq) and not pairs.open:
        items = {}
        for pair in pairs.items:
            if not (isinstance(pair, Seq) and len(pair.items) == 2 and isinstance(pair.items[0], Const)):
                return None
            key = pair.items[0].value
            if not isinstance(key, (str, int)):
                return None
            items[key] = pair.items[1]
    else:
        return None
    items.update({name: value for name, (value, _) in args.kw.items()})
    return Mapping(items, node)
