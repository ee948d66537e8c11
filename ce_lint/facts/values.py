"""Abstract values of the one-pass evaluator.

Every expression evaluates to one of these. `UNKNOWN` is what the analysis cannot see; rules
stay silent on it. Framework-specific values (layers, losses, targets...) live beside their
framework in this package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(eq=False)
class Ext:
    """A symbol reached through an import, by its fully qualified name."""

    qname: str


@dataclass(eq=False)
class Const:
    """A literal: str, int, float, bool or None."""

    value: Any
    node: cst.CSTNode


@dataclass(eq=False)
class Seq:
    """A list or tuple literal (or a result known to be one)."""

    items: list
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class Mapping:
    """A dict literal with string keys."""

    items: dict
    node: cst.CSTNode | None = None
    key_nodes: dict = field(default_factory=dict)


@dataclass(eq=False)
class Func:
    node: cst.FunctionDef | cst.Lambda
    scope: Any  # the Scope it was defined in
    owner: Any = None  # the ClassVal for a method


@dataclass(eq=False)
class ClassVal:
    node: cst.ClassDef
    scope: Any
    bases: list
    methods: dict = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)

    def inherits(self, predicate) -> bool:
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
class Instance:
    """An object of a user class (`self` inside its methods) or of an external class."""

    cls: ClassVal | Ext
    attrs: dict = field(default_factory=dict)
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class BoundMethod:
    obj: Any
    name: str


def literal(value: Any) -> Any:
    """The Python value of a Const, else UNKNOWN."""
    return value.value if isinstance(value, Const) else UNKNOWN


def same(a: Any, b: Any) -> bool:
    """Whether two abstract values are known to be the same value (for merging branches)."""
    if a is b:
        return True
    if isinstance(a, Const) and isinstance(b, Const):
        return type(a.value) is type(b.value) and a.value == b.value
    if isinstance(a, Ext) and isinstance(b, Ext):
        return a.qname == b.qname
    return False
