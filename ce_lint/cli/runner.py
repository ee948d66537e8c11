"""Checking files: each in a worker process, so that a crash of the parser or the analysis costs only
the file that caused it; each with the settings of its own configuration. Never raises. Verdicts in
the cache are read first, here: a run whose files are all cached starts no process and loads no
analysis."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..config import Settings
from ..diagnostics import REPORT_HINT, Diagnostic, FileError
from ..files import read_source, write_atomic
from ..lines import split_lines
from ..output.common import printable

if TYPE_CHECKING:
    from ..cache import Cache
    from ..core import Report

_FEW = 16  # files: checking fewer in this process costs less than starting fresh interpreters for them
# One Settings for every file, or each file's own.
PerFile = Settings | Mapping[str, Settings]


def settings_of(settings: PerFile, path: str) -> Settings:
    return settings if isinstance(settings, Settings) else settings[path]


@dataclass
class Outcome:
    """What checking one file gave: findings left, one-line errors and notes, fixes applied, and a diff."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fixed: int = 0
    diff: str = ""
    internal: bool = False  # an error that is ce-lint's bug: not cached, a later release may do better
    notes: list[str] = field(default_factory=list)  # e.g. a notebook in another language, skipped
    fixed_codes: dict[str, int] = field(default_factory=dict)  # with show_fixes: the findings fixes removed


def check_file(path: str, settings: Settings, mode: str = "check", cache: Cache | None = None,
               tree: tuple[str, ...] = (), show_fixes: bool = False) -> Outcome:
    """Check one file; in mode "fix" write the fixed text back (through a symlink only to a file inside
    `tree`, the checked folders), in mode "diff" only describe it. Plain checks go through the cache when
    there is one. Never raises: whatever goes wrong (MemoryError included) is this file's one line."""
    try:
        return _check_file(path, settings, mode, cache, tree, show_fixes)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: the run goes on
        return _internal(path, exc)


def _check_file(path: str, settings: Settings, mode: str, cache: Cache | None, tree: tuple[str, ...],
                show_fixes: bool = False) -> Outcome:
    try:
        data, stamp = read_source(path, settings.max_file_size)
    except FileError as exc:
        return Outcome(errors=[error_line(path, str(exc))])
    except OSError as exc:
        return Outcome(errors=[error_line(path, exc.strerror or str(exc))])
    if cache is None or mode != "check":
        return _check_data(path, data, settings, mode, lambda text: write_atomic(path, text, tree, stamp), show_fixes)
    key = cache.key(path, data, settings)
    hit = cache.get(key, path)
    if hit is not None:
        return Outcome(*hit)
    outcome = _check_data(path, data, settings, mode)
    if not outcome.internal and not outcome.notes:
        cache.put(key, path, outcome.diagnostics, outcome.errors)
    return outcome


def check_bytes(data: bytes, path: str, settings: Settings, mode: str = "check") -> Report:
    """core.check_bytes, imported when a file is analysed."""
    from ..core import check_bytes

    return check_bytes(data, path, settings, mode)


def cached(path: str, settings: Settings, cache: Cache) -> Outcome | None:
    """The file's cached outcome, or None (not cached, or it can't be read: checking it says why)."""
    try:
        data, _ = read_source(path, settings.max_file_size)
        hit = cache.get(cache.key(path, data, settings), path)
    except Exception:  # noqa: BLE001 - checking the file reports what went wrong
        return None
    return Outcome(*hit) if hit is not None else None


def check_data(path: str, data: bytes, settings: Settings, mode: str = "check",
               write: Callable[[bytes], None] | None = None, show_fixes: bool = False) -> Outcome:
    """Check a file's bytes (read already, or from standard input); `write` takes the fixed bytes."""
    try:
        return _check_data(path, data, settings, mode, write, show_fixes)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: the run goes on
        return _internal(path, exc)


def _check_data(path: str, data: bytes, settings: Settings, mode: str,
                write: Callable[[bytes], None] | None = None, show_fixes: bool = False) -> Outcome:
    fixed_codes: dict[str, int] = {}
    try:
        report = check_bytes(data, path, settings, mode)
        if show_fixes and mode == "fix" and report.fixed:  # the findings the fixes took away, by code
            before = Counter(d.code for d in check_bytes(data, path, settings, "check").diagnostics)
            fixed_codes = dict(before - Counter(d.code for d in report.diagnostics))
        if mode == "diff":
            import difflib

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
                   notes=[f"{printable(path)}: note: {printable(n)}" for n in report.notes], fixed_codes=fixed_codes)


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


def _check_chunk(paths: list[str], settings: PerFile, mode: str, cache: Cache | None = None,
                 tree: tuple[str, ...] = (), show_fixes: bool = False) -> list[Outcome]:
    return [check_file(p, settings_of(settings, p), mode, cache, tree, show_fixes) for p in paths]


def run_check(paths: list[str], settings: PerFile, jobs: int, mode: str = "check",
              cache: Cache | None = None, tree: tuple[str, ...] = (), show_fixes: bool = False) -> list[Outcome]:
    """Outcomes of every file, in the order of `paths`, each checked with its settings (one Settings
    for all, or a mapping from path). Files that may hold a finding are checked in worker processes, so
    that a crash of the parser or the analysis (a native stack overflow, running out of memory) costs
    only the file that caused it: the main process survives and reports it. Cached verdicts are read
    here, and of a few files left (a pre-commit run), those the gate keeps out are checked here too:
    all that is left of them is Python's own parse."""
    done: dict[str, Outcome] = {}
    if cache is not None and mode == "check":
        for path in dict.fromkeys(paths):
            hit = cached(path, settings_of(settings, path), cache)
            if hit is not None:
                done[path] = hit
    left = [p for p in dict.fromkeys(paths) if p not in done]
    if len(left) < _FEW:  # of many, the workers share the parses
        for path in left:
            if _kept_out(path, settings_of(settings, path)):
                done[path] = check_file(path, settings_of(settings, path), mode, cache, tree, show_fixes)
    rest = [p for p in paths if p not in done]
    done.update(zip(rest, _run(rest, settings, jobs, mode, cache, tree, show_fixes)))
    return [done[p] for p in paths]


def _kept_out(path: str, settings: Settings) -> bool:
    """Whether no enabled rule could find anything in the file (a script): it is checked here, without
    loading the analysis or starting a process. False when in doubt (a worker checks it)."""
    from ..engine import decode
    from ..gate import keeps_out
    from ..notebooks import is_notebook

    if is_notebook(path):
        return False
    try:
        return keeps_out(decode(read_source(path, settings.max_file_size)[0]), settings.for_path(path))
    except Exception:  # noqa: BLE001 - unreadable, undecodable: checking it says why
        return False


def _run(paths: list[str], settings: PerFile, jobs: int, mode: str, cache: Cache | None, tree: tuple[str, ...],
         show_fixes: bool) -> list[Outcome]:
    if not paths:
        return []
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(paths)))
    if len(paths) < _FEW and multiprocessing.get_start_method() != "fork":
        # starting a fresh interpreter would cost more
        return _check_chunk(paths, settings, mode, cache, tree, show_fixes)
    count = min(len(paths), jobs * 4)
    pending = [paths[i::count] for i in range(count)]
    done: dict[str, Outcome] = {}
    while pending:
        broken = []
        with ProcessPoolExecutor(max_workers=min(jobs, len(pending)), initializer=_load_analysis) as pool:
            futures = [(chunk, pool.submit(_check_chunk, chunk, _subset(settings, chunk), mode, cache, tree,
                                           show_fixes)) for chunk in pending]
            for chunk, future in futures:
                try:
                    done.update(zip(chunk, future.result()))
                except Exception:  # noqa: BLE001 - a dead worker, or a result that couldn't come back
                    broken.append(chunk)
        pending = []
        for chunk in broken:  # every unfinished chunk fails; halve them to find the culprit
            if len(chunk) == 1:
                done[chunk[0]] = _alone(chunk[0], settings_of(settings, chunk[0]), mode, cache, tree, show_fixes)
            else:
                pending += [chunk[:len(chunk) // 2], chunk[len(chunk) // 2:]]
    return [done[p] for p in paths]


def _load_analysis() -> None:
    """Each worker loads the rules and the analysis as it starts, all at once: loading them here before
    the workers fork would keep the other cores idle meanwhile (a pre-commit run's largest cost)."""
    from .. import core, facts, incremental  # noqa: F401 - imported for the worker's first file
    from ..rules import all_rules

    all_rules()


def _subset(settings: PerFile, paths: list[str]) -> PerFile:
    """What a worker needs: the settings of its own files only."""
    return settings if isinstance(settings, Settings) else {p: settings[p] for p in paths}


def _alone(path: str, settings: Settings, mode: str, cache: Cache | None, tree: tuple[str, ...],
           show_fixes: bool = False) -> Outcome:
    """One file in a process of its own: if that dies too, the file is the culprit."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(check_file, path, settings, mode, cache, tree, show_fixes).result()
        except BrokenProcessPool:
            return Outcome(errors=[error_line(path, "internal error: the process analysing this file crashed; "
                                                    f"{REPORT_HINT}")], internal=True)
        except Exception as exc:  # noqa: BLE001 - its result could not come back
            return _internal(path, exc)


