"""What two versions of ce-lint say about the same inputs: every finding (range, message, severity,
fix) and every fixed text, compared. For changes meant to keep behaviour (a refactoring) and to
see exactly what a change of behaviour changes.

    python benchmarks/differential.py inputs inputs.json         # once, from this checkout
    PYTHONPATH=<tree A> python benchmarks/differential.py run inputs.json a.json
    PYTHONPATH=<tree B> python benchmarks/differential.py run inputs.json b.json
    python benchmarks/differential.py diff a.json b.json

A tree is a checkout (`git worktree add`, or `git archive REV | tar -x -C DIR`). The inputs: the
rule fixtures, clean scripts and examples, the rule pages' code blocks (each under five settings:
every rule with Keras 3, 2.3, tf-2.1 and the installed one, and the defaults), 30 mutations of
each fixture (lines dropped, duplicated, swapped, truncated, dedented) and 300 pairs of fixtures
in one module (under two settings), and the benchmark corpus (benchmarks/corpus.py), if fetched.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from support import mutate  # noqa: E402

_EDITS = ("drop", "drop", "duplicate", "swap", "dedent", "truncate")  # drops twice as often
SMALL_SETTINGS = ("all3", "default", "all23", "alltf21", "allinst")


def make_inputs(target: str) -> None:
    from ce_lint.docs import code_blocks
    from ce_lint.rules import all_rules

    fixtures = ROOT / "fixtures"
    paths = [*sorted(fixtures.glob("*.py")), *sorted((fixtures / "clean").glob("*.py")), *sorted(
        (ROOT / "examples").glob("*.py"))]
    small = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in paths if not p.name.endswith(".fixed.py")}
    for rule in all_rules():
        for section in ("Example", "Use instead"):
            for i, block in enumerate(code_blocks(rule, section)):
                small[f"page:{rule.code}:{section}:{i}"] = block
    sources = [(name, text) for name, text in small.items() if name.startswith("fixtures/")]
    rng = random.Random(15)
    mutated = {}
    for name, text in sources:
        for n in range(30):
            mutated[f"mutated:{name}:{n}"] = mutate(text.splitlines(keepends=True), rng, _EDITS, rng.randint(1, 3))
    for _ in range(300):  # two fixtures in one module: the plugins meet
        (a, text_a), (b, text_b) = rng.sample(sources, 2)
        mutated[f"pair:{a}+{b}"] = text_a + "\n\n" + text_b
    corpus = sorted(str(p) for p in (ROOT / "benchmarks" / "corpus" / "src").rglob("*.py"))
    Path(target).write_text(json.dumps({"small": small, "mutated": mutated, "corpus": corpus}))
    print(f"{len(small)} files and code blocks, {len(mutated)} mutations and pairs, {len(corpus)} corpus files")


def _settings() -> dict:
    from ce_lint.config import Settings

    return {"all3": Settings(select=("",), keras_version="3"), "default": Settings(),
            "all23": Settings(select=("",), keras_version="2.3"),
            "alltf21": Settings(select=("",), keras_version="tf-2.1"), "allinst": Settings(select=("",))}


def _diagnostic(d) -> list:  # a Diagnostic of either tree
    fix = None
    if d.fix is not None:
        fix = [d.fix.applicability.value, d.fix.message,
               [[e.content, e.line, e.col, e.end_line, e.end_col] for e in d.fix.edits]]
    return [d.line, d.col, d.end_line, d.end_col, d.code, d.message, d.severity.value, fix]


def _one(job: tuple[str, str, str, tuple[str, ...]]) -> tuple[str, dict]:
    from ce_lint.diagnostics import FileError
    from ce_lint.engine import GATE, lint

    try:
        from ce_lint.core import fix_text as fix
    except ImportError:  # a tree from before core.py
        from ce_lint.engine import fix  # type: ignore[attr-defined,no-redef]

    kind, name, text, which = job
    settings = _settings()
    out: dict = {"gate": bool(GATE.search(text))}
    for key in which:
        try:
            result = lint(text, "input.py", settings[key])
        except FileError as exc:
            out[key] = ["FileError", str(exc)]
            continue
        out[key] = [[_diagnostic(d) for d in result.diagnostics], result.errors]
        if kind == "small" and key in ("all3", "default"):
            out[key + ":fix"] = [list(fix(text, "input.py", settings[key], unsafe=unsafe)) for unsafe in (True, False)]
    return name, out


def run(inputs: str, target: str) -> None:
    import ce_lint

    data = json.loads(Path(inputs).read_text())
    jobs = [("small", name, text, SMALL_SETTINGS) for name, text in data["small"].items()]
    jobs += [("mutated", name, text, ("all3", "all23")) for name, text in data["mutated"].items()]
    for path in data["corpus"]:
        try:
            jobs.append(("corpus", path, Path(path).read_bytes().decode("utf-8"), ("all3",)))
        except (OSError, UnicodeDecodeError):
            continue
    with multiprocessing.Pool() as pool:
        results = dict(pool.imap_unordered(_one, jobs, chunksize=8))
    Path(target).write_text(json.dumps(results, sort_keys=True))
    print(f"{len(results)} inputs through {Path(ce_lint.__file__).parent}")


def diff(a: str, b: str) -> int:
    first, second = json.loads(Path(a).read_text()), json.loads(Path(b).read_text())
    differences = 0
    for name in sorted(set(first) | set(second)):
        x, y = first.get(name), second.get(name)
        if x is None or y is None:
            print("only in one:", name)
            differences += 1
            continue
        if x["gate"] and not y["gate"]:
            print("the gate no longer passes:", name)
            differences += 1
        for key in sorted((set(x) | set(y)) - {"gate"}):
            if x.get(key) != y.get(key):
                differences += 1
                print(f"{name} [{key}]\n  A: {json.dumps(x.get(key))[:2000]}\n  B: {json.dumps(y.get(key))[:2000]}")
    print(f"{differences} differences over {len(first)} inputs")
    return 1 if differences else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "inputs":
        make_inputs(sys.argv[2])
    elif command == "run":
        run(sys.argv[2], sys.argv[3])
    elif command == "diff":
        sys.exit(diff(sys.argv[2], sys.argv[3]))
    else:
        print(__doc__)
        sys.exit(2)
