"""The core entry point: `lint(source, path, settings) -> diagnostics`, shared by every front end.

Order of work: a textual gate (files that never mention a framework are not parsed), the libcst
parse, the one pass that collects facts, the rules, then `# noqa`. Nothing here imports or
executes the code it reads.
"""

from __future__ import annotations

import ast
import gc
import re
import sys
import tokenize
from dataclasses import dataclass, field
from io import BytesIO

import libcst as cst

from .config import Settings
from .diagnostics import Diagnostic, FileError
from .fixes import MAX_ROUNDS, applicable, apply_edits, to_fix
from .noqa import Suppressions
from .rules import Rule, all_rules

# Every rule needs one of these words in the file; anything else can't produce a finding.
GATE = re.compile(r"keras|tensorflow|torch|transformers|softmax|sigmoid|crossentropy|cross_entropy|np\.log\(|numpy\.log\(|expit")

REPORT_HINT = "please report it with the file that triggers it"


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


# CPython refuses more than 200 nested brackets; libcst's native parser overflows its stack
# (a segfault, not an exception) somewhere past 1,000, so such files never reach it.
_MAX_BRACKETS = 200
_BRACKET = re.compile(r"[()\[\]{}]")


def _check_nesting(source: str, path: str) -> None:
    depth = 0
    for match in _BRACKET.finditer(source):  # brackets in strings count too: an over-estimate
        depth += 1 if match.group() in "([{" else -1
        if depth > _MAX_BRACKETS:
            break
    else:
        return
    try:
        compile(source, path, "exec", ast.PyCF_ONLY_AST)  # the exact verdict, from CPython's own parser
    except (SyntaxError, RecursionError, MemoryError) as exc:
        raise FileError(f"syntax error: {getattr(exc, 'msg', None) or exc}") from None


def enabled_rules(settings: Settings) -> list[Rule]:
    return [r for r in all_rules() if settings.enabled(r.code, r.default_enabled)]


# The analysis recurses once per nesting level of an expression; long operator chains are valid Python.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))


def lint(source: str, path: str, settings: Settings = Settings(), rules: list[Rule] | None = None,
         apply_noqa: bool = True) -> Result:
    """Lint one module's text. Raises FileError for text that isn't Python."""
    # A parsed module is a few hundred thousand objects, and the cycle collector would walk them
    # again and again while they are built (a fifth of the run). Pause it for the file, then
    # collect only what the file left behind (the analysis's own cycles), which is cheap.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _lint(source, path, settings, rules, apply_noqa)
    finally:
        if paused:
            gc.enable()
            gc.collect(0)


def _lint(source: str, path: str, settings: Settings, rules: list[Rule] | None, apply_noqa: bool) -> Result:
    from .facts import collect

    result = Result()
    rules = rules if rules is not None else enabled_rules(settings)
    if not GATE.search(source):
        _report_unused_noqa(result, source, path, rules, set(), apply_noqa)
        return result
    if "\0" in source:
        raise FileError("source contains a NUL byte")
    _check_nesting(source, path)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise FileError(f"syntax error at line {exc.raw_line}, column {exc.raw_column + 1}: "
                        f"{str(exc.message).splitlines()[0]}") from None
    except RecursionError:
        raise FileError("too deeply nested to parse") from None
    try:
        facts = collect(module, settings)
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
                result.diagnostics.append(Diagnostic(
                    path, where.start.line, where.start.column, where.end.line, where.end.column,
                    rule.code, finding.message, finding.severity or rule.severity, fix))
        except RecursionError:
            result.errors.append(f"internal error in rule {rule.code}: too deeply nested; {REPORT_HINT}")
        except Exception as exc:  # noqa: BLE001 - one rule's bug must not cost the others
            result.errors.append(f"internal error in rule {rule.code}: {type(exc).__name__}: {exc}; {REPORT_HINT}")
    _report_unused_noqa(result, source, path, rules, found, apply_noqa)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result


def _report_unused_noqa(result: Result, source: str, path: str, rules: list[Rule], found: set[tuple[int, str]],
                        apply_noqa: bool) -> None:
    """CE902 (off by default) needs every other rule's findings, so the engine runs it last."""
    from .rules.suppressions import CODE, unused_noqa

    if not any(r.code == CODE for r in rules):
        return
    suppressions = Suppressions(source) if apply_noqa else None
    for diagnostic in unused_noqa(source, path, found, [r.code for r in rules]):
        if suppressions is None or not suppressions.suppressed(diagnostic.line, CODE):
            result.diagnostics.append(diagnostic)


def fix(source: str, path: str, settings: Settings = Settings(), unsafe: bool = False) -> tuple[str, int]:
    """Apply every applicable fix, round after round until nothing changes; (new text, fixes applied).
    A round whose result doesn't parse is dropped: a fix never breaks code."""
    total = 0
    for _ in range(MAX_ROUNDS):
        fixes = [d.fix for d in lint(source, path, settings).diagnostics if applicable(d, unsafe)]
        if not fixes:
            break
        new_source, count = apply_edits(source, fixes)
        if count == 0 or new_source == source:
            break
        try:
            cst.parse_module(new_source)
        except (cst.ParserSyntaxError, RecursionError):
            break
        source, total = new_source, total + count
    return source, total
