"""The analysis of one module's text: `lint(source, path, settings) -> diagnostics` (core.py decides
which text: a script's, or a notebook's code cells; and applies fixes).

Order of work: Python's own parse (every file must be valid Python), a textual gate (files that
never mention a framework are not analysed), the budget (limits.py), the libcst parse (statement by
statement: incremental.py; in the language server, only of the statements an edit changed), the
one pass that collects facts, the rules, then `# noqa`. Nothing here imports or executes the code it reads.
"""

from __future__ import annotations

import functools
import gc
import sys
import threading
import tokenize
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Any, TypeVar

import libcst as cst

from . import limits
from .catalog import UNUSED_NOQA
from .config import Settings
from .diagnostics import REPORT_HINT, Diagnostic, FileError, Related
from .gate import GATE, NAMES_OURS, enabled_codes, gate_for, gate_of

if TYPE_CHECKING:
    from .facts import ModuleFacts
    from .incremental import Chunks
    from .rules import Finding, Rule

T = TypeVar("T")


@dataclass
class Result:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each, without the path


def encoding_of(data: bytes) -> str:
    """The encoding Python reads these bytes with (a BOM gives utf-8-sig, so writing keeps it)."""
    return tokenize.detect_encoding(BytesIO(data).readline)[0]


def decode(data: bytes) -> str:
    """Bytes to text as Python would read them (coding declaration, BOM); FileError if impossible."""
    try:
        return data.decode(encoding_of(data))
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise FileError(f"cannot decode file: {exc}") from None


def enabled_rules(settings: Settings) -> list[Rule]:
    return list(_enabled(settings))


@functools.lru_cache(maxsize=64)  # settings are few, files many (flake8 asks for each file)
def _enabled(settings: Settings) -> tuple[Rule, ...]:
    from .rules import all_rules

    return tuple(r for r in all_rules() if settings.enabled(r.code, r.default_enabled))


# The analysis recurses once per nesting level of an expression; long operator chains are valid Python.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))


# libcst's native parser and the analysis recurse once per nesting level. On the main thread's stack
# (8 MiB) a file deep enough overflows it, which kills the process instead of raising, so each file is
# analysed on a thread with a large stack; it is address space, and untouched pages cost nothing.
_STACK_BYTES = 512 * 1024 * 1024
_STACK_LOCK = threading.Lock()


def on_large_stack(function: Callable[..., T], *args: Any) -> T:
    """function(*args), run on a thread with a large stack; its exception is raised here."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            outcome["error"] = exc

    with _STACK_LOCK:  # the stack size is process-wide: set it only for this thread's creation
        previous = threading.stack_size()
        try:
            threading.stack_size(_STACK_BYTES)
        except (ValueError, RuntimeError):  # a platform that can't: the default stack, as before
            pass
        try:
            thread = threading.Thread(target=target, name="ce-lint-analysis", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


# A large module's trees, once freed, leave tens of MiB that the C allocator holds on to, scattered
# between what later files allocate: each large file then adds to the peak instead of reusing them.
_LARGE = 100_000  # characters


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        import ctypes

        return ctypes.CDLL(None).malloc_trim  # glibc's; elsewhere there is none, and nothing to do
    except Exception:  # noqa: BLE001 - any platform without it
        return None


def _return_freed_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def lint(source: str, path: str, settings: Settings = Settings(), rules: list[Rule] | None = None,
         apply_noqa: bool = True, cell_map: Any = None, chunks: Chunks | None = None) -> Result:
    """Lint one module's text (`cell_map`: a notebook's notebooks.CellMap, for messages that name
    another line; `chunks`: the language server's cache of parsed statements, incremental.py).
    Raises FileError for text that isn't Python."""
    # A parsed module is a few hundred thousand objects, and the cycle collector would walk them
    # again and again while they are built (a fifth of the run). Pause it for the file, then
    # collect only what the file left behind (the analysis's own cycles), which is cheap.
    paused = gc.isenabled()
    gc.disable()
    try:
        # Python's warnings about the code read (an invalid escape sequence, from its parser and from
        # evaluating string literals; shown from Python 3.12) are other linters' business, not ce-lint's.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            return on_large_stack(_lint, source, path, settings, rules, apply_noqa, cell_map, chunks)
    finally:
        if paused:
            gc.enable()
            gc.collect(0)
        if len(source) > _LARGE:
            _return_freed_memory()


def _lint(source: str, path: str, settings: Settings, rules: list[Rule] | None, apply_noqa: bool,
          cell_map: Any, chunks: Chunks | None) -> Result:
    result = Result()
    if "\0" in source:
        raise FileError("source contains a NUL byte")
    tree = limits.parse(source, path, cell_map is not None)  # every file is Python, or gets Python's one line
    split = chunks.split(source, tree) if chunks is not None else None  # parsed by parts, each kept
    framework = GATE.search(source) is not None
    if framework:  # a framework file libcst can't take is told so, findings possible or not
        limits.check_budget(tree) if split is None else split.check_budget()
    # No enabled rule could find anything here: the rules are loaded only when one could.
    codes = tuple(r.code for r in rules) if rules is not None else enabled_codes(settings)
    if not framework or not (gate_for(rules) if rules is not None else gate_of(codes)).passes(source):
        _report_unused_noqa(result, source, path, codes, set(), apply_noqa)
        return result
    from .facts import collect
    from .fixes import to_fix
    from .incremental import Chunks, parse_text
    from .noqa import Suppressions

    if chunks is None:
        # libcst parses a text statement by statement faster, and in far less memory (the largest
        # corpus file, checked alone: 158 MiB against 410 MiB), than whole; the parts are kept by none.
        split = Chunks().split(source, tree)
    del tree
    rules = rules if rules is not None else enabled_rules(settings)
    try:
        module = parse_text(source) if split is None else split.parse()
    except (cst.ParserSyntaxError, cst.CSTValidationError, RecursionError) as exc:
        raise FileError(limits.libcst_refuses(source, path, exc, cell_map is not None)) from None
    try:
        facts = collect(module, settings)
        facts.cell_map = cell_map
        if split is not None:
            facts._positions = split.positions(module)
    except RecursionError:
        raise FileError("too deeply nested to analyse") from None
    except Exception as exc:  # noqa: BLE001 - a bug in the analysis must not cost other files
        result.errors.append(f"internal error while analysing: {type(exc).__name__}: {exc}; {REPORT_HINT}")
        return result
    seen: set[tuple[str, cst.CSTNode]] = set()
    suppressions = Suppressions(source) if apply_noqa else None
    found: set[tuple[int, str]] = set()  # (line, code) of every finding, suppressed or not: for CE902
    for rule in rules:
        try:
            for finding in rule.check(facts):
                if (rule.code, finding.node) in seen:
                    continue
                seen.add((rule.code, finding.node))
                where = facts.position(finding.node)
                found.add((where.start.line, rule.code))
                if suppressions is not None and suppressions.suppressed(where.start.line, rule.code):
                    continue
                fix = to_fix(facts, rule.code, finding.fix) if finding.fix is not None else None
                if fix is not None and suppressions is not None and suppressions.forbids(fix, rule.code):
                    fix = None
                result.diagnostics.append(Diagnostic(
                    path, where.start.line, where.start.column, where.end.line, where.end.column,
                    rule.code, finding.message, finding.severity or rule.severity, fix,
                    fix_title=finding.fix_title, related=_related(facts, finding)))
        except RecursionError:
            result.errors.append(f"internal error in rule {rule.code}: too deeply nested; {REPORT_HINT}")
        except Exception as exc:  # noqa: BLE001 - one rule's bug must not cost the others
            result.errors.append(f"internal error in rule {rule.code}: {type(exc).__name__}: {exc}; {REPORT_HINT}")
    _report_unused_noqa(result, source, path, codes, found, apply_noqa)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result


def _related(facts: ModuleFacts, finding: Finding) -> tuple[Related, ...]:
    """The finding's related places, each once, in the order the message names them; one written
    inside the finding's own range (`log(softmax(x))`) adds nothing and is left out."""
    own = facts.position(finding.node)
    places: dict[tuple[int, int, int, int], Related] = {}
    for node, label in finding.related:
        at = facts.position(node)
        if (own.start.line, own.start.column) <= (at.start.line, at.start.column) and \
                (at.end.line, at.end.column) <= (own.end.line, own.end.column):
            continue
        key = (at.start.line, at.start.column, at.end.line, at.end.column)
        places.setdefault(key, Related(label, *key))
    return tuple(places.values())


def _report_unused_noqa(result: Result, source: str, path: str, codes: Sequence[str], found: set[tuple[int, str]],
                        apply_noqa: bool) -> None:
    """CE902 (off by default) needs every other rule's findings, so the engine runs it last."""
    if UNUSED_NOQA not in codes or not NAMES_OURS.search(source):
        return
    from .noqa import Suppressions
    from .rules.suppressions import unused_noqa

    suppressions = Suppressions(source) if apply_noqa else None
    for diagnostic in unused_noqa(source, path, found, list(codes)):
        if suppressions is None or not suppressions.suppressed(diagnostic.line, UNUSED_NOQA):
            result.diagnostics.append(diagnostic)
