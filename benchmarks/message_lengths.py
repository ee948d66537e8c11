"""How long the messages are: every finding of every fixture (scripts and notebooks), linted with
every rule enabled under several Keras versions (the messages that depend on the version differ),
as the distribution of the distinct messages' lengths in characters.

    .venv/bin/python benchmarks/message_lengths.py [--list]
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from ce_lint.config import Settings
from ce_lint.core import check_bytes
from ce_lint.diagnostics import FileError

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ("3", "3.4", "2.3", "2.2", "tf-2.1", "tf-2.15")


def messages() -> dict[tuple[str, str], str]:
    """(code, message) of every distinct finding, with one place that reports it."""
    found: dict[tuple[str, str], str] = {}
    paths = sorted(p for p in (ROOT / "fixtures").rglob("*") if p.suffix in (".py", ".ipynb")
                   and not p.name.endswith(".fixed.py"))
    for version in VERSIONS:
        settings = Settings(select=("",), keras_version=version)
        for path in paths:
            try:
                report = check_bytes(path.read_bytes(), str(path.relative_to(ROOT)), settings)
            except FileError:
                continue
            for d in report.diagnostics:
                found.setdefault((d.code, d.message), f"{d.path}:{d.line}")
    return found


if __name__ == "__main__":
    found = messages()
    lengths = sorted(len(message) for _, message in found)
    print(f"{len(lengths)} distinct messages: {lengths[0]}-{lengths[-1]} characters, "
          f"median {statistics.median(lengths):g}, over 120: {sum(n > 120 for n in lengths)}")
    if "--list" in sys.argv:
        for (code, message), where in sorted(found.items(), key=lambda item: -len(item[0][1])):
            print(f"{len(message):4} {code} {message}  [{where}]")
