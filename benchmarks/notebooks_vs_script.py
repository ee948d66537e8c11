"""ce-lint's notebook support against the obvious alternative, notebook by notebook: extract the
code cells to a script as `jupyter nbconvert --to script` does (IPython's own transformer turns
magics into `get_ipython()` calls), lint the script, and map its lines back to cells.

    pip install ipython   # into the environment that has ce-lint, for the baseline only
    python benchmarks/notebooks_vs_script.py FOLDER [FOLDER ...]

The baseline is given every chance: a cell that doesn't parse after IPython's transform is left
out of the script (nbconvert would keep it, and then the whole script fails to parse: the totals
count those notebooks and the findings such a script would lose). For each notebook it prints
what only one side finds; at the end, the totals. ce-lint must find everything the baseline
finds, at the same cell and line. Nothing is written.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ce_lint.config import Settings  # noqa: E402
from ce_lint.core import check_bytes, check_text  # noqa: E402
from ce_lint.diagnostics import FileError  # noqa: E402
from ce_lint.notebooks import ipynb  # noqa: E402

MAGIC = re.compile(r"^\s*(%|!)|^[\w.]+\s*=\s*!|\?\s*$", re.M)


def baseline(path: Path, settings: Settings) -> tuple[set[tuple], int, bool]:
    """(findings as (cell, line or None, code), cells left out, whether the script as nbconvert
    writes it, every cell kept, parses at all) of the extracted script."""
    from IPython.core.inputtransformer2 import TransformerManager

    notebook, _ = ipynb.read(path.read_bytes())
    if notebook.skip_reason:
        return set(), 0, True
    transform = TransformerManager().transform_cell
    pieces, where, dropped, whole = [], [], 0, True
    for cell in notebook.cells:
        if cell.kind != "code" or not cell.source.strip():
            continue
        try:
            code = transform(cell.source)
            ast.parse(code)
        except (SyntaxError, ValueError):  # IPython can't make Python of it either
            dropped += 1
            whole = False
            continue
        code = code if code.endswith("\n") else code + "\n"
        same_lines = code.count("\n") == cell.source.count("\n") + (not cell.source.endswith("\n"))
        where += [(cell.number, i + 1 if same_lines else None) for i in range(code.count("\n"))]
        pieces.append(code)
    script = "".join(pieces)
    try:
        report = check_text(script, str(path.with_suffix(".py")), settings)
    except FileError:
        return set(), dropped, False
    return {(*where[d.line - 1], d.code) for d in report.diagnostics}, dropped, whole


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    settings = Settings(keras_version="3")
    paths = sorted(p for folder in args.folders for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    totals = dict(notebooks=0, skipped=0, unreadable=0, cells=0, ours=0, theirs=0, missed=0, extra=0,
                  broken_cells=0, baseline_dropped=0, with_magics=0, whole_script_fails=0,
                  findings_lost_by_whole_script=0)
    seconds = 0.0
    for path in paths:
        data = path.read_bytes()
        started = time.perf_counter()
        try:
            report = check_bytes(data, str(path), settings)
        except FileError as exc:
            totals["unreadable"] += 1
            print(f"{path}: unreadable: {exc}")
            continue
        seconds += time.perf_counter() - started
        totals["notebooks"] += 1
        totals["skipped"] += bool(report.notes)
        totals["cells"] += sum(c.kind == "code" for c in ipynb.read(data)[0].cells)
        totals["broken_cells"] += len(report.errors)
        ours = {(d.cell, d.line, d.code) for d in report.diagnostics}
        theirs, dropped, whole = baseline(path, settings)
        totals["baseline_dropped"] += dropped
        totals["whole_script_fails"] += not whole
        totals["findings_lost_by_whole_script"] += 0 if whole else len(ours)
        totals["with_magics"] += any(c.kind == "code" and MAGIC.search(c.source) for c in ipynb.read(data)[0].cells)
        missed = {f for f in theirs if f not in ours and not (f[1] is None and any(o[0] == f[0] and o[2] == f[2]
                                                                                     for o in ours))}
        extra = {f for f in ours if f not in theirs and (f[0], None, f[2]) not in theirs}
        totals["ours"] += len(ours)
        totals["theirs"] += len(theirs)
        totals["missed"] += len(missed)
        totals["extra"] += len(extra)
        if missed or extra or report.errors:
            print(f"{path}: ce-lint {len(ours)}, script {len(theirs)}; only the script: {sorted(missed, key=str)}; "
                  f"only ce-lint: {sorted(extra, key=str)}; {' / '.join(report.errors)}")
    print(json.dumps(totals))
    print(f"ce-lint on the notebooks: {seconds:.2f} s in one process")
    return 1 if totals["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
