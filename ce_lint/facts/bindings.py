"""The functions a module defines once, by name: where a value passed to (or returned by) one can be
followed into (or out of) its body."""

from __future__ import annotations

import libcst as cst


def own_functions(module: cst.Module) -> dict[str, cst.FunctionDef]:
    """The module's top-level undecorated functions, by name, where nothing else binds the name."""
    binders = _Binders()
    module.visit(binders)
    return {statement.name.value: statement for statement in module.body if isinstance(statement, cst.FunctionDef)
            and not statement.decorators and binders.count.get(statement.name.value) == 1}


class _Binders(cst.CSTVisitor):
    """How many times each name is bound anywhere in the module (a def, a class, an assignment, an
    import, a global), over-counted rather than missed."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}

    def _bind(self, name: str) -> None:
        self.count[name] = self.count.get(name, 0) + 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(node.name.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        for name in _names(node.target):
            self._bind(name)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        for name in _names(node.target):
            self._bind(name)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        for name in _names(node.target):
            self._bind(name)

    def visit_For(self, node: cst.For) -> None:
        for name in _names(node.target):
            self._bind(name)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        bound = node.asname.name if node.asname is not None else node.name
        for name in _names(bound):
            self._bind(name)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self._bind(item.name.value)


def _names(target: cst.CSTNode) -> list[str]:
    """The names a target binds (`a`, `a, b`, `[a, *b]`); `x.a` and `x[a]` bind none."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return []
