"""Expressions of the one pass: what each kind of expression evaluates to (evaluator.py runs them)."""

from __future__ import annotations

import ast
import builtins
import functools
from collections.abc import Callable, Sequence
from typing import ClassVar

import libcst as cst

from ..names import canonical
from ..vocab import keras as k
from ..vocab import python
from .containers import Containers
from .plugin import Args, Scope
from .tags import NO_TAGS
from .values import (
    UNKNOWN,
    BoundMethod,
    ClassVal,
    Const,
    Ext,
    Func,
    Instance,
    Mapping,
    Opaque,
    Seq,
    Value,
    same,
)

_BUILTINS = frozenset(dir(builtins))
# What eval_children does with a child of each node type: evaluate it, skip it, or walk into it.
_EXPRESSION, _SKIPPED, _WALKED = "expression", "skipped", "walked"
_CHILD_ROLES: dict[type, str] = {}
_INT_OPERATORS: dict[str, Callable[[int, int], int | None]] = {
    "Add": lambda a, b: a + b, "Subtract": lambda a, b: a - b, "Multiply": lambda a, b: a * b,
    "FloorDivide": lambda a, b: a // b if b else None}


class Expressions(Containers):
    """The expression half of the Evaluator."""

    star_modules: list[str]
    branch_depth: int
    unbound: set[str]  # names read where nothing binds them (snippets.py reads them)
    _evaluators: ClassVar[dict[type, Callable[..., Value] | None]] = {}  # node type -> its _eval_ method, or None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._evaluators = {}  # each class its own methods

    # Provided by the Evaluator.
    def dispatch(self, hook: str, default: Callable[[], Value], *event: object) -> Value:
        raise NotImplementedError

    def call(self, func: Value, node: cst.Call, args: Args) -> Value:
        raise NotImplementedError

    def assign(self, target: cst.CSTNode, value: Value, scope: Scope) -> None:
        raise NotImplementedError

    # -- expressions -------------------------------------------------------------------

    def eval(self, node: cst.CSTNode, scope: Scope) -> Value:
        kind, evaluators = type(node), self._evaluators
        if kind not in evaluators:  # looked up once per node type, not once per node
            evaluators[kind] = getattr(type(self), "_eval_" + kind.__name__, None)
        method = evaluators[kind]
        if method is not None:
            value: Value = method(self, node, scope)
            return value
        self.eval_children(node, scope)
        return UNKNOWN

    def eval_children(self, node: cst.CSTNode, scope: Scope) -> None:
        for child in node.children:
            kind = type(child)
            role = _CHILD_ROLES.get(kind)
            if role is None:  # once per node type: isinstance of libcst's abstract classes is slow
                role = _CHILD_ROLES[kind] = _EXPRESSION if issubclass(kind, cst.BaseExpression) else (
                    _SKIPPED if issubclass(kind, (cst.BaseParenthesizableWhitespace, cst.BaseSuite)) else _WALKED)
            if role is _EXPRESSION:
                self.eval(child, scope)
            elif role is _WALKED:
                self.eval_children(child, scope)

    def _eval_Name(self, node: cst.Name, scope: Scope) -> Value:
        name = node.value
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name], node)
        value = scope.lookup(name)
        if value is not None:
            return value
        if self.star_modules:
            return Ext(self._star_qname(name))
        if name in _BUILTINS:
            return Ext(f"{python.BUILTINS}.{name}")
        self.unbound.add(name)
        return UNKNOWN

    def _star_qname(self, name: str) -> str:
        """What a name from `from ... import *` stands for: Keras names the analysis knows, else
        a member of the last star-imported module."""
        if any(canonical(m).startswith(k.KERAS) for m in self.star_modules):
            member = k.star_member(name)
            if member is not None:
                return member
        return f"{self.star_modules[-1]}.{name}"

    def _eval_Attribute(self, node: cst.Attribute, scope: Scope) -> Value:
        base = self.eval(node.value, scope)
        return self.attribute(base, node.attr.value, node)

    def attribute(self, base: Value, name: str, node: cst.Attribute | None = None) -> Value:
        if isinstance(base, Ext):
            return Ext(f"{base.qname}.{name}")
        if isinstance(base, Instance):
            if name in base.attrs:
                return base.attrs[name]
            if isinstance(base.cls, ClassVal):
                method = base.cls.method(name)
                if method is not None:
                    return BoundMethod(base, name)
                if name in base.cls.attrs:
                    return base.cls.attrs[name]
        if isinstance(base, ClassVal):
            found = base.method(name)
            if found is not None:
                return found
            return base.attrs.get(name, UNKNOWN)
        return self.dispatch("attribute", lambda: BoundMethod(base, name), base, name, node)

    def _eval_Call(self, node: cst.Call, scope: Scope) -> Value:
        func = self.eval(node.func, scope)
        return self.call(func, node, self._args(node, scope))

    def _args(self, node: cst.Call, scope: Scope) -> Args:
        args = Args()
        for arg in node.args:
            value = self.eval(arg.value, scope)
            if arg.star == "**" and isinstance(value, Mapping) and value.depth >= 0 and all(
                    isinstance(key, str) for key in value.items):
                for key, item in value.items.items():  # `**cfg` of a dict the analysis knows key by key
                    args.kw[str(key)] = (item, value.value_nodes.get(key, arg.value))
            elif arg.star == "*" and isinstance(value, Seq) and not value.open:
                args.pos.extend((item, arg.value) for item in value.items)  # f(*[a, b]) is f(a, b)
            elif arg.star:
                args.starred = True
                if arg.star == "*":
                    args.spread.append((len(args.pos), value))
            elif arg.keyword is not None:
                args.kw[arg.keyword.value] = (value, arg.value)
            else:
                args.pos.append((value, arg.value))
        return args

    def _eval_Subscript(self, node: cst.Subscript, scope: Scope) -> Value:
        base = self.eval(node.value, scope)
        index: Value = UNKNOWN
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                index = self.eval(element.slice.value, scope)
            else:
                self.eval_children(element.slice, scope)
        if len(node.slice) > 1:  # y[:, 0]: a tuple index
            index = Seq([UNKNOWN] * len(node.slice), node)
        if isinstance(base, Seq) and isinstance(index, Const) and isinstance(index.value, int):
            if base.open and index.value >= 0:
                return UNKNOWN  # an open list's first items are not known
            try:
                return base.items[index.value]
            except IndexError:
                return UNKNOWN
        if isinstance(base, Mapping) and isinstance(index, Const):
            return base.items.get(index.value, UNKNOWN)
        return self.dispatch("subscript", lambda: UNKNOWN, base, index, node)

    def _eval_Lambda(self, node: cst.Lambda, scope: Scope) -> Value:
        return Func(node, scope)

    def _eval_SimpleString(self, node: cst.SimpleString, scope: Scope) -> Value:
        text = plain_string(node.value)
        if text is not None:
            return Const(text, node)
        try:
            return Const(_string(node.value), node)
        except Exception:  # noqa: BLE001 - an odd literal is just unknown
            return UNKNOWN

    def _eval_ConcatenatedString(self, node: cst.ConcatenatedString, scope: Scope) -> Value:
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001
            value = None
        return Const(value, node) if isinstance(value, str) else UNKNOWN

    def _eval_Integer(self, node: cst.Integer, scope: Scope) -> Value:
        try:
            return Const(int(node.value.replace("_", ""), 0), node)
        except ValueError:
            return UNKNOWN

    def _eval_Float(self, node: cst.Float, scope: Scope) -> Value:
        try:
            return Const(float(node.value.replace("_", "")), node)
        except ValueError:
            return UNKNOWN

    def _eval_List(self, node: cst.List, scope: Scope) -> Value:
        return self._sequence(node, scope)

    def _eval_Tuple(self, node: cst.Tuple, scope: Scope) -> Value:
        return self._sequence(node, scope)

    def _sequence(self, node: cst.List | cst.Tuple, scope: Scope) -> Value:
        items: list[Value] = []
        counted = True
        for element in node.elements:
            value = self.eval(element.value, scope)
            if isinstance(element, cst.StarredElement):
                counted = self.spread(items, value) and counted
            else:
                items.append(value)
        if isinstance(node, cst.List):
            return self.new_list(items, node, open_=not counted)
        return Seq(items, node, open=not counted)

    def _eval_Dict(self, node: cst.Dict, scope: Scope) -> Value:
        mapping = Mapping({}, node, depth=self.branch_depth)
        known = True
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = self.eval(element.key, scope)
                value = self.eval(element.value, scope)
                if isinstance(key, Const) and isinstance(key.value, (str, int)):
                    mapping.set(key.value, value, element.key, element.value)
                else:
                    known = False
            else:
                self.eval(element.value, scope)
                known = False
        return mapping if known else UNKNOWN

    def _eval_UnaryOperation(self, node: cst.UnaryOperation, scope: Scope) -> Value:
        value = self.eval(node.expression, scope)
        if isinstance(node.operator, cst.Minus) and isinstance(value, Const) and isinstance(
                value.value, (int, float)) and not isinstance(value.value, bool):
            return Const(-value.value, node)
        return self.dispatch("unary", lambda: UNKNOWN, type(node.operator).__name__, value, node)

    def _eval_BinaryOperation(self, node: cst.BinaryOperation, scope: Scope) -> Value:
        left = self.eval(node.left, scope)
        right = self.eval(node.right, scope)
        op = type(node.operator).__name__
        if isinstance(left, Const) and isinstance(right, Const) and type(left.value) is int and type(
                right.value) is int and op in _INT_OPERATORS:
            result = _INT_OPERATORS[op](left.value, right.value)
            if result is not None:
                return Const(result, node)
        return self.dispatch("binary", lambda: (op == "Add" and self.concatenated(left, right, node)) or (
            op == "Multiply" and self.repeated(left, right, node)) or UNKNOWN, op, left, right, node)

    def _eval_Comparison(self, node: cst.Comparison, scope: Scope) -> Value:
        left = self.eval(node.left, scope)
        rights = [self.eval(target.comparator, scope) for target in node.comparisons]
        if len(rights) != 1:
            return UNKNOWN
        return self.dispatch("compare", lambda: UNKNOWN, type(node.comparisons[0].operator).__name__, left, rights[0],
                             node)

    def _eval_IfExp(self, node: cst.IfExp, scope: Scope) -> Value:
        self.eval(node.test, scope)
        body = self.eval(node.body, scope)
        orelse = self.eval(node.orelse, scope)
        return body if same(body, orelse) else UNKNOWN

    def _eval_Await(self, node: cst.Await, scope: Scope) -> Value:
        return self.eval(node.expression, scope)

    def _eval_NamedExpr(self, node: cst.NamedExpr, scope: Scope) -> Value:
        value = self.eval(node.value, scope)
        self.assign(node.target, value, scope)
        return value

    def _comprehension(self, node: cst.BaseSimpleComp | cst.DictComp, scope: Scope,
                       parts: Sequence[cst.BaseExpression]) -> Value:
        inner = Scope(scope)
        clause: cst.CompFor | None = node.for_in
        while clause is not None:
            self.assign(clause.target, self._elements(clause, inner), inner)
            for cond in clause.ifs:
                self.eval(cond.test, inner)
            clause = clause.inner_for_in
        values = [self.eval(part, inner) for part in parts]
        # As unknown as its loop, but plugins may tag it from its element (`[max(q, eps) for q in p]`).
        return self.dispatch("comprehension", lambda: UNKNOWN, values[-1], node)

    def _elements(self, clause: cst.CompFor, scope: Scope) -> Value:
        """What a comprehension's target is bound to: unknown, but plugins may tag it from what it
        iterates over (an entry of a clipped array is clipped); `zip(a, b)` and a literal list of
        tuples give one of each."""
        iterable = clause.iter
        if isinstance(iterable, cst.Call) and not any(a.star or a.keyword for a in iterable.args):
            func = self.eval(iterable.func, scope)
            if isinstance(func, Ext) and func.qname == python.ZIP:
                columns = [self.eval(a.value, scope) for a in iterable.args]
                return Seq([self._element(column, iterable) for column in columns], iterable)
            value = self.call(func, iterable, self._args(iterable, scope))
        else:
            value = self.eval(iterable, scope)
        width = len(clause.target.elements) if isinstance(clause.target, (cst.Tuple, cst.List)) else 0
        if width and isinstance(value, Seq) and value.items and all(
                isinstance(row, Seq) and len(row.items) == width for row in value.items):
            rows = [row.items for row in value.items if isinstance(row, Seq)]
            return Seq([self._element(Seq([row[i] for row in rows]), iterable) for i in range(width)], iterable)
        entry = self._element(value, iterable)
        if width and not isinstance(entry, Seq) and entry.tags != NO_TAGS:  # for t, q in pairs
            return Seq([Opaque(entry.tags) for _ in range(width)], iterable)
        return entry

    def _element(self, iterable: Value, node: cst.BaseExpression) -> Value:
        return self.dispatch("element", lambda: UNKNOWN, iterable, node)

    def _eval_ListComp(self, node: cst.ListComp, scope: Scope) -> Value:
        made = self._comprehension(node, scope, [node.elt])
        if made is not UNKNOWN and not isinstance(made, Opaque):
            return made  # what a plugin says it makes (`[index[label] for label in labels]`: class ids)
        # Else a list of items the analysis can't count, with the tags of its elements (`[max(q, eps) for q in p]`).
        return self.new_list([], node, open_=True).tagged(made.tags)

    def _eval_SetComp(self, node: cst.SetComp | cst.GeneratorExp, scope: Scope) -> Value:
        return self._comprehension(node, scope, [node.elt])

    _eval_GeneratorExp = _eval_SetComp

    def _eval_DictComp(self, node: cst.DictComp, scope: Scope) -> Value:
        return self._comprehension(node, scope, [node.key, node.value])


def dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""


@functools.lru_cache(maxsize=4096)
def _string(literal: str) -> str | bytes:
    """A string literal's value (libcst's SimpleString.evaluated_value), once per text: each
    ast.literal_eval leaves four closures in a cycle, garbage only the cycle collector frees (for the
    9,700 strings of a 5,000-line file, 107,000 objects: most of what the engine's collection walks)."""
    value: str | bytes = ast.literal_eval(literal)
    return value


def plain_string(literal: str) -> str | None:
    """The value of a str literal without escapes or line breaks to translate (most of them), read
    without Python's evaluation; None for any other."""
    body = literal.lstrip("rRuU")
    if not body or body[0] not in "\"'" or "\\" in body or "\r" in body:
        return None
    quote = body[:3] if len(body) >= 6 and body[:3] in ('"""', "'''") else body[0]
    text = body[len(quote):-len(quote)]
    if quote in text or text.endswith(quote[0]) or not body.endswith(quote):
        return None  # not one literal (libcst hands over only one; this reading is exact anyway)
    return text
