"""The language server, driven end to end by a real LSP client (pytest-lsp's, on pygls) talking to
`python -m ce_lint server` over stdio, as an editor does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import FIXTURES, ROOT

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")
pytest.importorskip("pytest_asyncio")

from lsprotocol import types as t  # noqa: E402
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, LanguageClient, register_lsp_features  # noqa: E402

TIMEOUT = 20.0  # seconds for any one answer; a healthy server takes milliseconds

BUGGY = """\
import keras

y = keras.utils.to_categorical(labels, 10)
model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x, y)
"""

# A comment with accents and an emoji, and on the finding's own line a string with emoji (two
# UTF-16 units each, four UTF-8 bytes) and accents before the finding.
NON_ASCII = """\
# données d'entraînement 🚀
import keras

y = keras.utils.to_categorical(étiquettes, 10)
model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
nom = "modèle 🚀🔥"; model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x, y)
"""

# -- a client that records every publication ---------------------------------------------------


class Client:
    """pytest-lsp's client plus a log of every textDocument/publishDiagnostics, with versions."""

    def __init__(self, lsp: LanguageClient, published: list[t.PublishDiagnosticsParams], encoding: str) -> None:
        self.lsp = lsp
        self.published = published
        self.encoding = encoding
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

    def open(self, uri: str, text: str) -> None:
        self.versions[uri], self.texts[uri] = 1, text
        self.lsp.text_document_did_open(t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))

    def change(self, uri: str, text: str) -> int:
        self.versions[uri] += 1
        self.texts[uri] = text
        self.lsp.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.versions[uri]

    async def diagnostics(self, uri: str, version: int = 1) -> list[t.Diagnostic]:
        """The diagnostics published for this version of the document (waits for them)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            for params in reversed(self.published):
                if params.uri == uri and params.version == version:
                    return list(params.diagnostics)
            if time.monotonic() > deadline:
                raise AssertionError(f"no diagnostics for {uri} version {version}; got {self.published}")
            await asyncio.sleep(0.01)

    async def actions(self, uri: str, where: t.Range, only: list[str] | None = None,
                      context: list[t.Diagnostic] = ()) -> list[t.CodeAction]:
        return await asyncio.wait_for(self.lsp.text_document_code_action_async(t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri), range=where,
            context=t.CodeActionContext(diagnostics=list(context), only=only))), TIMEOUT) or []

    def apply(self, uri: str, action: t.CodeAction) -> str:
        """The document's text with the action's edit applied (as an editor would)."""
        edit = action.edit
        assert edit is not None
        if edit.document_changes:
            (change,) = edit.document_changes
            assert change.text_document.uri == uri
            assert change.text_document.version == self.versions[uri]
            edits = change.edits
        else:
            edits = edit.changes[uri]
        return apply_edits(self.texts[uri], list(edits), self.encoding)


@contextlib.asynccontextmanager
async def server(options: dict | None = None, capabilities: t.ClientCapabilities | None = None,
                 root: Path = ROOT):
    published: list[t.PublishDiagnosticsParams] = []
    lsp = LanguageClient()
    features = dict(DEFAULT_CLIENT_FEATURES)
    default_publish = features[t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(client: LanguageClient, params: t.PublishDiagnosticsParams) -> None:
        published.append(params)
        default_publish(client, params)

    features[t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    register_lsp_features(lsp, features)
    await lsp.start_io(sys.executable, "-m", "ce_lint", "server", cwd=str(root))
    try:
        result = await asyncio.wait_for(lsp.initialize_session(t.InitializeParams(
            capabilities=capabilities or t.ClientCapabilities(), root_uri=root.as_uri(),
            initialization_options=options)), TIMEOUT)
        client = Client(lsp, published, str(result.capabilities.position_encoding or "utf-16"))
        client.capabilities = result.capabilities
        yield client
        await asyncio.wait_for(lsp.shutdown_session(), TIMEOUT)
    except BaseException:
        if lsp._server is not None and lsp._server.returncode is None:
            lsp._server.kill()  # a failed test must not wait for a server that was never told to exit
        raise
    finally:
        await asyncio.wait_for(lsp.stop(), TIMEOUT)


# -- positions, computed independently of the server's own code --------------------------------


def _lines(text: str) -> list[str]:
    return re.split(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)", text)


def units(text: str, encoding: str) -> int:
    return {"utf-8": len(text.encode()), "utf-32": len(text)}.get(encoding, len(text.encode("utf-16-le")) // 2)


def offset_of(text: str, position: t.Position, encoding: str) -> int:
    lines = _lines(text)
    if position.line >= len(lines):
        return len(text)
    before = sum(len(line) for line in lines[:position.line])
    line, count = lines[position.line], 0
    for index, char in enumerate(line):
        if count >= position.character:
            return before + index
        count += units(char, encoding)
    assert count == position.character, "a position inside a character"
    return before + len(line)


def code_points(text: str, position: t.Position, encoding: str) -> tuple[int, int]:
    """(1-based line, 1-based code-point column), as `ce-lint check` reports it."""
    offset = offset_of(text, position, encoding)
    return position.line + 1, offset - sum(len(line) for line in _lines(text)[:position.line]) + 1


def text_in(text: str, where: t.Range, encoding: str) -> str:
    return text[offset_of(text, where.start, encoding):offset_of(text, where.end, encoding)]


def lines_added_above(action: t.CodeAction, uri: str, line: int) -> int:
    """How many lines the action's edits add above `line` (an inserted import moves the finding down)."""
    edit = action.edit
    assert edit is not None
    edits = edit.document_changes[0].edits if edit.document_changes else edit.changes[uri]
    return sum(e.new_text.count("\n") - (e.range.end.line - e.range.start.line) for e in edits
               if e.range.end.line < line)


def apply_edits(text: str, edits: list[t.TextEdit], encoding: str) -> str:
    spans = sorted(((offset_of(text, e.range.start, encoding), offset_of(text, e.range.end, encoding), i, e.new_text)
                    for i, e in enumerate(edits)), reverse=True)
    for start, end, _, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def check_json(*paths: str, options: tuple[str, ...] = (), errors: bool = False) -> list[dict]:
    run = subprocess.run([sys.executable, "-m", "ce_lint", "check", "--output-format", "json", *options, *paths],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode in (0, 1, 2) if errors else run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


def uri_of(path: Path) -> str:
    return path.resolve().as_uri()


# -- tests ---------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_diagnostics_then_first_quick_fix_removes_the_finding(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUGGY)
    uri = uri_of(path)
    capabilities = pytest_lsp.client_capabilities("visual-studio-code")
    async with server(capabilities=capabilities) as client:
        client.open(uri, BUGGY)
        (diagnostic,) = await client.diagnostics(uri)
        assert diagnostic.code == "CE102"
        assert diagnostic.source == "ce-lint"
        assert diagnostic.severity in (t.DiagnosticSeverity.Error, t.DiagnosticSeverity.Warning)
        assert diagnostic.code_description.href.endswith("/docs/rules/CE102.md")
        assert diagnostic.data["name"] == "softmax-with-binary-crossentropy"
        assert text_in(BUGGY, diagnostic.range, client.encoding) == '"binary_crossentropy"'
        (expected,) = check_json(str(path))
        assert code_points(BUGGY, diagnostic.range.start, client.encoding) == (
            expected["location"]["row"], expected["location"]["column"])
        assert diagnostic.severity.name.lower() == expected["severity"]
        assert diagnostic.message == expected["message"]
        (related,) = diagnostic.related_information  # the other half of the pair: the softmax output
        assert related.location.uri == uri and related.message == "the 10-unit softmax output"
        assert text_in(BUGGY, related.location.range, client.encoding) == '"softmax"'
        assert code_points(BUGGY, related.location.range.start, client.encoding) == (
            expected["related"][0]["location"]["row"], expected["related"][0]["location"]["column"])
        assert diagnostic.data["fix_title"] == expected["fix_title"] == "Use categorical_crossentropy"

        actions = await client.actions(uri, diagnostic.range)
        first = actions[0]
        assert first.kind == t.CodeActionKind.QuickFix
        assert first.title == expected["fix"]["message"] + (" (unsafe)" if expected["fix"]["applicability"] == "unsafe" else "")
        assert first.diagnostics and first.diagnostics[0].code == "CE102"
        (change,) = first.edit.document_changes  # VS Code supports versioned edits
        assert len(change.edits) == 1 and len(change.edits[0].new_text) < 20, "a minimal edit, not the whole line"
        fixed = client.apply(uri, first)
        version = client.change(uri, fixed)
        assert [d.code for d in await client.diagnostics(uri, version)] == []


@pytest.mark.asyncio
@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
async def test_non_ascii_before_the_finding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "données.py"
    path.write_text(NON_ASCII, encoding="utf-8")
    uri = uri_of(path)
    capabilities = t.ClientCapabilities(
        general=t.GeneralClientCapabilities(position_encodings=[encoding]) if encoding != "utf-16" else None)
    async with server(capabilities=capabilities) as client:
        assert client.encoding == encoding
        client.open(uri, NON_ASCII)
        (diagnostic,) = await client.diagnostics(uri)
        line = NON_ASCII.splitlines()[5]
        assert diagnostic.range.start.line == 5
        assert diagnostic.range.start.character == units(line[:line.index('"binary')], encoding)
        assert text_in(NON_ASCII, diagnostic.range, encoding) == '"binary_crossentropy"'
        (expected,) = check_json(str(path))
        assert code_points(NON_ASCII, diagnostic.range.start, encoding) == (
            expected["location"]["row"], expected["location"]["column"])
        assert code_points(NON_ASCII, diagnostic.range.end, encoding) == (
            expected["end_location"]["row"], expected["end_location"]["column"])

        actions = await client.actions(uri, diagnostic.range)
        fixed = client.apply(uri, actions[0])
        assert fixed == NON_ASCII.replace('"binary_crossentropy"', '"categorical_crossentropy"')
        noqa = next(a for a in actions if a.title == "Disable CE102 for this line")
        assert client.apply(uri, noqa) == NON_ASCII.replace('crossentropy")\n', 'crossentropy")  # noqa: CE102\n')
        version = client.change(uri, fixed)
        assert await client.diagnostics(uri, version) == []


@pytest.mark.asyncio
async def test_same_findings_as_the_command_on_fixtures_and_new_files(tmp_path: Path) -> None:
    # two realistic scripts the fixtures have never seen, written in a style of their own
    (tmp_path / "cifar.py").write_text('''\
"""Entraîne un petit classifieur CIFAR-10 — ☕ version rapide."""
import tensorflow as tf
from tensorflow.keras import layers, models

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.cifar10.load_data()
y_train = tf.keras.utils.to_categorical(y_train, 10)

net = models.Sequential()
net.add(layers.Conv2D(32, 3, activation="relu", input_shape=(32, 32, 3)))
net.add(layers.Flatten())
net.add(layers.Dense(10, activation="softmax"))
net.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # «ça marche»
net.fit(x_train, y_train, epochs=2)
''', encoding="utf-8")
    (tmp_path / "loop.py").write_text('''\
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):  # 网络
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)


model = Net()
criterion = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in []:
    opt.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    opt.step()
''', encoding="utf-8")
    paths = sorted(FIXTURES.glob("CE*.py")) + [ROOT / "examples" / "train_buggy.py", *sorted(tmp_path.glob("*.py"))]
    paths = [p for p in paths if not p.name.endswith(".fixed.py")]
    expected = {(d["filename"], d["code"], d["location"]["row"], d["location"]["column"],
                 d["end_location"]["row"], d["end_location"]["column"])
                for d in check_json(*map(str, paths), options=("--keras-version", "3", "--extend-select", "CE"))}
    assert {e[0] for e in expected} >= {str(tmp_path / "cifar.py"), str(tmp_path / "loop.py")}
    got = set()
    async with server({"keras-version": "3", "extend-select": ["CE"]}) as client:
        for path in paths:
            text = path.read_text(encoding="utf-8")
            client.open(uri_of(path), text)
        for path in paths:
            text = path.read_text(encoding="utf-8")
            for d in await client.diagnostics(uri_of(path)):
                got.add((str(path), d.code, *code_points(text, d.range.start, client.encoding),
                         *code_points(text, d.range.end, client.encoding)))
    assert got == expected
    assert len(expected) > 40


@pytest.mark.asyncio
async def test_every_fixture_quick_fix_removes_its_finding() -> None:
    """For each fixable finding `ce-lint check` reports on the fixtures: the actions at its range
    hold its fix, titled as the command's JSON names it, and applying it removes the finding."""
    paths = [str(p) for p in sorted(FIXTURES.glob("CE*.py")) if not p.name.endswith(".fixed.py")]
    findings = [d for d in check_json(*paths, options=("--keras-version", "3", "--extend-select", "CE")) if d["fix"]]
    assert len(findings) > 30
    async with server({"keras-version": "3", "extend-select": ["CE"], "debounce-ms": 0}) as client:
        for finding in findings:
            path = Path(finding["filename"])
            uri, text = uri_of(path), path.read_text(encoding="utf-8")
            client.open(uri, text)
            where = (finding["location"]["row"], finding["location"]["column"])
            (diagnostic,) = [d for d in await client.diagnostics(uri)
                             if d.code == finding["code"] and code_points(text, d.range.start, client.encoding) == where]
            actions = [a for a in await client.actions(uri, diagnostic.range)
                       if a.diagnostics and a.diagnostics[0].code == finding["code"] and a.diagnostics[0].range == diagnostic.range]
            unsafe = " (unsafe)" if finding["fix"]["applicability"] == "unsafe" else ""
            assert actions[0].title == finding["fix"]["message"] + unsafe
            line = diagnostic.range.start.line + lines_added_above(actions[0], uri, diagnostic.range.start.line)
            version = client.change(uri, client.apply(uri, actions[0]))
            left = [d for d in await client.diagnostics(uri, version)
                    if d.code == finding["code"] and d.range.start.line == line]
            assert left == [], (finding, client.texts[uri].splitlines()[line])
            client.lsp.text_document_did_close(t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri=uri)))
            client.published.clear()


@pytest.mark.asyncio
async def test_text_that_stops_parsing_keeps_its_last_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    uri = uri_of(path)
    async with server({"debounce-ms": 0}) as client:
        client.open(uri, BUGGY)
        first = await client.diagnostics(uri)
        assert [d.code for d in first] == ["CE102"]
        broken = BUGGY + "model.fit(x, y,\n"
        version = client.change(uri, broken)
        assert await client.actions(uri, first[0].range) == []  # answered after the broken text was linted
        await asyncio.sleep(0.2)
        assert not [p for p in client.published if p.version == version]
        assert list(client.lsp.diagnostics[uri]) == first
        version = client.change(uri, BUGGY.replace("binary_crossentropy", "categorical_crossentropy"))
        assert await client.diagnostics(uri, version) == []


@pytest.mark.asyncio
async def test_edits_get_the_diagnostics_of_a_fresh_analysis(tmp_path: Path) -> None:
    """The server parses only the statements an edit changed (incremental.py): after each edit (lines
    inserted above findings, a finding's statement changed, one deleted, a statement made unparsable
    and mended) it publishes what a fresh analysis of the whole text finds, positions included."""
    from lsprotocol.converters import get_converter

    from ce_lint.config import Settings
    from ce_lint.core import check_text
    from ce_lint.diagnostics import FileError
    from ce_lint.lsp.actions import Document, to_lsp
    from ce_lint.lsp.positions import Text

    as_json = get_converter().unstructure
    uri = uri_of(tmp_path / "train.py")
    text = (FIXTURES / "CE201.py").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    edits = [
        "import os\n\n\n" + text,
        "".join(lines[:middle] + ["x = torch.softmax(logits, dim=1)\n"] + lines[middle:]),
        "".join(lines[:middle] + lines[middle + 1:]),
        "".join(lines[:middle] + ["def broken(:\n"] + lines[middle:]),
        "".join(lines[:middle] + ["def mended(): pass\n"] + lines[middle:]),
        text.replace("softmax", "log_softmax", 1),
    ]
    async with server({"isolated": True, "debounce-ms": 0}) as client:
        client.open(uri, text)
        await client.diagnostics(uri)
        for edited in edits:
            version = client.change(uri, edited)
            try:
                report = check_text(edited, str(tmp_path / "train.py"), Settings())
            except FileError:
                await asyncio.sleep(0.2)
                assert not [p for p in client.published if p.version == version]
                continue
            documents = {None: Document(uri, version, Text(edited, client.encoding))}
            expected = [to_lsp(d, documents) for d in report.diagnostics]
            assert as_json(await client.diagnostics(uri, version)) == as_json(expected)


@pytest.mark.asyncio
async def test_changes_are_debounced(tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "train.py")
    async with server() as client:
        client.open(uri, BUGGY)
        await client.diagnostics(uri)
        text = BUGGY
        for _ in range(5):  # typing: five changes 20 ms apart, well inside the pause
            text += "#"
            version = client.change(uri, text)
            await asyncio.sleep(0.02)
        started = time.monotonic()
        assert [d.code for d in await client.diagnostics(uri, version)] == ["CE102"]
        assert time.monotonic() - started > 0.15
        assert [p.version for p in client.published if p.uri == uri] == [1, version]


@pytest.mark.asyncio
async def test_noqa_action_adds_a_comment_or_extends_the_list(tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "train.py")
    async with server() as client:
        for source, expected_line in [
            (BUGGY, 'model.compile(optimizer="adam", loss="binary_crossentropy")  # noqa: CE102'),
            (BUGGY.replace('crossentropy")\n', 'crossentropy")  # noqa: E501 \n'),
             'model.compile(optimizer="adam", loss="binary_crossentropy")  # noqa: E501, CE102 '),
            (BUGGY.replace('model.compile(optimizer="adam", loss="binary_crossentropy")',
                           'model.compile(\n    optimizer="adam",\n    loss="binary_crossentropy",\n)'),
             '    loss="binary_crossentropy",  # noqa: CE102'),
        ]:
            client.open(uri, source)
            (diagnostic,) = await client.diagnostics(uri)
            actions = await client.actions(uri, diagnostic.range, only=[t.CodeActionKind.QuickFix])
            noqa = next(a for a in actions if a.title == "Disable CE102 for this line")
            suppressed = client.apply(uri, noqa)
            assert expected_line in suppressed.splitlines()
            version = client.change(uri, suppressed)
            assert await client.diagnostics(uri, version) == []
            client.lsp.text_document_did_close(t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri=uri)))
            client.published.clear()


@pytest.mark.asyncio
async def test_fix_all_applies_the_safe_fixes_as_the_command_does(tmp_path: Path) -> None:
    from ce_lint.core import fix_text as fix

    source = (FIXTURES / "CE104.py").read_text(encoding="utf-8")
    path = tmp_path / "CE104.py"
    uri = uri_of(path)
    async with server({"keras-version": "3"}) as client:
        client.open(uri, source)
        diagnostics = await client.diagnostics(uri)
        assert diagnostics
        whole = t.Range(start=t.Position(line=0, character=0), end=t.Position(line=len(source.splitlines()), character=0))
        (action,) = await client.actions(uri, whole, only=[t.CodeActionKind.SourceFixAll])
        assert action.kind == "source.fixAll.ce-lint"
        from ce_lint.config import Settings

        expected, count = fix(source, str(path), Settings(keras_version="3"))
        assert count > 0
        fixed = client.apply(uri, action)
        assert fixed == expected
        edits = action.edit.changes[uri]
        assert sum(len(e.new_text) for e in edits) < len(source) / 4, "minimal edits, not the whole file"
        version = client.change(uri, fixed)
        left = await client.diagnostics(uri, version)
        assert len(left) < len(diagnostics)
        assert await client.actions(uri, whole, only=["source.fixAll.ce-lint"]) == []  # nothing safe left
        assert await client.actions(uri, whole, only=["refactor"]) == []


@pytest.mark.asyncio
async def test_settings_from_pyproject_and_initialization_options(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint]\nignore = ["CE102"]\n')
    source = BUGGY.replace("Dense(10,", "Dense(1,").replace("binary_crossentropy", "categorical_crossentropy")
    path = tmp_path / "src" / "train.py"
    path.parent.mkdir()
    path.write_text(BUGGY)
    uri = uri_of(path)
    async with server(root=tmp_path) as client:
        client.open(uri, BUGGY)
        assert await client.diagnostics(uri) == []  # ignored by the project's configuration
        version = client.change(uri, source)  # Dense(1) with softmax: CE101 and friends still on
        assert "CE101" in {d.code for d in await client.diagnostics(uri, version)}
    async with server({"ignore": []}, root=tmp_path) as client:
        client.open(uri, BUGGY)
        assert [d.code for d in await client.diagnostics(uri)] == ["CE102"]  # options override the file
    async with server({"isolated": True, "ignore": ["CE1"]}, root=tmp_path) as client:
        client.open(uri, BUGGY)
        assert await client.diagnostics(uri) == []
        for unrelated in ({}, None, {"python": {"analysis": {}}}):  # eglot sends {}: options stay
            client.lsp.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=unrelated))
        client.lsp.text_document_did_save(t.DidSaveTextDocumentParams(t.TextDocumentIdentifier(uri=uri)))
        deadline = time.monotonic() + TIMEOUT
        while len(client.published) < 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        assert not client.published[-1].diagnostics
        client.lsp.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings={"ce-lint": {"isolated": True}}))
        deadline = time.monotonic() + TIMEOUT
        while not [p for p in client.published if p.diagnostics]:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        assert [d.code for d in client.published[-1].diagnostics] == ["CE102"]


@pytest.mark.asyncio
async def test_per_file_ignores_apply_as_in_the_command(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint.per-file-ignores]\n"scripts/*.py" = ["CE102"]\n')
    (tmp_path / "scripts").mkdir()
    ignored, kept = tmp_path / "scripts" / "train.py", tmp_path / "train.py"
    for path in (ignored, kept):
        path.write_text(BUGGY)
    command = subprocess.run([sys.executable, "-m", "ce_lint", "check", "--output-format", "json", "."],
                             capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert [d["filename"] for d in json.loads(command.stdout)] == ["train.py"]
    async with server(root=tmp_path) as client:
        client.open(uri_of(ignored), BUGGY)
        client.open(uri_of(kept), BUGGY)
        assert await client.diagnostics(uri_of(ignored)) == []
        assert [d.code for d in await client.diagnostics(uri_of(kept))] == ["CE102"]


@pytest.mark.asyncio
async def test_bad_option_is_shown_and_the_server_goes_on(tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "train.py")
    async with server({"select": ["XYZ"], "colour": "blue"}) as client:
        client.open(uri, BUGGY)
        assert [d.code for d in await client.diagnostics(uri)] == ["CE102"]
        assert any("XYZ" in m.message for m in client.lsp.messages)
        assert any("colour" in m.message for m in client.lsp.log_messages)


@pytest.mark.asyncio
async def test_actions_for_the_cursor_line_diagnostics(tmp_path: Path) -> None:
    """Editors ask with the cursor's position and the line's diagnostics in the context; some
    (Neovim 0.7) send those diagnostics' columns back in bytes, so the line and code decide."""
    uri = uri_of(tmp_path / "données.py")
    async with server() as client:
        client.open(uri, NON_ASCII)
        (diagnostic,) = await client.diagnostics(uri)
        cursor = t.Range(start=t.Position(line=diagnostic.range.start.line, character=0),
                         end=t.Position(line=diagnostic.range.start.line, character=0))
        assert await client.actions(uri, cursor) == []  # the cursor is not on the finding
        in_bytes = t.Diagnostic(range=t.Range(start=t.Position(line=5, character=63), end=t.Position(line=5, character=84)),
                                message=diagnostic.message, code="CE102", source="ce-lint")
        titles = [a.title for a in await client.actions(uri, cursor, context=[in_bytes])]
        assert titles == ["Use categorical_crossentropy (unsafe)", "Disable CE102 for this line"]


# -- notebooks (LSP 3.17 notebook document sync) -------------------------------------------------

NOTEBOOK_CLIENT = t.ClientCapabilities(
    notebook_document=t.NotebookDocumentClientCapabilities(synchronization=t.NotebookDocumentSyncClientCapabilities()),
    workspace=t.WorkspaceClientCapabilities(workspace_edit=t.WorkspaceEditClientCapabilities(document_changes=True)))


class OpenNotebook:
    """A notebook as an editor holds it: one text document per cell, URIs as VS Code makes them."""

    def __init__(self, client: Client, path: Path, sources: list[tuple[str, str]] | None = None) -> None:
        if sources is None:
            sources = [(c["cell_type"], "".join(c["source"])) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]]
        self.client, self.uri, self.version = client, uri_of(path), 1
        self.cells = [f"vscode-notebook-cell:{path.resolve().as_posix()}#W{i}sZmlsZQ%3D%3D" for i in range(len(sources))]
        self.kinds = [kind for kind, _ in sources]
        for cell_uri, (_, text) in zip(self.cells, sources):
            client.versions[cell_uri], client.texts[cell_uri] = 1, text
        client.lsp.notebook_document_did_open(t.DidOpenNotebookDocumentParams(
            notebook_document=t.NotebookDocument(uri=self.uri, notebook_type="jupyter-notebook", version=1, cells=[
                t.NotebookCell(kind=t.NotebookCellKind.Code if kind == "code" else t.NotebookCellKind.Markup, document=u)
                for u, (kind, _) in zip(self.cells, sources)]),
            cell_text_documents=[t.TextDocumentItem(uri=u, language_id="python" if kind == "code" else "markdown",
                                                    version=1, text=text) for u, (kind, text) in zip(self.cells, sources)]))

    def change(self, texts: dict[int, str]) -> None:
        """New texts for some cells (by number, 1-based), as one notebook change."""
        self.version += 1
        changes = []
        for number, text in texts.items():
            uri = self.cells[number - 1]
            self.client.versions[uri] += 1
            self.client.texts[uri] = text
            changes.append(t.NotebookDocumentCellContentChanges(
                document=t.VersionedTextDocumentIdentifier(uri=uri, version=self.client.versions[uri]),
                changes=[t.TextDocumentContentChangeWholeDocument(text=text)]))
        self.client.lsp.notebook_document_did_change(t.DidChangeNotebookDocumentParams(
            notebook_document=t.VersionedNotebookDocumentIdentifier(version=self.version, uri=self.uri),
            change=t.NotebookDocumentChangeEvent(cells=t.NotebookDocumentCellChanges(text_content=changes))))

    async def diagnostics(self, after: int = 0, broken: tuple[int, ...] = ()) -> dict[int, list[t.Diagnostic]]:
        """The latest diagnostics of every code cell (by number) but the `broken` ones (which don't
        parse, and keep what they had), once each has more than `after` publications."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            got = {}
            for number, uri in enumerate(self.cells, start=1):
                mine = [p for p in self.client.published if p.uri == uri]
                if self.kinds[number - 1] == "code" and len(mine) > after:
                    got[number] = list(mine[-1].diagnostics)
            if len(got) == self.kinds.count("code") - len(broken):
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"no diagnostics for every cell of {self.uri}; got {self.client.published}")
            await asyncio.sleep(0.01)

    def apply(self, action: t.CodeAction) -> dict[int, str]:
        """The cells' texts with a code action's edits applied, by cell number."""
        out = {}
        for change in action.edit.document_changes:
            number = self.cells.index(change.text_document.uri) + 1
            assert change.text_document.version == self.client.versions[change.text_document.uri]
            out[number] = apply_edits(self.client.texts[change.text_document.uri], list(change.edits),
                                      self.client.encoding)
        return out


def _cell_findings(notebook: OpenNotebook, published: dict[int, list[t.Diagnostic]], path: Path) -> set[tuple]:
    return {(str(path), number, d.code, *code_points(notebook.client.texts[notebook.cells[number - 1]], d.range.start,
                                                     notebook.client.encoding))
            for number, found in published.items() for d in found}


@pytest.mark.asyncio
async def test_notebook_sync_is_advertised_for_jupyter_notebooks_with_python_cells() -> None:
    async with server(capabilities=NOTEBOOK_CLIENT) as client:
        sync = client.capabilities.notebook_document_sync
        (selector,) = sync.notebook_selector
        assert selector.notebook == "jupyter-notebook" and [c.language for c in selector.cells] == ["python"]
        assert sync.save


@pytest.mark.asyncio
async def test_notebooks_get_the_command_s_findings_on_their_cells() -> None:
    paths = [FIXTURES / "notebooks" / n for n in ("keras_mnist.ipynb", "torch_cells.ipynb", "fixable.ipynb")]
    expected = {(d["filename"], d["cell"], d["code"], d["location"]["row"], d["location"]["column"])
                for d in check_json(*map(str, paths), options=("--keras-version", "3"), errors=True)}
    assert {e[1] for e in expected} >= {3, 5, 8, 9, 15}  # torch_cells.ipynb's cell 4 doesn't parse
    got = set()
    async with server({"keras-version": "3"}, capabilities=NOTEBOOK_CLIENT) as client:
        for path in paths:
            notebook = OpenNotebook(client, path)
            published = await notebook.diagnostics(broken=(4,) if path.name == "torch_cells.ipynb" else ())
            assert 4 not in published or path.name != "torch_cells.ipynb"
            got |= _cell_findings(notebook, published, path)
            if path.name == "keras_mnist.ipynb":
                (ce102,) = published[9]
                assert text_in(client.texts[notebook.cells[8]], ce102.range, client.encoding) == '"binary_crossentropy"'
                assert "(cell 7, line 5)" in ce102.message
                (related,) = ce102.related_information  # in the document of cell 7
                assert related.location.uri == notebook.cells[6] and related.message == "the 10-unit softmax output"
                assert text_in(client.texts[notebook.cells[6]], related.location.range, client.encoding) == '"softmax"'
    assert got == expected


MODEL_CELL = 'import keras\nmodel = keras.Sequential([keras.layers.Dense(10, activation="softmax")])'
COMPILE_CELL = 'model.compile(optimizer="adam", loss="binary_crossentropy")'


@pytest.mark.asyncio
async def test_a_change_in_one_cell_updates_the_diagnostics_of_the_others(tmp_path: Path) -> None:
    async with server({"debounce-ms": 0}, capabilities=NOTEBOOK_CLIENT) as client:
        notebook = OpenNotebook(client, tmp_path / "nb.ipynb", [("code", MODEL_CELL), ("markdown", "# then"),
                                                                ("code", COMPILE_CELL)])
        first = await notebook.diagnostics()
        assert first[1] == [] and [d.code for d in first[3]] == ["CE102"]
        notebook.change({1: MODEL_CELL.replace('"softmax"', '"sigmoid"')})
        assert await notebook.diagnostics(after=1) == {1: [], 3: []}
        notebook.change({1: MODEL_CELL, 3: COMPILE_CELL + "\nmodel.fit(x,"})  # cell 3 stops parsing: it keeps its findings
        await notebook.diagnostics(after=2, broken=(3,))
        await asyncio.sleep(0.2)
        assert [len([p for p in client.published if p.uri == u]) for u in notebook.cells] == [3, 0, 2]
        client.lsp.notebook_document_did_save(t.DidSaveNotebookDocumentParams(
            notebook_document=t.NotebookDocumentIdentifier(uri=notebook.uri)))
        await notebook.diagnostics(after=3, broken=(3,))  # saving re-checks at once
        client.lsp.notebook_document_did_close(t.DidCloseNotebookDocumentParams(
            notebook_document=t.NotebookDocumentIdentifier(uri=notebook.uri),
            cell_text_documents=[t.TextDocumentIdentifier(uri=u) for u in notebook.cells]))
        cleared = await notebook.diagnostics(after=2, broken=())
        assert cleared == {1: [], 3: []}


@pytest.mark.asyncio
async def test_quick_fix_noqa_and_fix_all_on_notebook_cells(tmp_path: Path) -> None:
    path = tmp_path / "fixable.ipynb"
    shutil.copy(FIXTURES / "notebooks" / "fixable.ipynb", path)
    async with server({"keras-version": "3", "debounce-ms": 0}, capabilities=NOTEBOOK_CLIENT) as client:
        notebook = OpenNotebook(client, path)
        published = await notebook.diagnostics()
        (ce401,) = published[5]
        actions = await client.actions(notebook.cells[4], ce401.range, only=[t.CodeActionKind.QuickFix])
        assert [a.title for a in actions] == ["Use MultilabelAccuracy (unsafe)", "Disable CE401 for this line"]
        fixed = notebook.apply(actions[0])
        assert sorted(fixed) == [2, 5], "the import goes into the cell that holds the imports"
        assert fixed[2].endswith("\nfrom torchmetrics.classification import MultilabelAccuracy")
        noqa = notebook.apply(actions[1])
        assert 'average="micro")  # expect: CE401, CE401' not in noqa[5] and "# noqa: CE401" in noqa[5]
        notebook.change(fixed)
        after = await notebook.diagnostics(after=1)
        assert after[5] == [] and [d.code for d in after[3]] == ["CE105"]

        whole = t.Range(start=t.Position(line=0, character=0), end=t.Position(line=9, character=0))
        (fix_all,) = await client.actions(notebook.cells[2], whole, only=[t.CodeActionKind.SourceFixAll])
        assert sorted(notebook.apply(fix_all)) == [3]
        (on_save,) = await client.actions(notebook.cells[0], whole, only=["notebook.source.fixAll"])
        assert on_save.kind == "notebook.source.fixAll.ce-lint" and notebook.apply(on_save) == notebook.apply(fix_all)
        run = subprocess.run([sys.executable, "-m", "ce_lint", "check", "--fix", "--keras-version", "3", str(path)],
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert "Fixed 1 finding" in run.stderr, run.stderr  # the safe fix (CE105); CE401's was applied above
        cli_cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        assert notebook.apply(fix_all)[3] == "".join(cli_cells[2]["source"])


def test_importing_ce_lint_does_not_need_pygls() -> None:
    code = "import sys, ce_lint, ce_lint.cli, ce_lint.engine; assert 'pygls' not in sys.modules, sys.modules.keys()"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


# -- the noqa placement, without a server --------------------------------------------------------


@pytest.mark.parametrize(("source", "line", "expected"), [
    ("x = 1\n", 1, "x = 1  # noqa: CE101\n"),
    ("x = 1   \r\ny = 2\r\n", 1, "x = 1  # noqa: CE101\r\ny = 2\r\n"),
    ("x = f(1, \\\n      2)\n", 1, "x = f(1, \\\n      2)  # noqa: CE101\n"),
    ('x = f("""a\nb""", 2)\ny = 3\n', 1, 'x = f("""a\nb""", 2)  # noqa: CE101\ny = 3\n'),
    ("x = 1  # noqa: CE101\n", 1, "x = 1  # noqa: CE101, CE102\n"),
    ("x = 1  # type: int\n", 1, "x = 1  # type: int  # noqa: CE101\n"),
])
def test_noqa_placement(source: str, line: int, expected: str) -> None:
    from ce_lint.lsp.actions import noqa_edit
    from ce_lint.lsp.positions import Text

    code = "CE102" if "noqa" in source else "CE101"
    edit = noqa_edit(Text(source), line, code)
    assert apply_edits(source, [edit], "utf-16") == expected


# -- real editors, when this machine has them ----------------------------------------------------

NVIM_SCRIPT = """
local out = {}
local start = vim.lsp.start_client  -- Neovim 0.7 has no vim.lsp.start; the table is the same
local id = start({ name = "ce-lint", cmd = { %(python)s, "-m", "ce_lint", "server" },
                   root_dir = vim.fn.getcwd(), init_options = { ["keras-version"] = "3" } })
vim.lsp.buf_attach_client(0, id)
vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 20)
for _, d in ipairs(vim.diagnostic.get(0)) do
  local line = vim.api.nvim_buf_get_lines(0, d.lnum, d.lnum + 1, false)[1]
  table.insert(out, string.format("%%d %%s %%s", d.lnum + 1, d.user_data.lsp.code, line:sub(d.col + 1, d.end_col)))
end
local d = vim.diagnostic.get(0)[1]
local client = vim.lsp.get_client_by_id(id)
local resp = client.request_sync("textDocument/codeAction", {
  textDocument = { uri = vim.uri_from_bufnr(0) },
  range = { start = { line = d.lnum, character = 0 }, ["end"] = { line = d.lnum, character = 0 } },
  context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(0, d.lnum) } }, 20000, 0)
vim.lsp.util.apply_workspace_edit(resp.result[1].edit, client.offset_encoding)
table.insert(out, vim.api.nvim_buf_get_lines(0, d.lnum, d.lnum + 1, false)[1])
vim.wait(5000, function() return #vim.diagnostic.get(0) == 0 end, 20)
table.insert(out, "left " .. #vim.diagnostic.get(0))
vim.fn.writefile(out, %(out)s)
vim.cmd("qa!")
"""


def test_neovim_headless(tmp_path: Path) -> None:
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.skip("Neovim is not installed")
    path = tmp_path / "train.py"
    path.write_text(NON_ASCII, encoding="utf-8")
    script = tmp_path / "check.lua"
    out = tmp_path / "out.txt"
    script.write_text(NVIM_SCRIPT % {"python": json.dumps(sys.executable), "out": json.dumps(str(out))})
    subprocess.run([nvim, "--headless", "-n", "-u", "NONE", "-c", f"luafile {script}", str(path)],
                   cwd=tmp_path, timeout=60, check=True, capture_output=True)
    assert out.read_text(encoding="utf-8").splitlines() == [
        '6 CE102 "binary_crossentropy"',
        'nom = "modèle 🚀🔥"; model.compile(optimizer="adam", loss="categorical_crossentropy")',
        "left 0",
    ]


EGLOT_SCRIPT = """
(require 'package)
(package-initialize)
(require 'eglot)
(setq eglot-sync-connect 20)
(find-file %(path)s)
(python-mode)
(eglot '(python-mode) (cons 'transient default-directory) 'eglot-lsp-server
       (list %(python)s "-m" "ce_lint" "server") "python")
(let ((deadline (+ (float-time) 20)))
  (while (and (null (flymake-diagnostics)) (< (float-time) deadline))
    (flymake-start)  ; batch Emacs runs no command loop, which would start it
    (accept-process-output nil 0.05)))
(let ((found (flymake-diagnostics)))  ; read in the file's buffer, not the temporary one
 (with-temp-file %(out)s
  (dolist (d found)
    (insert (format "%%s %%s\\n" (flymake-diagnostic-type d)
                    (with-current-buffer (flymake-diagnostic-buffer d)
                      (buffer-substring-no-properties (flymake-diagnostic-beg d) (flymake-diagnostic-end d))))))))
(kill-emacs 0)
"""


def test_emacs_eglot_batch(tmp_path: Path) -> None:
    emacs = shutil.which("emacs")
    if emacs is None or subprocess.run([emacs, "--batch", "-q", "--eval", "(progn (require 'package) "
                                        "(package-initialize) (require 'eglot))"], capture_output=True).returncode:
        pytest.skip("Emacs with eglot is not installed")
    path = tmp_path / "train.py"
    path.write_text(NON_ASCII, encoding="utf-8")
    script = tmp_path / "check.el"
    out = tmp_path / "out.txt"
    script.write_text(EGLOT_SCRIPT % {"python": json.dumps(sys.executable), "out": json.dumps(str(out)),
                                      "path": json.dumps(str(path))})
    subprocess.run([emacs, "--batch", "-q", "-l", str(script)], cwd=tmp_path, timeout=60, check=True,
                   capture_output=True)
    assert out.read_text(encoding="utf-8").splitlines() == ['eglot-warning "binary_crossentropy"']
