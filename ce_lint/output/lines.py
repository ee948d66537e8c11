"""The formats of one line per finding: concise (`path:line:col: CODE message`), pylint's and GitHub
Actions' workflow commands."""

from __future__ import annotations

from ..diagnostics import Diagnostic, Severity, applicable
from .colour import PLAIN, Palette
from .common import cell_prefix, message_in_file, printable


def text_line(d: Diagnostic, unsafe_fixes: bool = False, palette: Palette = PLAIN) -> str:
    marker = "[*] " if applicable(d, unsafe_fixes) else ""
    where = palette.bold(f"{printable(d.path)}") + palette.cyan(":") + f"{cell_prefix(d)}{d.line}" \
        + palette.cyan(":") + f"{d.col + 1}" + palette.cyan(":")
    return f"{where} {palette.red(d.code)} {palette.cyan(marker.strip()) + ' ' if marker else ''}{printable(d.message)}"


def pylint_line(d: Diagnostic) -> str:
    """pylint's parseable form, as Ruff writes it: path:line: [CODE] message."""
    return f"{printable(d.path)}:{cell_prefix(d)}{d.line}: [{d.code}] {printable(d.message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(d: Diagnostic) -> str:
    """A GitHub Actions workflow command: the finding shows on the pull request's diff."""
    kind = "error" if d.severity == Severity.ERROR else "warning"
    where = (f"line={d.file_line or 1}" if d.cell is not None else
             f"line={d.line},col={d.col + 1},endLine={d.end_line},endColumn={d.end_col + 1}")
    props = f"title={_escape_property(f'ce-lint ({d.code})')},file={_escape_property(printable(d.path))},{where}"
    return f"::{kind} {props}::{_escape_data(message_in_file(d))}"
