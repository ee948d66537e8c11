"""The one pass: a small abstract interpreter over a libcst module.

It walks statements in program order, binds names to abstract values (values.py) and
hands every call to the framework plugins, which turn what they recognise into facts.
It never imports or executes the analysed code. Functions are run when called (with
the arguments the caller gives) and once more as entry points, with unknown parameters,
if nothing called them. Branches are run one after the other and their bindings merged:
a name bound to different values in two branches becomes UNKNOWN.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any, Iterable

import libcst as cst

from .values import (
    UNKNOWN,
    BoundMethod,
    ClassVal,
    Const,
    Ext,
    Func,
    Instance,
    Mapping,
    Seq,
    same,
)

_MAX_CALL_DEPTH = 8
_BUILTINS = frozenset(dir(builtins))
_MISSING = object()


class Scope:
    __slots__ = ("vars", "parent")

    def __init__(self, parent: Scope | None = None) -> None:
        self.vars: dict[str, Any] = {}
        self.parent = parent

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        return _MISSING


@dataclass
class Args:
    """Evaluated call arguments, with the node each value was written at."""

    pos: list[tuple[Any, cst.CSTNode]] = field(default_factory=list)
    kw: dict[str, tuple[Any, cst.CSTNode]] = field(default_factory=dict)
    starred: bool = False  # *args or **kwargs: positions and names beyond those seen are unknown

    def get(self, index: int | None, name: str | None = None) -> Any:
        return self.get_with_node(index, name)[0]

    def get_with_node(self, index: int | None, name: str | None = None) -> tuple[Any, cst.CSTNode | None]:
        if name is not None and name in self.kw:
            return self.kw[name]
        if index is not None and index < len(self.pos):
            return self.pos[index]
        return UNKNOWN, None

    def has(self, index: int | None, name: str | None = None) -> bool:
        return (name is not None and name in self.kw) or (index is not None and index < len(self.pos))


class Plugin:
    """Framework semantics. Each hook returns None when the value is not the plugin's business."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev

    def call_ext(self, qname: str, call: cst.Call, args: Args) -> Any:
        return None

    def call_value(self, func: Any, call: cst.Call, args: Args) -> Any:
        return None

    def call_method(self, obj: Any, name: str, call: cst.Call, args: Args) -> Any:
        return None

    def attribute(self, obj: Any, name: str, node: cst.Attribute) -> Any:
        return None

    def subscript(self, obj: Any, index: Any, node: cst.Subscript) -> Any:
        return None

    def instantiate(self, cls: ClassVal, call: cst.CSTNode, args: Args | None) -> Any:
        return None

    def binary(self, op: str, left: Any, right: Any, node: cst.BinaryOperation) -> Any:
        return None

    def compare(self, op: str, left: Any, right: Any, node: cst.Comparison) -> Any:
        return None

    def unary(self, op: str, value: Any, node: cst.UnaryOperation) -> Any:
        return None


@dataclass
class _Frame:
    func: Func
    returns: list = field(default_factory=list)


class Evaluator:
    def __init__(self, module: cst.Module, plugin_types: Iterable[type[Plugin]]) -> None:
        self.module = module
        self.module_scope = Scope()
        self.star_modules: list[str] = []
        self.imported: set[str] = set()  # every module named by an import
        self.branch_depth = 0
        self.with_stack: list[Any] = []
        self.frames: list[_Frame] = []
        self.executed: set[cst.CSTNode] = set()
        self.functions: list[Func] = []
        self.classes: list[ClassVal] = []
        self._instances: dict[ClassVal, Any] = {}  # the first instance of each class, reused for entry runs
        self.plugins = [plugin(self) for plugin in plugin_types]

    # -- driving -----------------------------------------------------------------------

    def run(self) -> None:
        self.exec_block(self.module.body, self.module_scope)
        # Entry points: what nothing called, latest definitions first (main() calls helpers).
        for cls in reversed(self.classes):
            if all(m.node in self.executed for m in cls.methods.values()):
                continue
            instance = self._instances.get(cls) or self.instantiate(cls, cls.node, None)
            for method in cls.methods.values():
                if method.node not in self.executed:
                    self.call_function(method, Args(), method.node, self_value=instance)
        for func in reversed(self.functions):
            if func.node not in self.executed and func.owner is None:
                self.call_function(func, Args(), func.node)

    # -- statements --------------------------------------------------------------------

    def exec_block(self, body: Iterable[cst.CSTNode], scope: Scope) -> None:
        for stmt in body:
            self.exec_stmt(stmt, scope)

    def exec_stmt(self, stmt: cst.CSTNode, scope: Scope) -> None:
        if isinstance(stmt, cst.BaseSmallStatement):  # the body of a one-line `if x: y = 1`
            self.exec_small(stmt, scope)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.exec_small(small, scope)
        elif isinstance(stmt, cst.FunctionDef):
            func = Func(stmt, scope)
            self.functions.append(func)
            scope.vars[stmt.name.value] = func
        elif isinstance(stmt, cst.ClassDef):
            self.exec_class(stmt, scope)
        elif isinstance(stmt, cst.If):
            self.eval(stmt.test, scope)
            self.branch(scope, [stmt.body.body, self._orelse(stmt.orelse)])
        elif isinstance(stmt, (cst.For, cst.While)):
            if isinstance(stmt, cst.For):
                self.eval(stmt.iter, scope)
                self.assign(stmt.target, UNKNOWN, scope)
            else:
                self.eval(stmt.test, scope)
            self.branch(scope, [stmt.body.body, []])
            if stmt.orelse is not None:
                self.exec_block(stmt.orelse.body.body, scope)
        elif isinstance(stmt, cst.Try) or type(stmt).__name__ == "TryStar":
            self.exec_block(stmt.body.body, scope)
            self.branch(scope, [[]] + [h.body.body for h in stmt.handlers])
            if stmt.orelse is not None:
                self.exec_block(stmt.orelse.body.body, scope)
            if stmt.finalbody is not None:
                self.exec_block(stmt.finalbody.body.body, scope)
        elif isinstance(stmt, cst.With):
            pushed = 0
            for item in stmt.items:
                value = self.eval(item.item, scope)
                self.with_stack.append(value)
                pushed += 1
                if item.asname is not None:
                    self.assign(item.asname.name, UNKNOWN, scope)
            try:
                self.exec_block(stmt.body.body, scope)
            finally:
                del self.with_stack[len(self.with_stack) - pushed:]
        elif isinstance(stmt, cst.Match):
            self.eval(stmt.subject, scope)
            self.branch(scope, [case.body.body for case in stmt.cases] + [[]])
        elif isinstance(stmt, cst.BaseCompoundStatement):
            body = getattr(stmt, "body", None)
            if body is not None:
                self.exec_block(body.body, scope)

    @staticmethod
    def _orelse(orelse: Any) -> list:
        if orelse is None:
            return []
        if isinstance(orelse, cst.If):
            return [orelse]
        return list(orelse.body.body)

    def branch(self, scope: Scope, blocks: list) -> None:
        """Run alternative blocks from the same bindings and merge what they bound."""
        before = scope.vars
        outcomes = []
        self.branch_depth += 1
        try:
            for block in blocks:
                scope.vars = dict(before)
                self.exec_block(block, scope)
                outcomes.append(scope.vars)
        finally:
            self.branch_depth -= 1
        merged = dict(before)
        for name in set().union(*outcomes) if outcomes else ():
            values = [o.get(name, before.get(name, _MISSING)) for o in outcomes]
            present = [v for v in values if v is not _MISSING]
            first = present[0]
            merged[name] = first if all(same(first, v) for v in present) else UNKNOWN
        scope.vars = merged

    def exec_class(self, node: cst.ClassDef, scope: Scope) -> None:
        bases = [self.eval(arg.value, scope) for arg in node.bases]
        cls = ClassVal(node, scope, bases)
        self.classes.append(cls)
        body_scope = Scope(scope)
        for stmt in node.body.body:
            if isinstance(stmt, cst.FunctionDef):
                func = Func(stmt, scope, owner=cls)
                cls.methods[stmt.name.value] = func
            else:
                self.exec_stmt(stmt, body_scope)
        cls.attrs.update(body_scope.vars)
        scope.vars[node.name.value] = cls

    def exec_small(self, small: cst.BaseSmallStatement, scope: Scope) -> None:
        if isinstance(small, cst.Assign):
            value = self.eval(small.value, scope)
            for target in small.targets:
                self.assign(target.target, value, scope)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.assign(small.target, self.eval(small.value, scope), scope)
        elif isinstance(small, cst.AugAssign):
            self.eval(small.value, scope)
            self.assign(small.target, UNKNOWN, scope)
        elif isinstance(small, cst.Expr):
            self.eval(small.value, scope)
        elif isinstance(small, cst.Return):
            value = self.eval(small.value, scope) if small.value is not None else Const(None, small)
            if self.frames:
                self.frames[-1].returns.append(value)
        elif isinstance(small, cst.Import):
            for alias in small.names:
                dotted = _dotted(alias.name)
                self.imported.add(dotted)
                if alias.asname is not None:
                    self.assign(alias.asname.name, Ext(dotted), scope)
                else:
                    head = dotted.split(".")[0]
                    scope.vars[head] = Ext(head)
        elif isinstance(small, cst.ImportFrom):
            if small.relative or small.module is None:
                names = small.names
                if not isinstance(names, cst.ImportStar):
                    for alias in names:
                        target = alias.asname.name if alias.asname is not None else alias.name
                        self.assign(target, UNKNOWN, scope)
                return
            module = _dotted(small.module)
            self.imported.add(module)
            if isinstance(small.names, cst.ImportStar):
                self.star_modules.append(module)
                return
            for alias in small.names:
                name = _dotted(alias.name)
                target = alias.asname.name if alias.asname is not None else alias.name
                self.assign(target, Ext(f"{module}.{name}"), scope)
        elif isinstance(small, (cst.Raise, cst.Assert, cst.Del)):
            self._eval_children(small, scope)

    def assign(self, target: cst.CSTNode, value: Any, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            scope.vars[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items = value.items if isinstance(value, Seq) else None
            exact = items is not None and len(items) == len(elements) and not any(
                isinstance(e, cst.StarredElement) for e in elements
            )
            for i, element in enumerate(elements):
                self.assign(element.value, items[i] if exact else UNKNOWN, scope)
        elif isinstance(target, cst.Attribute):
            obj = self.eval(target.value, scope)
            if isinstance(obj, Instance):
                obj.attrs[target.attr.value] = value
        elif isinstance(target, cst.Subscript):
            self.eval(target.value, scope)
        elif isinstance(target, cst.StarredElement):
            self.assign(target.value, UNKNOWN, scope)

    # -- expressions -------------------------------------------------------------------

    def eval(self, node: cst.CSTNode, scope: Scope) -> Any:
        method = getattr(self, "_eval_" + type(node).__name__, None)
        if method is not None:
            return method(node, scope)
        self._eval_children(node, scope)
        return UNKNOWN

    def _eval_children(self, node: cst.CSTNode, scope: Scope) -> None:
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.eval(child, scope)
            elif not isinstance(child, (cst.BaseParenthesizableWhitespace, cst.BaseSuite)):
                self._eval_children(child, scope)

    def _eval_Name(self, node: cst.Name, scope: Scope) -> Any:
        name = node.value
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name], node)
        value = scope.lookup(name)
        if value is not _MISSING:
            return value
        if self.star_modules:
            return Ext(self._star_qname(name))
        if name in _BUILTINS:
            return Ext("builtins." + name)
        return UNKNOWN

    def _star_qname(self, name: str) -> str:
        from ..names import canonical, loss_name, UNIT_LAYERS, ACTIVATION_LAYERS, PASS_THROUGH_LAYERS

        keras_stars = [m for m in self.star_modules if canonical(m).startswith("keras")]
        if keras_stars:
            if name in UNIT_LAYERS or name in ACTIVATION_LAYERS or name in PASS_THROUGH_LAYERS or name in (
                "Activation", "Input", "InputLayer", "Flatten", "Dropout"):
                return "keras.layers." + name
            if name in ("Sequential", "Model"):
                return "keras.models." + name
            if loss_name(name):
                return "keras.losses." + name
        return f"{self.star_modules[-1]}.{name}"

    def _eval_Attribute(self, node: cst.Attribute, scope: Scope) -> Any:
        base = self.eval(node.value, scope)
        return self.attribute(base, node.attr.value, node)

    def attribute(self, base: Any, name: str, node: cst.Attribute | None = None) -> Any:
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
            method = base.method(name)
            if method is not None:
                return method
            return base.attrs.get(name, UNKNOWN)
        for plugin in self.plugins:
            result = plugin.attribute(base, name, node)
            if result is not None:
                return result
        return BoundMethod(base, name)

    def _eval_Call(self, node: cst.Call, scope: Scope) -> Any:
        func = self.eval(node.func, scope)
        args = Args()
        for arg in node.args:
            value = self.eval(arg.value, scope)
            if arg.star:
                args.starred = True
            elif arg.keyword is not None:
                args.kw[arg.keyword.value] = (value, arg.value)
            else:
                args.pos.append((value, arg.value))
        return self.call(func, node, args)

    def call(self, func: Any, node: cst.Call, args: Args) -> Any:
        if func is UNKNOWN:
            return UNKNOWN
        if isinstance(func, Ext):
            from ..names import canonical

            qname = canonical(func.qname)
            for plugin in self.plugins:
                result = plugin.call_ext(qname, node, args)
                if result is not None:
                    return result
            return Instance(Ext(qname), node=node)
        if isinstance(func, Func):
            return self.call_function(func, args, node)
        if isinstance(func, ClassVal):
            return self.instantiate(func, node, args)
        if isinstance(func, BoundMethod):
            obj = func.obj
            if isinstance(obj, Instance) and isinstance(obj.cls, ClassVal):
                method = obj.cls.method(func.name)
                if method is not None:
                    return self.call_function(method, args, node, self_value=obj)
            for plugin in self.plugins:
                result = plugin.call_method(obj, func.name, node, args)
                if result is not None:
                    return result
            return UNKNOWN
        if isinstance(func, Instance) and isinstance(func.cls, ClassVal):
            dunder = func.cls.method("__call__")
            if dunder is not None:
                return self.call_function(dunder, args, node, self_value=func)
        for plugin in self.plugins:
            result = plugin.call_value(func, node, args)
            if result is not None:
                return result
        return UNKNOWN

    def instantiate(self, cls: ClassVal, node: cst.CSTNode, args: Args | None) -> Any:
        for plugin in self.plugins:
            result = plugin.instantiate(cls, node, args)
            if result is not None:
                self._instances.setdefault(cls, result)
                return result
        instance = Instance(cls, node=node)
        self._instances.setdefault(cls, instance)
        self.run_init(instance, args, node)
        return instance

    def run_init(self, instance: Instance, args: Args | None, node: cst.CSTNode) -> None:
        init = instance.cls.method("__init__") if isinstance(instance.cls, ClassVal) else None
        if init is not None:
            self.call_function(init, args or Args(), node, self_value=instance)

    def call_function(self, func: Func, args: Args, node: cst.CSTNode, self_value: Any = None) -> Any:
        if len(self.frames) >= _MAX_CALL_DEPTH or any(f.func.node is func.node for f in self.frames):
            return UNKNOWN
        self.executed.add(func.node)
        scope = Scope(func.scope)
        self._bind_params(func, args, scope, self_value)
        if isinstance(func.node, cst.Lambda):
            return self.eval(func.node.body, scope)
        frame = _Frame(func)
        self.frames.append(frame)
        depth = self.branch_depth
        try:
            self.exec_block(func.node.body.body, scope)
        finally:
            self.frames.pop()
            self.branch_depth = depth
        if not frame.returns:
            return UNKNOWN
        first = frame.returns[0]
        return first if all(same(first, r) for r in frame.returns) else UNKNOWN

    def _bind_params(self, func: Func, args: Args, scope: Scope, self_value: Any) -> None:
        params = func.node.params
        positional = list(params.posonly_params) + list(params.params)
        pos_values = list(args.pos)
        if self_value is not None and positional:
            scope.vars[positional[0].name.value] = self_value
            positional = positional[1:]
        for i, param in enumerate([*positional, *params.kwonly_params]):
            name = param.name.value
            if i < len(positional) and i < len(pos_values):
                scope.vars[name] = pos_values[i][0]
            elif name in args.kw:
                scope.vars[name] = args.kw[name][0]
            elif param.default is not None and not args.starred:
                scope.vars[name] = self.eval(param.default, func.scope)
            else:
                scope.vars[name] = UNKNOWN
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.vars[star.name.value] = UNKNOWN

    def _eval_Subscript(self, node: cst.Subscript, scope: Scope) -> Any:
        base = self.eval(node.value, scope)
        index: Any = UNKNOWN
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                index = self.eval(element.slice.value, scope)
            else:
                self._eval_children(element.slice, scope)
        if len(node.slice) > 1:  # y[:, 0]: a tuple index
            index = Seq([UNKNOWN] * len(node.slice), node)
        if isinstance(base, Seq) and isinstance(index, Const) and isinstance(index.value, int):
            try:
                return base.items[index.value]
            except IndexError:
                return UNKNOWN
        if isinstance(base, Mapping) and isinstance(index, Const):
            return base.items.get(index.value, UNKNOWN)
        for plugin in self.plugins:
            result = plugin.subscript(base, index, node)
            if result is not None:
                return result
        return UNKNOWN

    def _eval_Lambda(self, node: cst.Lambda, scope: Scope) -> Any:
        return Func(node, scope)

    def _eval_SimpleString(self, node: cst.SimpleString, scope: Scope) -> Any:
        try:
            return Const(node.evaluated_value, node)
        except Exception:  # noqa: BLE001 - an odd literal is just unknown
            return UNKNOWN

    def _eval_ConcatenatedString(self, node: cst.ConcatenatedString, scope: Scope) -> Any:
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001
            value = None
        return Const(value, node) if isinstance(value, str) else UNKNOWN

    def _eval_Integer(self, node: cst.Integer, scope: Scope) -> Any:
        try:
            return Const(int(node.value.replace("_", ""), 0), node)
        except ValueError:
            return UNKNOWN

    def _eval_Float(self, node: cst.Float, scope: Scope) -> Any:
        try:
            return Const(float(node.value.replace("_", "")), node)
        except ValueError:
            return UNKNOWN

    def _eval_List(self, node: cst.List, scope: Scope) -> Any:
        return self._sequence(node, scope)

    def _eval_Tuple(self, node: cst.Tuple, scope: Scope) -> Any:
        return self._sequence(node, scope)

    def _sequence(self, node: cst.List | cst.Tuple, scope: Scope) -> Any:
        items = []
        starred = False
        for element in node.elements:
            items.append(self.eval(element.value, scope))
            starred = starred or isinstance(element, cst.StarredElement)
        return UNKNOWN if starred else Seq(items, node)

    def _eval_Dict(self, node: cst.Dict, scope: Scope) -> Any:
        items: dict = {}
        key_nodes: dict = {}
        known = True
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = self.eval(element.key, scope)
                value = self.eval(element.value, scope)
                if isinstance(key, Const) and isinstance(key.value, (str, int)):
                    items[key.value] = value
                    key_nodes[key.value] = element.key
                else:
                    known = False
            else:
                self.eval(element.value, scope)
                known = False
        return Mapping(items, node, key_nodes) if known else UNKNOWN

    def _eval_UnaryOperation(self, node: cst.UnaryOperation, scope: Scope) -> Any:
        value = self.eval(node.expression, scope)
        if isinstance(node.operator, cst.Minus) and isinstance(value, Const) and isinstance(value.value, (int, float)) \
                and not isinstance(value.value, bool):
            return Const(-value.value, node)
        return self._plugin_hook("unary", type(node.operator).__name__, value, node)

    def _eval_BinaryOperation(self, node: cst.BinaryOperation, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        right = self.eval(node.right, scope)
        if isinstance(left, Const) and isinstance(right, Const) and type(left.value) is int and type(right.value) is int:
            op = type(node.operator).__name__
            a, b = left.value, right.value
            result = {"Add": lambda: a + b, "Subtract": lambda: a - b, "Multiply": lambda: a * b,
                      "FloorDivide": lambda: a // b if b else None}.get(op)
            if result is not None and result() is not None:
                return Const(result(), node)
        return self._plugin_hook("binary", type(node.operator).__name__, left, right, node)

    def _eval_Comparison(self, node: cst.Comparison, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        rights = [self.eval(target.comparator, scope) for target in node.comparisons]
        if len(rights) != 1:
            return UNKNOWN
        return self._plugin_hook("compare", type(node.comparisons[0].operator).__name__, left, rights[0], node)

    def _plugin_hook(self, hook: str, *args: Any) -> Any:
        for plugin in self.plugins:
            result = getattr(plugin, hook)(*args)
            if result is not None:
                return result
        return UNKNOWN

    def _eval_IfExp(self, node: cst.IfExp, scope: Scope) -> Any:
        self.eval(node.test, scope)
        body = self.eval(node.body, scope)
        orelse = self.eval(node.orelse, scope)
        return body if same(body, orelse) else UNKNOWN

    def _eval_Await(self, node: cst.Await, scope: Scope) -> Any:
        return self.eval(node.expression, scope)

    def _eval_NamedExpr(self, node: cst.NamedExpr, scope: Scope) -> Any:
        value = self.eval(node.value, scope)
        self.assign(node.target, value, scope)
        return value

    def _comprehension(self, node: Any, scope: Scope, parts: list) -> Any:
        inner = Scope(scope)
        clause = node.for_in
        while clause is not None:
            self.eval(clause.iter, inner)
            self.assign(clause.target, UNKNOWN, inner)
            for cond in clause.ifs:
                self.eval(cond.test, inner)
            clause = clause.inner_for_in
        for part in parts:
            self.eval(part, inner)
        return UNKNOWN

    def _eval_ListComp(self, node: cst.ListComp, scope: Scope) -> Any:
        return self._comprehension(node, scope, [node.elt])

    _eval_SetComp = _eval_ListComp
    _eval_GeneratorExp = _eval_ListComp

    def _eval_DictComp(self, node: cst.DictComp, scope: Scope) -> Any:
        return self._comprehension(node, scope, [node.key, node.value])


def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""
