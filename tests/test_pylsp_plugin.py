"""The pylsp plugin, driven through python-lsp-server itself (`python -m pylsp` over stdio) by a real
LSP client (pytest-lsp's), as JupyterLab's jupyterlab-lsp, Spyder or Kate drive it."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import typing
from pathlib import Path

import pytest

from support import ROOT

pytest.importorskip("pylsp")
pytest_lsp = pytest.importorskip("pytest_lsp")
pytest.importorskip("pytest_asyncio")

from lsprotocol import types as t  # noqa: E402
from pygls.protocol import default_converter  # noqa: E402
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, LanguageClient, register_lsp_features  # noqa: E402
from test_lsp import BUGGY, NON_ASCII, apply_edits, check_json, code_points, text_in, uri_of  # noqa: E402

TIMEOUT = 30.0
# pylsp's own linters (pyflakes, pycodestyle, ...) run too; these tests read only ce-lint's findings
OTHERS_OFF = {name: {"enabled": False} for name in (
    "pyflakes", "pycodestyle", "mccabe", "pydocstyle", "autopep8", "yapf", "pylint", "flake8", "rope_autoimport")}


def converter():
    """pygls's converter, able to read pylsp's notebookSelector: lsprotocol 2025.0.0 has no structure
    hook for a cell filter's optional `notebook` (the client would refuse pylsp's initialize answer)."""
    made = default_converter()
    optional = typing.get_type_hints(t.NotebookDocumentFilterWithCells)["notebook"]

    def notebook_filter(value, _):
        if value is None or isinstance(value, str):
            return value
        for kind in (t.NotebookDocumentFilterNotebookType, t.NotebookDocumentFilterScheme, t.NotebookDocumentFilterPattern):
            with contextlib.suppress(Exception):
                return made.structure(value, kind)
        raise ValueError(f"not a notebook filter: {value!r}")

    made.register_structure_hook(optional, notebook_filter)
    return made


class Pylsp:
    def __init__(self, lsp: LanguageClient) -> None:
        self.lsp = lsp
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

    def configure(self, ce_lint: dict) -> None:
        self.lsp.workspace_did_change_configuration(t.DidChangeConfigurationParams(
            settings={"pylsp": {"plugins": {**OTHERS_OFF, "ce_lint": ce_lint}}}))

    def open(self, uri: str, text: str) -> None:
        self.versions[uri], self.texts[uri] = 1, text
        self.lsp.text_document_did_open(t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.texts[uri] = text
        self.lsp.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)]))

    async def diagnostics(self, uri: str, until=lambda found: True) -> list[t.Diagnostic]:
        """ce-lint's diagnostics in the latest publication for uri that satisfies `until`."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            if uri in self.lsp.diagnostics:
                found = [d for d in self.lsp.diagnostics[uri] if d.source == "ce-lint"]
                if until(found):
                    return found
            if time.monotonic() > deadline:
                raise AssertionError(f"no diagnostics as expected for {uri}: {self.lsp.diagnostics.get(uri)}")
            await asyncio.sleep(0.02)

    async def actions(self, uri: str, where: t.Range, only: list[str] | None = None,
                      context: list[t.Diagnostic] = ()) -> list[t.CodeAction]:
        answer = await asyncio.wait_for(self.lsp.text_document_code_action_async(t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri), range=where,
            context=t.CodeActionContext(diagnostics=list(context), only=only))), TIMEOUT) or []
        return [a for a in answer if isinstance(a, t.CodeAction) and (a.kind or "").endswith(("quickfix", "ce-lint"))]

    def apply(self, uri: str, action: t.CodeAction) -> str:
        return apply_edits(self.texts[uri], list(action.edit.changes[uri]), "utf-16")


@contextlib.asynccontextmanager
async def pylsp(ce_lint: dict | None = None, root: Path = ROOT):
    lsp = LanguageClient(converter_factory=converter)
    register_lsp_features(lsp, DEFAULT_CLIENT_FEATURES)
    await lsp.start_io(sys.executable, "-m", "pylsp", cwd=str(root))
    try:
        await asyncio.wait_for(lsp.initialize_session(t.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"), root_uri=root.as_uri())), TIMEOUT)
        client = Pylsp(lsp)
        client.configure(ce_lint or {})
        yield client
        await asyncio.wait_for(lsp.shutdown_session(), TIMEOUT)
    except BaseException:
        if lsp._server is not None and lsp._server.returncode is None:
            lsp._server.kill()
        raise
    finally:
        await asyncio.wait_for(lsp.stop(), TIMEOUT)


@pytest.mark.asyncio
async def test_findings_at_the_commands_positions_and_the_quick_fix_removes_them(tmp_path: Path) -> None:
    path = tmp_path / "données.py"
    path.write_text(NON_ASCII, encoding="utf-8")
    uri = uri_of(path)
    async with pylsp(root=tmp_path) as client:
        client.open(uri, NON_ASCII)
        (diagnostic,) = await client.diagnostics(uri, until=bool)
        (expected,) = check_json(str(path))
        assert diagnostic.code == "CE102" and diagnostic.message == expected["message"]
        assert diagnostic.code_description.href.endswith("/docs/rules/CE102.md")
        (related,) = diagnostic.related_information
        assert related.location.uri == uri and text_in(NON_ASCII, related.location.range, "utf-16") == '"softmax"'
        assert related.message == expected["related"][0]["message"] == "the 10-unit softmax output"
        assert text_in(NON_ASCII, diagnostic.range, "utf-16") == '"binary_crossentropy"'  # emoji before it
        assert code_points(NON_ASCII, diagnostic.range.start, "utf-16") == (
            expected["location"]["row"], expected["location"]["column"])

        actions = await client.actions(uri, diagnostic.range, context=[diagnostic])
        assert [a.title for a in actions] == ["Use categorical_crossentropy (unsafe)", "Disable CE102 for this line"]
        fixed = client.apply(uri, actions[0])
        assert fixed == NON_ASCII.replace('"binary_crossentropy"', '"categorical_crossentropy"')
        assert client.apply(uri, actions[1]) == NON_ASCII.replace('crossentropy")\n', 'crossentropy")  # noqa: CE102\n')
        client.change(uri, fixed)
        assert await client.diagnostics(uri, until=lambda found: not found) == []


@pytest.mark.asyncio
async def test_fix_all_as_the_command_fixes(tmp_path: Path) -> None:
    from ce_lint.config import Settings
    from ce_lint.core import fix_text as fix

    source = (ROOT / "fixtures" / "CE104.py").read_text(encoding="utf-8")
    path = tmp_path / "CE104.py"
    uri = uri_of(path)
    async with pylsp({"kerasVersion": "3"}, root=tmp_path) as client:
        client.open(uri, source)
        await client.diagnostics(uri, until=bool)
        whole = t.Range(start=t.Position(line=0, character=0), end=t.Position(line=len(source.splitlines()), character=0))
        (action,) = await client.actions(uri, whole, only=["source.fixAll"])
        assert action.kind == "source.fixAll.ce-lint"
        expected, count = fix(source, str(path), Settings(keras_version="3"))
        assert count > 0 and client.apply(uri, action) == expected
        client.configure({"kerasVersion": "3", "fixAll": False})
        await asyncio.sleep(0.5)
        assert await client.actions(uri, whole, only=["source.fixAll"]) == []


@pytest.mark.asyncio
async def test_settings_from_pylsp_and_from_the_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint]\nignore = ["CE102"]\n')
    path = tmp_path / "train.py"
    path.write_text(BUGGY)
    uri = uri_of(path)
    async with pylsp(root=tmp_path) as client:
        client.open(uri, BUGGY)
        await asyncio.sleep(1.0)  # pylsp lints after a short pause; the project's configuration silences it
        assert await client.diagnostics(uri) == []
        client.configure({"ignore": []})  # pylsp re-lints open documents when its settings change
        assert [d.code for d in await client.diagnostics(uri, until=bool)] == ["CE102"]
        for bad, shown in [({"select": ["XYZ"]}, "'XYZ' is not a ce-lint code"),
                           ({"kerasVersion": "banana"}, "option 'kerasVersion': 'banana' is not a Keras version")]:
            client.configure(bad)  # refused as the command line refuses it, in one message
            deadline = time.monotonic() + TIMEOUT
            while not any(shown in m.message for m in client.lsp.messages):
                assert time.monotonic() < deadline, client.lsp.messages
                await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_per_file_ignores_apply_as_in_the_command(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint.per-file-ignores]\n"scripts/*.py" = ["CE102"]\n')
    (tmp_path / "scripts").mkdir()
    ignored, kept = tmp_path / "scripts" / "train.py", tmp_path / "train.py"
    for path in (ignored, kept):
        path.write_text(BUGGY)
    assert [d["filename"] for d in check_json(str(ignored), str(kept))] == [str(kept)]
    async with pylsp(root=tmp_path) as client:
        client.open(uri_of(ignored), BUGGY)
        client.open(uri_of(kept), BUGGY)
        assert [d.code for d in await client.diagnostics(uri_of(kept), until=bool)] == ["CE102"]
        assert await client.diagnostics(uri_of(ignored)) == []


@pytest.mark.asyncio
async def test_text_that_stops_parsing_keeps_its_findings(tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "train.py")
    async with pylsp(root=tmp_path) as client:
        client.open(uri, BUGGY)
        (first,) = await client.diagnostics(uri, until=bool)
        client.change(uri, BUGGY + "model.fit(x, y,\n")
        await asyncio.sleep(1.0)
        assert await client.diagnostics(uri) == [first]
        assert await client.actions(uri, first.range, context=[first]) == []  # no edits on a text that doesn't parse


@pytest.mark.asyncio
async def test_notebook_cells_through_pylsps_notebook_sync(tmp_path: Path) -> None:
    """pylsp joins a notebook's cells into one module for its plugins, so a model built in one cell
    and compiled in another is seen; the finding lands on the compiling cell."""
    cells = ["import keras\n\ny = keras.utils.to_categorical(labels, 10)",
             'model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])',
             'model.compile(optimizer="adam", loss="binary_crossentropy")\nmodel.fit(x, y)']
    notebook = uri_of(tmp_path / "train.ipynb")
    cell_uris = [f"{notebook}#cell{i}" for i in range(len(cells))]
    async with pylsp(root=tmp_path) as client:
        client.lsp.notebook_document_did_open(t.DidOpenNotebookDocumentParams(
            notebook_document=t.NotebookDocument(uri=notebook, notebook_type="jupyter-notebook", version=1, cells=[
                t.NotebookCell(kind=t.NotebookCellKind.Code, document=u) for u in cell_uris]),
            cell_text_documents=[t.TextDocumentItem(uri=u, language_id="python", version=1, text=c)
                                 for u, c in zip(cell_uris, cells)]))
        (diagnostic,) = await client.diagnostics(cell_uris[2], until=bool)
        assert diagnostic.code == "CE102"
        assert diagnostic.range.start.line == 0
        assert text_in(cells[2], diagnostic.range, "utf-16") == '"binary_crossentropy"'
        assert diagnostic.related_information is None  # pylsp maps ranges back to cells, not related places
