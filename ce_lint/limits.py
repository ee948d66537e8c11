"""What ce-lint refuses to analyse, and why: one rule, checked the same way on every file.

A file is analysed when Python (the interpreter running ce-lint) can parse it and its syntax tree,
as Python builds it, is within the budget: at most MAX_NODES nodes and MAX_DEPTH levels deep. Both
are measured on every file that mentions a framework, in one linear walk, before libcst (the parser
the analysis runs on) sees it: libcst's time and memory grow with the size of the tree, and with the
square of its depth for long chains (`x[0][0]...`, `a if b else c if ...`: 2,000 levels take seconds
and gigabytes each). Within the budget a file costs at most the figures in docs/limits.md. Real code
stays inside: of the 12,897 files of the test environment's site-packages (torch, keras, transformers,
numpy, sympy, matplotlib...), the only ones deeper are three generated sympy files, which never mention
a framework; the deepest that mentions one has 93 levels (torch/_dynamo), the largest file 113,832 nodes
(`python benchmarks/limits.py --scan FOLDER`).

A level is one step down the tree: each operand of a chain of operators (`and`/`or` included), each
call, subscript and attribute access, each conditional expression, unary operator, lambda, nested
bracket, block and `elif`. Python itself refuses more than 200 nested brackets.
"""

from __future__ import annotations

import ast

import libcst as cst

from .diagnostics import FileError

MAX_NODES = 200_000
MAX_DEPTH = 100


def parse(source: str, path: str, notebook: bool = False) -> ast.Module:
    """Python's tree of the source; FileError, in Python's words, if it is not valid Python (a notebook's
    cells may `await` at the top level, as IPython runs them)."""
    flags = ast.PyCF_ONLY_AST | (ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if notebook else 0)
    try:
        tree: ast.Module = compile(source, path, "exec", flags, dont_inherit=True)
        return tree
    except SyntaxError as exc:
        raise FileError(syntax_error(exc)) from None
    except ValueError:  # Python 3.10 and 3.11 say so for a NUL byte
        raise FileError("source contains a NUL byte") from None
    except (RecursionError, MemoryError):  # its own parser's limit
        raise FileError(_too_deep(None)) from None


def syntax_error(error: SyntaxError) -> str:
    column = f", column {error.offset}" if error.offset else ""
    return f"syntax error at line {error.lineno}{column}: {error.msg}"


def check_budget(tree: ast.Module) -> None:
    """FileError if the tree is over the budget."""
    _count([(tree, 1)])


def statement_nodes(statements: list[ast.stmt]) -> int:
    """The nodes of some top-level statements (a module's are 1 plus its statements'); FileError if
    they alone are over the budget (check_budget of the whole tree says where, in its own words)."""
    return _count([(statement, 2) for statement in statements])


def _count(level: list[tuple[ast.AST, int]]) -> int:
    """The nodes below these (node, depth) pairs, themselves included. One pass, level by level, stopping
    at the first level over the budget, reading only the fields that can hold nodes."""
    nodes = 0
    while level:
        nodes += len(level)
        if nodes > MAX_NODES:
            raise FileError(f"too large to analyse: more than {MAX_NODES:,} syntax-tree nodes")
        below: list[tuple[ast.AST, int]] = []
        add = below.append
        for node, depth in level:
            if depth > MAX_DEPTH:
                raise FileError(_too_deep(getattr(node, "lineno", None)))
            kind = type(node)
            child_depth = depth + (len(node.values) - 1 if kind is ast.BoolOp else 1)  # type: ignore[attr-defined]
            fields = _CHILD_FIELDS.get(kind)
            if fields is None:
                fields = _CHILD_FIELDS[kind] = _child_fields(kind)
            for name in fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in value:
                        if isinstance(item, ast.AST):  # a dict's `**` has None for its key
                            add((item, child_depth))
                elif isinstance(value, ast.AST):
                    add((value, child_depth))
        level = below
    return nodes


# Operators and load/store markers are shared singletons in Python's tree, not parts of the code: not
# counted. _count never meets them, as it skips the fields that hold them; a plain walk of every
# field must skip them itself (tests/test_limits.py checks the two agree; benchmarks/limits.py).
MARKERS = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
# Fields that never hold a node: names, numbers, strings, and the markers.
_LEAVES = frozenset({"id", "attr", "name", "asname", "arg", "module", "level", "kind", "type_comment", "conversion",
                     "simple", "is_async", "tag", "rest", "kwd_attrs", "ctx", "op", "ops"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    leaves = set(_LEAVES)
    if kind in (ast.Constant, ast.MatchSingleton):
        leaves.add("value")
    elif kind in (ast.Global, ast.Nonlocal):
        leaves.add("names")
    elif kind.__name__ == "TypeAlias":  # `type X = ...` (Python 3.12): its name is a Name node
        leaves.discard("name")
    return tuple(name for name in kind._fields if name not in leaves)  # type: ignore[attr-defined]


def _too_deep(line: int | None) -> str:
    where = f" (at line {line})" if line else ""
    return (f"too deep to analyse: the syntax tree nests more than {MAX_DEPTH} levels{where}; each operand of "
            "an operator chain, call, subscript, attribute, conditional and elif is a level")


def libcst_refuses(source: str, path: str, error: Exception, notebook: bool = False) -> str:
    """The line for a file Python's parser takes and libcst doesn't: Python's own words when its compiler
    refuses the file after all (checks the parser leaves to it, such as `break` outside a loop),
    else that libcst can't read this valid Python (it takes at most about 3,000 implicitly
    concatenated strings, and refuses some mixes of tabs and spaces that Python accepts)."""
    try:
        compile(source, path, "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if notebook else 0, dont_inherit=True)
    except SyntaxError as exc:
        return syntax_error(exc)
    except (ValueError, RecursionError, MemoryError):
        pass
    if isinstance(error, RecursionError):
        where, message = "", "too deeply nested"
    elif isinstance(error, cst.ParserSyntaxError):
        where, message = f" (line {error.raw_line}, column {error.raw_column + 1})", str(error.message).splitlines()[0]
    else:
        where, message = "", str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"valid Python that libcst, the parser ce-lint analyses with, cannot read{where}: {message}"
