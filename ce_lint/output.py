"""Output formats of `ce-lint check`: text, JSON (Ruff's shape), SARIF 2.1.0 and GitHub annotations.

Diagnostics use 1-based lines and 0-based columns (counted in characters, i.e. Unicode code
points); every format here converts at its edge: the text, JSON, SARIF and GitHub columns are
1-based, and the end column is the first character after the finding (exclusive), as in Ruff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from . import __version__
from .diagnostics import Diagnostic, Severity
from .fixes import applicable

FORMATS = ("text", "json", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/ce-lint/ce-lint"


def render(fmt: str, diagnostics: list[Diagnostic], errors: list[str] = (), unsafe_fixes: bool = False) -> str:
    """The whole report in one format, without a trailing newline. `errors` are the one-line
    messages of files that could not be checked (only SARIF carries them, as notifications)."""
    if fmt == "json":
        return to_json(diagnostics)
    if fmt == "sarif":
        return json.dumps(to_sarif(diagnostics, errors), indent=2)
    if fmt == "github":
        return "\n".join(github_annotation(d) for d in diagnostics)
    return "\n".join(text_line(d, unsafe_fixes) for d in diagnostics)


def text_line(d: Diagnostic, unsafe_fixes: bool = False) -> str:
    marker = "[*] " if applicable(d, unsafe_fixes) else ""
    return f"{printable(d.path)}:{_cell(d)}{d.line}:{d.col + 1}: {d.code} {marker}{printable(d.message)}"


def _cell(d: Diagnostic) -> str:
    """Ruff's notebook form: path.ipynb:cell 3:2:9."""
    return f"cell {d.cell}:" if d.cell is not None else ""


def _message(d: Diagnostic) -> str:
    """The message, naming the cell and the position in it for formats that point at the notebook file."""
    return d.message if d.cell is None else f"cell {d.cell}, line {d.line}, column {d.col + 1}: {d.message}"


def printable(text: str) -> str:
    """A file name (or a message) as one line of printable text: a newline or another control character
    (a terminal escape), and a byte that isn't UTF-8 (which Python reads as a lone surrogate), are
    escaped as in a Python literal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escaped(c) for c in text)


def _escaped(char: str) -> str:
    if "\udc80" <= char <= "\udcff":  # os.fsdecode's spelling of an undecodable byte
        return f"\\x{ord(char) - 0xdc00:02x}"
    return char.encode("unicode_escape").decode("ascii")


def to_json(diagnostics: list[Diagnostic]) -> str:
    from .rules import RULES

    def fix(d: Diagnostic):
        if d.fix is None:
            return None
        return {"applicability": d.fix.applicability.value, "message": d.fix.message, "edits": [
            {"content": e.content, "location": {"row": e.line, "column": e.col + 1},
             "end_location": {"row": e.end_line, "column": e.end_col + 1},
             **({"cell": e.cell} if e.cell is not None else {})} for e in d.fix.edits]}

    return json.dumps([{
        "cell": d.cell,
        "code": d.code,
        "name": RULES[d.code].name,
        "message": d.message,
        "severity": d.severity.value,
        "filename": d.path,
        "location": {"row": d.line, "column": d.col + 1},
        "end_location": {"row": d.end_line, "column": d.end_col + 1},
        "fix": fix(d),
        "url": RULES[d.code].url,
    } for d in diagnostics], indent=2)


def _level(severity: Severity) -> str:
    return "error" if severity == Severity.ERROR else "warning"


def _artifact(path: str) -> dict:
    """A relative path stays relative to the checkout (%SRCROOT%), as code scanning expects;
    an absolute one becomes a file: URI. Both are percent-encoded from the file name's bytes, which
    need not be UTF-8."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(os.fsencode(Path(os.path.normpath(path)).as_posix())), "uriBaseId": "%SRCROOT%"}


def to_sarif(diagnostics: list[Diagnostic], errors: list[str] = ()) -> dict:
    """One SARIF 2.1.0 log with one run; the driver lists every rule, results point at them."""
    from .rules import all_rules

    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    driver = {
        "name": "ce-lint",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [{
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary[0].upper() + r.summary[1:] + "."},
            "helpUri": r.url,
            "help": {"text": f"See {r.url}", "markdown": f"[{r.code}: {r.name}]({r.url})"},
            "defaultConfiguration": {"enabled": r.default_enabled, "level": _level(r.severity)},
            "properties": {"tags": ["correctness"]},
        } for r in rules],
    }
    results = [{
        "ruleId": d.code,
        "ruleIndex": index[d.code],
        "level": _level(d.severity),
        "message": {"text": _message(d)},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(d.path), "region": _region(d)}}],
    } for d in diagnostics]
    invocation = {
        "executionSuccessful": not errors,
        "toolExecutionNotifications": [{"level": "error", "message": {"text": e}} for e in errors],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
            "invocations": [invocation],
            "results": results,
        }],
    }


def _region(d: Diagnostic) -> dict:
    """Where in the file: for a notebook, the line of the .ipynb where the finding's line is written
    (columns in the JSON text are not the code's, so none are given)."""
    if d.cell is not None:
        return {"startLine": d.file_line or 1}
    return {"startLine": d.line, "startColumn": d.col + 1, "endLine": d.end_line, "endColumn": d.end_col + 1}


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
    return f"::{kind} {props}::{_escape_data(_message(d))}"
