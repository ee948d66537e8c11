"""How fast ce-lint is on real code, measured side by side with its peers in one run.

    python benchmarks/speed.py                  # all corpus packages, 3 rounds; writes docs/benchmark.md
    python benchmarks/speed.py --rounds 5 --packages torchmetrics,pytorch-lightning --no-write

Every command runs as its own process, round after round in turn (so that a slow minute of the machine
hurts every tool alike); the table gives the median of the rounds with the spread (min-max) and the
ratios of medians. Compared, on the pinned packages of corpus.py:
- ce-lint on one core against the floor of any libcst-based analysis: reading and `libcst.parse_module`
  of the files ce-lint parses (those its gate, derived from the rules' anchors, lets through), and of
  every file that mentions a framework (the vocabulary's words); against CPython's `ast.parse` of those;
- ce-lint against Ruff (`--select ALL --no-cache`, on one thread via RAYON_NUM_THREADS=1, and by default);
- ce-lint's default run (all cores, no cache) against flake8's default run (all cores, pyflakes,
  pycodestyle and mccabe), and against pylint (all cores, default checks) on the smallest package, as
  pylint on the whole corpus takes a long time;
- flake8 with ce-lint's plugin installed against flake8 alone, one process, on the corpus files that
  mention no framework (what every flake8 user pays for the plugin);
- start-up (one small file without ML code), and a pre-commit-sized run of 10 files, cold (a fresh
  cache) and cached, and one cached file;
- a re-run with a warm cache against a cold run (the cache in a fresh folder, all cores);
- the peak resident memory of ce-lint on one core;
- the language server's latency from `didChange` to diagnostics (lsp_latency.py), debounce 0, on real
  modules of about 2,000 and 5,000 lines with a fixture's findings appended;
- notebooks: the files of the smallest package made into notebooks (a cell per ~15 lines of
  top-level statements, each cell with a plot's worth of PNG output, about 5 MB in a notebook of
  60 cells), on one core, against the same files as scripts: outputs are never parsed as code.
- the other libcst-based linters, TorchFix, Fixit and torch-preflight, each with its defaults (all
  cores) on one folder (TOOLS_FOLDER), against ce-lint's default run there.
flake8, pylint and Ruff are installed into a separate environment (benchmarks/corpus/peers), so that
ce-lint's own flake8 plugin doesn't run inside that flake8; TorchFix, Fixit and torch-preflight into
another (benchmarks/corpus/linters: TorchFix pins an older libcst). Every process runs with its
bytecode cached, as an installed package's is: ce-lint's own modules are byte-compiled first, and
PYTHONDONTWRITEBYTECODE is unset (with it, each process would compile ce-lint's modules anew).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
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

from corpus import CORPUS, PACKAGES, fetch, folder  # noqa: E402

from ce_lint import __version__  # noqa: E402
from ce_lint.config import Settings  # noqa: E402
from ce_lint.engine import GATE, decode, enabled_rules  # noqa: E402
from ce_lint.files import discover  # noqa: E402
from ce_lint.gate import gate_for  # noqa: E402

PEERS = ("flake8==7.5.0", "pylint==4.1.4", "ruff==0.17.6")
PEERS_ENV = CORPUS / "peers"
LINTERS = ("TorchFix==0.7.0", "fixit==2.2.1", "torch-preflight==0.5.0")
LINTERS_ENV = CORPUS / "linters"
REPORT = HERE.parent / "docs" / "benchmark.md"
# Real modules of about 2,000 and 5,000 lines for the language server (a fixture's findings are appended).
LSP_FILES = ("transformers-4.57.6/transformers/models/bart/modeling_bart.py",
             "timm-1.0.31/timm/models/vision_transformer.py")
PYLINT_PACKAGE = "pytorch-lightning"  # the smallest package: pylint on everything takes very long
TOOLS_FOLDER = "pytorch-lightning-2.6.6/lightning_fabric"  # 92 files: TorchFix takes a second a file


def environment(folder: Path, requirements: tuple[str, ...]) -> Path:
    """The python of a virtual environment with exactly these pins, made on first use."""
    python = folder / "bin" / "python"
    stamp = folder / "requirements.txt"
    if not python.exists() or not stamp.exists() or stamp.read_text(encoding="utf-8") != "\n".join(requirements):
        shutil.rmtree(folder, ignore_errors=True)
        venv.create(folder, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *requirements], check=True)
        stamp.write_text("\n".join(requirements), encoding="utf-8")
    return python


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """(wall seconds, peak resident MiB of the process or its largest child) of one run, as timed.py
    reports them (its own start-up is not in the time)."""
    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("r") as report:
        process = subprocess.Popen([sys.executable, str(HERE / "timed.py"), report.name, *command], cwd=cwd,
                                   stdout=subprocess.DEVNULL, stderr=errors, env={**os.environ, **(env or {})})
        process.wait()
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
        elapsed, kib, code = report.read().split()
    if "Traceback" in stderr or int(code) < 0:
        raise SystemExit(f"{' '.join(command[:4])}... crashed (exit {code}):\n{stderr[-2000:]}")
    return float(elapsed), int(kib) // 1024


def as_notebooks(files: list[str], out: Path) -> tuple[list[str], int]:
    """Each file as a notebook: its top-level statements grouped into cells of about 15 lines, each
    with an 80 KB PNG-sized output; (the notebooks' paths, their total size in bytes)."""
    import ast
    import base64
    import json

    paths, size = [], 0
    for index, name in enumerate(files):
        source = Path(name).read_text(encoding="utf-8", errors="replace")
        try:
            starts = [node.lineno for node in ast.parse(source).body]
        except (SyntaxError, ValueError):
            continue
        lines = source.splitlines(keepends=True)
        bounds = [1] + [line for previous, line in zip([1] + starts, starts) if line - previous >= 15] + [len(lines) + 1]
        bounds = sorted(set(bounds))
        cells = []
        for number, (a, b) in enumerate(zip(bounds, bounds[1:])):
            image = base64.b64encode(os.urandom(60_000)).decode()  # incompressible, as a PNG is
            cells.append({"cell_type": "code", "execution_count": number + 1, "id": f"c{number}", "metadata": {},
                          "outputs": [{"data": {"image/png": image, "text/plain": ["<Figure>"]}, "metadata": {},
                                       "output_type": "display_data"}], "source": lines[a - 1:b - 1]})
        notebook = {"cells": cells, "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
                    "nbformat": 4, "nbformat_minor": 5}
        path = out / f"{index:05d}.ipynb"
        path.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
        paths.append(str(path))
        size += path.stat().st_size
    return paths, size


def summary(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} s ({min(times):.2f}-{max(times):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--packages", help="comma-separated name prefixes from corpus.py (default: all)")
    parser.add_argument("--no-write", action="store_true", help=f"don't write {REPORT.relative_to(HERE.parent)}")
    parser.add_argument("--skip", default="", help="comma-separated words: skip the measurements named with them "
                        "(e.g. pylint,notebooks: the slowest)")
    args = parser.parse_args()

    chosen = tuple(p for p in PACKAGES if not args.packages or p.startswith(tuple(args.packages.split(","))))
    folders = [str(f) for f in fetch(chosen)]
    files = [f for root in folders for f in discover([root])]
    texts = {f: decode(Path(f).read_bytes()) for f in files if f.endswith(".py")}
    gate = gate_for(enabled_rules(Settings()))
    parsed = [f for f, text in texts.items() if gate.passes(text)]
    mentioning = [f for f, text in texts.items() if GATE.search(text)]
    no_ml = [f for f, text in texts.items() if not GATE.search(text)]
    lines = sum(Path(f).read_bytes().count(b"\n") for f in files)
    largest = max((Path(f) for f in parsed), key=lambda p: p.stat().st_size)
    peers = environment(PEERS_ENV, PEERS)
    linters = environment(LINTERS_ENV, LINTERS).parent
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # for every process measured, as said above
    compileall.compile_dir(str(HERE.parent / "ce_lint"), quiet=1)

    work = Path(tempfile.mkdtemp(prefix="ce-lint-bench-"))
    pylint_folder = [str(folder(p)) for p in PACKAGES if p.startswith(PYLINT_PACKAGE)]
    # A copy outside this repository, whose .gitignore names the corpus: Fixit would skip every file.
    tools_folder = str(shutil.copytree(CORPUS / "src" / TOOLS_FOLDER, work / Path(TOOLS_FOLDER).name))
    small = [f for root in pylint_folder for f in discover([root]) if f.endswith(".py")]
    (work / "notebooks").mkdir()
    notebooks, notebook_bytes = as_notebooks(small, work / "notebooks")
    listings = {}
    for name, chosen_files in (("parsed", parsed), ("mentioning", mentioning), ("no-ml", no_ml)):
        listings[name] = work / f"{name}.txt"
        listings[name].write_text("\n".join(chosen_files), encoding="utf-8")
    ce_lint = [sys.executable, "-m", "ce_lint", "check", "--isolated", "--output-format", "json"]
    ten = sorted(parsed, key=lambda f: Path(f).stat().st_size)[len(parsed) // 2:][:10]  # middle-sized, as commits are
    (work / "startup.py").write_text("import os\n\nprint(os.getcwd())\n", encoding="utf-8")
    ruff = [str(peers.parent / "ruff"), "check", "--select", "ALL", "--no-cache", "--exit-zero", "--isolated",
            "--quiet"]
    flake8_one = ["-m", "flake8", "--isolated", "--jobs", "1", "--exit-zero"]
    no_ml_files = no_ml[:400]
    commands = {
        "floor": [sys.executable, str(HERE / "parse_floor.py"), str(listings["parsed"])],
        "floor, framework-mentioning files": [sys.executable, str(HERE / "parse_floor.py"),
                                              str(listings["mentioning"])],
        "ast.parse, framework-mentioning files": [sys.executable, str(HERE / "parse_floor.py"), "--ast",
                                                  str(listings["mentioning"])],
        "ce-lint, 1 core": [*ce_lint, "--no-cache", "--jobs", "1", *folders],
        "ruff, 1 thread": [*ruff, *folders],
        "ruff": [*ruff, *folders],
        "ce-lint start-up": [*ce_lint, "--no-cache", str(work / "startup.py")],
        "ruff start-up": [*ruff, str(work / "startup.py")],
        "ce-lint, 10 files, cold cache": [*ce_lint, *ten],
        "ce-lint, 10 files, cached": [*ce_lint, *ten],
        "ce-lint, 1 file, cached": [*ce_lint, ten[0]],
        "flake8 alone, no ML code": [str(peers), *flake8_one, *no_ml_files],
        "flake8 with ce-lint, no ML code": [sys.executable, *flake8_one, *no_ml_files],
        "ce-lint": [*ce_lint, "--no-cache", *folders],
        "flake8": [str(peers), "-m", "flake8", "--isolated", "--jobs", "auto", "--exit-zero", *folders],
        "ce-lint, cold cache": [*ce_lint, *folders],
        "ce-lint, warm cache": [*ce_lint, *folders],
        "ce-lint on " + PYLINT_PACKAGE: [*ce_lint, "--no-cache", *pylint_folder],
        "pylint on " + PYLINT_PACKAGE: [str(peers), "-m", "pylint", "--jobs", "0", "--recursive=y", "--exit-zero",
                                        "--persistent=n", *pylint_folder],
        f"ce-lint, 1 core, {PYLINT_PACKAGE} as scripts": [*ce_lint, "--no-cache", "--jobs", "1", *small],
        f"ce-lint, 1 core, {PYLINT_PACKAGE} as notebooks": [*ce_lint, "--no-cache", "--jobs", "1", str(work / "notebooks")],
        "ce-lint on lightning_fabric": [*ce_lint, "--no-cache", tools_folder],
        "torchfix on lightning_fabric": [str(linters / "torchfix"), tools_folder],
        "fixit on lightning_fabric": [str(linters / "fixit"), "lint", tools_folder],
        "torch-preflight on lightning_fabric": [str(linters / "torch-preflight"), "check", "--quiet", "--no-color",
                                                tools_folder],
    }
    skipped = [word for word in args.skip.split(",") if word]
    commands = {name: command for name, command in commands.items() if not any(word in name for word in skipped)}
    times: dict[str, list[float]] = {name: [] for name in commands}
    memory: dict[str, int] = {}
    for round_ in range(args.rounds):
        for name, command in commands.items():
            if name in ("ce-lint, cold cache", "ce-lint, 10 files, cold cache"):
                shutil.rmtree(work / ".ce_lint_cache", ignore_errors=True)
            seconds, mib = measure(command, work, {"RAYON_NUM_THREADS": "1"} if name == "ruff, 1 thread" else None)
            times[name].append(seconds)
            memory[name] = max(memory.get(name, 0), mib)
            print(f"round {round_ + 1}/{args.rounds}  {name:<32} {seconds:7.2f} s  {mib:5d} MiB", flush=True)
    latency = {}
    fetch(tuple(p for p in PACKAGES if p.startswith(("transformers", "timm"))))  # where LSP_FILES come from
    for label, source, size in (("2,000", LSP_FILES[0], 2_000), ("5,000", LSP_FILES[1], 5_000)):
        text = (CORPUS / "src" / source).read_text(encoding="utf-8")
        text += (HERE.parent / "fixtures" / "CE201.py").read_text(encoding="utf-8")  # findings at the end: positions
        path = work / f"lsp_{size}.py"
        path.write_text(text, encoding="utf-8")
        found = subprocess.run([sys.executable, str(HERE / "lsp_latency.py"), str(path), "--rounds",
                                str(3 * args.rounds)], capture_output=True, text=True, check=True, cwd=work)
        latency[label] = json.loads(found.stdout)
        print(f"language server, {label} lines: {latency[label]}", flush=True)
    shutil.rmtree(work, ignore_errors=True)

    def ratio(a: str, b: str) -> str:
        if a not in times or b not in times:
            return "not measured (--skip)"
        return f"{statistics.median(times[a]) / statistics.median(times[b]):.2f}x"

    table = [
        "| measurement | median (min-max) of "
        f"{args.rounds} rounds | peak memory |",
        "|---|---|---|",
        *[f"| {name} | {summary(t)} | {memory[name]} MiB |" for name, t in times.items()],
    ]
    def spread(name: str) -> str:
        if name not in times:
            return "not measured (--skip)"
        low, middle, high = (1000 * f(times[name]) for f in (min, statistics.median, max))
        return f"{middle:.0f} ms ({low:.0f}-{high:.0f})"

    ratios = [
        f"- ce-lint on one core / libcst parse of the framework-mentioning files: "
        f"**{ratio('ce-lint, 1 core', 'floor, framework-mentioning files')}** (target: at most 0.6x); / libcst parse "
        f"of the files it parses: {ratio('ce-lint, 1 core', 'floor')}; / `ast.parse` of the framework-mentioning "
        f"files: {ratio('ce-lint, 1 core', 'ast.parse, framework-mentioning files')}",
        f"- ce-lint on one core / Ruff `--select ALL` on one thread: **{ratio('ce-lint, 1 core', 'ruff, 1 thread')}** "
        f"(target: at most 5x); / Ruff on all threads: {ratio('ce-lint, 1 core', 'ruff')}",
        f"- start-up, one file without ML code: {spread('ce-lint start-up')} (Ruff: {spread('ruff start-up')})",
        f"- 10 files as a pre-commit run passes them: cold **{spread('ce-lint, 10 files, cold cache')}** (target: at "
        f"most 500 ms), cached **{spread('ce-lint, 10 files, cached')}** (target: at most 150 ms); one cached file: "
        f"**{spread('ce-lint, 1 file, cached')}** (target: at most 100 ms)",
        f"- flake8 with ce-lint installed / flake8 alone, one process, {len(no_ml_files)} files without ML code: "
        f"**{ratio('flake8 with ce-lint, no ML code', 'flake8 alone, no ML code')}** (target: at most 1.02x; the two "
        f"environments' other plugins may differ)",
        f"- ce-lint / flake8, both on all cores: **{ratio('ce-lint', 'flake8')}** (target: below 1x)",
        f"- ce-lint / pylint on {PYLINT_PACKAGE}, both on all cores: "
        f"**{ratio('ce-lint on ' + PYLINT_PACKAGE, 'pylint on ' + PYLINT_PACKAGE)}**",
        "- ce-lint against the other libcst-based linters on " + TOOLS_FOLDER + ", each with its defaults (all "
        "cores): " + "; ".join(f"/ {tool}: **{ratio('ce-lint on lightning_fabric', tool + ' on lightning_fabric')}**"
                               for tool in ("torchfix", "fixit", "torch-preflight")),
        f"- warm cache / cold cache: **{ratio('ce-lint, warm cache', 'ce-lint, cold cache')}** (target: at most 0.10x)",
        f"- the same code as notebooks / as scripts, one core: **"
        f"{ratio(f'ce-lint, 1 core, {PYLINT_PACKAGE} as notebooks', f'ce-lint, 1 core, {PYLINT_PACKAGE} as scripts')}"
        f"** (target: about 1x; {len(notebooks)} notebooks, {notebook_bytes / 1e6:,.0f} MB, nearly all of it plot outputs)",
        *(f"- language server, `didChange` to diagnostics of a {label}-line file ({found['lines']:,} lines, "
          f"{found['diagnostics']} findings at its end), debounce 0: **{found['median_ms']} ms ({found['min_ms']}-"
          f"{found['max_ms']})** (target: at most {150 if label == '2,000' else 400} ms); its libcst parse alone: "
          f"{found['parse_ms']} ms" for label, found in latency.items()),
        f"- peak memory of ce-lint on one core: **{memory.get('ce-lint, 1 core', '?')} MiB** (target: under 300 MiB); "
        f"of the "
        f"parse floor alone: {memory.get('floor', '?')} MiB, which is the libcst tree of the largest file parsed "
        f"({largest.relative_to(CORPUS / 'src')}, {largest.stat().st_size // 1024:,} KB)",
    ]
    report = "\n".join([
        "# Speed",
        "",
        "Generated by `python benchmarks/speed.py` (see its docstring for what each line measures); re-run it",
        "to check these figures on your machine. Only the ratios carry over between machines.",
        "",
        f"- ce-lint {__version__}, Python {platform.python_version()}, {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}), {time.strftime('%Y-%m-%d')}",
        f"- corpus: {', '.join(chosen)}: {len(files):,} files, {lines:,} lines; {len(mentioning):,} mention a "
        f"framework; ce-lint parses {len(parsed):,} (its gate keeps out those where no enabled rule can fire)",
        f"- peers: {', '.join(PEERS + LINTERS)}",
        "",
        *table,
        "",
        *ratios,
        "",
    ])
    print("\n" + report)
    if not args.no_write:
        REPORT.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
