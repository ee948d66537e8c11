"""Where names are bound: the names an assignment target binds, and the functions a module defines
once, by name (where a value passed to, or returned by, one can be followed into, or out of, its body)."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst


def own_functions(module: cst.Module) -> dict[str, cst.FunctionDef]:
    """The module's top-level undecorated functions, by name, where nothing else binds the name."""
    binders = _Binders()
    module.visit(binders)
    return {statement.name.value: statement for statement in module.body if isinstance(statement, cst.FunctionDef)
            and not statement.decorators and binders.count.get(statement.name.value) == 1}


class _Binders(cst.CSTVisitor):
    """How many times each name is bound anywhere in the module by a def, a class, an assignment, a
    `for` target, an import or a global, in any scope (over-counted there). Not counted: `with`/`except`
    `as` names, `:=`, comprehension targets and parameters."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}

    def _bind(self, target: cst.CSTNode) -> None:
        for name in bound_names(target):
            self.count[name.value] = self.count.get(name.value, 0) + 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node.name)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(node.name)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bind(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        self._bind(node.asname.name if node.asname is not None else node.name)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self._bind(item.name)


def bound_names(target: cst.CSTNode) -> Iterator[cst.Name]:
    """The names an assignment target binds (`a`, `a, b`, `[a, *b]`); `x.a` and `x[a]` bind none."""
    if isinstance(target, cst.Name):
        yield target
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from bound_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from bound_names(target.value)
