"""The one pass: a small abstract interpreter over a libcst module.

It walks statements in program order, binds names to abstract values (values.py) and offers
every call and operation to the framework plugins (plugin.py), which turn what they recognise
into facts. It never imports or executes the analysed code. Functions are run when called (with
the arguments the caller gives) and once more as entry points, with unknown parameters, if
nothing called them. Branches are run one after the other and their bindings merged: a name
bound to different values in two branches becomes UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from ..names import canonical
from . import mappings
from .containers import LIST_MUTATORS
from .expressions import Expressions, dotted
from .plugin import ANSWERS, NOTICES, TAGS, Args, Loop, Plugin, Scope, overrides
from .tags import Tags
from .values import UNKNOWN, BoundMethod, ClassVal, Const, Ext, Func, Instance, Mapping, Partial, Seq, Value, same

_MAX_CALL_DEPTH = 8
_MISSING = object()
_PARTIAL = "functools.partial"  # calling it calls its function with its arguments first


@dataclass
class _Frame:
    func: Func
    returns: list[Value] = field(default_factory=list)


class Evaluator(Expressions):
    def __init__(self, module: cst.Module, plugin_types: Iterable[type[Plugin]]) -> None:
        self.module = module
        self.module_scope = Scope()
        self.star_modules: list[str] = []
        self.imported: set[str] = set()  # every module named by an import
        self.branch_depth = 0
        self.with_stack: list[Value] = []
        self.loops: list[Loop] = []  # the `for` loops around the statement being run, outermost first
        self.unbound: set[str] = set()
        self.frames: list[_Frame] = []
        self.executed: set[cst.CSTNode] = set()
        self.functions: list[Func] = []
        self.classes: list[ClassVal] = []
        self._instances: dict[ClassVal, Value] = {}  # the first instance of each class, reused for entry runs
        # `x op= v` answered by a plugin: the new value's id -> (the new value, the value it was made from).
        self._accumulated: dict[int, tuple[Value, Value]] = {}
        self.plugins = [plugin(self) for plugin in plugin_types]
        self.conflicts: list[str] = []  # events two plugins answered (a bug: owners are disjoint)
        # Each hook's bound methods, of the plugins that override it.
        self._answers = {hook: [getattr(p, hook) for p in self.plugins if overrides(p, hook)] for hook in ANSWERS}
        self._taggers = {hook: [getattr(p, "tag_" + hook) for p in self.plugins if overrides(p, "tag_" + hook)]
                         for hook in TAGS}
        self._notified = {hook: [getattr(p, hook) for p in self.plugins if overrides(p, hook)] for hook in NOTICES}

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

    def dispatch(self, hook: str, default: Callable[[], Value], *event: object) -> Value:
        """Offer an event to every plugin: the owner's answer (or `default()`), with every plugin's tags."""
        answer: Value | None = None
        for answers in self._answers.get(hook, ()):
            found = answers(*event)
            if found is None:
                continue
            if answer is None:
                answer = found
            else:
                self.conflicts.append(f"{hook}: {type(answers.__self__).__name__}")
        tags: Tags | None = None
        for tagger in self._taggers.get(hook, ()):
            more = tagger(*event, answer)
            if more is not None:
                tags = more if tags is None else tags.merged(more)
        value = answer if answer is not None else default()
        return value if tags is None else value.tagged(tags)

    def notify(self, hook: str, *event: object) -> None:
        """Tell every plugin of an event that makes no value."""
        for notified in self._notified.get(hook, ()):
            notified(*event)

    # -- statements --------------------------------------------------------------------

    def exec_block(self, body: Iterable[cst.CSTNode], scope: Scope) -> None:
        for stmt in body:
            self.exec_stmt(stmt, scope)

    def exec_stmt(self, stmt: cst.CSTNode, scope: Scope) -> None:
        # Node types compared with `is`: libcst's classes are abstract-base-class types, for which a
        # failed isinstance is a slow call (a fifth of this pass, in a chain of them).
        kind = type(stmt)
        if kind is cst.SimpleStatementLine:
            for small in stmt.body:  # type: ignore[attr-defined]
                self.exec_small(small, scope)
        elif kind is cst.FunctionDef:
            assert isinstance(stmt, cst.FunctionDef)
            func = Func(stmt, scope)
            self.functions.append(func)
            scope.vars[stmt.name.value] = func
        elif kind is cst.ClassDef:
            assert isinstance(stmt, cst.ClassDef)
            self.exec_class(stmt, scope)
        elif kind is cst.If:
            assert isinstance(stmt, cst.If)
            self.eval(stmt.test, scope)
            self.branch(scope, [stmt.body.body, self._orelse(stmt.orelse)])
        elif isinstance(stmt, cst.BaseSmallStatement):  # the body of a one-line `if x: y = 1`
            self.exec_small(stmt, scope)
        elif isinstance(stmt, cst.For):
            iterable = self.eval(stmt.iter, scope)
            self.assign(stmt.target, self.dispatch("iterate", lambda: UNKNOWN, iterable, stmt), scope)
            self.loops.append(Loop(stmt, iterable, scope))
            try:
                self.branch(scope, [stmt.body.body, []])
            finally:
                self.loops.pop()
            if stmt.orelse is not None:
                self.exec_block(stmt.orelse.body.body, scope)
        elif isinstance(stmt, cst.While):
            self.eval(stmt.test, scope)
            self.branch(scope, [stmt.body.body, []])
            if stmt.orelse is not None:
                self.exec_block(stmt.orelse.body.body, scope)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            self.exec_block(stmt.body.body, scope)
            self.branch(scope, [[], *(h.body.body for h in stmt.handlers)])
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
            self.branch(scope, [*(case.body.body for case in stmt.cases), []])
        elif isinstance(stmt, cst.BaseCompoundStatement):
            body = getattr(stmt, "body", None)
            if body is not None:
                self.exec_block(body.body, scope)

    @staticmethod
    def _orelse(orelse: cst.If | cst.Else | None) -> Sequence[cst.CSTNode]:
        if orelse is None:
            return []
        if isinstance(orelse, cst.If):
            return [orelse]
        return list(orelse.body.body)

    def branch(self, scope: Scope, blocks: Sequence[Sequence[cst.CSTNode]]) -> None:
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
        # Only the names some block bound anew need merging: the others keep, in every block, what they had.
        changed = {name for outcome in outcomes for name, value in outcome.items()
                   if before.get(name, _MISSING) is not value}
        for name in changed:
            values = [o.get(name, before.get(name, _MISSING)) for o in outcomes]
            present = [v for v in values if isinstance(v, Value)]
            first = present[0]
            merged[name] = first if all(same(first, v) for v in present) else self._accumulation(
                before.get(name), present)
        scope.vars = merged

    def _accumulation(self, before: Value | None, values: list[Value]) -> Value:
        """`total += x` in a loop (or an `if`): the branch that accumulated, when only one did and it
        started from the value the name had before; UNKNOWN otherwise."""
        changed = {id(v): v for v in values if v is not before}
        if before is None or len(changed) != 1:
            return UNKNOWN
        value = start = next(iter(changed.values()))
        for _ in range(64):
            if value is before:
                return start
            if id(value) not in self._accumulated:
                break
            value = self._accumulated[id(value)][1]
        return UNKNOWN

    def exec_class(self, node: cst.ClassDef, scope: Scope) -> None:
        bases = [self.eval(arg.value, scope) for arg in node.bases]
        cls = ClassVal(node, scope, bases)
        self.classes.append(cls)
        body_scope = Scope(scope)
        for stmt in node.body.body:
            if isinstance(stmt, cst.FunctionDef):
                cls.methods[stmt.name.value] = Func(stmt, scope, owner=cls)
            else:
                self.exec_stmt(stmt, body_scope)
        cls.attrs.update(body_scope.vars)
        scope.vars[node.name.value] = cls

    def exec_small(self, small: cst.BaseSmallStatement, scope: Scope) -> None:
        kind = type(small)  # compared with `is`, as in exec_stmt
        if kind is cst.Assign:
            assert isinstance(small, cst.Assign)
            value = self.eval(small.value, scope)
            for target in small.targets:
                self.assign(target.target, value, scope)
        elif kind is cst.Expr:
            assert isinstance(small, cst.Expr)
            self.eval(small.value, scope)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.assign(small.target, self.eval(small.value, scope), scope)
        elif isinstance(small, cst.AugAssign):
            self._augmented(small, scope)
        elif isinstance(small, cst.Return):
            value = self.eval(small.value, scope) if small.value is not None else Const(None, small)
            if self.frames:
                self.frames[-1].returns.append(value)
        elif isinstance(small, cst.Import):
            for alias in small.names:
                name = dotted(alias.name)
                self.imported.add(name)
                if alias.asname is not None:
                    self.assign(alias.asname.name, Ext(name), scope)
                else:
                    head = name.split(".")[0]
                    scope.vars[head] = Ext(head)
        elif isinstance(small, cst.ImportFrom):
            self._import_from(small, scope)
        elif isinstance(small, cst.Del):
            self.eval_children(small, scope)
            deleted = [e.value for e in small.target.elements] if isinstance(small.target, cst.Tuple) else [
                small.target]
            for gone in deleted:
                if isinstance(gone, cst.Subscript):
                    self.assign(gone, UNKNOWN, scope)  # del layers[-1]
        elif isinstance(small, (cst.Raise, cst.Assert)):
            self.eval_children(small, scope)

    def _augmented(self, small: cst.AugAssign, scope: Scope) -> None:
        value = self.eval(small.value, scope)
        target = self.eval(small.target, scope) if isinstance(small.target, (cst.Name, cst.Attribute)) else UNKNOWN
        op = type(small.operator).__name__.removesuffix("Assign")
        if isinstance(target, Seq) and op == "Add":
            self.extend_list(target, value)  # `layers += [...]` changes the list itself
            return
        new = self.dispatch("augmented", lambda: UNKNOWN, op, target, value, small)
        if new is not UNKNOWN:
            self._accumulated[id(new)] = (new, target)
        self.assign(small.target, new, scope)

    def _import_from(self, small: cst.ImportFrom, scope: Scope) -> None:
        names = small.names
        if small.relative or small.module is None:
            if not isinstance(names, cst.ImportStar):
                for alias in names:
                    self.assign(alias.asname.name if alias.asname is not None else alias.name, UNKNOWN, scope)
            return
        module = dotted(small.module)
        self.imported.add(module)
        if isinstance(names, cst.ImportStar):
            self.star_modules.append(module)
            return
        for alias in names:
            target = alias.asname.name if alias.asname is not None else alias.name
            self.assign(target, Ext(f"{module}.{dotted(alias.name)}"), scope)

    def assign(self, target: cst.CSTNode, value: Value, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            scope.vars[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items = value.items if isinstance(value, Seq) and not value.open else None
            exact = items is not None and len(items) == len(elements) and not any(
                isinstance(e, cst.StarredElement) for e in elements
            )
            for i, element in enumerate(elements):
                self.assign(element.value, items[i] if exact and items is not None else UNKNOWN, scope)
        elif isinstance(target, cst.Attribute):
            obj = self.eval(target.value, scope)
            if isinstance(obj, Instance):
                obj.attrs[target.attr.value] = value
            else:
                obj.changed()
        elif isinstance(target, cst.Subscript):
            self._store(target, value, scope)
        elif isinstance(target, cst.StarredElement):
            self.assign(target.value, UNKNOWN, scope)

    def _store(self, target: cst.Subscript, value: Value, scope: Scope) -> None:
        """`obj[index] = value`: a dict the analysis knows gets the key; plugins hear of the rest, and the
        object forgets what it knew of its items."""
        obj = self.eval(target.value, scope)
        index = [self.eval(e.slice.value, scope) if isinstance(e.slice, cst.Index) else UNKNOWN
                 for e in target.slice]
        if isinstance(obj, Mapping):
            mappings.store(obj, target, index, value, self.branch_depth)
            return
        self.notify("store", obj, index, value, target)
        obj.changed()  # layers[-1] = ...: which item changed is not followed

    # -- calls -------------------------------------------------------------------------

    def call(self, func: Value, node: cst.Call, args: Args) -> Value:
        if func is UNKNOWN:
            return UNKNOWN
        if isinstance(func, Ext):
            qname = canonical(func.qname)
            if qname == _PARTIAL and args.pos:
                return Partial(args.pos[0][0], Args(args.pos[1:], dict(args.kw), args.starred))
            if qname == mappings.DICT and not args.pos and not args.starred:
                return mappings.from_keywords(node, args, self.branch_depth)
            return self.dispatch("call_ext", lambda: self.python_call(qname, node, args) or Instance(
                Ext(qname), node=node), qname, node, args)
        if isinstance(func, Partial):
            given = func.args
            merged = Args(given.pos + args.pos, {**given.kw, **args.kw}, given.starred or args.starred)
            return self.call(func.func, node, merged)
        if isinstance(func, Func):
            return self.call_function(func, args, node)
        if isinstance(func, ClassVal):
            return self.instantiate(func, node, args)
        if isinstance(func, BoundMethod):
            obj = func.obj
            if isinstance(obj, Mapping):
                return mappings.method(obj, func.name, node, args, self.branch_depth)
            if isinstance(obj, Seq) and func.name in LIST_MUTATORS:
                return self.mutate_list(obj, func.name, node, args)
            if isinstance(obj, Instance) and isinstance(obj.cls, ClassVal):
                method = obj.cls.method(func.name)
                if method is not None:
                    return self.call_function(method, args, node, self_value=obj)
            return self.dispatch("call_method", lambda: UNKNOWN, obj, func.name, node, args)
        if isinstance(func, Instance) and isinstance(func.cls, ClassVal):
            dunder = func.cls.method("__call__")
            if dunder is not None:
                return self.call_function(dunder, args, node, self_value=func)
        return self.dispatch("call_value", lambda: UNKNOWN, func, node, args)

    def instantiate(self, cls: ClassVal, node: cst.CSTNode, args: Args | None) -> Value:
        def plain() -> Value:
            instance = Instance(cls, node=node)
            self._instances.setdefault(cls, instance)
            self.run_init(instance, args, node)
            return instance

        value = self.dispatch("instantiate", plain, cls, node, args)
        self._instances.setdefault(cls, value)
        return value

    def run_init(self, instance: Instance, args: Args | None, node: cst.CSTNode) -> None:
        init = instance.cls.method("__init__") if isinstance(instance.cls, ClassVal) else None
        if init is not None:
            self.call_function(init, args or Args(), node, self_value=instance)

    def call_function(self, func: Func, args: Args, node: cst.CSTNode, self_value: Value | None = None) -> Value:
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

    def _bind_params(self, func: Func, args: Args, scope: Scope, self_value: Value | None) -> None:
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
