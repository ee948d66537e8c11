"""ce-lint's findings on the whole real-code corpus, to show that a change of the gate or of the
analysis's speed changes none of them; and the share of the corpus the gate lets through.

    python benchmarks/corpus_findings.py --save /tmp/before.jsonl     # the findings, one per line
    python benchmarks/corpus_findings.py --compare /tmp/before.jsonl  # exit 1 if they differ
    python benchmarks/corpus_findings.py --ungated --save /tmp/ungated.jsonl  # no gate but the vocabulary's
    python benchmarks/corpus_findings.py --gate                       # what the gate passes

A gated run is `ce-lint check --output-format json-lines --no-cache --isolated` over the corpus's
sources (corpus.py fetches them); `--ungated` runs the default rules without their anchors, in this
process's workers, so that comparing it with a gated run shows the gate hides no finding on real code.
`--gate` counts the files that mention a framework (the vocabulary's words), and of those the files
and bytes that the default rules' anchors let through, to be parsed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ce_lint.config import Settings  # noqa: E402
from ce_lint.core import check_bytes  # noqa: E402
from ce_lint.diagnostics import FileError  # noqa: E402
from ce_lint.engine import GATE, decode, enabled_rules  # noqa: E402
from ce_lint.gate import gate_for  # noqa: E402

SOURCES = HERE / "corpus" / "src"


def _files() -> list[Path]:
    return sorted(SOURCES.rglob("*.py"))


def _key(path: str, line: int, column: int, code: str, message: str) -> str:
    return json.dumps([os.path.relpath(path, SOURCES), line, column, code, message])


def gated() -> list[str]:
    command = [sys.executable, "-m", "ce_lint", "check", "--output-format", "json-lines", "--no-cache",
               "--isolated", "--exit-zero", str(SOURCES)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        d = json.loads(line)
        found.append(_key(d["filename"], d["location"]["row"], d["location"]["column"], d["code"], d["message"]))
    return sorted(found)


def _ungated_file(path: Path) -> list[str]:
    rules = [dataclasses.replace(rule, anchors=()) for rule in enabled_rules(Settings())]
    try:
        report = check_bytes(path.read_bytes(), str(path), Settings(), rules=rules)
    except FileError:
        return []
    return [_key(d.path, d.line, d.col + 1, d.code, d.message) for d in report.diagnostics]


def ungated(jobs: int) -> list[str]:
    with ProcessPoolExecutor(jobs) as pool:
        return sorted(key for keys in pool.map(_ungated_file, _files(), chunksize=8) for key in keys)


def gate_share() -> None:
    gate = gate_for(enabled_rules(Settings()))
    files = passing = size = passed = 0
    for path in _files():
        try:
            text = decode(path.read_bytes())
        except FileError:
            continue
        if not GATE.search(text):
            continue
        files += 1
        size += len(text)
        if gate.passes(text):
            passing += 1
            passed += len(text)
    print(f"{files} files mention a framework ({size / 2**20:.1f} MiB); the gate passes {passing} "
          f"({passing / files:.1%}), {passed / 2**20:.1f} MiB ({passed / size:.1%} of their text)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--save", type=Path, help="write the findings here")
    parser.add_argument("--compare", type=Path, help="compare the findings with a saved run")
    parser.add_argument("--ungated", action="store_true", help="the default rules without their anchors")
    parser.add_argument("--gate", action="store_true", help="only print what the gate passes")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers for --ungated")
    args = parser.parse_args()
    if args.gate:
        gate_share()
        return 0
    found = ungated(args.jobs) if args.ungated else gated()
    print(f"{len(found)} findings")
    if args.save:
        args.save.write_text("".join(f"{key}\n" for key in found), encoding="utf-8")
    if args.compare:
        saved = args.compare.read_text(encoding="utf-8").splitlines()
        lost, new = sorted(set(saved) - set(found)), sorted(set(found) - set(saved))
        for key in lost:
            print(f"- {key}")
        for key in new:
            print(f"+ {key}")
        print("same findings" if not lost and not new else f"{len(lost)} lost, {len(new)} new")
        return 1 if lost or new else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
