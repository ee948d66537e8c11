"""ce-lint inside python-lsp-server (pylsp), so that every pylsp client gets its findings and fixes:
JupyterLab through jupyterlab-lsp, Spyder, Kate, Sublime, and editors already set up for pylsp.

A thin adapter, as the other front ends are: core.check_text (per-file ignores, noqa, fixes), the
configuration and editor options of `ce-lint server` (editor_options.py), and its conversion of
findings and fixes to LSP (positions in UTF-16, as pylsp announces no other encoding). Settings go
under `pylsp.plugins.ce_lint` (`enabled`, `select`, `ignore`, `extendSelect`, `kerasVersion`,
`unsafeFixes`, `fixAll`, `isolated`) and override the project's `[tool.ce-lint]` as command-line
options do. pylsp hands a notebook's cells to plugins joined into one document.

Found by pylsp through the `pylsp` entry point; needs `pip install 'ce-lint[pylsp]'`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from lsprotocol import types as lsp
from lsprotocol.converters import get_converter
from pylsp import hookimpl

from .config import Settings
from .core import check_text
from .diagnostics import Diagnostic, FileError
from .editor_options import Configs, EditorOptions, editor_settings, read_options
from .lsp.actions import ActionInput, Document, code_actions, to_lsp, wants_fix_all
from .lsp.positions import Text
from .rules import all_rules

logger = logging.getLogger(__name__)

PLUGIN = "ce_lint"
_converter = get_converter()


@dataclass
class Analysis:
    source: str
    settings: Settings
    diagnostics: list[Diagnostic]


class State:
    """What the plugin remembers between requests: the last analysis of each document (code actions
    reuse it while the text and settings are unchanged; a text that stops parsing keeps its last
    findings, as in `ce-lint server`), loaded configuration files, and the errors already shown."""

    def __init__(self) -> None:
        self.analyses: dict[str, Analysis] = {}
        self.configs: Configs = {}
        self.shown: set[str] = set()

    def clear(self) -> None:
        self.analyses.clear()
        self.configs.clear()
        self.shown.clear()


_state = State()


def _options(config: Any, document: Any) -> dict[str, Any]:
    options = dict(config.plugin_settings(PLUGIN, document_path=document.path) or {})
    options.pop("enabled", None)
    return options


def _path(document: Any) -> str:
    return document.path or str(document.uri)


def _settings(config: Any, workspace: Any, document: Any) -> tuple[Settings, EditorOptions]:
    options = read_options(_options(config, document))
    path = document.path if str(document.uri).startswith("file:") else None
    settings, errors = editor_settings(path, workspace.root_path, options, _state.configs)
    for error in [*options.errors, *errors]:
        if error not in _state.shown:
            _state.shown.add(error)
            workspace.show_message(f"ce-lint: {error}", lsp.MessageType.Error.value)
    return settings, options


def _analyse(workspace: Any, document: Any, settings: Settings) -> Analysis | None:
    """The findings for the document's current text: the last analysis while nothing changed, the
    last good one while the text does not parse, None when there is none."""
    source, uri = document.source, str(document.uri)
    last = _state.analyses.get(uri)
    if last is not None and last.source == source and last.settings == settings:
        return last
    try:
        report = check_text(source, _path(document), settings)
    except FileError as exc:
        logger.debug("%s: %s", document.path, exc)
        return last
    except Exception as exc:  # noqa: BLE001 - pylsp and its other plugins must survive an analysis bug
        workspace.log_message(f"ce-lint: {document.path}: internal error: {type(exc).__name__}: {exc}",
                              lsp.MessageType.Error.value)
        return last
    for error in report.errors:
        workspace.log_message(f"ce-lint: {document.path}: {error}", lsp.MessageType.Error.value)
    _state.analyses[uri] = Analysis(source, settings, report.diagnostics)
    return _state.analyses[uri]


@hookimpl
def pylsp_settings() -> dict[str, Any]:
    return {"plugins": {PLUGIN: {"enabled": True}}}


@hookimpl
def pylsp_initialize() -> None:
    all_rules()


@hookimpl
def pylsp_workspace_configuration_changed() -> None:
    _state.clear()


@hookimpl
def pylsp_lint(config: Any, workspace: Any, document: Any) -> list[dict[str, Any]]:
    for gone in [uri for uri in _state.analyses if uri not in workspace.documents]:
        del _state.analyses[gone]  # pylsp has no hook for a closed document
    settings, _ = _settings(config, workspace, document)
    analysis = _analyse(workspace, document, settings)
    if analysis is None:
        return []
    documents: dict[int | None, Document] = {None: Document(str(document.uri), document.version,
                                                             Text(analysis.source))}
    diagnostics = [to_lsp(d, documents) for d in analysis.diagnostics]
    if ":" not in str(document.uri):  # pylsp's joined notebook (a bare uuid): ranges map to cells, related places don't
        for diagnostic in diagnostics:
            diagnostic.related_information = None
    return [_converter.unstructure(d) for d in diagnostics]


@hookimpl
def pylsp_code_actions(config: Any, workspace: Any, document: Any, range: dict[str, Any],
                       context: dict[str, Any]) -> list[dict[str, Any]]:
    settings, options = _settings(config, workspace, document)
    analysis = _analyse(workspace, document, settings)
    if analysis is None or analysis.source != document.source:
        return []  # the text doesn't parse: positions of older findings can't be trusted for edits
    mentioned = tuple((str(d.get("code")), d["range"]["start"]["line"]) for d in context.get("diagnostics") or ()
                      if d.get("source") == "ce-lint")
    documents: dict[int | None, Document] = {None: Document(str(document.uri), document.version,
                                                             Text(analysis.source))}
    data = ActionInput(documents, None, _path(document), settings, analysis.diagnostics, versioned_edits=False,
                       mentioned=mentioned, fix_all=options.fix_all)
    requested = _converter.structure(range, lsp.Range)
    only = [str(k) for k in context.get("only") or ()] or None
    fixed: dict[int | None, str] | None = None
    if wants_fix_all(data, only):
        changes = check_text(analysis.source, data.path, settings, "diff").changes  # a script's: one at most
        fixed = {None: changes[0].after} if changes else {}
    return [_converter.unstructure(a) for a in code_actions(data, requested, only, fixed)]
