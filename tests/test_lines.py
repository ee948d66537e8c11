"""Lines end at \\n, \\r\\n or \\r only, as Python's tokenizer, libcst, flake8 and LSP count them: a form
feed or U+2028 inside a file moves no `# noqa`, no position and no fix (str.splitlines would)."""

from __future__ import annotations

import pytest

from ce_lint.config import Settings
from ce_lint.core import fix_text as fix
from ce_lint.engine import lint

SETTINGS = Settings(select=("",), keras_version="3")
SUPPRESSED = 'model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])  # noqa: CE101\n'
REPORTED = 'detector = keras.Sequential([keras.layers.Dense(1, activation="softmax")])\n'
# Characters str.splitlines breaks at and Python does not.
NOT_BREAKS = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def test_split_lines_breaks_only_where_python_does() -> None:
    from ce_lint.lines import line_starts, split_lines

    text = "a\x0cb\rc\r\nd\ne\u2028f"
    assert split_lines(text) == ["a\x0cb", "c", "d", "e\u2028f"]
    assert split_lines(text, keepends=True) == ["a\x0cb\r", "c\r\n", "d\n", "e\u2028f"]
    assert split_lines("x\n") == ["x"] and split_lines("") == []
    assert line_starts("a\r\nb\rc") == [0, 3, 5]


@pytest.mark.parametrize("char", ["\x0c", "\x85", "\u2028"], ids=repr)
def test_noqa_stays_on_its_line_after_a_line_with_a_form_feed(char: str) -> None:
    # The character sits in a comment, where Python accepts any of them.
    source = f"import keras\n# page break {char} here\n" + SUPPRESSED + REPORTED
    result = lint(source, "x.py", SETTINGS)
    assert [(d.line, d.code) for d in result.diagnostics] == [(4, "CE101")]


def test_a_form_feed_line_before_a_statement() -> None:
    source = "import keras\n\x0c\n" + SUPPRESSED + REPORTED
    assert [(d.line, d.code) for d in lint(source, "x.py", SETTINGS).diagnostics] == [(4, "CE101")]
    fixed, _ = fix(source, "x.py", SETTINGS, unsafe=True)
    assert SUPPRESSED in fixed, "the suppressed line was fixed"
    assert REPORTED.replace("softmax", "sigmoid") in fixed


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=repr)
def test_noqa_in_every_newline_convention(newline: str) -> None:
    source = ("import keras\n" + SUPPRESSED + REPORTED).replace("\n", newline)
    assert [(d.line, d.code) for d in lint(source, "x.py", SETTINGS).diagnostics] == [(3, "CE101")]
    fixed, count = fix(source, "x.py", SETTINGS, unsafe=True)
    assert count == 1 and SUPPRESSED.replace("\n", newline) in fixed


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=repr)
def test_unused_noqa_is_found_and_removed_in_every_newline_convention(newline: str) -> None:
    settings = Settings(select=("",), extend_select=("CE902",), keras_version="3")
    source = ("import keras\n# \x0c\nx = keras.layers.Dense(3)  # noqa: CE101\ny = 1\n").replace("\n", newline)
    [finding] = lint(source, "x.py", settings).diagnostics
    assert (finding.code, finding.line) == ("CE902", 3)
    fixed, _ = fix(source, "x.py", settings)
    assert fixed == source.replace("  # noqa: CE101", "")


def test_positions_count_characters_python_does_not_break_at() -> None:
    prefix = "".join(f"# {char}\n" for char in NOT_BREAKS)
    source = "import keras\n" + prefix + REPORTED
    [finding] = lint(source, "x.py", SETTINGS).diagnostics
    assert finding.line == 2 + len(NOT_BREAKS)
