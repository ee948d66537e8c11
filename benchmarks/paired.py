"""Two versions of ce-lint timed side by side: a git revision against the working tree, on one core,
in interleaved rounds (A, B, A, B...), so that a slow minute of a shared machine hurts both alike.

    python benchmarks/paired.py main --packages torchmetrics,pytorch-lightning --rounds 3

Each run is `ce-lint check --no-cache --isolated -j 1` over the packages' sources (corpus.py fetches
them) as its own process; the revision's ce_lint/ is exported (`git archive`) to a temporary folder and put first
on PYTHONPATH (revisions.py). Prints each version's median wall time with its spread, the ratio of medians, and the
peak resident memory of each run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from revisions import ROOT, bytecode_env, export  # noqa: E402

SOURCES = HERE / "corpus" / "src"


def _folders(packages: str) -> list[str]:
    found = []
    for name in packages.split(","):
        matches = sorted(p for p in SOURCES.iterdir() if p.name.rsplit("-", 1)[0] == name)
        if not matches:
            raise SystemExit(f"no sources for {name} under {SOURCES} (run benchmarks/corpus.py)")
        found.append(str(matches[-1]))
    return found


def _run(tree: Path, folders: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of one run of the ce-lint in `tree`."""
    env = {**bytecode_env(), "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "ce_lint", "check", "--no-cache", "--isolated", "--exit-zero", "-j", "1",
               "--quiet", *folders]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=tree, env=env, stdout=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revision", help="the git revision to compare the working tree with (e.g. main)")
    parser.add_argument("--packages", default="torchmetrics,pytorch-lightning")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folders = _folders(args.packages)
    with tempfile.TemporaryDirectory() as scratch:
        trees = {args.revision: export(args.revision, Path(scratch)), "working tree": ROOT}
        times: dict[str, list[float]] = {name: [] for name in trees}
        peaks: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                wall, peak = _run(tree, folders)
                times[name].append(wall)
                peaks[name].append(peak)
    print(f"{args.packages}, one core, {args.rounds} interleaved rounds")
    for name in trees:
        print(f"  {name}: median {statistics.median(times[name]):.2f} s (min {min(times[name]):.2f}, "
              f"max {max(times[name]):.2f}); peak {max(peaks[name]):.0f} MiB")
    old_median, new_median = (statistics.median(times[name]) for name in trees)
    print(f"  working tree / {args.revision}: {new_median / old_median:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
