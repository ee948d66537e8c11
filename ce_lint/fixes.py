"""Fixes: rules propose node replacements; here they become text edits and are applied.

A rule's fix is a list of (node, new text) pairs, rendered with libcst so that everything
outside the replaced nodes keeps its bytes. Edits of all chosen fixes are applied in one pass
per round; rounds repeat until nothing changes (a fix may enable another).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from .diagnostics import Applicability, Edit, Fix
from .lines import line_starts

if TYPE_CHECKING:
    from .config import Settings
    from .facts import ModuleFacts

SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE
MAX_ROUNDS = 10


@dataclass(frozen=True)
class Proposal:
    """What a rule proposes: replace each node by text (None node: insert an import)."""

    applicability: Applicability
    title: str
    replacements: tuple[tuple[cst.CSTNode, str], ...]
    imports: tuple[str, ...] = ()  # whole import lines the replacement text needs


# -- building proposals ------------------------------------------------------------------------


def code(facts: ModuleFacts, node: cst.CSTNode) -> str:
    return facts.module.code_for_node(node)


def string_with(node: cst.CSTNode, value: str) -> str | None:
    """The literal `node` with another value, in the same quote style; None if not a plain string."""
    if not isinstance(node, cst.SimpleString) or "\\" in value:
        return None
    quote = node.quote
    if quote in value:
        return None
    return f"{node.prefix}{quote}{value}{quote}"


def renamed(facts: ModuleFacts, node: cst.CSTNode, new_name: str) -> str | None:
    """`nn.BCELoss` -> `nn.BCEWithLogitsLoss`, keeping the qualifier; None for a bare name."""
    if isinstance(node, cst.Call):
        func = renamed(facts, node.func, new_name)
        return None if func is None else func + code(facts, node)[len(code(facts, node.func)):]
    if isinstance(node, cst.Attribute):
        return f"{code(facts, node.value)}.{new_name}"
    return None


def parenthesised(facts: ModuleFacts, node: cst.CSTNode) -> str:
    """The code of an expression, in parentheses unless it is an atom that can stand anywhere."""
    text = code(facts, node)
    atoms = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString)
    return text if isinstance(node, atoms) or getattr(node, "lpar", None) else f"({text})"


def with_keyword(facts: ModuleFacts, call: cst.CSTNode, name: str, value: str) -> str | None:
    """The call with keyword `name=value` set (added, or its value replaced)."""
    if not isinstance(call, cst.Call) or any(arg.star for arg in call.args):
        return None
    new_value = cst.parse_expression(value)
    args = list(call.args)
    for i, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            args[i] = arg.with_changes(value=new_value)
            break
    else:
        if args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(cst.Arg(value=new_value, keyword=cst.Name(name),
                            equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                                  whitespace_after=cst.SimpleWhitespace(""))))
    return code(facts, call.with_changes(args=args))


@dataclass(frozen=True)
class Edits:
    """The replacements a fix makes (its title and safety are its rule's to declare)."""

    replacements: tuple[tuple[cst.CSTNode, str], ...]
    imports: tuple[str, ...] = ()


Replacement = tuple["cst.CSTNode | None", "str | None"]  # (what to replace, by what); None: couldn't be made


def edits(*replacements: Replacement | None, imports: tuple[str, ...] = ()) -> Edits | None:
    """The edits, or None when any replacement could not be built."""
    made: list[tuple[cst.CSTNode, str]] = []
    for replacement in replacements:
        node, text = replacement if replacement is not None else (None, None)
        if node is None or text is None:
            return None
        made.append((node, text))
    return Edits(tuple(made), imports) if made else None


# -- turning proposals into edits and applying them --------------------------------------------


def regrade(code_: str, applicability: Applicability, settings: Settings) -> Applicability:
    """Config may move a rule's fixes between safe and unsafe, as Ruff's extend-(un)safe-fixes."""
    safe = max((len(p) for p in settings.extend_safe_fixes if code_.startswith(p)), default=-1)
    unsafe = max((len(p) for p in settings.extend_unsafe_fixes if code_.startswith(p)), default=-1)
    if safe > unsafe:
        return SAFE
    if unsafe > safe:
        return UNSAFE
    return applicability


def to_fix(facts: ModuleFacts, rule_code: str, proposal_: Proposal) -> Fix | None:
    """The proposal as text edits; None when an import it needs would shadow another binding."""
    edits = []
    for node, text in proposal_.replacements:
        where = facts.position(node)
        edits.append(Edit(text, where.start.line, where.start.column, where.end.line, where.end.column))
    imports = _import_edits(facts, proposal_.imports)
    if imports is None:
        return None
    edits.extend(imports)
    return Fix(regrade(rule_code, proposal_.applicability, facts.settings), proposal_.title, tuple(edits))


def _import_edits(facts: ModuleFacts, lines: tuple[str, ...]) -> tuple[Edit, ...] | None:
    """The insertion of the import lines the module lacks, in the file's own newline; None if a name
    they bind is already bound to something else."""
    from .imports import ABSENT, TAKEN, binding, insertion_line, parse_import  # its visitor class needs libcst loaded

    missing = []
    for statement in lines:
        verdict = binding(facts.module, *parse_import(statement))
        if verdict == TAKEN:
            return None
        if verdict == ABSENT:
            missing.append(statement)
    if not missing:
        return ()
    source, newline = facts.module.code, facts.module.default_newline
    content = "".join(statement + newline for statement in missing)
    line = insertion_line(facts.module, source, lambda node: facts.position(node).end.line)
    starts = line_starts(source)
    if line <= len(starts):
        return (Edit(content, line, 0, line, 0),)
    last = len(source) - starts[-1]  # the module ends without a newline after its imports
    return (Edit(newline + content, len(starts), last, len(starts), last),)


def apply_edits(source: str, fixes: list[Fix]) -> tuple[str, int]:
    """Apply the fixes whose edits don't overlap an earlier one; return (text, fixes applied)."""
    spans, applied = choose_edits(source, fixes)
    return splice(source, spans), applied


def choose_edits(source: str, fixes: list[Fix]) -> tuple[list[tuple[int, int, str]], int]:
    """The edits of the fixes that don't overlap an earlier one, as (start, end, content) offsets
    into `source`, and how many fixes they come from."""
    starts = line_starts(source)

    def offset(line: int, col: int) -> int:
        return starts[line - 1] + col if line - 1 < len(starts) else len(source)

    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    applied = 0
    for fix in fixes:
        spans = [(offset(e.line, e.col), offset(e.end_line, e.end_col), e.content) for e in fix.edits]
        if any((s < te and ts < e) or (s == e == ts == te) for s, e, _ in spans for ts, te in taken):
            continue
        taken.extend((s, e) for s, e, _ in spans)
        chosen.extend(spans)
        applied += 1
    return chosen, applied


def splice(source: str, spans: list[tuple[int, int, str]]) -> str:
    """`source` with each (start, end, content) span replaced; the spans don't overlap."""
    for start, end, content in sorted(spans, key=lambda c: (c[0], c[1]), reverse=True):
        source = source[:start] + content + source[end:]
    return source
