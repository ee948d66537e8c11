"""Shared by the tests: where things are, and the inline expectations of fixture files
(`# expect: CE101[unsafe], CE103[safe]` and `# ok: CE101` comments; the bracket says how the
finding's fix is graded: `safe`, `unsafe`, or `no-fix`)."""

from __future__ import annotations

import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

_CODE = r"CE\d{3}(?:\[[a-z-]+\])?"
MARKER = re.compile(rf"#\s*(expect|ok):\s*({_CODE}(?:\s*,\s*{_CODE})*)")
FIX_GRADES = ("safe", "unsafe", "no-fix")


def marked(path: Path) -> tuple[dict[tuple[int, str], str | None], set[tuple[int, str]]]:
    """(expected, near misses): expected maps (line, code) to the fix grade the marker gives (None: not
    given); near misses are (line, code) pairs."""
    expected: dict[tuple[int, str], str | None] = {}
    near: set[tuple[int, str]] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for kind, codes in MARKER.findall(line):
            for item in codes.split(","):
                code, _, grade = item.strip().rstrip("]").partition("[")
                if kind == "expect":
                    expected[(number, code)] = grade or None
                else:
                    near.add((number, code))
    return expected, near


def markers(path: Path) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """(expected, near misses): sets of (line, code)."""
    expected, near = marked(path)
    return set(expected), near


NOTEBOOKS = FIXTURES / "notebooks"


def notebook_markers(path: Path) -> tuple[set[tuple[int, int, str]], set[tuple[int, int, str]]]:
    """(expected, near misses) of a notebook: sets of (cell, line in the cell, code)."""
    import json

    expected, near = set(), set()
    for cell_number, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"], start=1):
        for number, line in enumerate("".join(cell["source"]).splitlines(), start=1):
            for kind, codes in MARKER.findall(line):
                target = expected if kind == "expect" else near
                target.update((cell_number, number, code.strip().split("[")[0]) for code in codes.split(","))
    return expected, near


def undefined_names(source: str) -> set[str]:
    """The names pyflakes reports as undefined (not its notice that a star import hides them)."""
    import io

    from pyflakes.api import check
    from pyflakes.reporter import Reporter

    out = io.StringIO()
    check(source, "x.py", Reporter(out, io.StringIO()))
    return {line.split("undefined name ")[1].strip("'") for line in out.getvalue().splitlines()
            if "undefined name '" in line}


# How a file looks half-edited, as an editor sends it; the fuzzer adds stray characters and noqa comments.
EDITS = ("drop", "duplicate", "swap", "truncate", "dedent", "cut")
FUZZ_EDITS = (*EDITS, "char", "noqa", "formfeed")


def mutate(lines: list[str], rng: random.Random, kinds: tuple[str, ...] = EDITS, edits: int = 1) -> str:
    """The text of `lines` after `edits` random edits of the given kinds."""
    mutated = list(lines)
    for _ in range(edits):
        if not mutated:
            break
        i, j = rng.randrange(len(mutated)), rng.randrange(len(mutated))
        kind = rng.choice(kinds)
        if kind == "drop":
            del mutated[i]
        elif kind == "duplicate":
            mutated.insert(j, mutated[i])
        elif kind == "swap":
            mutated[i], mutated[j] = mutated[j], mutated[i]
        elif kind == "truncate":
            mutated[i] = mutated[i][: rng.randrange(len(mutated[i]) + 1)]
        elif kind == "dedent":
            mutated[i] = mutated[i].lstrip()
        elif kind == "cut":
            mutated = mutated[: max(i, j)]
        elif kind == "char":
            at = rng.randrange(len(mutated[i]) + 1)
            mutated[i] = mutated[i][:at] + rng.choice("()[]{},:=.'\"#\\ \t\x0c+-*") + mutated[i][at:]
        elif kind == "noqa":
            mutated[i] = mutated[i].rstrip("\n") + rng.choice(["  # noqa", "  # noqa: CE101", "  # noqa: CE1"]) + "\n"
        else:
            mutated.insert(i, "\x0c\n")
    return "".join(mutated)
