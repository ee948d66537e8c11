"""Jupyter notebooks as one module: the code cells, in document order, as the kernel runs them.

A `Notebook` is a list of cells (from an .ipynb file, see ipynb.py, or from an editor's notebook
document). `module()` masks IPython's syntax in each Python cell (magics.py) and joins the cells
that parse into one text; its `CellMap` turns the module's lines back into (cell, line in cell).
A cell that does not parse is left out with one error naming it, so the others are still analysed.
Cells are numbered from 1 among all cells, markdown included, as Jupyter shows them.
"""

from __future__ import annotations

import ast
import bisect
from dataclasses import dataclass, field
from functools import cached_property

from ..gate import GATE
from ..limits import syntax_error
from ..lines import NEWLINE
from .magics import cell_magic, mask

SUFFIX = ".ipynb"


def is_notebook(path: str) -> bool:
    return path.lower().endswith(SUFFIX)


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based among all cells
    kind: str  # "code", "markdown" or "raw"
    source: str
    language: str | None = None  # the cell's own language, where the notebook names one


@dataclass(frozen=True)
class Part:
    """One cell of the module: where its masked text starts (offset, 1-based line) and its size."""

    cell: Cell
    masked: str
    start: int
    line: int
    lines: int
    header: bool  # its first line is a cell magic (`%%time`): nothing can go before it


@dataclass
class CellMap:
    """Module lines and offsets to cells, and back."""

    parts: list[Part] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lines = [p.line for p in self.parts]

    def part_at_line(self, line: int) -> Part:
        return self.parts[max(bisect.bisect_right(self._lines, line) - 1, 0)]

    def cell_of(self, line: int) -> tuple[int, int]:
        """(cell number, line in the cell) of a module line."""
        part = self.part_at_line(line)
        return part.cell.number, line - part.line + 1

    def where(self, line: int) -> str:
        cell, line = self.cell_of(line)
        return f"cell {cell}, line {line}"

    def part_at_offset(self, start: int, end: int) -> Part | None:
        """The part holding text[start:end]; a zero-width span between two cells goes to the later."""
        for part in reversed(self.parts):
            if part.start <= start and end <= part.start + len(part.masked):
                return part
        return None


@dataclass(frozen=True)
class Module:
    text: str
    cells: CellMap
    errors: tuple[str, ...]  # one line each: "cell 3: syntax error at line 2, column 7: ..."
    broken: tuple[int, ...] = ()  # the numbers of the cells left out because they don't parse


class Notebook:
    def __init__(self, cells: list[Cell], language: str | None = None) -> None:
        self.cells = cells
        self.language = language  # the kernel's language; None: not said, taken as Python

    @property
    def skip_reason(self) -> str | None:
        """Why the notebook is not analysed at all (its kernel's language), or None."""
        if self.language is None or _is_python(self.language):
            return None
        return f"skipped: the notebook's language is {self.language}, not Python"

    def python_cells(self) -> list[tuple[Cell, str]]:
        """Each code cell that is Python, with its masked text."""
        found = []
        for cell in self.cells:
            if cell.kind != "code" or (cell.language is not None and not _is_python(cell.language)):
                continue
            masked = mask(cell.source)
            if masked is not None:
                found.append((cell, masked))
        return found

    @cached_property
    def module(self) -> Module:
        pieces: list[tuple[Cell, str]] = []
        errors, broken = [], []
        cells = self.python_cells()
        check = any(GATE.search(masked) for _, masked in cells)  # as for a script: no framework, no parse
        for cell, masked in cells:
            if not masked.strip():
                continue
            if check:
                try:
                    compile(opener(masked) + masked, f"cell {cell.number}", "exec",
                            ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
                except SyntaxError as exc:
                    if exc.lineno and opener(masked):
                        exc.lineno -= 1
                    errors.append(f"cell {cell.number}: {syntax_error(exc)}")
                    broken.append(cell.number)
                    continue
                except (ValueError, RecursionError, MemoryError) as exc:  # a NUL byte, absurd nesting
                    errors.append(f"cell {cell.number}: cannot parse: {type(exc).__name__}")
                    broken.append(cell.number)
                    continue
            pieces.append((cell, masked))
        parts, texts, offset, line = [], [], 0, 1
        for cell, masked in pieces:
            text = masked if masked.endswith(("\n", "\r")) else masked + "\n"
            lines = len(NEWLINE.findall(text))
            if opener(masked):  # a line of its own before the cell, in no cell
                texts.append(opener(masked))
                offset, line = offset + len(opener(masked)), line + 1
            parts.append(Part(cell, masked, offset, line, lines, cell_magic(cell.source) is not None))
            texts.append(text)
            offset += len(text)
            line += lines
        return Module("".join(texts), CellMap(parts), tuple(errors), tuple(broken))

    def with_sources(self, sources: dict[int, str]) -> Notebook:
        """The same notebook with new sources for some cells (by number)."""
        cells = [Cell(c.number, c.kind, sources.get(c.number, c.source), c.language) for c in self.cells]
        return Notebook(cells, self.language)


def opener(masked: str) -> str:
    """"if 1:\n" for a cell whose first line is indented, which IPython runs dedented: an opening
    line of a block makes it Python without moving a column of the cell; else ""."""
    return "if 1:\n" if masked[:1] in (" ", "\t") and masked.split("\n", 1)[0].strip() else ""


def _is_python(language: str) -> bool:
    return language.strip().lower() in ("python", "python3", "python2", "ipython", "ipython3", "py")
