"""The language server's protocol features beyond the basics of test_lsp.py, through a real LSP
client (pytest-lsp's) talking to `python -m ce_lint server`: pull diagnostics, options pulled with
workspace/configuration, option validation as on the command line, a didChange for a document that
was never opened, and code actions that reuse the analysis of an unchanged text."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from pathlib import Path

import pytest

from support import ROOT

pytest.importorskip("pygls")
pytest.importorskip("pytest_lsp")
pytest.importorskip("pytest_asyncio")

from lsprotocol import types as t  # noqa: E402
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, LanguageClient, register_lsp_features  # noqa: E402
from test_lsp import (  # noqa: E402
    BUGGY, COMPILE_CELL, MODEL_CELL, NOTEBOOK_CLIENT, TIMEOUT, Client, OpenNotebook, text_in, uri_of)

ACCURACY = BUGGY.replace('loss="binary_crossentropy")', 'loss="binary_crossentropy", metrics=["accuracy"])')
PULL = t.ClientCapabilities(
    text_document=t.TextDocumentClientCapabilities(diagnostic=t.DiagnosticClientCapabilities()),
    workspace=t.WorkspaceClientCapabilities(diagnostics=t.DiagnosticWorkspaceClientCapabilities(refresh_support=True)))
PULL_NOTEBOOK = t.ClientCapabilities(
    text_document=PULL.text_document, notebook_document=NOTEBOOK_CLIENT.notebook_document,
    workspace=t.WorkspaceClientCapabilities(diagnostics=PULL.workspace.diagnostics,
                                            workspace_edit=NOTEBOOK_CLIENT.workspace.workspace_edit))
CONFIGURATION = t.ClientCapabilities(workspace=t.WorkspaceClientCapabilities(
    configuration=True, did_change_configuration=t.DidChangeConfigurationClientCapabilities()))


class Session(Client):
    def __init__(self, lsp: LanguageClient, published, encoding: str, traces: list[str],
                 capabilities: t.ServerCapabilities) -> None:
        super().__init__(lsp, published, encoding)
        self.traces = traces
        self.capabilities = capabilities

    async def pull(self, uri: str, previous: str | None = None) -> t.DocumentDiagnosticReport:
        return await asyncio.wait_for(self.lsp.text_document_diagnostic_async(t.DocumentDiagnosticParams(
            text_document=t.TextDocumentIdentifier(uri=uri), previous_result_id=previous)), TIMEOUT)

    def analyses(self, name: str) -> int:
        return sum(1 for line in self.traces if line.startswith("ce-lint: analysing") and name in line)


@contextlib.asynccontextmanager
async def session(options: dict | None = None, capabilities: t.ClientCapabilities | None = None,
                  root: Path = ROOT, trace: t.TraceValue | None = None):
    published: list[t.PublishDiagnosticsParams] = []
    traces: list[str] = []
    lsp = LanguageClient()
    features = dict(DEFAULT_CLIENT_FEATURES)
    default_publish = features[t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(client: LanguageClient, params: t.PublishDiagnosticsParams) -> None:
        published.append(params)
        default_publish(client, params)

    def log_trace(client: LanguageClient, params: t.LogTraceParams) -> None:
        traces.append(params.message)

    features[t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[t.LOG_TRACE] = log_trace
    register_lsp_features(lsp, features)
    await lsp.start_io(sys.executable, "-m", "ce_lint", "server", cwd=str(root))
    try:
        result = await asyncio.wait_for(lsp.initialize_session(t.InitializeParams(
            capabilities=capabilities or t.ClientCapabilities(), root_uri=root.as_uri(),
            initialization_options=options, trace=trace)), TIMEOUT)
        yield Session(lsp, published, str(result.capabilities.position_encoding or "utf-16"), traces, result.capabilities)
        await asyncio.wait_for(lsp.shutdown_session(), TIMEOUT)
    except BaseException:
        if lsp._server is not None and lsp._server.returncode is None:
            lsp._server.kill()
        raise
    finally:
        await asyncio.wait_for(lsp.stop(), TIMEOUT)


async def eventually(check, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.01)


@pytest.mark.asyncio
async def test_pull_diagnostics(tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "train.py")
    async with session({"keras-version": "3"}, PULL, root=tmp_path) as client:
        result = client.capabilities.diagnostic_provider
        assert result.identifier == "ce-lint" and not result.inter_file_dependencies
        client.open(uri, BUGGY)
        report = await client.pull(uri)
        assert report.kind == "full" and [d.code for d in report.items] == ["CE102"]
        assert report.items[0].source == "ce-lint"
        assert (await client.pull(uri, report.result_id)).kind == "unchanged"

        client.change(uri, BUGGY + "model.fit(x, y,\n")  # stops parsing: the findings stay
        kept = await client.pull(uri, report.result_id)
        assert kept.kind == "unchanged"
        assert (await client.pull(uri)).items == report.items

        client.change(uri, BUGGY.replace("binary_crossentropy", "categorical_crossentropy"))
        fixed = await client.pull(uri, report.result_id)
        assert fixed.kind == "full" and not fixed.items and fixed.result_id != report.result_id

        client.lsp.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings={"ignore": ["CE1"]}))
        await eventually(lambda: client.lsp.diagnostic_refresh_count == 1, "no workspace/diagnostic/refresh")
        assert client.published == []  # a client that pulls is never pushed diagnostics too


@pytest.mark.asyncio
async def test_pull_diagnostics_on_notebook_cells(tmp_path: Path) -> None:
    async with session({"debounce-ms": 0}, PULL_NOTEBOOK, root=tmp_path, trace=t.TraceValue.Messages) as client:
        notebook = OpenNotebook(client, tmp_path / "nb.ipynb", [("code", MODEL_CELL), ("markdown", "# then"),
                                                                ("code", COMPILE_CELL)])
        model, markdown, compile_cell = notebook.cells
        found = await client.pull(compile_cell)  # a cell's pull answers that cell's findings
        assert found.kind == "full" and [d.code for d in found.items] == ["CE102"]
        assert text_in(COMPILE_CELL, found.items[0].range, client.encoding) == '"binary_crossentropy"'
        (related,) = found.items[0].related_information  # the softmax, in cell 1's document
        assert related.location.uri == model and text_in(MODEL_CELL, related.location.range, client.encoding) == '"softmax"'
        clean = await client.pull(model)
        assert clean.kind == "full" and not clean.items
        assert not (await client.pull(markdown)).items
        assert (await client.pull(compile_cell, found.result_id)).kind == "unchanged"
        assert client.analyses("nb.ipynb") == 1  # the cells are analysed together, once

        # an edit in cell 1 clears the finding on cell 3: the client is asked to pull again
        notebook.change({1: MODEL_CELL.replace('"softmax"', '"sigmoid"')})
        await eventually(lambda: client.lsp.diagnostic_refresh_count == 1, "no workspace/diagnostic/refresh")
        cleared = await client.pull(compile_cell, found.result_id)
        assert cleared.kind == "full" and not cleared.items
        assert (await client.pull(model, clean.result_id)).kind == "unchanged"
        assert client.analyses("nb.ipynb") == 2

        notebook.change({2: "# no finding changes"})  # nothing the client holds is stale: no refresh
        await asyncio.sleep(0.5)
        assert client.lsp.diagnostic_refresh_count == 1
        assert client.published == []


@pytest.mark.asyncio
async def test_notebook_actions_reuse_the_analysis_that_was_published(tmp_path: Path) -> None:
    async with session({"debounce-ms": 0}, NOTEBOOK_CLIENT, root=tmp_path, trace=t.TraceValue.Messages) as client:
        notebook = OpenNotebook(client, tmp_path / "nb.ipynb", [("code", MODEL_CELL), ("code", COMPILE_CELL)])
        (diagnostic,) = (await notebook.diagnostics())[2]
        for cell in notebook.cells * 2:  # the cursor moves from cell to cell
            await client.actions(cell, diagnostic.range)
        actions = await client.actions(notebook.cells[1], diagnostic.range, only=[t.CodeActionKind.QuickFix])
        assert [a.title for a in actions] == ["Disable CE102 for this line"]
        assert client.analyses("nb.ipynb") == 1


@pytest.mark.asyncio
async def test_options_pulled_per_document_override_the_pushed_ones(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = uri_of(tmp_path / "a" / "train.py"), uri_of(tmp_path / "b" / "train.py")
    async with session({"keras-version": "2.3"}, CONFIGURATION, root=tmp_path) as client:
        # the folder a/ sets its own Keras version, as VS Code's folder settings do; b/ has none
        client.lsp.set_configuration({"kerasVersion": "3"}, section="ce-lint", scope_uri=uri_of(tmp_path / "a"))
        client.open(first, ACCURACY)
        client.open(second, ACCURACY)
        assert [d.code for d in await client.diagnostics(first)] == ["CE102"]
        assert [d.code for d in await client.diagnostics(second)] == ["CE102", "CE104"]  # the pushed 2.3

        # the pull model: didChangeConfiguration with no settings means "ask again"
        client.lsp.set_configuration({"kerasVersion": "2.3"}, section="ce-lint", scope_uri=uri_of(tmp_path / "a"))
        client.lsp.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=None))
        await eventually(lambda: [d.code for d in client.lsp.diagnostics[first]] == ["CE102", "CE104"],
                         "the new pulled options were not used")


@pytest.mark.asyncio
@pytest.mark.parametrize("where", ["initializationOptions", "workspace/configuration"])
async def test_a_bad_keras_version_is_refused_as_the_command_refuses_it(tmp_path: Path, where: str) -> None:
    uri = uri_of(tmp_path / "train.py")
    options = {"kerasVersion": "banana", "ignore": ["CE9"]}
    async with session(options if where == "initializationOptions" else None, CONFIGURATION, root=tmp_path) as client:
        if where == "workspace/configuration":
            client.lsp.set_configuration(options, section="ce-lint")
        client.open(uri, ACCURACY)
        # as without the option (the installed Keras 3), not as some other version
        assert [d.code for d in await client.diagnostics(uri)] == ["CE102"]
        await eventually(lambda: client.lsp.messages, "no message")
        (message,) = client.lsp.messages
        assert message.type == t.MessageType.Error
        assert message.message == ("ce-lint: option 'kerasVersion': 'banana' is not a Keras version "
                                   "(e.g. 3, 2.3, or tf-2.1 for tf.keras)")
        # the other options still apply, and the message is shown once, not at every lint
        client.change(uri, ACCURACY + "# more\n")
        await client.diagnostics(uri, 2)
        assert len(client.lsp.messages) == 1


@pytest.mark.asyncio
async def test_options_of_the_wrong_type_are_each_named(tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "train.py")
    async with session({"select": 3, "fixAll": "no", "debounce_ms": -1, "keras-version": "3"}, root=tmp_path) as client:
        client.open(uri, ACCURACY)
        assert [d.code for d in await client.diagnostics(uri)] == ["CE102"]
        await eventually(lambda: len(client.lsp.messages) == 3, "not three messages")
        assert sorted(m.message for m in client.lsp.messages) == [
            "ce-lint: option 'debounce_ms' must be a number of milliseconds",
            "ce-lint: option 'fixAll' must be true or false",
            "ce-lint: option 'select' must be a list of strings",
        ]


@pytest.mark.asyncio
async def test_did_change_for_a_document_never_opened_is_no_error(tmp_path: Path) -> None:
    stranger, uri = uri_of(tmp_path / "never_opened.py"), uri_of(tmp_path / "train.py")
    async with session(root=tmp_path) as client:
        client.lsp.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=stranger, version=2),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=BUGGY)]))
        client.open(uri, BUGGY)  # the server goes on
        assert [d.code for d in await client.diagnostics(uri)] == ["CE102"]
        assert client.lsp.messages == []  # no popup
        assert await client.actions(stranger, t.Range(t.Position(0, 0), t.Position(0, 0))) == []
        assert not [p for p in client.published if p.uri == stranger]


@pytest.mark.asyncio
async def test_code_actions_reuse_the_analysis_of_an_unchanged_text(tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "train.py")
    async with session({"debounce-ms": 0}, root=tmp_path, trace=t.TraceValue.Messages) as client:
        client.open(uri, BUGGY)
        (diagnostic,) = await client.diagnostics(uri)
        for _ in range(3):  # the cursor moves about the line
            assert (await client.actions(uri, diagnostic.range))[0].title == "Use categorical_crossentropy (unsafe)"
        assert client.analyses("train.py") == 1

        broken = BUGGY + "model.fit(x, y,\n"
        client.change(uri, broken)
        await eventually(lambda: client.analyses("train.py") == 2, "the new text was not analysed")
        for _ in range(3):
            assert await client.actions(uri, diagnostic.range) == []
        assert client.analyses("train.py") == 2  # a text that doesn't parse is not parsed again and again

        client.lsp.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings={"ignore": ["CE1"]}))
        await eventually(lambda: client.analyses("train.py") == 3, "new settings, no new analysis")
