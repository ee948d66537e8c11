"""`ce-lint server`: a language server over stdio (pygls), one more thin front end of the core.

It publishes the findings of `engine.lint` as diagnostics (on open and save at once, on change
after a short pause so typing stays smooth), and offers code actions: each finding's fix, a
`# noqa` for the line, and `source.fixAll.ce-lint` (engine.fix with the safe fixes). A text that
does not parse keeps its last good diagnostics. Positions are converted once, here, from the
core's code-point columns to the client's negotiated encoding (UTF-16 unless the client offers
another).

Needs the optional dependency pygls (`pip install 'ce-lint[lsp]'`); nothing else in ce_lint
imports this module, so ce_lint itself never needs it.
"""

from __future__ import annotations

import asyncio
import bisect
import difflib
import io
import logging
import os
import re
import tokenize
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from . import __version__
from .config import ConfigError, Settings, find_config, load, validate_codes
from .diagnostics import Applicability, Diagnostic, FileError, Severity
from .engine import fix as fix_source
from .engine import lint
from .fixes import applicable
from .noqa import NOQA
from .rules import RULES, all_rules

logger = logging.getLogger(__name__)

SOURCE = "ce-lint"
FIX_ALL = f"{lsp.CodeActionKind.SourceFixAll.value}.ce-lint"  # source.fixAll.ce-lint
QUICK_FIX = lsp.CodeActionKind.QuickFix.value
DEBOUNCE_SECONDS = 0.3

_NEWLINE = re.compile(r"\r\n|\r|\n")  # the line breaks of Python, libcst and LSP (not str.splitlines')


# -- positions ---------------------------------------------------------------------------------


class Text:
    """One version of a document: offsets, core positions (1-based line, code-point column) and
    LSP positions (0-based line, column in the client's code units)."""

    def __init__(self, source: str, encoding: str = lsp.PositionEncodingKind.Utf16.value) -> None:
        self.source = source
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(source)]
        self.encoding = str(encoding)

    def offset(self, line: int, col: int) -> int:
        """Offset of a core position (clamped to the text)."""
        if line - 1 >= len(self.starts):
            return len(self.source)
        return min(self.starts[max(line, 1) - 1] + max(col, 0), self.line_end(line - 1))

    def line_end(self, index: int) -> int:
        """Offset of the end of line `index` (0-based), before its line break."""
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.source)
        while end > self.starts[index] and self.source[end - 1] in "\r\n":
            end -= 1
        return end

    def units(self, text: str) -> int:
        if self.encoding == lsp.PositionEncodingKind.Utf8.value:
            return len(text.encode("utf-8", "surrogatepass"))
        if self.encoding == lsp.PositionEncodingKind.Utf32.value:
            return len(text)
        return len(text.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, offset: int) -> lsp.Position:
        index = bisect.bisect_right(self.starts, offset) - 1
        return lsp.Position(line=index, character=self.units(self.source[self.starts[index]:offset]))

    def range(self, start: int, end: int) -> lsp.Range:
        return lsp.Range(start=self.position(start), end=self.position(end))


def minimal_edit(text: Text, start: int, end: int, content: str) -> lsp.TextEdit | None:
    """The replacement of text[start:end] by content, with the common prefix and suffix left out;
    None when nothing changes. A CRLF pair is never split."""
    old = text.source[start:end]
    if old == content:
        return None
    prefix = 0
    limit = min(len(old), len(content))
    while prefix < limit and old[prefix] == content[prefix]:
        prefix += 1
    suffix = 0
    limit -= prefix
    while suffix < limit and old[len(old) - 1 - suffix] == content[len(content) - 1 - suffix]:
        suffix += 1
    if prefix and old[prefix - 1] == "\r" and prefix < len(old) and old[prefix] == "\n":
        prefix -= 1
    if suffix and old[len(old) - suffix] == "\n" and len(old) - suffix > prefix and old[len(old) - suffix - 1] == "\r":
        suffix -= 1
    return lsp.TextEdit(range=text.range(start + prefix, end - suffix),
                        new_text=content[prefix:len(content) - suffix])


def diff_edits(text: Text, new_source: str) -> list[lsp.TextEdit]:
    """Minimal edits turning text into new_source: changed line blocks, each trimmed to what differs."""
    old_lines = [text.source[s:e] for s, e in zip(text.starts, text.starts[1:] + [len(text.source)])]
    new_starts = [0] + [m.end() for m in _NEWLINE.finditer(new_source)]
    new_lines = [new_source[s:e] for s, e in zip(new_starts, new_starts[1:] + [len(new_source)])]
    bounds = text.starts + [len(text.source)]
    edits = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edit = minimal_edit(text, bounds[i1], bounds[i2], "".join(new_lines[j1:j2]))
            if edit is not None:
                edits.append(edit)
    return edits


# -- diagnostics and code actions, as pure functions -------------------------------------------


def to_lsp(diagnostic: Diagnostic, text: Text) -> lsp.Diagnostic:
    rule = RULES[diagnostic.code]
    return lsp.Diagnostic(
        range=text.range(text.offset(diagnostic.line, diagnostic.col),
                         text.offset(diagnostic.end_line, diagnostic.end_col)),
        message=diagnostic.message,
        severity=lsp.DiagnosticSeverity.Error if diagnostic.severity is Severity.ERROR else lsp.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        code_description=lsp.CodeDescription(href=rule.url),
        source=SOURCE,
        data={"name": rule.name, "fixable": diagnostic.fix is not None},
    )


def fix_edits(diagnostic: Diagnostic, text: Text) -> list[lsp.TextEdit]:
    assert diagnostic.fix is not None
    edits = []
    for edit in diagnostic.fix.edits:
        change = minimal_edit(text, text.offset(edit.line, edit.col), text.offset(edit.end_line, edit.end_col),
                              edit.content)
        if change is not None:
            edits.append(change)
    return edits


def _runs(source: str) -> tuple[list[tuple[int, int]], set[int]]:
    """The token runs (first line, last line) as flake8 and noqa.py see them, and the lines that
    end inside a token (a multi-line string), where no comment can go."""
    runs, inside = [], set()
    first, last = None, None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        inside.update(range(token.start[0], token.end[0]))
        first = token.start[0] if first is None else min(first, token.start[0])
        last = token.end[0] if last is None else max(last, token.end[0])
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            runs.append((first, last))
            first, last = None, None
    return runs, inside


def noqa_edit(text: Text, line: int, code: str) -> lsp.TextEdit:
    """Suppress `code` on `line` (1-based): add it to the `# noqa: ...` list that covers the line,
    or add `  # noqa: CODE` at the end of the line (or of the first line after it where a comment
    can go, for a line inside a multi-line string or ending in a backslash)."""
    source = text.source
    try:
        runs, inside = _runs(source)
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


def wants_fix_all(data: ActionInput, only: list[str] | None) -> bool:
    return kind_wanted(FIX_ALL, only) and any(applicable(d, data.settings.unsafe_fixes) for d in data.diagnostics)


def _overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    def key(p: lsp.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


@dataclass
class ActionInput:
    uri: str
    version: int | None
    text: Text
    path: str
    settings: Settings
    diagnostics: list[Diagnostic]
    versioned_edits: bool = True
    mentioned: tuple[tuple[str, int], ...] = ()  # (code, start line) of the context's diagnostics


def code_actions(data: ActionInput, requested: lsp.Range, only: list[str] | None,
                 fixed: tuple[str, int] | None = None) -> list[lsp.CodeAction]:
    """Quick fixes and noqa actions for the findings touching `requested` or named in the request's
    context (clients send the diagnostics of the cursor's line), and the fix-all action (`fixed`:
    engine.fix's answer for this text, if already known)."""
    text = data.text

    def workspace_edit(edits: list[lsp.TextEdit]) -> lsp.WorkspaceEdit:
        if data.versioned_edits:
            return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=data.uri, version=data.version),
                edits=list(edits))])
        return lsp.WorkspaceEdit(changes={data.uri: list(edits)})

    actions: list[lsp.CodeAction] = []
    if kind_wanted(QUICK_FIX, only):
        fixes, suppressions = [], []
        for diagnostic in data.diagnostics:
            shown = to_lsp(diagnostic, text)
            if not _overlaps(shown.range, requested) and (diagnostic.code, shown.range.start.line) not in data.mentioned:
                continue
            if diagnostic.fix is not None:
                edits = fix_edits(diagnostic, text)
                if edits:
                    unsafe = diagnostic.fix.applicability is Applicability.UNSAFE
                    fixes.append(lsp.CodeAction(
                        title=diagnostic.fix.message + (" (unsafe)" if unsafe else ""), kind=QUICK_FIX,
                        diagnostics=[shown], edit=workspace_edit(edits), is_preferred=not unsafe))
            suppressions.append(lsp.CodeAction(
                title=f"Disable {diagnostic.code} for this line", kind=QUICK_FIX, diagnostics=[shown],
                edit=workspace_edit([noqa_edit(text, diagnostic.line, diagnostic.code)])))
        actions += fixes + suppressions
    if wants_fix_all(data, only):
        new_source, count = fixed or fix_source(text.source, data.path, data.settings, unsafe=data.settings.unsafe_fixes)
        edits = diff_edits(text, new_source) if count else []
        if edits:
            actions.append(lsp.CodeAction(title="ce-lint: fix all auto-fixable problems", kind=FIX_ALL,
                                          edit=workspace_edit(edits)))
    return actions


# -- settings ----------------------------------------------------------------------------------

_CODE_OPTIONS = ("select", "ignore", "extend-select", "extend-safe-fixes", "extend-unsafe-fixes")


def apply_options(settings: Settings, options: dict[str, Any]) -> Settings:
    """Editor options (initializationOptions, didChangeConfiguration) override the configuration
    file, as the command line's options do. Raises ConfigError for a value that can't be used."""
    changes: dict[str, Any] = {}
    for raw_key, value in options.items():
        key = raw_key.replace("_", "-")
        if key in _CODE_OPTIONS:
            if isinstance(value, str):
                value = value.split(",")
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ConfigError(f"option '{raw_key}' must be a list of codes")
            changes[key.replace("-", "_")] = tuple(validate_codes(value, f"option '{raw_key}'"))
        elif key == "keras-version":
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"option '{raw_key}' must be a string such as \"3\" or \"tf-2.1\"")
            changes["keras_version"] = value or None
        elif key == "unsafe-fixes":
            if not isinstance(value, bool):
                raise ConfigError(f"option '{raw_key}' must be true or false")
            changes["unsafe_fixes"] = value
    return settings.replace(**changes)


_OPTION_KEYS = {*_CODE_OPTIONS, "keras-version", "unsafe-fixes", "isolated", "debounce-ms"}


def _unwrap(options: Any) -> dict[str, Any] | None:
    """Clients nest settings differently: {"ce-lint": {...}}, {"settings": {...}} or flat; None when
    there is nothing for ce-lint in them (empty, or another tool's section)."""
    if not isinstance(options, dict):
        return None
    if any(k.replace("_", "-") in _OPTION_KEYS for k in options):
        return options
    for key in ("ce-lint", "ce_lint", "celint", "settings"):
        if isinstance(options.get(key), dict):
            return _unwrap(options[key]) or {}
    return None  # nothing for ce-lint: eglot, for one, sends {} in didChangeConfiguration


# -- the server --------------------------------------------------------------------------------


class CeLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("ce-lint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.options: dict[str, Any] = {}
        self.open: set[str] = set()
        self.pending: dict[str, asyncio.Task] = {}
        self.last: dict[str, tuple[str, list[Diagnostic]]] = {}  # uri -> (text, diagnostics) of the last good lint
        # uri -> ((text, settings), engine.fix's answer): editors ask for code actions at every cursor move
        self.fixed: dict[str, tuple[tuple[str, Settings], tuple[str, int]]] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ce-lint")
        self.configs: dict[Path, tuple[float, Settings]] = {}
        self.reported: set[str] = set()  # configuration errors already shown

    # settings

    @property
    def debounce(self) -> float:
        value = self.options.get("debounce-ms", self.options.get("debounce_ms"))
        return value / 1000 if isinstance(value, (int, float)) and value >= 0 else DEBOUNCE_SECONDS

    def set_options(self, options: Any) -> bool:
        """Take the editor's options; False (and nothing changes) when none are for ce-lint."""
        found = _unwrap(options)
        if found is None:
            return False
        self.options = found
        unknown = sorted(k for k in self.options if k.replace("_", "-") not in _OPTION_KEYS)
        if unknown:
            self.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Warning, message=f"ce-lint: unknown option(s) ignored: {', '.join(unknown)}"))
        self.configs.clear()
        self.reported.clear()
        return True

    def _error_once(self, message: str) -> None:
        if message not in self.reported:
            self.reported.add(message)
            self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Error, message=f"ce-lint: {message}"))

    def settings_for(self, path: str | None) -> Settings:
        settings = Settings()
        if not self.options.get("isolated"):
            start = Path(path) if path else Path(self.workspace.root_path or os.getcwd())
            config = find_config(start)
            if config is not None:
                try:
                    mtime = config.stat().st_mtime
                    cached = self.configs.get(config)
                    if cached is None or cached[0] != mtime:
                        cached = (mtime, load(config))
                        self.configs[config] = cached
                    settings = cached[1]
                except (ConfigError, OSError) as exc:
                    self._error_once(str(exc))
        try:
            return apply_options(settings, self.options)
        except ConfigError as exc:
            self._error_once(str(exc))
            return settings

    # linting

    def document(self, uri: str):
        return self.workspace.get_text_document(uri)

    @staticmethod
    def fs_path(document) -> str | None:
        """The file's path, None for a document that is not a file (untitled:...)."""
        return document.path if document.uri.startswith("file:") else None

    def text_of(self, source: str) -> Text:
        return Text(source, str(self.workspace.position_encoding or lsp.PositionEncodingKind.Utf16.value))

    def schedule(self, uri: str, delay: float) -> None:
        """Lint the document after `delay` seconds, replacing a lint already scheduled."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._lint_later(uri, delay))

    async def _lint_later(self, uri: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            await self.lint_and_publish(uri)
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]

    async def run_lint(self, source: str, path: str, settings: Settings):
        return await asyncio.get_running_loop().run_in_executor(self.executor, lint, source, path, settings)

    async def lint_and_publish(self, uri: str) -> None:
        if uri not in self.open:
            return
        document = self.document(uri)
        source, version, path = document.source, document.version, document.path or uri
        settings = self.settings_for(self.fs_path(document))
        try:
            result = await self.run_lint(source, path, settings)
        except FileError as exc:  # keep the last good diagnostics while the text doesn't parse
            logger.debug("%s: %s", path, exc)
            return
        except Exception as exc:  # noqa: BLE001 - the server must survive an analysis bug
            self.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Error, message=f"ce-lint: {path}: internal error: {type(exc).__name__}: {exc}"))
            return
        if uri not in self.open or self.document(uri).version != version:
            return  # a newer text has arrived; its own lint will publish
        for error in result.errors:
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=f"ce-lint: {path}: {error}"))
        self.last[uri] = (source, result.diagnostics)
        text = self.text_of(source)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=[to_lsp(d, text) for d in result.diagnostics]))

    async def actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        uri = params.text_document.uri
        if uri not in self.open:
            return None
        document = self.document(uri)
        source, version, path = document.source, document.version, document.path or uri
        settings = self.settings_for(self.fs_path(document))
        last = self.last.get(uri)
        if last is not None and last[0] == source:
            diagnostics = last[1]
        else:
            try:
                diagnostics = (await self.run_lint(source, path, settings)).diagnostics
            except FileError:
                return []  # the current text doesn't parse: its positions can't be trusted
        versioned = bool(self._client_capability("workspace", "workspace_edit", "document_changes"))
        # matched by code and line only: some clients send the columns back in another unit (Neovim 0.7: bytes)
        mentioned = tuple((str(d.code), d.range.start.line) for d in params.context.diagnostics or () if d.source == SOURCE)
        data = ActionInput(uri, version, self.text_of(source), path, settings, diagnostics, versioned, mentioned)
        only = [str(k) for k in params.context.only] if params.context.only else None
        loop = asyncio.get_running_loop()
        fixed = None
        if wants_fix_all(data, only):
            cached = self.fixed.get(uri)
            if cached is not None and cached[0] == (source, settings):
                fixed = cached[1]
            else:
                fixed = await loop.run_in_executor(self.executor, fix_source, source, path, settings,
                                                   settings.unsafe_fixes)
                self.fixed[uri] = ((source, settings), fixed)
        return await loop.run_in_executor(self.executor, code_actions, data, params.range, only, fixed)

    def _client_capability(self, *names: str) -> Any:
        value: Any = self.client_capabilities
        for name in names:
            value = getattr(value, name, None)
            if value is None:
                return None
        return value


def build_server() -> CeLintServer:
    server = CeLintServer()
    all_rules()

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: CeLintServer, params: lsp.InitializeParams) -> None:
        if params.initialization_options and not ls.set_options(params.initialization_options):
            ls.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Warning, message="ce-lint: initializationOptions ignored: no ce-lint option in them"))

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: CeLintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.open.add(params.text_document.uri)
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: CeLintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.debounce)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: CeLintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: CeLintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.open.discard(uri)
        ls.last.pop(uri, None)
        ls.fixed.pop(uri, None)
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: CeLintServer, params: lsp.DidChangeConfigurationParams) -> None:
        if ls.set_options(params.settings):
            for uri in list(ls.open):
                ls.schedule(uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL]))
    async def code_action(ls: CeLintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        return await ls.actions(params)

    return server


def serve() -> int:
    """Run the server over stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="ce-lint server: %(levelname)s: %(message)s")
    build_server().start_io()
    return 0
