"""False-positive check on real training code: run every rule (the default-off ones included) over the
example, tutorial, notebook and test folders of benchmarks/training_corpus.py, and write each finding
with its reviewed verdict to docs/training-code-findings.md.

    python benchmarks/training_findings.py            # check; list findings without a verdict
    python benchmarks/training_findings.py --update   # and append a stub for each, drop stale ones

Verdicts live in benchmarks/training_verdicts.toml, keyed by "path:line:code" relative to the corpus
("path:cell N:line:code" in a notebook; "path:error" for a file that can't be checked). A stub has
verdict = "UNREVIEWED" and the finding's message above it: read the code, then write the verdict and
why (a false positive also needs its `cause`, and a minimal `repro` where one is small). Exit status 1
when a finding has no reviewed verdict or a verdict has no finding, as tests/test_training_corpus.py.
"""

from __future__ import annotations

import re
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ce_lint.cli import run_check  # noqa: E402
from ce_lint.config import Settings  # noqa: E402
from ce_lint.diagnostics import Diagnostic  # noqa: E402
from ce_lint.files import discover  # noqa: E402
from ce_lint.rules import all_rules  # noqa: E402

from training_corpus import ROOT, SOURCES, fetch  # noqa: E402

HERE = Path(__file__).resolve().parent
VERDICTS = HERE / "training_verdicts.toml"
REPORT = HERE.parent / "docs" / "training-code-findings.md"
KINDS = ("true bug", "hazard", "advice", "false positive")
_IMPORT = r"""(?:^|["\s;])(?:import|from)\s+({})\b"""
KERAS = re.compile(_IMPORT.format("keras|tensorflow|tf_keras"), re.M)
TORCH = re.compile(_IMPORT.format("torch"), re.M)


def key(path: str, line: int, code: str, cell: int | None) -> str:
    """A finding's verdict key: the same for the CLI's JSON and the core's diagnostics."""
    where = f"cell {cell}:{line}" if cell is not None else str(line)
    return f"{Path(path).resolve().relative_to(ROOT.resolve()).as_posix()}:{where}:{code}"


def error_key(line: str) -> str:
    """`path: error: ...` -> "path:error"."""
    return f"{Path(line.split(': error: ')[0]).resolve().relative_to(ROOT.resolve()).as_posix()}:error"


def default_rules() -> set[str]:
    return {r.code for r in all_rules() if r.default_enabled}


def load_verdicts() -> dict[str, dict[str, str]]:
    return tomllib.loads(VERDICTS.read_text(encoding="utf-8"))


def framework(path: str) -> str:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    keras, torch = bool(KERAS.search(text)), bool(TORCH.search(text))
    return "both" if keras and torch else "keras" if keras else "torch" if torch else "neither"


def main(update: bool = False) -> int:
    started = time.monotonic()
    folders = fetch()
    files = [f for folder in folders for f in discover([str(folder)])]
    outcomes = run_check(files, Settings(select=("",)), jobs=0)  # every rule, the default-off ones included
    seconds = time.monotonic() - started
    diagnostics: list[Diagnostic] = sorted((d for o in outcomes for d in o.diagnostics), key=Diagnostic.sort_key)
    errors = [e for o in outcomes for e in o.errors]
    verdicts = load_verdicts()
    found = {key(d.path, d.line, d.code, d.cell): d for d in diagnostics}
    found_errors = {error_key(e): e for e in errors}
    unreviewed = [k for k in (*found, *found_errors) if k not in verdicts]
    stale = [k for k in verdicts if k not in found and k not in found_errors]
    if update and (unreviewed or stale):
        messages = {**{k: d.message for k, d in found.items()}, **found_errors}
        update_verdicts(stale, [(k, messages[k]) for k in unreviewed])
        verdicts, stale = load_verdicts(), []
    unreviewed = [k for k in (*found, *found_errors)
                  if verdicts.get(k, {}).get("verdict", "UNREVIEWED") == "UNREVIEWED"]
    default_fps = [k for k, d in found.items()
                   if verdicts.get(k, {}).get("verdict") == "false positive" and d.code in default_rules()]
    REPORT.write_text(render(files, found, found_errors, verdicts, stale), encoding="utf-8")
    print(f"{seconds:.0f} s; {len(found)} findings ({len(unreviewed)} unreviewed, {len(default_fps)} false positives "
          f"of default rules), {len(found_errors)} files not checked, {len(stale)} stale verdicts; wrote {REPORT}")
    for k in unreviewed:
        print(f"unreviewed: {k}")
    for k in stale:
        print(f"stale verdict (no such finding now): {k}")
    return 1 if unreviewed or stale else 0


def update_verdicts(stale: list[str], new: list[tuple[str, str]]) -> None:
    """Drop each stale key's entry (the blank-line-separated chunk holding its [header]) and append a
    stub per new finding, its message as a comment above it, to review by hand."""
    gone = {f'["{k}"]' for k in stale}
    chunks = VERDICTS.read_text(encoding="utf-8").strip("\n").split("\n\n")
    kept = [c for c in chunks if not gone & {line.strip() for line in c.splitlines()}]
    kept += [f'# {" ".join(message.split())}\n["{k}"]\nverdict = "UNREVIEWED"\nwhy = ""' for k, message in new]
    VERDICTS.write_text("\n\n".join(kept) + "\n", encoding="utf-8")


def render(files: list[str], found: dict[str, Diagnostic], found_errors: dict[str, str],
           verdicts: dict[str, dict[str, str]], stale: list[str]) -> str:
    def verdict(k: str) -> str:
        return verdicts.get(k, {}).get("verdict", "UNREVIEWED")

    per_source = []
    for source in SOURCES:
        mine = [f for f in files if Path(f).resolve().is_relative_to(source.folder.resolve())]
        kinds = Counter(framework(f) for f in mine)
        per_source.append(
            f"| {source.requirement} | {'wheel' if source.wheel else 'sdist'} | `{source.sha256[:12]}` | "
            f"{', '.join(f'`{m}`' for m in source.members)} | {sum(f.endswith('.py') for f in mine)} | "
            f"{sum(f.endswith('.ipynb') for f in mine)} | {kinds['keras']} / {kinds['torch']} / {kinds['both']} |")
    by_rule: dict[str, Counter] = {}
    for k, d in found.items():
        by_rule.setdefault(d.code, Counter())[verdict(k)] += 1
    columns = (*KINDS, "UNREVIEWED")
    totals = Counter(verdict(k) for k in found)
    scripts, notebooks = sum(f.endswith(".py") for f in files), sum(f.endswith(".ipynb") for f in files)
    kinds = Counter(framework(f) for f in files)
    lines = [
        "# ce-lint on real training code",
        "",
        "Generated by `python benchmarks/training_findings.py`: every rule (default-off ones included) over the",
        "example, tutorial, notebook and test folders of the pinned packages of `benchmarks/training_corpus.py`",
        "(notebooks read as notebooks). Each finding carries a reviewed verdict from",
        "`benchmarks/training_verdicts.toml`: **true bug** (the code has the problem the rule names), **hazard**",
        "(it works here, but the risk the rule names is real), **advice** (opt-in advice that is right), or",
        "**false positive** (the rule's claim is wrong for this code; its root cause is listed below).",
        "`python benchmarks/training_findings.py --update` adds a stub for each new finding and removes the",
        "verdicts whose finding is gone; CONTRIBUTING.md says how to judge a stub.",
        "",
        f"{len(files)} files: {scripts} scripts and {notebooks} notebooks; {kinds['keras']} import Keras or",
        f"TensorFlow, {kinds['torch']} PyTorch, {kinds['both']} both, {kinds['neither']} neither (by their imports).",
        "",
        "| package | archive | sha256 | training code in it | scripts | notebooks | Keras / torch / both |",
        "|---|---|---|---|---|---|---|",
        *per_source,
        "",
        f"Findings: {len(found)} ({', '.join(f'{totals[c]} {c}' for c in columns if totals[c])}); "
        f"files that could not be checked: {len(found_errors)}.",
        "",
        "| rule | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
        *[f"| {code}{'' if code in default_rules() else ' (off by default)'} | "
          + " | ".join(str(by_rule[code][c]) for c in columns) + " |" for code in sorted(by_rule)],
        "",
        "| finding | verdict | why |",
        "|---|---|---|",
        *[f"| `{k}` | {verdict(k)} | {verdicts.get(k, {}).get('why', '')} |" for k in found],
        "",
    ]
    false_positives = [k for k in found if verdict(k) == "false positive"]
    if false_positives:
        lines += ["## False positives: root causes", ""]
        for k in false_positives:
            lines += [f"- `{k}`: {verdicts[k].get('cause', 'ROOT CAUSE NOT WRITTEN')}", ""]
            if "repro" in verdicts[k]:
                lines += ["  ```python", *[f"  {line}".rstrip() for line in verdicts[k]["repro"].strip("\n").split("\n")],
                          "  ```", ""]
    if found_errors:
        lines += ["## Files that could not be checked", "",
                  "| file | ce-lint says | verdict | why |", "|---|---|---|---|",
                  *[f"| `{k}` | {e.split(': error: ')[1]} | {verdict(k)} | {verdicts.get(k, {}).get('why', '')} |"
                    for k, e in found_errors.items()], ""]
    if stale:
        lines += ["## Verdicts without a finding (stale)", "", *[f"- `{k}`" for k in stale], ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(update="--update" in sys.argv[1:]))
