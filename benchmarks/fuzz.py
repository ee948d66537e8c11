"""A fuzzing run larger than CI affords (tests/test_robustness.py runs a few dozen of each): generated
programs and mutated fixtures, each linted and fixed, with every fix checked.

    python benchmarks/fuzz.py                         # 3,000 programs, 10,000 mutants
    python benchmarks/fuzz.py --programs 200 --mutants 500 --seed 7

For every input: linting never raises anything but a file's one-line error and reports no internal
error; and when it is analysed, `fix` (unsafe fixes included) converges: the fixed text compiles when
the input did, fixing it again changes nothing, and pyflakes finds no undefined name it didn't find
before. Programs come from hypothesmith (its grammar and its syntax-tree strategies, alternately), with
a header that lets them past the textual gate; mutants are the fixtures with lines dropped,
duplicated, swapped, truncated, dedented or cut, characters inserted, newlines converted, form feeds
and `# noqa` comments added. Prints the figures; exit 1 if any input failed (each failure is saved
under benchmarks/fuzz-failures/, git-ignored, to replay, and so is the input that took longest).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ce_lint.config import Settings  # noqa: E402
from ce_lint.diagnostics import FileError  # noqa: E402
from ce_lint.core import fix_text as fix  # noqa: E402
from ce_lint.engine import lint  # noqa: E402

sys.path.insert(0, str(HERE.parent / "tests"))
from support import FUZZ_EDITS, mutate, undefined_names  # noqa: E402

FIXTURES = HERE.parent / "fixtures"
FAILURES = HERE / "fuzz-failures"
HEADER = "import torch\nimport keras\nimport numpy as np\n"
SETTINGS = Settings(select=("",))
SLOWEST: list[str] = []  # the origin and text of the input that took longest, saved for a look


def compiles(source: str) -> bool:
    try:
        compile(source, "fuzzed.py", "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def examine(source: str, origin: str, stats: Counter) -> str | None:
    """What is wrong with how ce-lint handles `source`, or None."""
    started = time.perf_counter()
    try:
        result = lint(source, "fuzzed.py", SETTINGS)
    except FileError as exc:
        reason = re.match(r"(.*?)(?: at line| \(|:|$)", str(exc)).group(1)
        stats[f"{origin}: refused: {reason}"] += 1
        if reason.startswith("valid Python"):
            stats["libcst refusals, first line: " + str(exc).split("): ", 1)[-1][:60]] += 1
        return None
    except Exception as exc:  # noqa: BLE001 - what we are looking for
        return f"lint raised {type(exc).__name__}: {exc}"
    internal = [e for e in result.errors if "internal error" in e]
    if internal:
        return internal[0]
    stats[f"{origin}: analysed"] += 1
    stats["findings"] += len(result.diagnostics)
    if any(d.fix is not None for d in result.diagnostics):
        try:
            fixed, count = fix(source, "fuzzed.py", SETTINGS, unsafe=True)
        except Exception as exc:  # noqa: BLE001
            return f"fix raised {type(exc).__name__}: {exc}"
        stats["fixes applied"] += count
        if count:
            stats["inputs fixed"] += 1
            if compiles(source) and not compiles(fixed):
                return "the fixed text does not compile"
            again, more = fix(fixed, "fuzzed.py", SETTINGS, unsafe=True)
            if more or again != fixed:
                return "fixing again changed something (no convergence)"
            if compiles(source) and not undefined_names(fixed) <= undefined_names(source):
                return f"the fix left undefined names: {sorted(undefined_names(fixed) - undefined_names(source))}"
    seconds = round(time.perf_counter() - started, 2)
    if seconds > stats["slowest (s)"]:
        stats["slowest (s)"] = seconds
        SLOWEST[:] = [origin, source]
    return None


def programs(count: int, seed: int, stats: Counter, failures: list) -> None:
    import hypothesmith
    from hypothesis import HealthCheck, Phase, given, settings, strategies as st
    from hypothesis import seed as with_seed

    for kind, strategy in (("grammar", hypothesmith.from_grammar()), ("node", hypothesmith.from_node())):
        @with_seed(seed)
        @settings(max_examples=count // 2, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def one(data) -> None:
            source = HEADER + data.draw(strategy)
            stats[f"programs ({kind})"] += 1
            problem = examine(source, "programs", stats)
            if problem:
                failures.append((problem, source))

        one()


def mutate_file(lines: list[str], rng: random.Random) -> str:
    text = mutate(lines, rng, FUZZ_EDITS, rng.randint(1, 3))
    newline = rng.choice(["\n", "\n", "\r\n", "\r"])
    return text.replace("\n", newline) if newline != "\n" else text


def mutants(count: int, seed: int, stats: Counter, failures: list) -> None:
    sources = sorted(p for p in FIXTURES.glob("CE*.py") if not p.name.endswith(".fixed.py"))
    sources += sorted((FIXTURES / "clean").glob("*.py"))
    rng = random.Random(seed)
    for index in range(count):
        path = sources[index % len(sources)]
        source = mutate_file(path.read_text(encoding="utf-8").splitlines(keepends=True), rng)
        stats["mutants"] += 1
        problem = examine(source, "mutants", stats)
        if problem:
            failures.append((f"{path.name}: {problem}", source))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=3_000)
    parser.add_argument("--mutants", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=SyntaxWarning)  # hypothesmith compiles what it generates
    stats: Counter = Counter()
    failures: list[tuple[str, str]] = []
    started = time.perf_counter()
    if args.programs:
        programs(args.programs, args.seed, stats, failures)
    if args.mutants:
        mutants(args.mutants, args.seed, stats, failures)
    stats["seconds"] = round(time.perf_counter() - started)
    for name, value in sorted(stats.items()):
        print(f"{name}: {value:,}" if isinstance(value, int) else f"{name}: {value}")
    print(f"failures: {len(failures)}")
    FAILURES.mkdir(exist_ok=True)
    if SLOWEST:
        (FAILURES / "slowest.py").write_text(f"# {SLOWEST[0]}, {stats['slowest (s)']} s\n" + SLOWEST[1],
                                             encoding="utf-8", errors="surrogateescape")
    if failures:
        for number, (problem, source) in enumerate(failures):
            (FAILURES / f"{number:04}.py").write_text(f"# {problem}\n" + source, encoding="utf-8",
                                                       errors="surrogateescape")
        for problem, count in Counter(p for p, _ in failures).most_common(10):
            print(f"  {count} x {problem}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
