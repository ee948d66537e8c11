"""Shared by the tests: where things are, and the inline expectations of fixture files
(`# expect: CE101, CE103` and `# ok: CE101` comments)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

MARKER = re.compile(r"#\s*(expect|ok):\s*(CE\d{3}(?:\s*,\s*CE\d{3})*)")


def markers(path: Path) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """(expected, near misses): sets of (line, code)."""
    expected, near = set(), set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for kind, codes in MARKER.findall(line):
            target = expected if kind == "expect" else near
            target.update((number, code.strip()) for code in codes.split(","))
    return expected, near


NOTEBOOKS = FIXTURES / "notebooks"


def notebook_markers(path: Path) -> tuple[set[tuple[int, int, str]], set[tuple[int, int, str]]]:
    """(expected, near misses) of a notebook: sets of (cell, line in the cell, code)."""
    import json

    expected, near = set(), set()
    for cell_number, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"], start=1):
        for number, line in enumerate("".join(cell["source"]).splitlines(), start=1):
            for kind, codes in MARKER.findall(line):
                target = expected if kind == "expect" else near
                target.update((cell_number, number, code.strip()) for code in codes.split(","))
    return expected, near
