"""Diagnostics and code actions, as pure functions of a file's documents and findings: each
finding's fix, a `# noqa` for its line, and `source.fixAll.ce-lint`. A notebook's documents are
its cells: a fix may edit several (the import it needs goes in another cell)."""

from __future__ import annotations

import tokenize
from dataclasses import dataclass

from lsprotocol import types as lsp

from ..catalog import DOCS_URL, RULES
from ..config import Settings
from ..diagnostics import Applicability, Diagnostic, Related, Severity, applicable
from ..lines import tokenizer_readline
from ..noqa import NOQA
from .positions import Text, diff_edits, minimal_edit

SOURCE = "ce-lint"
FIX_ALL = f"{lsp.CodeActionKind.SourceFixAll.value}.ce-lint"  # source.fixAll.ce-lint
NOTEBOOK_FIX_ALL = f"notebook.{FIX_ALL}"  # what VS Code asks for on a whole notebook (notebook.codeActionsOnSave)
QUICK_FIX = lsp.CodeActionKind.QuickFix.value


def to_lsp(diagnostic: Diagnostic, documents: dict[int | None, Document]) -> lsp.Diagnostic:
    """The finding as shown in its document (`documents`: the file's, by cell number; a related
    place may be in another cell)."""
    text = documents[diagnostic.cell].text
    related = [lsp.DiagnosticRelatedInformation(
        location=lsp.Location(uri=documents[r.cell].uri, range=_range(documents[r.cell].text, r)), message=r.message)
        for r in diagnostic.related if r.cell in documents]
    return lsp.Diagnostic(
        range=_range(text, diagnostic),
        message=diagnostic.message,
        severity=(lsp.DiagnosticSeverity.Error if diagnostic.severity is Severity.ERROR
                  else lsp.DiagnosticSeverity.Warning),
        code=diagnostic.code,
        code_description=lsp.CodeDescription(href=DOCS_URL.format(code=diagnostic.code)),
        source=SOURCE,
        related_information=related or None,
        data={"name": RULES[diagnostic.code][0], "fixable": diagnostic.fix is not None,
              "fix_title": diagnostic.fix_title},
    )


def _range(text: Text, at: Diagnostic | Related) -> lsp.Range:
    return text.range(text.offset(at.line, at.col), text.offset(at.end_line, at.end_col))


def fix_edits(diagnostic: Diagnostic, documents: dict[int | None, Document]) -> dict[int | None, list[lsp.TextEdit]]:
    """A finding's fix as minimal edits of each document (cell) it changes."""
    assert diagnostic.fix is not None
    edits: dict[int | None, list[lsp.TextEdit]] = {}
    for edit in diagnostic.fix.edits:
        document = documents.get(edit.cell)
        if document is None:
            return {}
        text = document.text
        change = minimal_edit(text, text.offset(edit.line, edit.col), text.offset(edit.end_line, edit.end_col),
                              edit.content)
        if change is not None:
            edits.setdefault(edit.cell, []).append(change)
    return edits


def _runs(source: str) -> tuple[list[tuple[int, int]], set[int]]:
    """The token runs (first line, last line) as flake8 and noqa.py see them, and the lines that
    end inside a token (a multi-line string), where no comment can go."""
    runs: list[tuple[int, int]] = []
    inside: set[int] = set()
    first, last = None, None
    for token in tokenize.generate_tokens(tokenizer_readline(source)):
        if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        inside.update(range(token.start[0], token.end[0]))
        first = token.start[0] if first is None else min(first, token.start[0])
        last = token.end[0] if last is None else max(last, token.end[0])
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            runs.append((first, last))
            first, last = None, None
    return runs, inside


def noqa_edit(text: Text, line: int, code: str, python: str | None = None) -> lsp.TextEdit:
    """Suppress `code` on `line` (1-based): add it to the `# noqa: ...` list that covers the line,
    or add `  # noqa: CODE` at the end of the line (or of the first line after it where a comment
    can go, for a line inside a multi-line string or ending in a backslash). `python`: the text to
    tokenize, when it is not the document's own (a cell's, with IPython's syntax masked)."""
    source = text.source
    try:
        runs, inside = _runs(python or source)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        runs, inside = [], set()
    first, last = next(((a, b) for a, b in runs if a <= line <= b), (line, line))
    run_start = text.offset(first, 0)
    run_end = text.line_end(min(last, len(text.starts)) - 1)
    match = NOQA.search(source, run_start, run_end)
    if match is not None and match.group("codes"):
        codes = match.group("codes")
        at = match.start("codes") + len(codes.rstrip(", \t\r\n"))
        return minimal_edit(text, at, at, f", {code}")  # type: ignore[return-value]
    target = last
    for candidate in range(line, last + 1):
        index = candidate - 1
        if index >= len(text.starts):
            break
        if candidate not in inside and not source[text.starts[index]:text.line_end(index)].rstrip().endswith("\\"):
            target = candidate
            break
    index = min(target, len(text.starts)) - 1
    end = text.line_end(index)
    content_end = len(source[:end].rstrip(" \t\f")) if end > text.starts[index] else end
    content_end = max(content_end, text.starts[index])
    return lsp.TextEdit(range=text.range(content_end, end), new_text=f"  # noqa: {code}")


def kind_wanted(kind: str, only: list[str] | None) -> bool:
    return only is None or any(kind == o or kind.startswith(o + ".") for o in map(str, only))


def _overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    def key(p: lsp.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


@dataclass(frozen=True)
class Document:
    """A text document the actions may edit: a script, or one cell of a notebook."""

    uri: str
    version: int | None
    text: Text
    python: str | None = None  # a cell's text with IPython's syntax masked, same positions


@dataclass
class ActionInput:
    documents: dict[int | None, Document]  # by cell number; a script's one document under None
    cell: int | None  # the document asked about
    path: str
    settings: Settings
    diagnostics: list[Diagnostic]  # the whole file's (every cell's)
    versioned_edits: bool = True
    mentioned: tuple[tuple[str, int], ...] = ()  # (code, start line) of the context's diagnostics
    fix_all: bool = True  # offer the fix-all actions (the editor option fix-all)

    def workspace_edit(self, edits: dict[int | None, list[lsp.TextEdit]]) -> lsp.WorkspaceEdit:
        """Edits of some documents (by cell number) as one workspace edit."""
        edits = {cell: list(e) for cell, e in edits.items() if e}
        if self.versioned_edits:
            return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=self.documents[cell].uri,
                                                                          version=self.documents[cell].version),
                edits=e) for cell, e in edits.items()])
        return lsp.WorkspaceEdit(changes={self.documents[cell].uri: e for cell, e in edits.items()})


def fix_all_kinds(data: ActionInput, only: list[str] | None) -> list[str]:
    """The fix-all kinds asked for (the notebook one only on a notebook's cell), if a fix applies."""
    kinds = [FIX_ALL] + ([NOTEBOOK_FIX_ALL] if data.cell is not None else [])
    if not data.fix_all or not any(applicable(d, data.settings.unsafe_fixes) for d in data.diagnostics):
        return []
    return [kind for kind in kinds if kind_wanted(kind, only)]


def wants_fix_all(data: ActionInput, only: list[str] | None) -> bool:
    return bool(fix_all_kinds(data, only))


def code_actions(data: ActionInput, requested: lsp.Range, only: list[str] | None,
                 fixed: dict[int | None, str] | None = None) -> list[lsp.CodeAction]:
    """Quick fixes and noqa actions for the findings of the document asked about that touch
    `requested` or are named in the request's context (clients send the diagnostics of the cursor's
    line), and the fix-all action (`fixed`: each changed document's text after every safe fix)."""
    document = data.documents.get(data.cell)
    actions: list[lsp.CodeAction] = []
    if document is not None and kind_wanted(QUICK_FIX, only):  # (a markdown cell has no findings)
        fixes, suppressions = [], []
        for diagnostic in data.diagnostics:
            if diagnostic.cell != data.cell:
                continue
            shown = to_lsp(diagnostic, data.documents)
            mentioned = (diagnostic.code, shown.range.start.line) in data.mentioned
            if not _overlaps(shown.range, requested) and not mentioned:
                continue
            if diagnostic.fix is not None:
                edits = fix_edits(diagnostic, data.documents)
                if any(edits.values()):
                    unsafe = diagnostic.fix.applicability is Applicability.UNSAFE
                    fixes.append(lsp.CodeAction(
                        title=diagnostic.fix.message + (" (unsafe)" if unsafe else ""), kind=QUICK_FIX,
                        diagnostics=[shown], edit=data.workspace_edit(edits), is_preferred=not unsafe))
            suppressions.append(lsp.CodeAction(
                title=f"Disable {diagnostic.code} for this line", kind=QUICK_FIX, diagnostics=[shown],
                edit=data.workspace_edit({data.cell: [noqa_edit(document.text, diagnostic.line, diagnostic.code,
                                                                 document.python)]})))
        actions += fixes + suppressions
    if fixed and wants_fix_all(data, only):
        edits = {cell: diff_edits(data.documents[cell].text, text) for cell, text in fixed.items()
                 if cell in data.documents}
        if any(edits.values()):
            actions += [lsp.CodeAction(title="ce-lint: fix all auto-fixable problems", kind=kind,
                                       edit=data.workspace_edit(edits)) for kind in fix_all_kinds(data, only)]
    return actions
