"""What `ce-lint check` prints after checking: each file's error and note lines (stderr), the report in
its format (stdout, or --output-file), the statistics or the fixes when asked, the summary (stderr),
and the exit status."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import TYPE_CHECKING, TextIO

from ..catalog import RULES
from ..config import KEYS
from ..diagnostics import Diagnostic, applicable
from ..output import DOCUMENTS, Palette, printable, render
from ..output.colour import terminal, wanted
from .args import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS

if TYPE_CHECKING:
    from ..project import Resolver
    from .check import Run
    from .sources import Sources



def _name(code: str) -> str:
    return RULES[code][0]


def _sources(known: dict[str, bytes] | None) -> Sources:
    from .sources import Sources  # only the full format shows lines of code

    return Sources(known)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def finish(args: argparse.Namespace, run: Run, unsafe: bool, known: dict[str, bytes] | None = None,
           to_stderr: bool = False) -> int:
    """Print what the run found; its exit status. `to_stderr`: stdout holds the fixed source (stdin)."""
    errors = [e for o in run.outcomes for e in o.errors]
    if not args.silent:
        for line in [n for o in run.outcomes for n in o.notes] + errors:
            print(line, file=sys.stderr)
    fixed = sum(o.fixed for o in run.outcomes)
    if run.mode == "diff":
        diffs = [o.diff for o in run.outcomes if o.diff]
        if not args.silent:
            sys.stdout.write("".join(diffs))
            print(f"Would fix {plural(fixed, 'finding')}." if fixed else "No fixes available.", file=sys.stderr)
        return EXIT_ERROR if errors else EXIT_FINDINGS if diffs and not args.exit_zero else EXIT_CLEAN
    diagnostics = sorted((d for o in run.outcomes for d in o.diagnostics), key=Diagnostic.sort_key)
    if not args.silent:
        _write(args, diagnostics, errors, unsafe, run, known, sys.stderr if to_stderr else sys.stdout)
        if args.show_fixes:
            _show_fixes(run, diagnostics, unsafe)
        if not args.quiet:
            _summary(run, diagnostics, sum(bool(o.errors) for o in run.outcomes), fixed, unsafe)
    if errors:
        return EXIT_ERROR
    if args.exit_non_zero_on_fix and fixed:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if diagnostics and not args.exit_zero else EXIT_CLEAN


def _write(args: argparse.Namespace, diagnostics: list[Diagnostic], errors: list[str], unsafe: bool, run: Run,
           known: dict[str, bytes] | None, stream: TextIO) -> None:
    fmt = args.output_format or ("full" if terminal(stream) and args.output_file is None else "concise")
    palette = Palette(args.output_file is None and wanted(stream))
    if args.statistics:
        text = statistics(diagnostics, unsafe, fmt == "json")
    else:
        text = render(fmt, diagnostics, errors, unsafe, palette, _sources(known) if fmt == "full" else None, run.files)
    if args.output_file is not None:
        args.output_file.parent.mkdir(parents=True, exist_ok=True)
        args.output_file.write_text(text + "\n" if text else "", encoding="utf-8")
    elif text or fmt in DOCUMENTS:
        print(text + ("\n" if fmt == "full" and text else ""), file=stream)  # full: a blank line before the summary


def statistics(diagnostics: list[Diagnostic], unsafe: bool, as_json: bool = False) -> str:
    """The findings counted per rule, the most frequent first, as Ruff's --statistics."""
    counts = Counter(d.code for d in diagnostics)
    fixable = {code for code in counts if any(applicable(d, unsafe) for d in diagnostics if d.code == code)}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if as_json:
        return json.dumps([{"code": code, "name": _name(code), "count": count, "fixable": code in fixable}
                           for code, count in rows], indent=2)
    width = max((len(str(count)) for _, count in rows), default=1)
    return "\n".join(f"{count:>{width}}\t{code}\t{'[*]' if code in fixable else '[ ]'} {_name(code)}"
                     for code, count in rows)


def _show_fixes(run: Run, diagnostics: list[Diagnostic], unsafe: bool) -> None:
    """With --fix, the findings the fixes removed, per file and code; without, those --fix would fix."""
    lines: list[str] = []
    if run.mode == "fix":
        for path, outcome in zip(run.files, run.outcomes):
            if outcome.fixed_codes:
                lines.append(f"{printable(path)}:")
                lines += [f"    {n} x {code} ({_name(code)})" for code, n in sorted(outcome.fixed_codes.items())]
        head = f"Fixed {plural(sum(o.fixed for o in run.outcomes), 'finding')}:" if lines else "No fixes applied."
    else:
        by_file: dict[str, Counter[str]] = {}
        for d in diagnostics:
            if applicable(d, unsafe):
                by_file.setdefault(d.path, Counter())[d.code] += 1
        for path, codes in by_file.items():
            lines.append(f"{printable(path)}:")
            lines += [f"    {n} x {code} ({_name(code)})" for code, n in sorted(codes.items())]
        head = "Fixable with --fix:" if lines else "No fixes available."
    print("\n".join([head, *lines]), file=sys.stderr)


def _summary(run: Run, diagnostics: list[Diagnostic], failed: int, fixed: int, unsafe: bool) -> None:
    lines = []
    checked = len(run.files)
    if fixed:
        lines.append(f"Fixed {plural(fixed, 'finding')}.")
    if diagnostics:
        with_findings = len({d.path for d in diagnostics})
        # the files with findings, of those checked
        files = plural(checked, "file")
        if with_findings != checked:
            files = f"{with_findings} of {files}"
        lines.append(f"Found {plural(len(diagnostics), 'finding')} in {files}.")
        fixable = sum(applicable(d, unsafe) for d in diagnostics)
        hidden = sum(applicable(d, True) for d in diagnostics) - fixable
        if fixable:
            lines.append(f"[*] {fixable} fixable with --fix" + ("" if unsafe else " (safe fixes)") + ".")
        if hidden:
            lines.append(f"{hidden} more fixable with --fix --unsafe-fixes.")
    elif not failed:
        lines.append(f"All checks passed ({plural(checked, 'file')}).")
    if failed:
        lines.append(f"{plural(failed, 'file')} could not be checked.")
    print("\n".join(lines), file=sys.stderr)


def show_settings(path: str, projects: Resolver) -> int:
    """--show-settings: the configuration file that applies to `path` and every setting it resolves to."""
    project = projects.for_path(path)
    print(f"Resolved settings for: {printable(path)}")
    print(f"Settings path: {project.config if project.config is not None else '(none: the defaults)'}")
    print(f"Project root: {project.root}")
    for key in KEYS:
        if key == "extend":
            continue
        value = getattr(project.settings, key.replace("-", "_"))
        if key == "per-file-ignores":
            value = {glob: list(codes) for glob, codes in value}
        elif isinstance(value, tuple):
            value = list(value)
        print(f"{key} = {json.dumps(value)}")
    return EXIT_CLEAN

