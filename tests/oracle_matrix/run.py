"""The version-matrix oracle: run every rule's claim on every Keras / TensorFlow / backend / PyTorch
version the messages and rule pages name, and write what was observed.

    python tests/oracle_matrix/run.py                 # every cell (builds missing environments)
    python tests/oracle_matrix/run.py --cells keras-2.2.4,tf.keras-2.1
    python tests/oracle_matrix/run.py --render        # re-summarise the committed observations only

Each cell runs in its own virtual environment with exactly its pins (cells.py), built once and
cached in .matrix/ (git-ignored); cells run one at a time, each in a fresh process. The result is
docs/version-matrix.json (observations and their summaries); `python -m ce_lint.docs` renders it
into docs/version-matrix.md and the rule pages' version tables (this command does that too).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import envs  # noqa: E402
import summarise  # noqa: E402
from cells import BY_ID, CELLS  # noqa: E402

REPO = envs.REPO
OUTPUT = REPO / "docs" / "version-matrix.json"
RESULTS = envs.CACHE / "results"
CELL_TIMEOUT_S = 1800


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_cell(cell, record: dict) -> dict:
    """Run probe.py in the cell's environment; its observations, or the reason it failed."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out, log = RESULTS / f"{cell.id}.json", RESULTS / f"{cell.id}.log"
    out.unlink(missing_ok=True)
    spec = {"api": cell.api, "backend": cell.backend, "graph": cell.graph, "groups": list(cell.groups)}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "KERAS", "TF_", "VIRTUAL_ENV"))}
    # One thread each: the machine is shared, and the numbers do not depend on it.
    env.update({"TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
                "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}, **cell.env_vars)
    started = time.time()
    with open(log, "w") as fh:
        try:
            done = subprocess.run([str(envs.python_of(cell.env)), str(HERE / "probe.py"), json.dumps(spec), str(out)],
                                  cwd=HERE, env=env, stdout=fh, stderr=subprocess.STDOUT, timeout=CELL_TIMEOUT_S)
            failure = None if done.returncode == 0 and out.is_file() else f"probe exited with {done.returncode}"
        except subprocess.TimeoutExpired:
            failure = f"timed out after {CELL_TIMEOUT_S} s"
    seconds = round(time.time() - started, 1)
    base = {"python": record["python"], "pins": [p for s in record["steps"] for p in s], "installed": record["freeze"],
            "seconds": seconds}
    if failure:
        tail = log.read_text(errors="replace")[-1500:]
        return {**base, "status": "failed", "reason": f"{failure}; log tail: {tail}"}
    report = json.loads(out.read_text())
    for obs in report["experiments"].values():
        obs.pop("seconds", None)
        obs.pop("traceback", None)
    return {**base, "status": "ran", "versions": report["versions"], "observed": report["experiments"]}


def previous() -> dict:
    return json.loads(OUTPUT.read_text()).get("cells", {}) if OUTPUT.is_file() else {}


def write(cells: dict, meta: dict) -> None:
    document = {"command": "python tests/oracle_matrix/run.py", "run": meta,
                "cells": {c.id: {**{k: v for k, v in asdict(c).items() if k not in ("env_vars",)}, **cells.get(c.id, {})}
                          for c in CELLS},
                "facts": summarise.facts(cells), "rules": summarise.rules(cells)}
    OUTPUT.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    sys.path.insert(0, str(REPO))
    from ce_lint import docs

    docs.main()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", help="comma-separated cell ids (default: all); others keep their committed result")
    parser.add_argument("--render", action="store_true", help="only re-summarise and re-render the committed result")
    args = parser.parse_args(argv)
    cells = previous()
    meta = json.loads(OUTPUT.read_text()).get("run", {}) if OUTPUT.is_file() else {}
    if not args.render:
        chosen = [BY_ID[c] for c in args.cells.split(",")] if args.cells else list(CELLS)
        started, built = time.time(), []
        envs.prune(_log)
        for cell in chosen:
            if cell.env is None:
                cells[cell.id] = {"status": "not run", "reason": cell.not_run}
                continue
            if envs.ready(cell.env) is None:
                built.append(cell.env)
                _log(f"== {cell.id}: building {cell.env}")
            else:
                _log(f"== {cell.id}")
            try:
                record = envs.build(cell.env, _log)
            except RuntimeError as exc:
                cells[cell.id] = {"status": "failed", "reason": f"environment: {exc}"[:1500]}
                continue
            cells[cell.id] = run_cell(cell, record)
            _log(f"   {cells[cell.id]['status']} in {cells[cell.id]['seconds']} s")
        this = {"date": time.strftime("%Y-%m-%d"), "seconds": round(time.time() - started),
                "machine": f"{os.cpu_count()} CPUs, {sys.platform}", "environments built": built}
        meta = {**meta, "partial": {**this, "cells": [c.id for c in chosen]}} if args.cells else this
    write(cells, meta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
