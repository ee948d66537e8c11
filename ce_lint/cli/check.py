"""`ce-lint check`: find the files (each folder's nearest configuration decides what is excluded),
check each with its own settings, report, and exit 0 (clean), 1 (findings) or 2 (errors)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

from ..cache import Cache
from ..config import CONFIG_NAMES, ConfigError, Settings, sources
from ..diagnostics import FileError
from ..files import checked_tree, discover, one_name_each
from ..project import Project, Resolver
from . import report
from .args import EXIT_CLEAN, EXIT_ERROR
from .runner import Outcome, check_data, error_line, run_check

OVERRIDES = ("select", "ignore", "extend_select", "keras_version", "unsafe_fixes", "exclude", "extend_exclude",
             "respect_gitignore", "force_exclude")


def resolver(args: argparse.Namespace) -> Resolver:
    overrides = {name: getattr(args, name, None) for name in OVERRIDES}
    return Resolver(overrides, args.config, args.isolated)


@dataclass
class Run:
    files: list[str]
    outcomes: list[Outcome]
    mode: str


def main(args: argparse.Namespace) -> int:
    args.paths = args.paths or (["-"] if args.stdin_filename is not None else ["."])
    if args.watch and (args.fix or args.diff or args.add_noqa or args.paths == ["-"]):
        print("ce-lint: error: --watch checks only; it can't be combined with --fix, --diff, --add-noqa or -",
              file=sys.stderr)
        return EXIT_ERROR
    try:
        projects = resolver(args)
        if args.paths == ["-"]:
            return _stdin(args, projects)
        if args.show_settings:
            return report.show_settings(args.paths[0] if args.paths else ".", projects)
        files = list(discover(args.paths, resolver=projects))
        settings = {path: projects.for_path(path).settings for path in files}
    except ConfigError as exc:
        print(f"ce-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.show_files:
        for path in files:
            print(path)
        return EXIT_CLEAN
    if args.watch:
        return _watch(args, projects)
    return _check(args, projects, files, settings)


def _check(args: argparse.Namespace, projects: Resolver, files: list[str], settings: dict[str, Settings]) -> int:
    mode = "diff" if args.diff else "fix" if args.fix else "check"
    if mode != "check":
        files = one_name_each(files)
    root = projects.for_path(args.paths[0] if args.paths else ".").root
    cache = None if args.no_cache or mode != "check" else Cache(root)  # fixes always analyse afresh
    tree = checked_tree(args.paths)
    outcomes = run_check(files, settings, args.jobs, mode, cache, tree, args.show_fixes)
    if cache is not None and any(os.path.isdir(p) for p in args.paths):
        cache.prune(files)
    if args.add_noqa:
        return _add_noqa(args, files, outcomes, tree)
    return report.finish(args, Run(files, outcomes, mode), _unsafe(projects, files))


def _unsafe(projects: Resolver, files: list[str]) -> bool:
    """Whether the summary counts unsafe fixes as fixable: the first file's project says (one summary)."""
    return projects.for_path(files[0] if files else ".").settings.unsafe_fixes


def _stdin(args: argparse.Namespace, projects: Resolver) -> int:
    """Standard input, as the file --stdin-filename names (its configuration and per-file ignores);
    with --fix the fixed source goes to stdout, whole, and the findings left to stderr."""
    name = args.stdin_filename or "-"
    project: Project = projects.for_path(name if args.stdin_filename else ".")
    data = sys.stdin.buffer.read()
    if args.stdin_filename and _excluded(name, project, projects):
        if args.fix:
            sys.stdout.buffer.write(data)
        return EXIT_CLEAN
    mode = "diff" if args.diff else "fix" if args.fix else "check"
    fixed: list[bytes] = []
    outcome = check_data(name, data, project.settings, mode, fixed.append, args.show_fixes)
    if mode == "fix":
        sys.stdout.buffer.write(fixed[0] if fixed else data)
        sys.stdout.flush()
    return report.finish(args, Run([name], [outcome], mode), project.settings.unsafe_fixes, {name: data},
                         to_stderr=mode == "fix")


def _excluded(name: str, project: Project, projects: Resolver) -> bool:
    """With force-exclude, a --stdin-filename that the exclusions cover is passed through unchecked."""
    return project.settings.force_exclude and not list(discover([name], resolver=projects))


def _add_noqa(args: argparse.Namespace, files: list[str], outcomes: list[Outcome], tree: tuple[str, ...]) -> int:
    from .add_noqa import add_noqa

    added, errors = 0, [e for o in outcomes for e in o.errors]
    for path, outcome in zip(files, outcomes):
        if outcome.diagnostics:
            try:
                added += add_noqa(path, outcome.diagnostics, tree)
            except FileError as exc:
                errors.append(error_line(path, str(exc)))
    for line in errors:
        print(line, file=sys.stderr)
    if not args.silent:
        print(f"Added {report.plural(added, 'noqa directive')}.", file=sys.stderr)
    return EXIT_ERROR if errors else EXIT_CLEAN


def _watch(args: argparse.Namespace, projects: Resolver) -> int:
    """Check, then again whenever a file under the paths is added, removed or changed, or a configuration
    file that applies (or may: one added next to checked files) changes; a changed configuration is read
    afresh, and a broken one is reported until it is fixed. Polled every half second: no dependency,
    and it works on network file systems. Ctrl-C ends it."""
    seen: dict[str, tuple[int, int]] | None = None
    try:
        while True:
            files = list(discover(args.paths, resolver=projects))
            stamps = _stamps(args.paths, files, projects)
            if stamps != seen:
                checked: list[str] | None = files
                if seen is not None:
                    print(f"\n[{time.strftime('%H:%M:%S')}] File change detected...", file=sys.stderr)
                    if _changed_config(seen, stamps, files):
                        projects, checked = _reload(args, projects)
                        if checked is not None:  # what the new configuration reads: no second check for it
                            stamps = _stamps(args.paths, checked, projects)
                if checked is not None:
                    _check(args, projects, checked, {path: projects.for_path(path).settings for path in checked})
                sys.stdout.flush()
                print("Watching for file changes.", file=sys.stderr, flush=True)
                seen = stamps
            time.sleep(0.5)
    except KeyboardInterrupt:
        return EXIT_CLEAN


def _stamps(paths: list[str], files: list[str], projects: Resolver) -> dict[str, tuple[int, int]]:
    """What a watch compares: each checked file's and each watched configuration file's stamp."""
    return {path: _stamp(path) for path in (*files, *_configs(paths, files, projects))}


def _configs(paths: list[str], files: list[str], projects: Resolver) -> set[str]:
    """The configuration files a watch looks at: those in use (with what they extend), and where a new
    one would take effect: each checked file's folder and each path given."""
    watched: set[str] = set()
    for project in projects.projects():
        if project.config is not None:
            try:
                watched.update(str(p) for p in sources(project.config))
            except ConfigError:
                watched.add(str(project.config))
    folders = {os.path.dirname(os.path.abspath(f)) for f in files}
    folders.update(os.path.abspath(p) for p in paths if os.path.isdir(p))
    watched.update(os.path.join(folder, name) for folder in folders for name in CONFIG_NAMES)
    return watched


def _changed_config(before: dict[str, tuple[int, int]], now: dict[str, tuple[int, int]], files: list[str]) -> bool:
    checked = set(files)
    return any(before.get(path) != stamp for path, stamp in now.items() if path not in checked) or any(
        path not in now for path in before if path not in checked)


def _reload(args: argparse.Namespace, projects: Resolver) -> tuple[Resolver, list[str] | None]:
    """The configuration read afresh, and the files it checks; on an error, the error and no check."""
    try:
        fresh = resolver(args)
        return fresh, list(discover(args.paths, resolver=fresh))
    except ConfigError as exc:
        print(f"ce-lint: error: {exc}", file=sys.stderr)
        return projects, None


def _stamp(path: str) -> tuple[int, int]:
    try:
        status = os.stat(path)
        return status.st_mtime_ns, status.st_size
    except OSError:
        return -1, -1

