"""The parse by top-level statements (ce_lint/incremental.py: the language server's, with its cache,
and every other run's, without one) is the whole-text parse: the same libcst module, the same position
for every node, and the same report (diagnostics with positions, messages, fixes and related places;
errors) on every fixture and on edits of them, with the cache shared by every file and edit as the
server shares it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import libcst as cst
import pytest

from ce_lint import core, limits
from ce_lint.config import Settings
from ce_lint.diagnostics import FileError
from ce_lint.facts import positions
from ce_lint.incremental import Chunks, parse_text
from ce_lint.notebooks import ipynb

from support import FIXTURES, NOTEBOOKS

EVERY_RULE = Settings(select=("",), keras_version="3")
SCRIPTS = sorted(p for p in [*FIXTURES.glob("*.py"), *(FIXTURES / "clean").glob("*.py")])
CHUNKS = Chunks()  # one for every test, as one server's for every file it is sent


@contextmanager
def whole_text() -> Iterator[None]:
    """Every text parsed whole, as libcst parses it."""
    with mock.patch.object(Chunks, "split", return_value=None), \
            mock.patch("ce_lint.incremental.parse_text", cst.parse_module):
        yield


def report(text: str, chunks: Chunks | None, mode: str = "check") -> object:
    """The report with this cache of parts; without one, of the text parsed whole."""
    try:
        if chunks is None:
            with whole_text():
                result = core.check_text(text, "example.py", EVERY_RULE, mode)
        else:
            result = core.check_text(text, "example.py", EVERY_RULE, mode, chunks=chunks)
    except FileError as error:
        return str(error)
    return result.diagnostics, result.errors, [(c.before, c.after) for c in result.changes]


def assert_same(text: str, chunks: Chunks = CHUNKS) -> None:
    for mode in ("check", "fix"):
        assert report(text, chunks, mode) == report(text, None, mode)


def assert_same_module(text: str, chunks: Chunks = CHUNKS) -> None:
    """The assembled module equals the whole text's, and every node has the whole module's position."""
    split = chunks.split(text, limits.parse(text, "example.py"))
    assert split is not None
    module = split.parse()
    whole = cst.parse_module(text)
    assert module.code == whole.code and module.deep_equals(whole)  # libcst itself drops a final lone CR
    if split.whole:  # parsed whole after all
        return
    found, expected = split.positions(module), positions.spans_of(whole)
    for ours, theirs in zip(_nodes(module), _nodes(whole), strict=True):
        assert found[ours] == positions.code_range(expected[theirs])


def _nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    out = [node]
    for child in node.children:
        out += _nodes(child)
    return out


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_fixture_gives_the_whole_parse_report(path: Path) -> None:
    assert_same(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SCRIPTS[::8], ids=lambda p: p.name)
def test_modules_and_positions_are_the_whole_parse(path: Path) -> None:
    assert_same_module(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_give_the_whole_parse_report(path: Path) -> None:
    try:
        notebook, _ = ipynb.read(path.read_bytes())
    except FileError:
        return
    found = core.check_notebook(notebook, str(path), EVERY_RULE, chunks=CHUNKS)
    with whole_text():
        fresh = core.check_notebook(notebook, str(path), EVERY_RULE)
    assert (found.diagnostics, found.errors, found.notes) == (fresh.diagnostics, fresh.errors, fresh.notes)


def _statements(text: str) -> list[tuple[int, int]]:
    """(first line, end line) of each top-level statement, 0-based, decorators included."""
    return [(min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", ())]) - 1, s.end_lineno)
            for s in ast.parse(text).body]


@pytest.mark.parametrize("path", [FIXTURES / "CE201.py", FIXTURES / "CE101.py", FIXTURES / "CE303.py",
                                  *sorted((FIXTURES / "clean").glob("*.py"))[:3]], ids=lambda p: p.name)
def test_edits_give_the_whole_parse_report(path: Path) -> None:
    """Edited as one types: a statement changed, one inserted, one deleted, one made unparsable and
    mended again; each text's report is the whole parse's, with the cache kept from text to text."""
    chunks = Chunks()
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    assert_same(text, chunks)
    for first, end in _statements(text)[1::3]:
        changed = lines[:end] + ["unused_name = 1  # typed\n"] + lines[end:]
        assert_same("".join(changed), chunks)
        deleted = lines[:first] + lines[end:]
        assert_same("".join(deleted), chunks)
        broken = lines[:first] + ["def broken(:\n"] + lines[first:]
        assert_same("".join(broken), chunks)
        mended = lines[:first] + ["def mended(): pass\n"] + lines[first:]
        assert_same("".join(mended), chunks)
        renamed = lines[:first] + [lines[first].replace("(", " (", 1)] + lines[first + 1:]
        assert_same("".join(renamed), chunks)


ODD_TEXTS = {
    "crlf": "import torch\r\n\r\n# a comment\r\nx = torch.softmax(y, dim=1)\r\n"
            "loss = torch.nn.CrossEntropyLoss()(x, t)\r\n",
    "crlf, no final newline": "import torch\r\nx = 1\r\ny = torch.nn.Softmax()",
    "lone cr": "import torch\rx = 1\ry = 2\r",
    "mixed newlines": "import torch\nx = 1\r\ny = 2\n",
    "two indents": "import torch\nif a:\n  b = 1\nif c:\n    d = 2\nclass E:\n    pass\n",
    "first block later": "import torch\nx = (\n  1)\nif y: pass\nelse:\n  z = 2\ndef f():\n    return 1\n",
    "tabs": "import torch\ndef f():\n\treturn 1\ndef g():\n\tif x:\n\t\treturn 2\n",
    "comments between": "# head\n\nimport torch\n# one\n\ndef f():\n    x = 1\n    # in block\n  # less\n# top\n\n"
                         "@decorator\nclass A:\n    pass\n# tail\n",
    "same line": "import torch; x = 1\ny = (1,\n     2); z = 3\nw = 4\n",
    "duplicates": "import torch\nx = 1\nimport torch\nx = 1\nimport torch\n",
    "backslash between": "import torch\nx = 1\n\\\ny = 2\n",
    "form feed": "import torch\nx = 1\n\x0c\ny = 2\n\x0cz = 3\n",
    "match": "import torch\nmatch x:\n  case 1:\n    pass\ndef f():\n    pass\n",
    "only comments": "# import torch\n\n# nothing else\n",
    "empty": "",
    "decorator continued": "import torch\n@(\n    decorator)\ndef f():\n    pass\n",
    "too deep in one": "import torch\nx = 1\ny = " + "-" * 150 + "1\nz = 3\n",
    "torch findings": "import torch\nimport torch.nn as nn\n\nclass M(nn.Module):\n    def forward(self, x):\n"
                      "        return torch.softmax(x, dim=1)\n\nmodel = M()\nloss_fn = nn.CrossEntropyLoss()\n"
                      "loss = loss_fn(model(x), y)\n",
}


@pytest.mark.parametrize("name", ODD_TEXTS)
def test_odd_texts_give_the_whole_parse(name: str) -> None:
    text = ODD_TEXTS[name]
    assert_same(text)
    try:
        limits.parse(text, "example.py")
        cst.parse_module(text)
    except (FileError, cst.ParserSyntaxError):
        return
    split = CHUNKS.split(text, limits.parse(text, "example.py"))
    if split is not None and name not in ("backslash between",):  # libcst itself doesn't give that text back
        assert_same_module(text)


def test_the_cache_is_bounded_by_the_text_it_holds() -> None:
    chunks = Chunks(limit=2_000)
    for number in range(50):
        text = "".join(f"x{number}_{line} = {line}\n" for line in range(40))
        chunks.split(text, limits.parse(text, "example.py")).parse()
    assert chunks._size <= 2_000 + len(text)


def test_a_text_over_the_node_budget_is_refused_in_the_same_words() -> None:
    text = "import torch\n" + "x = 1\n" * 70_000
    assert_same(text, Chunks())
    assert "too large to analyse" in report(text, None)


@pytest.mark.parametrize("path", SCRIPTS[::8], ids=lambda p: p.name)
def test_the_unchecked_parse_is_libcsts(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert parse_text(text).deep_equals(cst.parse_module(text))


def test_nodes_built_by_hand_are_still_checked() -> None:
    parse_text("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


def test_many_findings_are_placed_as_in_the_whole_parse() -> None:
    """Past its first few lookups, Positions indexes every chunk at once: the same positions."""
    text = "import torch\n\n" + "".join(f"loss{i} = torch.nn.CrossEntropyLoss()(torch.softmax(x{i}, dim=1), y)\n"
                                         for i in range(80))
    assert len(report(text, Chunks())[0]) == 80  # type: ignore[index]
    assert_same(text, Chunks())
