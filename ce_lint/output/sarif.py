"""SARIF 2.1.0: one log, one run; the driver lists every rule, results point at them. Columns are
Unicode code points (columnKind), 1-based, the end exclusive."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..diagnostics import Diagnostic, Related, Severity
from .common import message_in_file

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/ce-lint/ce-lint"


def render_sarif(diagnostics: list[Diagnostic], errors: Sequence[str] = ()) -> str:
    return json.dumps(to_sarif(diagnostics, errors), indent=2)


def _level(severity: Severity) -> str:
    return "error" if severity == Severity.ERROR else "warning"


def _artifact(path: str) -> dict[str, Any]:
    """A relative path stays relative to the checkout (%SRCROOT%), as code scanning expects;
    an absolute one becomes a file: URI. Both are percent-encoded from the file name's bytes, which
    need not be UTF-8."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(os.fsencode(Path(os.path.normpath(path)).as_posix())), "uriBaseId": "%SRCROOT%"}


def to_sarif(diagnostics: list[Diagnostic], errors: Sequence[str] = ()) -> dict[str, Any]:
    """One SARIF 2.1.0 log with one run; the driver lists every rule, results point at them."""
    from ..rules import all_rules

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
        "message": {"text": message_in_file(d)},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(d.path), "region": _region(d)}}],
        **({"relatedLocations": [{
            "id": number,
            "physicalLocation": {"artifactLocation": _artifact(r.path or d.path), "region": _region(r)},
            "message": {"text": r.message if r.cell is None else f"cell {r.cell}, line {r.line}: {r.message}"},
        } for number, r in enumerate(d.related, start=1)]} if d.related else {}),
        **({"properties": {"fixTitle": d.fix_title}} if d.fix_title else {}),
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


def _region(d: Diagnostic | Related) -> dict[str, Any]:
    """Where in the file: for a notebook, the line of the .ipynb where the finding's line is written
    (columns in the JSON text are not the code's, so none are given; a related place names its cell
    and line in its message)."""
    if d.cell is not None:
        return {"startLine": d.file_line or 1}
    return {"startLine": d.line, "startColumn": d.col + 1, "endLine": d.end_line, "endColumn": d.end_col + 1}
