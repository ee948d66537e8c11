"""The language server's incremental parse (ce_lint/incremental.py) against libcst's parse of the whole
text, on every Python file under the folders given: the assembled module must equal the whole parse
(libcst's deep_equals) and give back the same code. Prints each file that differs or that had to be
parsed whole, then one line of counts.

    python benchmarks/incremental_equivalence.py benchmarks/corpus/src
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import libcst as cst

from ce_lint import limits
from ce_lint.diagnostics import FileError
from ce_lint.incremental import Chunks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    chunks = Chunks()
    counts = {"files": 0, "differ": 0, "parsed whole": 0, "not split": 0, "skipped": 0}
    for path in sorted(p for folder in args.folders for p in folder.rglob("*.py")):
        try:
            source = path.read_text(encoding="utf-8")
            split = chunks.split(source, limits.parse(source, str(path)))
            whole = cst.parse_module(source)
        except (UnicodeDecodeError, FileError, cst.ParserSyntaxError, RecursionError):
            counts["skipped"] += 1  # not text, not Python, or not libcst's: the server reports it as the command does
            continue
        counts["files"] += 1
        if split is None:
            counts["not split"] += 1
            print(f"not split: {path}")
            continue
        module = split.parse()
        if split.whole:
            counts["parsed whole"] += 1
            print(f"parsed whole: {path}")
        elif not (module.code == whole.code and module.deep_equals(whole)):
            counts["differ"] += 1
            print(f"DIFFERS: {path}")
    print(", ".join(f"{name}: {count}" for name, count in counts.items()))
    return 1 if counts["differ"] else 0


if __name__ == "__main__":
    sys.exit(main())
