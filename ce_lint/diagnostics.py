"""What the core reports: diagnostics, their fixes, and the errors of a file that can't be read."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# What an error that is ce-lint's own bug asks for.
REPORT_HINT = "please report it with the file that triggers it"


class Severity(str, enum.Enum):
    ERROR = "error"  # the model cannot learn, or the reported number is wrong
    WARNING = "warning"  # likely wrong, depends on intent


class Applicability(str, enum.Enum):
    SAFE = "safe"  # inference output and interface unchanged, one plausible intent
    UNSAFE = "unsafe"  # changes what the model outputs


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (1-based lines, 0-based columns) by `content`."""

    content: str
    line: int
    col: int
    end_line: int
    end_col: int
    cell: int | None = None  # in a notebook: the cell (1-based among all cells) the lines count in


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Related:
    """Another place a finding involves (the other half of a pair: the output layer of a loss
    finding, the loss of an activation finding, the targets that show the encoding), with what it
    is; in the finding's own file unless `path` says otherwise; positions as the finding's."""

    message: str
    line: int
    col: int
    end_line: int
    end_col: int
    cell: int | None = None
    path: str | None = None
    file_line: int | None = None  # in a notebook, as Diagnostic's


@dataclass(frozen=True)
class Diagnostic:
    """One finding. Lines are 1-based, columns 0-based; front ends convert at their edge. In a
    notebook, `cell` is the cell's number (1-based among all cells), lines count within the cell,
    and `file_line` is the line of the .ipynb file where the finding's first line is written.
    `message` says what is wrong and what follows from it; `fix_title` what to do; `related` the
    other places the message names."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    code: str
    message: str
    severity: Severity
    fix: Fix | None = None
    cell: int | None = None
    file_line: int | None = None
    fix_title: str | None = None  # what to do (Ruff's "help:"); the fix's title when there is a fix
    related: tuple[Related, ...] = ()

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.path, self.cell or 0, self.line, self.col, self.code)


def applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    """Whether --fix applies the finding's fix (`unsafe`: unsafe fixes too)."""
    fix = diagnostic.fix
    return fix is not None and (fix.applicability is Applicability.SAFE or unsafe)


class FileError(Exception):
    """A file that cannot be read, decoded or parsed; reported as one line, never a traceback."""
