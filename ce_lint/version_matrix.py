"""What the version matrix observed (docs/version-matrix.json, written by
`python tests/oracle_matrix/run.py`), rendered as docs/version-matrix.md and as the
"What happens per version and backend" section of each rule page. Nothing here is written by
hand: the observations and their wording come from the matrix run."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from .versions import loss_based_accuracy

DOCS = Path(__file__).resolve().parent.parent / "docs"
MATRIX_JSON = DOCS / "version-matrix.json"
PACKAGED_JSON = Path(__file__).resolve().parent / "data" / "version-matrix.json"  # in a wheel (setup.py)
MATRIX_PAGE = DOCS / "version-matrix.md"
SECTION = "## What happens per version and backend"


@functools.cache
def load() -> dict[str, Any] | None:
    """The committed observations (a source checkout's, else the copy a wheel carries), or None."""
    for path in (MATRIX_JSON, PACKAGED_JSON):
        try:
            loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return loaded
        except (OSError, ValueError):
            continue
    return None


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(entry: dict[str, Any]) -> str:
    lines = ["| version / backend | " + " | ".join(_cell(c) for c in entry["columns"]) + " |",
             "|---" * (len(entry["columns"]) + 1) + "|"]
    for row in entry["rows"]:
        values = row.get("values") or [f"not run: {row['not_run']}"] + [""] * (len(entry["columns"]) - 1)
        lines.append(f"| {_cell(row['label'])} | " + " | ".join(_cell(v) for v in values) + " |")
    return "\n".join(lines)


def rule_section(code: str, link: str = "../version-matrix.md") -> str:
    """The generated section of a rule page ('' when the matrix has nothing on the rule)."""
    matrix = load()
    entry = (matrix or {}).get("rules", {}).get(code)
    if matrix is None or not entry or not entry["rows"]:
        return ""
    when = matrix["run"].get("date", "?")
    return (f"{SECTION}\n"
            f"Observed by the [version matrix]({link}) (`{matrix['command']}`, run {when}); each row ran in "
            "its own environment with the pins listed there.\n\n" + table(entry) + "\n")


def assumption(cell: dict[str, Any]) -> str:
    """How ce-lint resolves a bare 'accuracy' for code that targets the cell: from the cell's
    keras-version (and TF1 graph mode, which a module shows by disabling eager execution)."""
    loss = loss_based_accuracy(cell["keras_version"], cell["api"] != "keras", cell["graph"])
    return "from the loss" if loss else "from the shapes"


def render_page() -> str:
    matrix = load()
    if matrix is None:
        return "# Version matrix\n\nNo observations: run `python tests/oracle_matrix/run.py`.\n"
    run = matrix["run"]
    out = ["# Version matrix", "",
           "What each rule's claim does on every Keras, TensorFlow, backend and PyTorch version the messages and "
           "rule pages name, observed by running it there. Generated from "
           "[version-matrix.json](version-matrix.json) by `python -m ce_lint.docs`; the observations come from "
           f"`{matrix['command']}`. Last full run: {run.get('date', '?')} on {run.get('machine', '?')}, "
           f"{run.get('seconds', '?')} s wall clock, building {len(run.get('environments built', []))} environments "
           f"first; with every environment cached in `.matrix/` a run is the cells' own time, "
           f"{round(sum(c.get('seconds', 0) for c in matrix['cells'].values()))} s.", "",
           "## Cells", "", "| cell | Python | pins | status |", "|---|---|---|---|"]
    for cell in matrix["cells"].values():
        status = cell.get("status", "not run")
        if status != "ran":
            status = f"{status}: {cell.get('reason') or cell.get('not_run')}"
        else:
            status = f"ran in {cell['seconds']} s" + (" (TF1 graph mode)" if cell["graph"] else "")
        pins = ", ".join(f"`{p}`" for p in cell.get("pins", [])) or "—"
        out.append(f"| {_cell(cell['label'])} | {cell.get('python', '—')} | {pins} | {_cell(status)} |")
    out += ["", "## Which 'accuracy' ce-lint assumes", "",
            "For code that targets each cell (its `keras-version`, and `tf.compat.v1.disable_eager_execution()` in "
            "the module for the graph-mode cells), how ce-lint expects a bare `'accuracy'` to be resolved, against "
            "what the cell did with softmax + binary cross-entropy.", "",
            "| cell | keras-version | ce-lint assumes | observed | Keras-1 layer arguments | `fit(nb_epoch=)` |",
            "|---|---|---|---|---|---|"]
    for cid, facts in matrix.get("facts", {}).items():
        cell = matrix["cells"][cid]
        out.append(f"| {_cell(cell['label'])} | `{cell['keras_version']}` | {assumption(cell)} | "
                   f"{facts['accuracy_from']} | {facts['keras1_layer_arguments']} | {facts['fit_nb_epoch']} |")
    out += ["", "## Rules", ""]
    for code, entry in matrix["rules"].items():
        out += [f"### [{code}](rules/{code}.md)", "", table(entry), ""]
    return "\n".join(out).rstrip() + "\n"
