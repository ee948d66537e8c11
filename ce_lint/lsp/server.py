"""`ce-lint server`: a language server over stdio (pygls), one more thin front end of the core.

It publishes the findings of core.py as diagnostics (on open and save at once, on change after a
short pause so typing stays smooth) and offers code actions (actions.py). A text that does not parse
keeps its last good diagnostics. Notebooks come through LSP 3.17 notebook sync (notebooks.py): the
cells are analysed as one module and each finding is published on its cell's document. Positions are
converted once, at the edge, from the core's code-point columns to the client's negotiated encoding.

Needs the optional dependency pygls (`pip install 'ce-lint[lsp]'`); nothing else in ce_lint
imports this package, so ce_lint itself never needs it.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..config import Settings
from ..core import Report, check_notebook, check_text
from ..diagnostics import Diagnostic, FileError
from ..notebooks import Notebook
from ..rules import all_rules
from . import notebooks
from .actions import FIX_ALL, NOTEBOOK_FIX_ALL, SOURCE, ActionInput, Document, code_actions, to_lsp, wants_fix_all
from .options import OPTION_KEYS, Configs, editor_settings, option, option_key, unwrap
from .positions import Text

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.3


@dataclass
class Snapshot:
    """One state of a file open in the editor: a script's document, or a notebook's cells."""

    key: str  # the script's URI, or the notebook's
    path: str
    fs_path: str | None  # None for a document that is not a file (untitled:...)
    documents: dict[int | None, Document]  # by cell number; a script's under None
    notebook: Notebook | None = None
    numbers: dict[str, int] = field(default_factory=dict)  # a notebook's cell URIs (markdown too) and numbers

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(d.text.source for d in self.documents.values())

    @property
    def versions(self) -> tuple:
        return tuple((d.uri, d.version) for d in self.documents.values())

    def cell_of(self, uri: str) -> int | None:
        """The number of the cell with this URI; None for a script (or a notebook's own URI: cell 1)."""
        if self.notebook is None:
            return None
        return self.numbers.get(uri, 1)


class CeLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("ce-lint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full,
                         notebook_document_sync=notebooks.SYNC)
        self.options: dict[str, Any] = {}
        self.open: set[str] = set()
        self.pending: dict[str, asyncio.Task] = {}
        self.notebooks: set[str] = set()  # URIs of the open notebooks
        # key -> (sources, diagnostics) of the last good lint
        self.last: dict[str, tuple[tuple[str, ...], list[Diagnostic]]] = {}
        # key -> ((sources, settings), each changed document's fixed text): editors ask for code actions at every cursor move
        self.fixed: dict[str, tuple[tuple[tuple[str, ...], Settings], dict[int | None, str]]] = {}
        self.published: dict[str, set[str]] = {}  # notebook URI -> the cell URIs diagnostics were published on
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ce-lint")
        self.configs: Configs = {}
        self.reported: set[str] = set()  # configuration errors already shown

    # settings

    @property
    def debounce(self) -> float:
        value = option(self.options, "debounce-ms")
        return value / 1000 if isinstance(value, (int, float)) and value >= 0 else DEBOUNCE_SECONDS

    def set_options(self, options: Any) -> bool:
        """Take the editor's options; False (and nothing changes) when none are for ce-lint."""
        found = unwrap(options)
        if found is None:
            return False
        self.options = found
        unknown = sorted(k for k in self.options if option_key(k) not in OPTION_KEYS)
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
        settings, errors = editor_settings(path, self.workspace.root_path, self.options, self.configs)
        for error in errors:
            self._error_once(error)
        return settings

    # linting

    def text_of(self, source: str) -> Text:
        return Text(source, str(self.workspace.position_encoding or lsp.PositionEncodingKind.Utf16.value))

    def snapshot(self, uri: str) -> Snapshot | None:
        """The file a URI belongs to (a script, a notebook, or a notebook's cell), as it is now."""
        notebook_uri = notebooks.notebook_of(self, uri)
        if notebook_uri is not None:
            return notebooks.snapshot(self, notebook_uri)
        if uri not in self.open:
            return None
        document = self.workspace.get_text_document(uri)
        fs_path = document.path if document.uri.startswith("file:") else None
        return Snapshot(uri, document.path or uri, fs_path,
                        {None: Document(uri, document.version, self.text_of(document.source))})

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

    async def check(self, snapshot: Snapshot, settings: Settings, mode: str = "check") -> Report:
        """The core's report on a snapshot, computed off the event loop. Raises FileError."""
        if snapshot.notebook is not None:
            call = (check_notebook, snapshot.notebook, snapshot.path, settings, mode)
        else:
            call = (check_text, snapshot.documents[None].text.source, snapshot.path, settings, mode)
        return await asyncio.get_running_loop().run_in_executor(self.executor, *call)

    async def lint_and_publish(self, uri: str) -> None:
        snapshot = self.snapshot(uri)
        if snapshot is None:
            return
        settings = self.settings_for(snapshot.fs_path)
        try:
            report = await self.check(snapshot, settings)
        except FileError as exc:  # keep the last good diagnostics while the text doesn't parse
            logger.debug("%s: %s", snapshot.path, exc)
            return
        except Exception as exc:  # noqa: BLE001 - the server must survive an analysis bug
            self.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Error,
                message=f"ce-lint: {snapshot.path}: internal error: {type(exc).__name__}: {exc}"))
            return
        now = self.snapshot(uri)
        if now is None or now.versions != snapshot.versions:
            return  # a newer text has arrived; its own lint will publish
        for line in report.errors + report.notes:
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error if line in report.errors else
                                                         lsp.MessageType.Info, message=f"ce-lint: {snapshot.path}: {line}"))
        self.last[uri] = (snapshot.sources, report.diagnostics)
        if snapshot.notebook is not None:
            notebooks.publish(self, snapshot, report)
            return
        document = snapshot.documents[None]
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=uri, version=document.version, diagnostics=[to_lsp(d, document.text) for d in report.diagnostics]))

    async def actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        uri = params.text_document.uri
        snapshot = self.snapshot(uri)
        if snapshot is None:
            return None
        settings = self.settings_for(snapshot.fs_path)
        last = self.last.get(snapshot.key)
        if last is not None and last[0] == snapshot.sources:
            diagnostics = last[1]
        else:
            try:
                diagnostics = (await self.check(snapshot, settings)).diagnostics
            except FileError:
                return []  # the current text doesn't parse: its positions can't be trusted
        versioned = bool(self._client_capability("workspace", "workspace_edit", "document_changes"))
        # matched by code and line only: some clients send the columns back in another unit (Neovim 0.7: bytes)
        mentioned = tuple((str(d.code), d.range.start.line) for d in params.context.diagnostics or () if d.source == SOURCE)
        fix_all = option(self.options, "fix-all", True) is not False
        data = ActionInput(snapshot.documents, snapshot.cell_of(uri), snapshot.path, settings, diagnostics, versioned,
                           mentioned, fix_all)
        only = [str(k) for k in params.context.only] if params.context.only else None
        fixed = None
        if wants_fix_all(data, only):
            cached = self.fixed.get(snapshot.key)
            if cached is not None and cached[0] == (snapshot.sources, settings):
                fixed = cached[1]
            else:
                try:
                    report = await self.check(snapshot, settings, "diff")
                except FileError:
                    return []
                fixed = {c.cell: c.after for c in report.changes}
                self.fixed[snapshot.key] = ((snapshot.sources, settings), fixed)
        return await asyncio.get_running_loop().run_in_executor(self.executor, code_actions, data, params.range, only,
                                                                fixed)

    def forget(self, key: str) -> None:
        """Drop what is kept for a closed document or notebook."""
        self.last.pop(key, None)
        self.fixed.pop(key, None)
        task = self.pending.pop(key, None)
        if task is not None:
            task.cancel()

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
    notebooks.register(server)

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
        ls.forget(uri)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: CeLintServer, params: lsp.DidChangeConfigurationParams) -> None:
        if ls.set_options(params.settings):
            for uri in [*ls.open, *ls.notebooks]:
                ls.schedule(uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL, NOTEBOOK_FIX_ALL]))
    async def code_action(ls: CeLintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        return await ls.actions(params)

    return server


def serve() -> int:
    """Run the server over stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="ce-lint server: %(levelname)s: %(message)s")
    build_server().start_io()
    return 0
