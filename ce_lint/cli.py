"""The `ce-lint` command: check files, print findings, exit 0 (clean), 1 (findings) or 2 (errors)."""

from __future__ import annotations

import argparse
import difflib
import multiprocessing
import os
import sys
from dataclasses import dataclass, field
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

from . import __version__
from .cache import FOLDER, Cache
from .config import ConfigError, Settings, find_config, load, validate_codes, validate_keras_version
from .core import check_bytes
from .diagnostics import Diagnostic, FileError
from .engine import REPORT_HINT
from .files import checked_tree, discover, one_name_each, read_source, write_atomic
from .fixes import applicable
from .lines import split_lines
from .output import FORMATS, printable, render, to_json  # noqa: F401  (to_json: kept importable from here)
from .rules import all_rules, by_name_or_code

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(text: str) -> tuple[str, ...]:
    try:
        return tuple(validate_codes(text.split(","), "command line"))
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _keras_version(text: str) -> str:
    try:
        return validate_keras_version(text, "--keras-version")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ce-lint",
        description="Find mis-wired output activations, losses and metrics in Keras and PyTorch training code.",
        epilog="Exit status: 0 no findings, 1 findings, 2 usage or input errors. "
               "Configuration: [tool.ce-lint] in pyproject.toml. See 'ce-lint rule CODE' for a rule's page.")
    parser.add_argument("--version", action="version", version=f"ce-lint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check files and folders (default: the current folder)",
                           description="Check Python files and folders for mis-wired activations, losses and metrics.")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or folders (default: .)")
    check.add_argument("--select", type=_codes, help="only these codes or prefixes, comma-separated (e.g. CE1,CE201)")
    check.add_argument("--ignore", type=_codes, help="skip these codes or prefixes")
    check.add_argument("--extend-select", type=_codes, help="enable these codes in addition (e.g. default-off rules)")
    check.add_argument("--exclude", type=lambda s: tuple(p for p in s.split(",") if p),
                       help="extra file or folder patterns to skip, comma-separated")
    check.add_argument("--output-format", choices=FORMATS, default="text",
                       help="text (default), json (Ruff's shape), sarif (SARIF 2.1.0), github (Actions annotations)")
    check.add_argument("--keras-version", type=_keras_version, help="Keras version the code targets, e.g. 3, 2.3, or tf-2.1 for tf.keras "
                                               "(default: the installed one, else Keras 3)")
    check.add_argument("--config", type=Path, help="use this pyproject.toml or ce-lint.toml")
    check.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    check.add_argument("--fix", action="store_true", help="apply safe fixes and write the files")
    check.add_argument("--unsafe-fixes", action="store_true", default=None,
                       help="also apply (and mark as fixable) fixes that change what the model outputs")
    check.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; write nothing")
    check.add_argument("--no-cache", action="store_true",
                       help=f"do not read or write the result cache ({FOLDER}/ at the project root)")
    check.add_argument("--jobs", "-j", type=int, default=0, help="processes to use (default: all cores for many files)")

    rule = sub.add_parser("rule", help="print a rule's documentation", description="Print the page of a rule.")
    rule.add_argument("code", help="a code (CE101) or a name (softmax-single-unit)")

    clean = sub.add_parser("clean", help=f"remove the result cache ({FOLDER}/ at the project root)",
                           description="Remove the result cache of the project that contains PATH.")
    clean.add_argument("paths", nargs="?", default=["."], type=lambda p: [p], metavar="PATH",
                       help="a file or folder of the project (default: .)")
    clean.add_argument("--config", type=Path, help="the project's pyproject.toml or ce-lint.toml")
    clean.add_argument("--isolated", action="store_true", help="ignore configuration: the project root is the current folder")
    for name in ("select", "ignore", "extend_select", "keras_version", "unsafe_fixes", "exclude"):
        clean.set_defaults(**{name: None})

    server = sub.add_parser("server", help="run the language server over stdio (needs ce-lint[lsp])",
                            description="Run the language server over stdin/stdout, for editors.")
    server.add_argument("--stdio", action="store_true", help="accepted for clients that pass it; stdio is the default")
    return parser


def _settings(args: argparse.Namespace) -> tuple[Settings, Path]:
    """The effective settings, and the project root: the configuration file's folder, else the current one."""
    settings, root = Settings(), Path.cwd()
    if not args.isolated:
        path = args.config or find_config(Path(args.paths[0]) if args.paths else Path.cwd())
        if args.config is not None and not args.config.is_file():
            raise ConfigError(f"{args.config}: configuration file not found")
        if path is not None:
            settings, root = load(path), path.resolve().parent
    return settings.replace(select=args.select, ignore=args.ignore, extend_select=args.extend_select,
                            keras_version=args.keras_version, unsafe_fixes=args.unsafe_fixes,
                            exclude=(settings.exclude + args.exclude) if args.exclude else None), root


@dataclass
class Outcome:
    """What checking one file gave: findings left, one-line errors and notes, fixes applied, and a diff."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fixed: int = 0
    diff: str = ""
    internal: bool = False  # an error that is ce-lint's bug: not cached, a later release may do better
    notes: list[str] = field(default_factory=list)  # e.g. a notebook in another language, skipped


def check_file(path: str, settings: Settings, mode: str = "check", cache: Cache | None = None,
               tree: tuple[str, ...] = ()) -> Outcome:
    """Check one file; in mode "fix" write the fixed text back (through a symlink only to a file inside
    `tree`, the checked folders), in mode "diff" only describe it. Plain checks go through the cache when
    there is one. Never raises: whatever goes wrong (MemoryError included) is this file's one line."""
    try:
        return _check_file(path, settings, mode, cache, tree)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: the run goes on
        return _internal(path, exc)


def _check_file(path: str, settings: Settings, mode: str, cache: Cache | None, tree: tuple[str, ...]) -> Outcome:
    try:
        data, stamp = read_source(path, settings.max_file_size)
    except FileError as exc:
        return Outcome(errors=[error_line(path, str(exc))])
    except OSError as exc:
        return Outcome(errors=[error_line(path, exc.strerror or str(exc))])
    if cache is None or mode != "check":
        return _check_data(path, data, settings, mode, lambda text: write_atomic(path, text, tree, stamp))
    key = cache.key(path, data, settings)
    hit = cache.get(key, path)
    if hit is not None:
        return Outcome(*hit)
    outcome = _check_data(path, data, settings, mode)
    if not outcome.internal and not outcome.notes:
        cache.put(key, path, outcome.diagnostics, outcome.errors)
    return outcome


def _check_data(path: str, data: bytes, settings: Settings, mode: str,
                write: Callable[[bytes], None] | None = None) -> Outcome:
    try:
        report = check_bytes(data, path, settings, mode)
        if mode == "diff":
            diff = "".join("".join(difflib.unified_diff(_lines(c.before), _lines(c.after), f"a/{printable(c.label)}",
                                                        f"b/{printable(c.label)}")) for c in report.changes)
            return Outcome(errors=_error_lines(path, report.errors), fixed=report.fixed, diff=diff,
                           notes=[f"{printable(path)}: note: {printable(n)}" for n in report.notes])
        if report.data is not None and write is not None:
            write(report.data)
    except FileError as exc:
        return Outcome(errors=[error_line(path, str(exc))])
    except OSError as exc:
        return Outcome(errors=[error_line(path, exc.strerror or str(exc))])
    except Exception as exc:  # noqa: BLE001 - the last line of defence: the run goes on
        return _internal(path, exc)
    return Outcome(report.diagnostics, _error_lines(path, report.errors), report.fixed, internal=report.internal,
                   notes=[f"{printable(path)}: note: {printable(n)}" for n in report.notes])


def _error_lines(path: str, problems: list[str]) -> list[str]:
    """The file's one error line, however many problems it has (rules that crashed, a notebook's broken
    cells); the request to report ce-lint's own errors said once."""
    if not problems:
        return []
    hint = f"; {REPORT_HINT}"
    said = [p[: -len(hint)] if p.endswith(hint) else p for p in dict.fromkeys(problems)]
    return [error_line(path, "; ".join(said) + (hint if any(p.endswith(hint) for p in problems) else ""))]


def _lines(text: str) -> list[str]:
    """Lines for a diff, the last one ended too (a notebook cell's never is): else it would run into
    the next line of the diff."""
    lines = split_lines(text, keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    return lines


def error_line(path: str, message: str) -> str:
    """The one line a file that can't be checked gets (its name escaped to stay on one line)."""
    return f"{printable(path)}: error: {printable(message)}"


def _internal(path: str, exc: BaseException) -> Outcome:
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return Outcome(errors=[error_line(path, f"internal error: {detail}; please report it")], internal=True)


def _check_chunk(paths: list[str], settings: Settings, mode: str, cache: Cache | None = None,
                 tree: tuple[str, ...] = ()) -> list[Outcome]:
    return [check_file(p, settings, mode, cache, tree) for p in paths]


def run_check(paths: list[str], settings: Settings, jobs: int, mode: str = "check",
              cache: Cache | None = None, tree: tuple[str, ...] = ()) -> list[Outcome]:
    """Outcomes of every file, in the order of `paths`. Files are checked in worker processes, so that
    a crash of the parser or the analysis (a native stack overflow, running out of memory) costs only
    the file that caused it: the main process survives and reports it."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(paths)))
    if not paths or (len(paths) < 16 and multiprocessing.get_start_method() != "fork"):
        return _check_chunk(paths, settings, mode, cache, tree)  # starting a fresh interpreter would cost more
    count = min(len(paths), jobs * 4)
    pending = [paths[i::count] for i in range(count)]
    done: dict[str, Outcome] = {}
    while pending:
        broken = []
        with ProcessPoolExecutor(max_workers=min(jobs, len(pending))) as pool:
            futures = [(chunk, pool.submit(_check_chunk, chunk, settings, mode, cache, tree)) for chunk in pending]
            for chunk, future in futures:
                try:
                    done.update(zip(chunk, future.result()))
                except Exception:  # noqa: BLE001 - a dead worker, or a result that couldn't come back
                    broken.append(chunk)
        pending = []
        for chunk in broken:  # every unfinished chunk fails; halve them to find the culprit
            if len(chunk) == 1:
                done[chunk[0]] = _alone(chunk[0], settings, mode, cache, tree)
            else:
                pending += [chunk[:len(chunk) // 2], chunk[len(chunk) // 2:]]
    return [done[p] for p in paths]


def _alone(path: str, settings: Settings, mode: str, cache: Cache | None, tree: tuple[str, ...]) -> Outcome:
    """One file in a process of its own: if that dies too, the file is the culprit."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(check_file, path, settings, mode, cache, tree).result()
        except BrokenProcessPool:
            return Outcome(errors=[error_line(path, "internal error: the process analysing this file crashed; "
                                                    f"{REPORT_HINT}")], internal=True)
        except Exception as exc:  # noqa: BLE001 - its result could not come back
            return _internal(path, exc)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    if args.command == "server":
        try:
            from .lsp import serve
        except ImportError as exc:
            print(f"ce-lint: error: the language server needs pygls ({exc}); pip install 'ce-lint[lsp]'", file=sys.stderr)
            return EXIT_ERROR
        return serve()
    if args.command == "rule":
        found = by_name_or_code(args.code)
        if found is None:
            print(f"ce-lint: error: no rule '{args.code}'", file=sys.stderr)
            return EXIT_ERROR
        from .docs import render_page

        print(render_page(found), end="")
        return EXIT_CLEAN
    try:
        settings, root = _settings(args)
    except ConfigError as exc:
        print(f"ce-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.command == "clean":
        return _clean(root)
    all_rules()  # register rules before worker processes fork
    files = list(discover(args.paths, settings.exclude, settings.include + settings.extend_include))
    mode = "diff" if args.diff else "fix" if args.fix else "check"
    if mode != "check":
        files = one_name_each(files)
    cache = None if args.no_cache or mode != "check" else Cache(root)  # fixes always analyse afresh
    outcomes = run_check(files, settings, args.jobs, mode, cache, checked_tree(args.paths))
    if cache is not None and any(os.path.isdir(p) for p in args.paths):
        cache.prune(files)
    errors = [e for o in outcomes for e in o.errors]
    for line in [n for o in outcomes for n in o.notes] + errors:
        print(line, file=sys.stderr)
    if mode == "diff":
        diffs = [o.diff for o in outcomes if o.diff]
        sys.stdout.write("".join(diffs))
        fixable = sum(o.fixed for o in outcomes)
        print(f"Would fix {_plural(fixable, 'finding')}." if fixable else "No fixes available.", file=sys.stderr)
        return EXIT_ERROR if errors else EXIT_FINDINGS if diffs else EXIT_CLEAN
    diagnostics = sorted((d for o in outcomes for d in o.diagnostics), key=Diagnostic.sort_key)
    report = render(args.output_format, diagnostics, errors, settings.unsafe_fixes)
    if report or args.output_format in ("json", "sarif"):
        print(report)
    _summary(files, diagnostics, sum(bool(o.errors) for o in outcomes), sum(o.fixed for o in outcomes),
             settings.unsafe_fixes)
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if diagnostics else EXIT_CLEAN


def _clean(root: Path) -> int:
    folder = printable(str(root / FOLDER))
    try:
        removed = Cache(root).clear()
    except OSError as exc:
        print(f"ce-lint: error: cannot remove {folder}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"Removed {folder}." if removed else f"No cache at {folder}.", file=sys.stderr)
    return EXIT_CLEAN


def _summary(files: list[str], diagnostics: list[Diagnostic], failed: int, fixed: int, unsafe: bool) -> None:
    lines = []
    if fixed:
        lines.append(f"Fixed {_plural(fixed, 'finding')}.")
    if diagnostics:
        lines.append(f"Found {_plural(len(diagnostics), 'finding')} in {_plural(len(files), 'file')}.")
        fixable = sum(applicable(d, unsafe) for d in diagnostics)
        hidden = sum(applicable(d, True) for d in diagnostics) - fixable
        if fixable:
            lines.append(f"[*] {fixable} fixable with --fix" + ("" if unsafe else " (safe fixes)") + ".")
        if hidden:
            lines.append(f"{hidden} more fixable with --fix --unsafe-fixes.")
    elif not failed:
        lines.append(f"All checks passed ({_plural(len(files), 'file')}).")
    if failed:
        lines.append(f"{_plural(failed, 'file')} could not be checked.")
    print("\n".join(lines), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
