"""The output formats of `ce-lint check`, as Ruff names them: full (the default on a terminal: source
context, the range underlined), concise (one line each), json (Ruff's shape), json-lines, junit,
gitlab, pylint, sarif (2.1.0) and github (Actions annotations)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .colour import PLAIN, Palette
from .common import message_in_file, printable

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from .full import Source

FORMATS = ("full", "concise", "json", "json-lines", "junit", "gitlab", "pylint", "sarif", "github")
ALIASES = {"text": "concise"}  # the name before there were two
DOCUMENTS = ("json", "sarif", "gitlab", "junit")  # printed even when there are no findings: a valid empty report

__all__ = ["ALIASES", "DOCUMENTS", "FORMATS", "Palette", "github_annotation", "message_in_file", "printable",
           "render", "text_line", "to_json", "to_sarif"]
# Each format's module is imported when it is asked for: a run prints one format, or none.
_LAZY = {"github_annotation": "lines", "text_line": "lines", "to_json": "reports", "to_sarif": "sarif"}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)


def render(fmt: str, diagnostics: list[Diagnostic], errors: Sequence[str] = (), unsafe_fixes: bool = False,
           palette: Palette = PLAIN, source: Source | None = None, files: Sequence[str] = ()) -> str:
    """The whole report in one format, without a trailing newline. `errors` are the one-line messages
    of files that could not be checked (only SARIF carries them, as notifications); `source` gives
    the full format its lines of code; `files`, every file checked (JUnit lists the clean ones)."""
    fmt = ALIASES.get(fmt, fmt)
    if fmt in ("json", "json-lines", "gitlab", "junit"):
        from . import reports

        if fmt == "junit":
            return reports.to_junit(diagnostics, files)
        if fmt == "gitlab":
            return reports.to_gitlab(diagnostics)
        return reports.to_json(diagnostics) if fmt == "json" else reports.to_json_lines(diagnostics)
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(diagnostics, errors)
    from .lines import github_annotation, pylint_line, text_line

    if fmt == "github":
        return "\n".join(github_annotation(d) for d in diagnostics)
    if fmt == "pylint":
        return "\n".join(pylint_line(d) for d in diagnostics)
    if fmt == "full":
        from .full import full_report

        return full_report(diagnostics, source or (lambda path, cell: None), unsafe_fixes, palette)
    return "\n".join(text_line(d, unsafe_fixes, palette) for d in diagnostics)
