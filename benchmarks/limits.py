"""The cost of the largest files ce-lint analyses: files generated just inside its budget (ce_lint/limits.py:
at most 200,000 syntax-tree nodes and 100 levels; ce_lint/config.py: at most 2,000,000 bytes), in the
shapes that cost libcst the most, each checked alone by `ce-lint check --no-cache --jobs 1`.

    python benchmarks/limits.py              # every shape; writes docs/limits.md
    python benchmarks/limits.py --no-write --shapes subscripts,statements
    python benchmarks/limits.py --scan .venv/lib/python3.11/site-packages   # how deep and large real files are

Each shape fills the budget with one kind of statement repeated: chains 90 levels deep (the depth a
file may have, less a margin for the statement around the chain) until the node budget is spent, or as
many plain statements, or bytes that make few nodes; each file starts with one finding, so that the gate
lets it through to libcst and the analysis. It also times the refusal of a file far over the budget
(the checks before libcst are linear), and of the file of the audit that started all this.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ce_lint import __version__  # noqa: E402
from ce_lint.config import DEFAULT_MAX_FILE_SIZE  # noqa: E402
from ce_lint.engine import GATE  # noqa: E402
from ce_lint.limits import MARKERS, MAX_DEPTH, MAX_NODES  # noqa: E402

REPORT = HERE.parent / "docs" / "limits.md"
# One finding: every file passes the gate, so that libcst parses it and the analysis runs.
HEADER = "import torch\nloss = torch.nn.CrossEntropyLoss()(torch.softmax(logits, dim=1), y)\n"
CHAIN = MAX_DEPTH - 10


def fill(statement: Callable[[int], str], nodes_each: int) -> str:
    """As many statements as the node budget allows (a margin left for the header and the module)."""
    count = (MAX_NODES - 100) // nodes_each
    return HEADER + "".join(statement(i) for i in range(count))


def chains(term: str, joiner: str, nodes_per_term: int) -> str:
    return fill(lambda i: f"x{i} = " + joiner.join([term] * CHAIN) + "\n", CHAIN * nodes_per_term + 2)


def postfix(suffix: str, nodes_per_level: int) -> str:
    return fill(lambda i: f"x{i} = a" + suffix * CHAIN + "\n", CHAIN * nodes_per_level + 3)


TORCH = '''class Net{i}(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(128, 10)

    def forward(self, x):
        return torch.softmax(self.fc(x), dim=1)


loss{i} = torch.nn.CrossEntropyLoss()(Net{i}()(x), y)
'''

SHAPES: dict[str, Callable[[], str]] = {
    "statements (`v = 1` lines)": lambda: fill(lambda i: f"v{i} = {i}\n", 3),
    "PyTorch code with findings": lambda: fill(lambda i: TORCH.format(i=i), 47),
    "sums (`a + a + ...`)": lambda: chains("a", " + ", 2),
    "powers (`a ** a ** ...`)": lambda: chains("a", " ** ", 2),
    "conditionals (`a if a else ...`)": lambda: chains("a", " if a else ", 3),
    "and-chains (`a and a and ...`)": lambda: fill(lambda i: f"x{i} = " + " and ".join(["a"] * CHAIN) + "\n", CHAIN + 3),
    "subscripts (`a[0][0]...`)": lambda: postfix("[0]", 2),
    "calls (`a()()...`)": lambda: postfix("()", 1),
    "attributes (`a.b.c...`)": lambda: postfix(".b", 1),
    "unary operators (`- - - a`)": lambda: fill(lambda i: f"x{i} = " + "-" * CHAIN + "a\n", CHAIN + 3),
    "one literal (`(1, 1, ...)`)": lambda: HEADER + "x = (" + ", ".join(["1"] * (MAX_NODES - 100)) + ")\n",
    "bytes in one string": lambda: HEADER + "s = '" + "x" * (DEFAULT_MAX_FILE_SIZE - 100) + "'\n",
    "bytes in comments": lambda: HEADER + "# padding\n" * ((DEFAULT_MAX_FILE_SIZE - 100) // 10),
}
REFUSED = {
    "a 20,000-term sum, refused (over the depth)": lambda: HEADER + "x = " + " + ".join(["a"] * 20_000) + "\n",
    "10 lines of 1,999-term sums, refused (the audit's file)": lambda: HEADER + "".join(
        f"x{i} = " + " + ".join(["a"] * 1_999) + "\n" for i in range(10)),
    "300,000 statements, refused (over the nodes)": lambda: HEADER + "v = 1\n" * 300_000,
}


def measure(path: Path) -> tuple[float, int, str]:
    """(wall seconds, peak resident MiB of ce-lint or its largest worker, what it said) of one check."""
    command = [sys.executable, "-m", "ce_lint", "check", "--no-cache", "--isolated", "--jobs", "1", path.name]
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=path.parent, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        errors.seek(0)
        said = errors.read().decode(errors="replace").strip().splitlines()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 2) or any("Traceback" in line for line in said):
        raise SystemExit(f"{path.name}: crashed (exit {code}):\n" + "\n".join(said[-20:]))
    return elapsed, usage.ru_maxrss // 1024, said[0] if said else ""


def tree_size(tree: ast.AST) -> tuple[int, int]:
    """(nodes, levels) as ce_lint.limits counts them, without its early stop."""
    nodes, deepest, level = 0, 0, [(tree, 1)]
    while level:
        nodes += len(level)
        below = []
        for node, depth in level:
            deepest = max(deepest, depth)
            step = len(node.values) - 1 if type(node) is ast.BoolOp else 1
            below += [(child, depth + step) for child in ast.iter_child_nodes(node) if not isinstance(child, MARKERS)]
        level = below
    return nodes, deepest


def scan(folder: str) -> None:
    """The deepest and the largest .py files under a folder, and whether each mentions a framework."""
    sizes = []
    for path in sorted(Path(folder).rglob("*.py")):
        try:
            source = path.read_text(encoding="utf-8")
            tree = compile(source, str(path), "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        sizes.append((*tree_size(tree), bool(GATE.search(source)), str(path)))
    print(f"{len(sizes):,} files parsed")
    for title, key in (("deepest", lambda r: r[1]), ("largest", lambda r: r[0])):
        for nodes, depth, gated, path in sorted(sizes, key=key, reverse=True)[:8]:
            print(f"{title}: {depth} levels, {nodes:,} nodes, {'analysed' if gated else 'no framework'}: {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scan", metavar="FOLDER", help="only report how deep and large the files under FOLDER are")
    parser.add_argument("--shapes", help="comma-separated prefixes of the shapes to run (default: all)")
    parser.add_argument("--no-write", action="store_true", help="print the table; don't write docs/limits.md")
    args = parser.parse_args()
    if args.scan:
        scan(args.scan)
        return 0
    wanted = [s.strip() for s in args.shapes.split(",")] if args.shapes else None
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for refused, shapes in ((False, SHAPES), (True, REFUSED)):
            for name, make in shapes.items():
                if wanted and not any(name.startswith(w) for w in wanted):
                    continue
                source = make()
                path = Path(folder) / "generated.py"
                path.write_text(source, encoding="utf-8")
                seconds, mib, said = measure(path)
                if not refused and ": error:" in said:
                    raise SystemExit(f"{name}: refused, but it is inside the budget: {said}")
                if refused and ": error:" not in said:
                    raise SystemExit(f"{name}: analysed, but it is over the budget")
                row = f"| {name} | {len(source.encode()):,} | {seconds:.1f} s | {mib:,} MiB |"
                print(row, flush=True)
                rows.append(row)
    if not args.no_write:
        REPORT.write_text(
            "# The cost of the largest files ce-lint analyses\n\n"
            "Generated by `python benchmarks/limits.py` (see its docstring); re-run it to check these figures "
            "on your machine.\n\n"
            f"- ce-lint {__version__}, Python {platform.python_version()}, {os.cpu_count()} cores "
            f"({platform.machine()}), {time.strftime('%Y-%m-%d')}\n"
            f"- budget: {MAX_NODES:,} syntax-tree nodes, {MAX_DEPTH} levels, {DEFAULT_MAX_FILE_SIZE:,} bytes "
            "(README: What is refused)\n\n"
            "| file, checked alone | bytes | wall time | peak memory |\n|---|---|---|---|\n"
            + "\n".join(rows) + "\n", encoding="utf-8")
        print(f"wrote {REPORT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
