"""Machine-read reports: JSON (Ruff's shape), JSON Lines, JUnit XML and GitLab Code Quality."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ..catalog import DOCS_URL, RULES
from ..diagnostics import Diagnostic, Related, Severity
from .common import help_text, message_in_file, printable


def _position(row: int, col: int) -> dict[str, int]:
    return {"row": row, "column": col + 1}


def _related(r: Related, d: Diagnostic) -> dict[str, Any]:
    return {"message": r.message, "filename": r.path or d.path, "cell": r.cell, "location": _position(r.line, r.col),
            "end_location": _position(r.end_line, r.end_col)}


def as_object(d: Diagnostic) -> dict[str, Any]:
    """One finding as Ruff's JSON writes it, with ce-lint's additions (name, severity, cell)."""
    fix = None
    if d.fix is not None:
        fix = {"applicability": d.fix.applicability.value, "message": d.fix.message, "edits": [
            {"content": e.content, "location": _position(e.line, e.col),
             "end_location": _position(e.end_line, e.end_col),
             **({"cell": e.cell} if e.cell is not None else {})} for e in d.fix.edits]}
    return {
        "cell": d.cell,
        "code": d.code,
        "name": RULES[d.code][0],
        "message": d.message,
        "severity": d.severity.value,
        "filename": d.path,
        "location": _position(d.line, d.col),
        "end_location": _position(d.end_line, d.end_col),
        "fix": fix,
        "fix_title": d.fix_title,  # what to do (the fix's title when there is a fix)
        "related": [_related(r, d) for r in d.related],  # the other places the message names
        "url": DOCS_URL.format(code=d.code),
    }


def to_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([as_object(d) for d in diagnostics], indent=2)


def to_json_lines(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(json.dumps(as_object(d)) for d in diagnostics)


def to_gitlab(diagnostics: list[Diagnostic]) -> str:
    """GitLab's Code Quality report (a CodeClimate subset): each finding with a fingerprint that stays
    the same while the line moves, so the merge request shows new findings only."""
    seen: dict[str, int] = {}
    out = []
    for d in diagnostics:
        base = hashlib.sha256(f"{d.path}\0{d.cell}\0{d.code}\0{d.message}".encode("utf-8", "surrogateescape"))
        digest = base.hexdigest()
        seen[digest] = seen.get(digest, 0) + 1  # the same finding twice in a file: still two fingerprints
        fingerprint = hashlib.sha256(f"{digest}{seen[digest]}".encode()).hexdigest()[:32]
        line = d.file_line or 1 if d.cell is not None else d.line
        end = line if d.cell is not None else d.end_line
        out.append({
            "description": f"({d.code}) {message_in_file(d)}",
            "check_name": d.code,
            "fingerprint": fingerprint,
            "severity": "major" if d.severity == Severity.ERROR else "minor",
            "location": {"path": d.path, "lines": {"begin": line, "end": end}},
        })
    return json.dumps(out, indent=2)


def to_junit(diagnostics: list[Diagnostic], files: Sequence[str] = ()) -> str:
    """JUnit XML as CI servers read it: a test suite per file, a failed test case per finding; a file
    checked without findings is a suite with one passing case."""
    by_file: dict[str, list[Diagnostic]] = {path: [] for path in files}
    for d in diagnostics:
        by_file.setdefault(d.path, []).append(d)
    total = sum(len(found) or 1 for found in by_file.values())
    from xml.etree import ElementTree  # only JUnit's report needs it

    suites = ElementTree.Element("testsuites", name="ce-lint", tests=str(total), failures=str(len(diagnostics)),
                                 errors="0")
    for path, found in by_file.items():
        name = printable(path)
        suite = ElementTree.SubElement(suites, "testsuite", name=name, tests=str(len(found) or 1),
                                       failures=str(len(found)), errors="0")
        if not found:
            ElementTree.SubElement(suite, "testcase", name="ce-lint", classname=name)
        for d in found:
            case = ElementTree.SubElement(suite, "testcase", name=f"ce-lint.{d.code}", classname=name,
                                          line=str(d.line), column=str(d.col + 1))
            failure = ElementTree.SubElement(case, "failure", message=printable(d.message))
            where = f"cell {d.cell}, " if d.cell is not None else ""
            hint = help_text(d)
            failure.text = f"{where}line {d.line}, col {d.col + 1}, {printable(d.message)}" + (
                f"\nhelp: {printable(hint)}" if hint else "")
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode")
