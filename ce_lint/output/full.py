"""The `full` format, the default on a terminal (as Ruff's): each finding's line, then the source around
it with the range underlined, what to do (`help:`, the fix's title or the finding's own) and the
other places it involves (`related:`), each with its own line of source."""

from __future__ import annotations

from collections.abc import Callable

from ..diagnostics import Diagnostic
from .colour import PLAIN, Palette
from .common import help_text, printable
from .lines import text_line

# The source lines of a finding's file (of its cell, in a notebook): None when they can't be had.
Source = Callable[[str, "int | None"], "list[str] | None"]
CONTEXT = 2  # lines shown before and after


def full_report(diagnostics: list[Diagnostic], source: Source, unsafe_fixes: bool = False,
                palette: Palette = PLAIN) -> str:
    return "\n\n".join(finding(d, source, unsafe_fixes, palette) for d in diagnostics)


def finding(d: Diagnostic, source: Source, unsafe_fixes: bool = False, palette: Palette = PLAIN) -> str:
    out = [text_line(d, unsafe_fixes, palette)]
    lines = source(d.path, d.cell)
    if lines is not None and 1 <= d.line <= len(lines):
        out += snippet(lines, d.line, d.col, d.end_line, d.end_col, palette, palette.red(d.code))
    hint = help_text(d)
    if hint:
        out.append(f"  {palette.cyan('=')} {palette.bold('help')}: {printable(hint)}")
    for related in d.related:
        path = related.path or d.path
        where = f"{printable(path)}:{f'cell {related.cell}:' if related.cell is not None else ''}" \
                f"{related.line}:{related.col + 1}"
        out.append(f"  {palette.cyan('=')} {palette.bold('related')}: {where}: {printable(related.message)}")
        other = source(path, related.cell if related.cell is not None else d.cell if path == d.path else None)
        if other is not None and 1 <= related.line <= len(other):
            out += snippet(other, related.line, related.col, related.end_line, related.end_col, palette, "",
                           context=0)
    return "\n".join(out)


def snippet(lines: list[str], line: int, col: int, end_line: int, end_col: int, palette: Palette, label: str,
            context: int = CONTEXT) -> list[str]:
    """The lines around a range, numbered, with the range's part of each line underlined."""
    first, last = max(1, line - context), min(len(lines), max(end_line, line) + context)
    width = len(str(last))
    gutter = palette.blue(" " * width + " |")
    out = [gutter]
    for number in range(first, last + 1):
        text = printable(lines[number - 1].rstrip("\r\n").replace("\t", " "))  # a tab: one column, as counted
        out.append(palette.blue(f"{number:>{width}} |") + (f" {text}" if text else ""))
        if line <= number <= end_line:
            start = col if number == line else len(text) - len(text.lstrip())
            stop = end_col if number == end_line else len(text)
            stop = max(stop, start + 1)
            marks = palette.red("^" * (stop - start)) + (f" {label}" if label and number == end_line else "")
            out.append(gutter + " " + " " * start + marks)
    out.append(gutter)
    return out
