"""Abstract values of the one-pass evaluator.

Every expression evaluates to a Value. `UNKNOWN` is what the analysis cannot see; rules stay
silent on it. Framework-specific values (layers, losses, targets...) live beside their framework
in this package. Any value may carry tags (tags.py): most take them in place, while atoms (shared
constants, names, unknowns) and records that must keep what they were give a new value instead.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from .tags import NO_TAGS, Numeric, Tags

if TYPE_CHECKING:
    from .plugin import Args, Scope


class Value:
    """Base of every abstract value."""

    tags: Tags = NO_TAGS
    tag_kind: ClassVar[str] = "in place"  # "in place" | "copy" (a record) | "atom" (never tagged itself)

    def numeric(self) -> Numeric | None:
        """What the numerics analysis knows this value is: its tag, else what its framework says
        (the output of a softmax layer is a softmax probability)."""
        return self.tags.numeric

    def tagged(self, tags: Tags) -> Value:
        """This value with `tags` added."""
        if self.tag_kind == "atom":
            return Opaque(self.tags.merged(tags))
        value = copy.copy(self) if self.tag_kind == "copy" else self
        value.tags = self.tags.merged(tags)
        return value

    def changed(self) -> None:
        """One of its items or attributes was replaced or deleted in a way the analysis doesn't follow."""


class Unknown(Value):
    __slots__ = ()
    tag_kind = "atom"

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


class Opaque(Value):
    """A value known only by its tags (a clipped array the analysis can't otherwise describe)."""

    tag_kind = "atom"

    def __init__(self, tags: Tags) -> None:
        self.tags = tags

    def __repr__(self) -> str:
        return f"Opaque({self.tags})"


@dataclass(eq=False)
class Ext(Value):
    """A symbol reached through an import, by its fully qualified name."""

    tag_kind = "atom"
    qname: str


Scalar = str | int | float | bool | bytes | None


@dataclass(eq=False)
class Const(Value):
    """A literal: str, int, float, bool or None."""

    tag_kind = "atom"
    value: Scalar
    node: cst.CSTNode


@dataclass(eq=False)
class Seq(Value):
    """A list or tuple literal (or a result known to be one). An open one is a list filled in ways the
    analysis can't count (appends in a loop, `*rest`): `items` are then only its known last items."""

    items: list[Value]
    node: cst.CSTNode | None = None
    open: bool = False
    depth: int = 0  # the branch depth it was made at: a change made deeper may not have happened
    # what was appended any number of times (in a loop) to a list that was empty: each item is one of
    # these; None where the list holds anything else
    appended: list[tuple[Value, cst.CSTNode]] | None = None

    def changed(self, appended: tuple[Value, cst.CSTNode] | None = None) -> None:
        """Only what is added after this is known; `appended`: the one item added, any number of times."""
        empty = not self.items and (not self.open or self.appended is not None)
        self.appended = [*(self.appended or []), appended] if appended is not None and empty else None
        self.items.clear()
        self.open = True


@dataclass(eq=False)
class Mapping(Value):
    """A dict with string (or int) keys: a literal, `dict(k=v)`, or one filled key by key (`cfg["loss"] = ...`)."""

    items: dict[Scalar, Value]
    node: cst.CSTNode | None = None
    key_nodes: dict[Scalar, cst.CSTNode] = field(default_factory=dict)
    value_nodes: dict[Scalar, cst.CSTNode] = field(default_factory=dict)  # where each value is written
    depth: int = 0  # the branch depth it was made at: a key set deeper may not have been set

    def set(self, key: Scalar, value: Value, key_node: cst.CSTNode | None, value_node: cst.CSTNode | None) -> None:
        self.items[key] = value
        for nodes, node in ((self.key_nodes, key_node), (self.value_nodes, value_node)):
            if node is not None:
                nodes[key] = node
            else:
                nodes.pop(key, None)


@dataclass(eq=False)
class Func(Value):
    node: cst.FunctionDef | cst.Lambda
    scope: Scope  # the scope it was defined in
    owner: ClassVal | None = None  # the class of a method


@dataclass(eq=False)
class ClassVal(Value):
    node: cst.ClassDef
    scope: Scope
    bases: list[Value]
    methods: dict[str, Func] = field(default_factory=dict)
    attrs: dict[str, Value] = field(default_factory=dict)

    def inherits(self, predicate: Callable[[Ext], bool]) -> bool:
        """True if a base, directly or through user classes, satisfies predicate(Ext)."""
        for base in self.bases:
            if isinstance(base, Ext) and predicate(base):
                return True
            if isinstance(base, ClassVal) and base is not self and base.inherits(predicate):
                return True
        return False

    def method(self, name: str) -> Func | None:
        if name in self.methods:
            return self.methods[name]
        for base in self.bases:
            if isinstance(base, ClassVal) and base is not self:
                found = base.method(name)
                if found is not None:
                    return found
        return None


@dataclass(eq=False)
class Instance(Value):
    """An object of a user class (`self` inside its methods) or of an external class."""

    cls: ClassVal | Ext
    attrs: dict[str, Value] = field(default_factory=dict)
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class Partial(Value):
    """`functools.partial(func, *args, **kwargs)`: calling it calls `func` with these arguments first."""

    func: Value
    args: Args


@dataclass(eq=False)
class BoundMethod(Value):
    obj: Value
    name: str


def literal(value: Value) -> Scalar | Unknown:
    """The Python value of a Const, else UNKNOWN."""
    return value.value if isinstance(value, Const) else UNKNOWN


def same(a: Value, b: Value) -> bool:
    """Whether two abstract values are known to be the same value (for merging branches)."""
    if a is b:
        return True
    if isinstance(a, Const) and isinstance(b, Const):
        return type(a.value) is type(b.value) and a.value == b.value
    if isinstance(a, Ext) and isinstance(b, Ext):
        return a.qname == b.qname
    return False
