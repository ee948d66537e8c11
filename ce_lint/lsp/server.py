"""`ce-lint server`: a language server over stdio (pygls), one more thin front end of the core.

It reports the findings of core.py as diagnostics: answering textDocument/diagnostic when the client
pulls them, else published (on open and save at once, on change after a short pause so typing stays
smooth), always off the event loop; an analysis still waiting when a newer edit arrives is skipped,
and of each text only the top-level statements an edit changed are parsed again (incremental.py).
Code actions (actions.py) reuse the analysis of the file's current text (analysis.py). A
text that does not parse keeps its last good diagnostics. Notebooks come through LSP 3.17 notebook
sync (notebooks.py): the cells are analysed as one module and each finding is shown on its cell's
document. Options come pushed (initializationOptions, didChangeConfiguration) and, from clients that
can, pulled per document (workspace/configuration), read by editor_options.py. Positions are
converted once, at the edge, from the core's code-point columns to the client's negotiated encoding.

Needs the optional dependency pygls (`pip install 'ce-lint[lsp]'`); nothing else in ce_lint
imports this package, so ce_lint itself never needs it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from .. import __version__
from ..config import Settings
from ..core import Report, check_notebook, check_text
from ..diagnostics import FileError
from ..editor_options import EditorOptions
from ..incremental import Chunks
from ..rules import all_rules
from . import notebooks
from .actions import FIX_ALL, NOTEBOOK_FIX_ALL, SOURCE, ActionInput, Document, code_actions, wants_fix_all
from .analysis import Analysis, Snapshot, State, View, views
from .configuration import Configuration
from .positions import Text

logger = logging.getLogger(__name__)


class _Protocol(LanguageServerProtocol):
    """pygls's protocol, except that a didChange for a document that was never opened (a client's
    bug, or a race with didClose) is logged instead of raising a KeyError the user sees as a popup."""

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams) -> Iterator[Any]:
        if unquote(params.text_document.uri) not in self.workspace.text_documents:
            logger.info("didChange for %s, which is not open: ignored", params.text_document.uri)
            return
        yield from super().lsp_text_document__did_change(params)


class Superseded(Exception):
    """An analysis skipped because a newer text of its file arrived while it waited."""


class CeLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("ce-lint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full,
                         notebook_document_sync=notebooks.SYNC, protocol_cls=_Protocol)
        self.configuration = Configuration(self)
        self.open: set[str] = set()
        self.notebooks: set[str] = set()  # URIs of the open notebooks
        self.pending: dict[str, asyncio.Future[None]] = {}
        self.analyses: dict[str, Analysis] = {}  # file key (a script's or a notebook's URI) -> its latest analysis
        self.running: dict[str, tuple[State, asyncio.Future[Analysis]]] = {}  # file key -> the analysis under way
        self.newest: dict[str, State] = {}  # file key -> the state (text, settings) last asked to be analysed
        self.views: dict[str, dict[str, View]] = {}  # file key -> document URI -> what it shows
        self.published: dict[str, set[str]] = {}  # file key -> the document URIs diagnostics were published on
        self.answered: dict[str, str] = {}  # document URI -> the result id last answered to a pull
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ce-lint")
        self.texts: dict[str, Text] = {}  # the latest texts seen, the most recent last
        self.chunks = Chunks()  # parsed statements of the texts analysed, used only on the executor's thread
        self.results = itertools.count(1)
        self.pull = False  # the client pulls diagnostics (textDocument/diagnostic): none are pushed
        self.trace = lsp.TraceValue.Off

    def log_trace_line(self, message: str) -> None:
        if self.trace != lsp.TraceValue.Off:
            self.log_trace(lsp.LogTraceParams(message=f"ce-lint: {message}"))

    # analysis

    def text_of(self, source: str) -> Text:
        """A document's text with its line offsets, computed once for each text (each edit's is asked
        for at least twice: when its analysis starts and when it is published)."""
        encoding = str(self.workspace.position_encoding or lsp.PositionEncodingKind.Utf16.value)
        text = self.texts.pop(source, None)
        if text is None or text.encoding != encoding:
            text = Text(source, encoding)
        self.texts[source] = text  # the most recent last
        while len(self.texts) > 16:
            del self.texts[next(iter(self.texts))]
        return text

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

    async def check(self, snapshot: Snapshot, settings: Settings, mode: str = "check",
                    state: State | None = None) -> Report:
        """The core's report on a snapshot, computed off the event loop. Raises FileError, and
        Superseded when a newer `state` of the file was asked for before this one's turn came."""
        def run() -> Report:
            if state is not None and self.newest.get(snapshot.key) != state:
                raise Superseded
            if snapshot.notebook is not None:
                return check_notebook(snapshot.notebook, snapshot.path, settings, mode, chunks=self.chunks)
            return check_text(snapshot.documents[None].text.source, snapshot.path, settings, mode, chunks=self.chunks)

        return await asyncio.get_running_loop().run_in_executor(self.executor, run)

    async def analyse(self, uri: str) -> tuple[Snapshot, Analysis, EditorOptions] | None:
        """The file `uri` belongs to as it is now, and its analysis: the latest one while its state and
        settings are unchanged, the one under way if there is one, else a new one. None when not open."""
        snapshot = self.snapshot(uri)
        if snapshot is None:
            return None
        settings, options = await self.configuration.settings_for(snapshot)
        state = (snapshot.state, settings)
        latest = self.analyses.get(snapshot.key)
        if latest is not None and (latest.state, latest.settings) == state:
            return snapshot, latest, options
        running = self.running.get(snapshot.key)
        if running is None or running[0] != state:
            self.newest[snapshot.key] = state  # an older analysis still waiting for its turn is skipped
            running = (state, asyncio.ensure_future(self._analyse(snapshot, settings, state)))
            self.running[snapshot.key] = running
        analysis = await asyncio.shield(running[1])
        if self.running.get(snapshot.key) is running:
            del self.running[snapshot.key]
        return snapshot, analysis, options

    async def _analyse(self, snapshot: Snapshot, settings: Settings, state: State) -> Analysis:
        self.log_trace_line(f"analysing {snapshot.path}")
        report = None
        try:
            report = await self.check(snapshot, settings, state=state)
        except Superseded:  # the newer text's analysis shows its findings; this one keeps nothing
            return Analysis(snapshot.state, settings, None)
        except FileError as exc:  # the text doesn't parse: its documents keep what they show
            logger.debug("%s: %s", snapshot.path, exc)
        except Exception as exc:  # noqa: BLE001 - the server must survive an analysis bug
            self.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Error,
                message=f"ce-lint: {snapshot.path}: internal error: {type(exc).__name__}: {exc}"))
        else:
            for line in report.errors + report.notes:
                self.window_log_message(lsp.LogMessageParams(
                    type=lsp.MessageType.Error if line in report.errors else lsp.MessageType.Info,
                    message=f"ce-lint: {snapshot.path}: {line}"))
        analysis = Analysis(snapshot.state, settings, report)
        if snapshot.key in self.open or snapshot.key in self.notebooks:  # not closed meanwhile
            self.analyses[snapshot.key] = analysis
            self.views[snapshot.key] = views(snapshot, analysis, self.views.get(snapshot.key, {}), self.results)
        return analysis

    async def fixes(self, snapshot: Snapshot, analysis: Analysis) -> dict[int | None, str] | None:
        """Each document's text after every safe fix (for fix-all), computed once per analysis."""
        if analysis.fixed is None:
            try:
                report = await self.check(snapshot, analysis.settings, "diff")
            except FileError:
                return None
            analysis.fixed = {c.cell: c.after for c in report.changes}
        return analysis.fixed

    # diagnostics, pushed or pulled

    def schedule(self, uri: str, delay: float, cells_changed: bool = False) -> None:
        """Publish the file's diagnostics after `delay` seconds, replacing what is already scheduled.
        A client that pulls asks for each document itself, except after an edit in a notebook's cells
        (`cells_changed`): that can change the findings of other cells, which it is asked to pull again."""
        if self.pull and not (cells_changed and self.client_capability("workspace", "diagnostics", "refresh_support")):
            return
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._later(uri, delay))

    async def _later(self, uri: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            await (self.refresh_if_stale(uri) if self.pull else self.lint_and_publish(uri))
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]

    async def lint_and_publish(self, uri: str) -> None:
        found = await self.analyse(uri)
        if found is None or found[1].report is None:
            return  # not open, or the text doesn't parse: the last published diagnostics stay
        now = self.snapshot(uri)
        if now is None or now.state != found[1].state:
            return  # a newer text has arrived; its own lint will publish
        shown, broken = self.views.get(now.key, {}), now.broken
        for number, document in now.documents.items():
            if number not in broken and document.uri in shown:
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                    uri=document.uri, version=document.version, diagnostics=shown[document.uri].items))
        uris = {d.uri for d in now.documents.values()}
        for gone in sorted(self.published.get(now.key, set()) - uris):  # cells deleted or no longer code
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=gone, diagnostics=[]))
        self.published[now.key] = uris

    async def pulled_diagnostics(self, params: lsp.DocumentDiagnosticParams) -> lsp.DocumentDiagnosticReport:
        uri = params.text_document.uri
        found = await self.analyse(uri)
        view = self.views.get(found[0].key, {}).get(uri) if found is not None else None
        if view is None:  # not open, a markdown cell, or a cell that never parsed
            return lsp.RelatedFullDocumentDiagnosticReport(items=[])
        self.answered[uri] = view.result_id
        if params.previous_result_id == view.result_id:
            return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=view.result_id)
        return lsp.RelatedFullDocumentDiagnosticReport(items=view.items, result_id=view.result_id)

    async def refresh_if_stale(self, uri: str) -> None:
        """Pull mode, after a notebook changed: ask the client to pull again when one of its cells
        no longer shows what the client was last answered (nothing, for a cell it never asked about)."""
        found = await self.analyse(uri)
        if found is None:
            return
        for cell, view in self.views.get(found[0].key, {}).items():
            answered = self.answered.get(cell)
            if (answered != view.result_id) if answered is not None else bool(view.items):
                self.workspace_diagnostic_refresh(None)
                return

    def refresh(self) -> None:
        """After a change of settings: diagnostics again for every open file."""
        if not self.pull:
            for uri in [*self.open, *self.notebooks]:
                self.schedule(uri, 0)
        elif self.client_capability("workspace", "diagnostics", "refresh_support"):
            self.workspace_diagnostic_refresh(None)

    # code actions

    async def actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        uri = params.text_document.uri
        found = await self.analyse(uri)
        if found is None:
            return None
        snapshot, analysis, options = found
        if analysis.report is None:
            return []  # the current text doesn't parse: its positions can't be trusted
        versioned = bool(self.client_capability("workspace", "workspace_edit", "document_changes"))
        # matched by code and line only: some clients send the columns back in another unit (Neovim 0.7: bytes)
        mentioned = tuple((str(d.code), d.range.start.line) for d in params.context.diagnostics or ()
                          if d.source == SOURCE)
        data = ActionInput(snapshot.documents, snapshot.cell_of(uri), snapshot.path, analysis.settings,
                           analysis.diagnostics, versioned, mentioned, options.fix_all)
        only = [str(k) for k in params.context.only] if params.context.only else None
        fixed = None
        if wants_fix_all(data, only):
            fixed = await self.fixes(snapshot, analysis)
            if fixed is None:
                return []
        return await asyncio.get_running_loop().run_in_executor(self.executor, code_actions, data, params.range, only,
                                                                fixed)

    def close(self, key: str, documents: set[str]) -> None:
        """Drop what is kept for a closed script or notebook, and (pushing) clear its diagnostics."""
        for kept in (self.analyses, self.running, self.newest):
            kept.pop(key, None)
        self.configuration.forget(key)
        shown = set(self.views.pop(key, {})) | self.published.pop(key, set()) | documents
        for uri in shown:
            self.answered.pop(uri, None)
        task = self.pending.pop(key, None)
        if task is not None:
            task.cancel()
        if not self.pull:
            for uri in sorted(shown):
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def client_capability(self, *names: str) -> Any:
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
        documents = params.capabilities.text_document
        ls.pull = documents is not None and documents.diagnostic is not None
        ls.trace = params.trace or lsp.TraceValue.Off
        if params.initialization_options and not ls.configuration.push(params.initialization_options):
            ls.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Warning,
                message="ce-lint: initializationOptions ignored: no ce-lint option in them"))

    @server.feature(lsp.SET_TRACE)
    def set_trace(ls: CeLintServer, params: lsp.SetTraceParams) -> None:
        ls.trace = params.value

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: CeLintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.open.add(params.text_document.uri)
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: CeLintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.configuration.debounce)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: CeLintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: CeLintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.open.discard(uri)
        ls.close(uri, {uri})

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: CeLintServer, params: lsp.DidChangeConfigurationParams) -> None:
        changed = ls.configuration.push(params.settings)
        if ls.client_capability("workspace", "configuration"):
            ls.configuration.ask_again()  # the pull model: the notification says "ask again"
            changed = True
        if changed:
            ls.refresh()

    @server.feature(lsp.TEXT_DOCUMENT_DIAGNOSTIC, lsp.DiagnosticOptions(
        identifier=SOURCE, inter_file_dependencies=False, workspace_diagnostics=False))
    async def diagnostic(ls: CeLintServer, params: lsp.DocumentDiagnosticParams) -> lsp.DocumentDiagnosticReport:
        return await ls.pulled_diagnostics(params)

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
