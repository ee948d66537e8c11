"""One file from start to end, the same for every front end (the command, flake8, pylint and the
language server): decode it (a script, or a notebook's code cells), take the settings for its path
(per-file ignores), apply fixes round after round when asked, then report the findings of the
final text with `# noqa` applied. engine.py analyses one module's text; this module chooses the
text and maps what it finds back to the file (a notebook's findings to cells).
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

import libcst as cst

from .config import Settings
from .diagnostics import Diagnostic, Edit, Fix, Related, applicable
from .engine import Result, decode, encoding_of, lint, on_large_stack
from .fixes import MAX_ROUNDS, apply_edits, choose_edits, splice
from .lines import split_lines
from .notebooks import Notebook, Part, ipynb, is_notebook, opener
from .notebooks.magics import mask

if TYPE_CHECKING:
    from .rules import Rule

if TYPE_CHECKING:
    from .incremental import Chunks


@dataclass(frozen=True)
class Change:
    """What fixing changed in one part of a file: the whole script, or one notebook cell."""

    label: str  # the path, or "path:cell N"
    before: str
    after: str
    cell: int | None = None


@dataclass
class Report:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each, without the path
    notes: list[str] = field(default_factory=list)  # said once, not errors (a notebook in R is skipped)
    fixed: int = 0
    changes: list[Change] = field(default_factory=list)
    data: bytes | None = None  # the fixed file's bytes, when fixes changed it (check_bytes)
    internal: bool = False  # an error that is ce-lint's own bug


def check_bytes(data: bytes, path: str, settings: Settings, mode: str = "check", unsafe: bool | None = None,
                rules: list[Rule] | None = None, apply_noqa: bool = True) -> Report:
    """Check a file's bytes; a path ending in .ipynb is a notebook. mode: "check", "fix" (fix, then
    report what is left; `data` holds the fixed bytes) or "diff" (only fix). Raises FileError."""
    if is_notebook(path):
        notebook, file = ipynb.read(data)
        report = check_notebook(notebook, path, settings, mode, unsafe, rules, apply_noqa, file)
        if report.changes:
            report.data = file.rewrite({c.cell: c.after for c in report.changes if c.cell is not None})
        return report
    text = decode(data)
    report = check_text(text, path, settings, mode, unsafe, rules, apply_noqa)
    if report.changes:
        report.data = report.changes[0].after.encode(encoding_of(data))
    return report


def check_text(text: str, path: str, settings: Settings, mode: str = "check", unsafe: bool | None = None,
               rules: list[Rule] | None = None, apply_noqa: bool = True, chunks: Chunks | None = None) -> Report:
    """Check a script's text (editors and flake8 have it decoded already; the language server keeps
    its parsed statements in `chunks`, incremental.py)."""
    return _run(_Script(text), path, settings, mode, unsafe, rules, apply_noqa, chunks)


def check_notebook(notebook: Notebook, path: str, settings: Settings, mode: str = "check",
                   unsafe: bool | None = None, rules: list[Rule] | None = None, apply_noqa: bool = True,
                   file: ipynb.NotebookFile | None = None, chunks: Chunks | None = None) -> Report:
    """Check a notebook's code cells as one module; findings come with their cell and cell-relative
    positions (`file`, when given, adds the line of the .ipynb where each is written)."""
    if notebook.skip_reason:
        return Report(notes=[notebook.skip_reason])
    return _run(_Cells(notebook, file), path, settings, mode, unsafe, rules, apply_noqa, chunks)


def fix_text(text: str, path: str, settings: Settings = Settings(), unsafe: bool = False) -> tuple[str, int]:
    """A script with every applicable fix applied: (new text, fixes applied)."""
    report = check_text(text, path, settings, "diff", unsafe)
    return (report.changes[0].after if report.changes else text), report.fixed


def _run(document: _Document, path: str, settings: Settings, mode: str, unsafe: bool | None,
         rules: list[Rule] | None, apply_noqa: bool, chunks: Chunks | None = None) -> Report:
    """Fix round after round (the document knows how to apply edits: to a script, or to the cells they
    fall in), then lint what is left."""
    settings = settings.for_path(path)
    unsafe = settings.unsafe_fixes if unsafe is None else unsafe
    original, fixed = document, 0
    if mode != "check":
        for _ in range(MAX_ROUNDS):
            result = document.lint(path, settings, rules, True, chunks)
            fixes = [document.placed(d.fix) for d in result.diagnostics if d.fix is not None and applicable(d, unsafe)]
            new, count = document.apply(fixes) if fixes else (None, 0)
            if new is None:
                break
            document, fixed = new, fixed + count
    report = Report(fixed=fixed, changes=original.changes(document, path) if fixed else [])
    report.errors += document.errors
    if mode != "diff":
        result = document.lint(path, settings, rules, apply_noqa, chunks)
        report.diagnostics = [document.located(d) for d in result.diagnostics]
        report.errors += result.errors
        report.internal = bool(result.errors)
    return report


class _Script:
    errors: tuple[str, ...] = ()

    def __init__(self, text: str) -> None:
        self.text = text

    def lint(self, path: str, settings: Settings, rules: list[Rule] | None, apply_noqa: bool,
             chunks: Chunks | None = None) -> Result:
        return lint(self.text, path, settings, rules, apply_noqa, chunks=chunks)

    def placed(self, fix: Fix) -> Fix:
        return fix

    def located(self, diagnostic: Diagnostic) -> Diagnostic:
        return diagnostic

    def apply(self, fixes: list[Fix]) -> tuple[_Script | None, int]:
        """The text with the fixes applied, or None when nothing changes or the result would not parse."""
        new, count = apply_edits(self.text, fixes)
        if count == 0 or new == self.text or not _parses(new):
            return None, 0
        return _Script(new), count

    def changes(self, fixed: _Script, path: str) -> list[Change]:
        return [Change(path, self.text, fixed.text)]


class _Cells:
    """A notebook's Python cells as one module (notebooks.Notebook.module)."""

    def __init__(self, notebook: Notebook, file: ipynb.NotebookFile | None = None) -> None:
        self.notebook = notebook
        self.file = file
        module = notebook.module
        self.text, self.cells, self.errors = module.text, module.cells, module.errors

    def lint(self, path: str, settings: Settings, rules: list[Rule] | None, apply_noqa: bool,
             chunks: Chunks | None = None) -> Result:
        return lint(self.text, path, settings, rules, apply_noqa, self.cells, chunks)

    def apply(self, fixes: list[Fix]) -> tuple[_Cells | None, int]:
        """Each fix's edits applied to the sources of the cells they fall in; None when nothing
        changes or an edited cell would not parse."""
        spans, count = choose_edits(self.text, fixes)
        by_cell: dict[int, tuple[Part, list[tuple[int, int, str]]]] = {}
        for start, end, content in spans:
            part = self.cells.part_at_offset(start, end)
            if part is None:
                return None, 0
            by_cell.setdefault(part.cell.number, (part, []))[1].append((start - part.start, end - part.start, content))
        sources = {}
        for number, (part, local) in by_cell.items():
            new = splice(part.cell.source, local)  # masking keeps every offset, so the cell's own text takes them
            masked = mask(new)
            if new != part.cell.source:
                if masked is None or not _parses(opener(masked) + masked):
                    return None, 0
                sources[number] = new
        if not sources:
            return None, 0
        return _Cells(self.notebook.with_sources(sources), self.file), count

    def changes(self, fixed: _Cells, path: str) -> list[Change]:
        return [Change(f"{path}:cell {a.number}", a.source, b.source, a.number)
                for a, b in zip(self.notebook.cells, fixed.notebook.cells) if a.source != b.source]

    # positions

    def located(self, diagnostic: Diagnostic) -> Diagnostic:
        """A finding with its cell and lines counted in the cell, its fix's edits likewise."""
        part = self.cells.part_at_line(diagnostic.line)
        fix = self.placed(diagnostic.fix) if diagnostic.fix is not None else None
        if fix is not None:
            fix = dataclasses.replace(fix, edits=tuple(self._edit_in_cell(e) for e in fix.edits))
        line = diagnostic.line - part.line + 1
        related = tuple(self._related_in_cell(r) for r in diagnostic.related)
        return dataclasses.replace(
            diagnostic, line=line, end_line=diagnostic.end_line - part.line + 1, fix=fix, cell=part.cell.number,
            file_line=self.file.file_line(part.cell.number, line) if self.file is not None else None, related=related)

    def _related_in_cell(self, related: Related) -> Related:
        part = self.cells.part_at_line(related.line)
        line = related.line - part.line + 1
        file_line = self.file.file_line(part.cell.number, line) if self.file is not None else None
        return dataclasses.replace(related, line=line, end_line=related.end_line - part.line + 1, cell=part.cell.number,
                                   file_line=file_line)

    def _edit_in_cell(self, edit: Edit) -> Edit:
        part = self.cells.part_at_line(edit.line)
        return dataclasses.replace(edit, line=edit.line - part.line + 1, end_line=edit.end_line - part.line + 1,
                                   cell=part.cell.number)

    # where an import a fix needs goes

    def placed(self, fix: Fix) -> Fix:
        """The fix with the imports it adds moved into the first cell that holds imports (after its
        leading run of them), or to the start of the first code cell when the fix's code comes first."""
        imports = [e for e in fix.edits if _adds_imports(e)]
        if not imports:
            return fix
        others = [e for e in fix.edits if e not in imports]
        content = "".join(e.content for e in imports)
        after = self._after_imports
        if after is not None and all(after[0] < e.line for e in others):
            line, col = after
            edit = Edit("\n" + content.rstrip("\n"), line, col, line, col)
        else:
            first = next((p for p in self.cells.parts if p.lines > p.header), self.cells.parts[0])
            line = first.line + first.header
            edit = Edit(content, line, 0, line, 0)
        return dataclasses.replace(fix, edits=(*others, edit))

    @cached_property
    def _after_imports(self) -> tuple[int, int] | None:
        """The end (module line, column) of the first run of top-level imports in the first cell
        that holds one; cell magics' masked lines may stand between them."""
        for part in self.cells.parts:
            try:
                body = ast.parse(part.masked).body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            last = None
            for stmt in body:
                if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    last = stmt
                elif last is not None and not _masked_line(stmt):
                    break
            if last is not None:
                end = last.end_lineno or last.lineno
                return part.line + end - 1, len(split_lines(part.masked)[end - 1])
        return None


# A script or a notebook's cells: _run fixes and lints either, each change against its own kind.
_Document = TypeVar("_Document", _Script, _Cells)

def _adds_imports(edit: Edit) -> bool:
    """Whether an edit is fixes.to_fix's insertion of whole import lines."""
    return (edit.line == edit.end_line and edit.col == edit.end_col == 0 and edit.content.endswith("\n")
            and all(line.startswith(("import ", "from ")) for line in edit.content.splitlines()))


def _masked_line(stmt: ast.stmt) -> bool:
    """A masked IPython line (`0`), or a docstring-like string."""
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _parses(text: str) -> bool:
    try:
        on_large_stack(cst.parse_module, text)
    except (cst.ParserSyntaxError, cst.CSTValidationError, RecursionError):
        return False
    return True

