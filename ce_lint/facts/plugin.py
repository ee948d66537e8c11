"""How framework semantics plug into the evaluator: call arguments, scopes, and the Plugin hooks.

Every event (a call, an attribute, an operator...) is offered once to every plugin. A plugin
*answers* the events it owns with a value, or None when the event is not its business; owners are
disjoint, so at most one plugin answers (the evaluator's own default otherwise). Then every plugin
may *tag* the answer (tags.py) from what it knows about the same event. So no plugin needs to know
another, and their order doesn't matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from .tags import Tags
from .values import UNKNOWN, ClassVal, Value

if TYPE_CHECKING:
    from .evaluator import Evaluator


class Scope:
    __slots__ = ("parent", "vars")

    def __init__(self, parent: Scope | None = None) -> None:
        self.vars: dict[str, Value] = {}
        self.parent = parent

    def lookup(self, name: str) -> Value | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        return None


@dataclass(eq=False)
class Loop:
    """A `for` loop whose body is running: plugins read how the loops around a statement nest."""

    node: cst.For
    iterable: Value  # what `node.iter` evaluated to
    scope: Scope


@dataclass
class Args:
    """Evaluated call arguments, with the node each value was written at."""

    pos: list[tuple[Value, cst.CSTNode]] = field(default_factory=list)
    kw: dict[str, tuple[Value, cst.CSTNode]] = field(default_factory=dict)
    starred: bool = False  # *args or **kwargs: positions and names beyond those seen are unknown
    # What `*args` the analysis can't count were given: (how many positional arguments came before, the value).
    spread: list[tuple[int, Value]] = field(default_factory=list)

    def get(self, index: int | None, name: str | None = None) -> Value:
        return self.get_with_node(index, name)[0]

    def get_with_node(self, index: int | None, name: str | None = None) -> tuple[Value, cst.CSTNode | None]:
        if name is not None and name in self.kw:
            return self.kw[name]
        if index is not None and index < len(self.pos):
            return self.pos[index]
        return UNKNOWN, None

    def has(self, index: int | None, name: str | None = None) -> bool:
        return (name is not None and name in self.kw) or (index is not None and index < len(self.pos))


class Plugin:
    """Framework semantics. Answer hooks return None for what is not the plugin's business; tag
    hooks see the event and its answer (None: nobody answered) and return the tags to add."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev

    # -- answers ---------------------------------------------------------------------------------

    def call_ext(self, qname: str, call: cst.Call, args: Args) -> Value | None:
        return None

    def call_value(self, func: Value, call: cst.Call, args: Args) -> Value | None:
        return None

    def call_method(self, obj: Value, name: str, call: cst.Call, args: Args) -> Value | None:
        return None

    def attribute(self, obj: Value, name: str, node: cst.Attribute | None) -> Value | None:
        return None

    def subscript(self, obj: Value, index: Value, node: cst.Subscript) -> Value | None:
        return None

    def instantiate(self, cls: ClassVal, call: cst.CSTNode, args: Args | None) -> Value | None:
        return None

    def binary(self, op: str, left: Value, right: Value, node: cst.BinaryOperation) -> Value | None:
        return None

    def compare(self, op: str, left: Value, right: Value, node: cst.Comparison) -> Value | None:
        return None

    def comprehension(self, element: Value, node: cst.BaseSimpleComp | cst.DictComp) -> Value | None:
        """What a comprehension makes, from what its element (a dict's value) is on loop variables
        the analysis doesn't see."""
        return None

    def iterate(self, iterable: Value, node: cst.CSTNode) -> Value | None:
        """What one element of `iterable` is (`for x, y in loader:`), or None."""
        return None

    def augmented(self, op: str, target: Value, value: Value, node: cst.AugAssign) -> Value | None:
        """`target op= value` (op: "Add", "Multiply"...): the new value of the target."""
        return None

    # -- tags ------------------------------------------------------------------------------------

    def tag_call_ext(self, qname: str, call: cst.Call, args: Args, answer: Value | None) -> Tags | None:
        return None

    def tag_call_method(self, obj: Value, name: str, call: cst.Call, args: Args,
                        answer: Value | None) -> Tags | None:
        return None

    def tag_attribute(self, obj: Value, name: str, node: cst.Attribute | None, answer: Value | None) -> Tags | None:
        return None

    def tag_subscript(self, obj: Value, index: Value, node: cst.Subscript, answer: Value | None) -> Tags | None:
        return None

    def tag_unary(self, op: str, value: Value, node: cst.UnaryOperation, answer: Value | None) -> Tags | None:
        return None

    def tag_binary(self, op: str, left: Value, right: Value, node: cst.BinaryOperation,
                   answer: Value | None) -> Tags | None:
        return None

    def tag_comprehension(self, element: Value, node: cst.BaseSimpleComp | cst.DictComp,
                          answer: Value | None) -> Tags | None:
        return None

    def tag_element(self, iterable: Value, node: cst.BaseExpression, answer: Value | None) -> Tags | None:
        return None


    # -- notices: events that make no value; a plugin may update a value of its own in place ---------

    def store(self, obj: Value, index: Sequence[Value], value: Value, node: cst.Subscript) -> None:
        """`obj[index] = value` (`index`: one value per element of the subscript)."""


ANSWERS = ("call_ext", "call_value", "call_method", "attribute", "subscript", "instantiate", "binary", "compare",
           "iterate", "comprehension", "augmented")
TAGS = ("call_ext", "call_method", "attribute", "subscript", "unary", "binary", "comprehension", "element")
NOTICES = ("store",)


def overrides(plugin: Plugin, hook: str) -> bool:
    return getattr(type(plugin), hook) is not getattr(Plugin, hook)
