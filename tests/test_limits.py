"""What is refused is one rule, the same on every file (README "What is refused"): Python must parse it,
and its syntax tree must be within the budget (ce_lint/limits.py); valid Python that libcst can't read
says so. Every file is checked to be Python, whether or not it mentions a framework."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from ce_lint import limits
from ce_lint.config import Settings
from ce_lint.diagnostics import FileError
from ce_lint.engine import lint

from support import FIXTURES

TOO_DEEP = "too deep to analyse: the syntax tree nests more than 100 levels"
FINDING = "import torch\nloss = torch.nn.CrossEntropyLoss()(torch.softmax(x, dim=1), y)\n"
LONG_LINE = "s = '" + "x" * 3000 + "'\n"


def verdict(source: str) -> str:
    """'analysed' or the one line (without the path) a file gets."""
    try:
        result = lint(source, "x.py", Settings())
    except FileError as exc:
        return str(exc)
    assert not result.errors, result.errors
    return "analysed"


def elif_chain(branches: int) -> str:
    return "if a == -1:\n    pass\n" + "".join(f"elif a == {i}:\n    pass\n" for i in range(branches))


def one_line_sum(terms: int) -> str:
    return "x = " + " + ".join(["a"] * terms) + "\n"


def multi_line_sum(terms: int) -> str:
    return "x = (" + " +\n     ".join(["a"] * terms) + ")\n"


@pytest.mark.parametrize("shape", [elif_chain, one_line_sum, multi_line_sum], ids=lambda f: f.__name__)
def test_the_verdict_depends_on_the_tree_not_on_the_rest_of_the_file(shape) -> None:
    for size, expected in ((80, "analysed"), (1_200, TOO_DEEP), (1_500, TOO_DEEP)):
        alone = verdict(FINDING + shape(size))
        with_long_line = verdict(FINDING + shape(size) + LONG_LINE)
        assert alone.startswith(expected) and with_long_line.startswith(expected), (size, alone, with_long_line)


@pytest.mark.parametrize("code", [
    "x = " + "-" * 120 + "a\n",
    "x = a" + ".b" * 120 + "\n",
    "x = a" + "()" * 120 + "\n",
    "x = a" + "[0]" * 120 + "\n",
    "x = " + " ** ".join(["a"] * 120) + "\n",
    "x = (" + " if a else\n".join(["a"] * 120) + ")\n",
    "x = " + "lambda: " * 120 + "a\n",
    "x = (" + " and\n".join(["a"] * 120) + ")\n",
], ids=["unary", "attribute", "call", "subscript", "power", "conditional", "lambda", "and"])
def test_every_kind_of_level_counts(code: str) -> None:
    assert verdict(FINDING + code).startswith(TOO_DEEP)


def test_within_the_budget_a_file_is_analysed_whatever_its_shape() -> None:
    shapes = ["x = " + "-" * 90 + "a\n", "x = a" + "[0]" * 90 + "\n", "x = (" + " and\n".join(["a"] * 90) + ")\n",
              one_line_sum(90), elif_chain(90), LONG_LINE * 5, "x = (" + "\n".join(["'a'"] * 2000) + ")\n"]
    for code in shapes:
        result = lint(FINDING + code, "x.py", Settings())
        assert [d.code for d in result.diagnostics] == ["CE201"], code[:40]


def test_the_line_names_where_the_tree_gets_too_deep() -> None:
    assert verdict(FINDING + "y = 1\n" + one_line_sum(150)) == (
        f"{TOO_DEEP} (at line 4); each operand of an operator chain, call, subscript, attribute, conditional "
        "and elif is a level")


def test_a_tree_with_too_many_nodes() -> None:
    assert verdict(FINDING + "v = 1\n" * 70_000) == "too large to analyse: more than 200,000 syntax-tree nodes"
    assert verdict(FINDING + "v = 1\n" * 60_000) == "analysed"


def test_python_refuses_more_than_200_nested_brackets_itself() -> None:
    assert verdict(FINDING + "x = " + "(" * 201 + "1" + ")" * 201 + "\n").startswith(
        "syntax error at line 3, column ")


@pytest.mark.parametrize("code", [
    "x = (" + "\n".join(["'a'"] * 3_500) + ")\n",  # libcst takes at most about 3,000 concatenated strings
    "if a:\n\tif b:\n            x = 1\n",  # a tab, then deeper with spaces: Python accepts it, libcst doesn't
], ids=["implicit concatenation", "tabs and spaces"])
def test_valid_python_libcst_cannot_read_says_so(code: str) -> None:
    source = FINDING + code
    compile(source, "x.py", "exec")
    assert verdict(source).startswith("valid Python that libcst, the parser ce-lint analyses with, cannot read (line ")


def test_a_syntax_error_in_a_file_that_never_mentions_a_framework_is_reported() -> None:
    assert verdict("def f(:\n    pass\n") == "syntax error at line 1, column 7: invalid syntax"
    assert verdict("print('hello')\n") == "analysed"


def test_python_s_warnings_about_the_checked_code_are_not_shown() -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert verdict(FINDING + 'pattern = "\\d+"\nassert (x, "message")\n') == "analysed"
    assert caught == []


def test_what_only_python_s_compiler_refuses_is_analysed_as_its_parser_reads_it() -> None:
    """Python's parser takes `return* x` and `break` outside a loop and leaves refusing them to its
    compiler, which ce-lint never runs (the fuzzing run found the first: libcst's check of the nodes it
    builds refused it, for its missing space, which is no longer asked of parsed nodes)."""
    assert verdict(FINDING + "def f(probs):\n    return* probs\n") == "analysed"
    assert verdict(FINDING + "break\n") == "analysed"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.py"))[::4], ids=lambda p: p.name)
def test_the_count_is_every_node_but_the_markers(path: Path) -> None:
    """The budget reads only the fields that can hold nodes: it counts what a walk of every field does."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert limits._count([(tree, 1)]) == sum(not isinstance(node, limits.MARKERS) for node in ast.walk(tree))


@pytest.mark.skipif(sys.version_info < (3, 12), reason="`type` statements are Python 3.12's")
def test_a_type_alias_s_name_is_a_node() -> None:
    tree = ast.parse("type Labels = list[int]\nfrom a import b as c\nglobal d\n")
    assert limits._count([(tree, 1)]) == sum(not isinstance(node, limits.MARKERS) for node in ast.walk(tree))
