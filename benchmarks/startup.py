"""Start-up before and after a change, paired: each case runs with ce-lint as of REV (its ce_lint/
exported to a temporary folder and put first on PYTHONPATH) and as checked out, in turn, round after
round, so that a slow minute of a shared machine hurts both alike; medians with the spread (min-max).

    python benchmarks/startup.py --before main --rounds 15
    python benchmarks/startup.py --before main --cases "1 cached,flake8,plugin"

The cases are speed.py's: `ce-lint version`, start-up on a file without ML code, a pre-commit-sized run
of 10 middle-sized files that pass the gate (cold: a fresh cache; cached) and one cached file, and
flake8 (one process) on 400 corpus files that mention no framework: alone (a virtual environment with
flake8 only, benchmarks/corpus/flake8-alone), and with ce-lint's plugin. Also the plugin's own cost
inside a process that has flake8 loaded: importing it, and running it on a file without ML words.
Bytecode is compiled first, as a pip-installed tool has it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus import CORPUS, PACKAGES, fetch  # noqa: E402
from revisions import bytecode_env, export  # noqa: E402

from ce_lint.config import Settings  # noqa: E402
from ce_lint.engine import GATE, decode, enabled_rules  # noqa: E402
from ce_lint.files import discover  # noqa: E402
from ce_lint.gate import gate_for  # noqa: E402

ALONE = CORPUS / "flake8-alone"
PLUGIN = """
import time, flake8.main.application, flake8.checker, flake8.style_guide, pyflakes.checker, pycodestyle
start = time.perf_counter()
from ce_lint.flake8_plugin import Flake8Plugin
imported = time.perf_counter()
lines = open({path!r}, encoding="utf-8").readlines()
for _ in range(100):
    list(Flake8Plugin(None, "a.py", lines).run())
print((imported - start) * 1000, (time.perf_counter() - imported) * 10)
"""


def alone_python() -> Path:
    python = ALONE / "bin" / "python"
    if not python.exists():
        venv.create(ALONE, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "flake8==7.5.0"], check=True)
    return python


def files() -> tuple[list[str], list[str]]:
    """Ten middle-sized files the gate lets through (as commits are), and 400 without ML words."""
    texts = {f: decode(Path(f).read_bytes()) for root in fetch(PACKAGES) for f in discover([str(root)])
             if f.endswith(".py")}
    gate = gate_for(enabled_rules(Settings()))
    parsed = [f for f, text in texts.items() if gate.passes(text)]
    no_ml = [f for f, text in texts.items() if not GATE.search(text)]
    return sorted(parsed, key=lambda f: Path(f).stat().st_size)[len(parsed) // 2:][:10], no_ml[:400]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="main", help="the git revision to compare with (default: main)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ce-lint-startup-"))
    (work / "source-before").mkdir()
    before = export(args.before, work / "source-before")
    ten, no_ml = files()
    alone = alone_python()
    env = bytecode_env({k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    variants = {"before": {**env, "PYTHONPATH": str(before)}, "after": env}
    for name in variants:
        (work / name).mkdir()
        (work / name / "startup.py").write_text("import os\n\nprint(os.getcwd())\n", encoding="utf-8")
    ce_lint = [sys.executable, "-m", "ce_lint", "check", "--isolated", "--output-format", "json"]
    flake8 = ["-m", "flake8", "--isolated", "--jobs", "1", "--exit-zero", *no_ml]
    cases = {
        "version": [sys.executable, "-m", "ce_lint", "version"],
        "start-up": [*ce_lint, "--no-cache", "startup.py"],
        "10 cold": [*ce_lint, *ten],
        "10 cached": [*ce_lint, *ten],
        "1 cached": [*ce_lint, ten[0]],
        "flake8": [sys.executable, *flake8],
    }
    chosen = [c for c in args.cases.split(",") if c] or [*cases, "plugin"]

    def run(case: str, variant: str) -> float:
        cwd = work / ("before" if variant == "before" else "after")
        if case == "10 cold":
            shutil.rmtree(cwd / ".ce_lint_cache", ignore_errors=True)
        command = [str(alone), *flake8] if variant == "flake8 alone" else cases[case]
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=variants.get(variant, env), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        return time.perf_counter() - start

    def spread(values: list[float], unit: str = "ms") -> str:
        return f"{statistics.median(values):.1f} {unit} ({min(values):.1f}-{max(values):.1f})"

    for case in chosen:
        if case == "plugin":
            times: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
            for _ in range(args.rounds):
                for variant in times:
                    out = subprocess.run([sys.executable, "-c", PLUGIN.format(path=no_ml[0])], env=variants[variant],
                                         capture_output=True, text=True, cwd=work, check=True).stdout.split()
                    times[variant].append((float(out[0]), float(out[1]) * 1000))
            print("plugin import / run on a no-ML file: " + "; ".join(
                f"{v} {spread([t[0] for t in ts])}, {spread([t[1] for t in ts], 'us')}" for v, ts in times.items()))
            continue
        names = ["flake8 alone", "before", "after"] if case == "flake8" else ["before", "after"]
        for name in names:
            run(case, name)  # fills the cache and the OS's file cache
        walls: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(args.rounds):
            for name in names:
                walls[name].append(run(case, name) * 1000)
        print(f"{case}: " + "; ".join(f"{name} {spread(values)}" for name, values in walls.items()), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
