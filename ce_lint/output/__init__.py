"""The output formats of `ce-lint check`, as Ruff names them: full (the default on a terminal: source
context, the range underlined), concise (one line each), json (Ruff's shape), json-lines, junit,
gitlab, pylint, sarif (2.1.0) and github (Actions annotations)."""

from __future__ import annotations

from collections.abc import Sequence

from ..diagnostics import Diagnostic
from .colour import PLAIN, Palette
from .common import message_in_file, printable
from .full import Source, full_report
from .lines import github_annotation, pylint_line, text_line
from .reports import to_gitlab, to_json, to_json_lines, to_junit
from .sarif import render_sarif, to_sarif

FORMATS = ("full", "concise", "json", "json-lines", "junit", "gitlab", "pylint", "sarif", "github")
ALIASES = {"text": "concise"}  # the name before there were two
DOCUMENTS = ("json", "sarif", "gitlab", "junit")  # printed even when there are no findings: a valid empty report

__all__ = ["ALIASES", "DOCUMENTS", "FORMATS", "Palette", "github_annotation", "message_in_file", "printable",
           "render", "text_line", "to_json", "to_sarif"]


def render(fmt: str, diagnostics: list[Diagnostic], errors: Sequence[str] = (), unsafe_fixes: bool = False,
           palette: Palette = PLAIN, source: Source | None = None, files: Sequence[str] = ()) -> str:
    """The whole report in one format, without a trailing newline. `errors` are the one-line messages
    of files that could not be checked (only SARIF carries them, as notifications); `source` gives
    the full format its lines of code; `files`, every file checked (JUnit lists the clean ones)."""
    fmt = ALIASES.get(fmt, fmt)
    if fmt == "json":
        return to_json(diagnostics)
    if fmt == "json-lines":
        return to_json_lines(diagnostics)
    if fmt == "sarif":
        return render_sarif(diagnostics, errors)
    if fmt == "gitlab":
        return to_gitlab(diagnostics)
    if fmt == "junit":
        return to_junit(diagnostics, files)
    if fmt == "github":
        return "\n".join(github_annotation(d) for d in diagnostics)
    if fmt == "pylint":
        return "\n".join(pylint_line(d) for d in diagnostics)
    if fmt == "full":
        return full_report(diagnostics, source or (lambda path, cell: None), unsafe_fixes, palette)
    return "\n".join(text_line(d, unsafe_fixes, palette) for d in diagnostics)
