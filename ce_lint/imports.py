"""The imports a fix adds: whether the module already binds the name, and where a new import line goes.

Both are decided from the syntax tree, never from the text: an import in a comment or a string
binds nothing, and the first lines a new import must not precede (a shebang, an encoding
declaration, the module docstring, `from __future__` imports) are recognised however written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import libcst as cst

from .lines import split_lines

# PEP 263: an encoding declaration is a comment on line 1 or 2.
_CODING = re.compile(r"^[ \t\f]*#.*?coding[:=]")

PRESENT, ABSENT, TAKEN = "present", "absent", "taken"


def parse_import(line: str) -> tuple[str, str]:
    """("torchmetrics.classification", "MultilabelAccuracy") for a fix's
    `from torchmetrics.classification import MultilabelAccuracy`."""
    statement = cst.parse_statement(line)
    node = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
    if not isinstance(node, cst.ImportFrom) or node.module is None or isinstance(node.names, cst.ImportStar) \
            or len(node.names) != 1 or node.names[0].asname is not None:
        raise ValueError(f"a fix's import must be `from M import N`: {line!r}")
    return _dotted(node.module), _dotted(node.names[0].name)


def binding(module: cst.Module, source_module: str, name: str) -> str:
    """PRESENT when the module imports `name` from `source_module` at module level, TAKEN when it binds
    `name` to something else there (a fix must not shadow it), ABSENT when nothing binds it."""
    finder = _Bindings(name)
    module.visit(finder)
    if source_module in finder.imported_from:
        return PRESENT
    return TAKEN if finder.bound else ABSENT


def insertion_line(module: cst.Module, source: str, end_line: Callable[[cst.CSTNode], int]) -> int:
    """The line before which a new import goes: after the shebang and encoding lines, the module
    docstring (plain, implicitly concatenated or parenthesised), and the imports that open the module
    (`from __future__` ones included). `source` is the module's text, `end_line` gives a statement's
    last line."""
    line = _header_lines(source) + 1
    for index, statement in enumerate(module.body):
        if _is_import(statement) or (index == 0 and _is_docstring(statement)):
            line = end_line(statement) + 1
        else:
            break
    return line


def _header_lines(source: str) -> int:
    """How many of the first lines are a shebang or an encoding declaration."""
    lines = split_lines(source[:4096])[:2]
    count = 0
    for number, text in enumerate(lines, start=1):
        if (number == 1 and text.startswith("#!")) or _CODING.match(text):
            count = number
        elif not text.lstrip(" \t\f").startswith("#"):
            break
    return count


def _is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body)


def _is_docstring(statement: cst.CSTNode) -> bool:
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)):
        return False
    value = statement.body[0].value
    while isinstance(value, cst.ConcatenatedString):
        if not isinstance(value.left, cst.SimpleString):
            return False
        value = value.right
    return isinstance(value, cst.SimpleString)


def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return node.value if isinstance(node, cst.Name) else ""


class _Bindings(cst.CSTVisitor):
    """Module-level bindings of one name (inside `if`, `try`, `with` and loops too; not inside
    functions, classes, lambdas or comprehensions, whose names are their own)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.imported_from: set[str] = set()  # modules `name` is imported from as itself
        self.bound = False  # bound some other way

    def _bind(self, target: cst.CSTNode | None) -> None:
        if isinstance(target, cst.Name) and target.value == self.name:
            self.bound = True
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._bind(node.name)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._bind(node.name)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ListComp(self, node: cst.ListComp) -> bool:
        return False

    def visit_SetComp(self, node: cst.SetComp) -> bool:
        return False

    def visit_DictComp(self, node: cst.DictComp) -> bool:
        return False

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        return False

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            bound = alias.asname.name if alias.asname is not None else cst.Name(_dotted(alias.name).split(".")[0])
            self._bind(bound)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = _dotted(node.module) if node.module is not None and not node.relative else None
        for alias in node.names:
            bound = alias.asname.name if alias.asname is not None else alias.name
            if module is not None and _dotted(alias.name) == self.name and isinstance(bound, cst.Name) \
                    and bound.value == self.name:
                self.imported_from.add(module)
            else:
                self._bind(bound)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(node.name.name)
