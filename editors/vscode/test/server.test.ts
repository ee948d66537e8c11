// The extension's decisions against the real server: the command resolveLaunch picks, the probe's
// verdict, and the options optionsFrom builds, sent over stdio as vscode-languageclient sends them
// (initializationOptions, workspace/didChangeConfiguration, answers to workspace/configuration).
// VS Code itself can't be downloaded on these machines; this is the part of it we can run.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import {
  CodeActionRequest, createProtocolConnection, DocumentDiagnosticRequest, DidChangeConfigurationNotification, DidOpenTextDocumentNotification,
  ExitNotification, InitializedNotification, InitializeRequest, PublishDiagnosticsNotification, ShutdownRequest,
  ConfigurationRequest, ShowMessageNotification, StreamMessageReader, StreamMessageWriter,
  type CodeAction, type Diagnostic, type ProtocolConnection,
} from "vscode-languageserver-protocol/node";
import { DOCUMENT_SELECTOR, FIX_ALL_KIND } from "../src/constants";
import { isLaunchError, resolveLaunch } from "../src/launch";
import { interpretProbe, probeCommand } from "../src/probe";
import { optionsFrom, type ServerOptions } from "../src/settings";
import { testPython } from "./support";

const BUGGY = [
  "import keras",
  "",
  "y = keras.utils.to_categorical(labels, 10)",
  "model = keras.Sequential([keras.layers.Dense(10, activation=\"softmax\")])",
  "model.compile(optimizer=\"adam\", loss=\"binary_crossentropy\")",
  "model.fit(x, y)",
  "",
].join("\n");

const TIMEOUT_MS = 30_000;

class Session {
  published = new Map<string, Diagnostic[][]>();
  messages: string[] = [];
  configurationRequests = 0;
  private constructor(readonly connection: ProtocolConnection, readonly settings: () => ServerOptions) {}

  static async start(settings: () => ServerOptions, root: string, pull = false): Promise<Session> {
    const python = testPython()!;
    const launch = resolveLaunch({ path: [], interpreter: [python], importStrategy: "fromEnvironment" }, undefined,
      { platform: process.platform, env: process.env, home: os.homedir(), isFile: fs.existsSync }, true);
    assert.ok(!isLaunchError(launch));
    const probe = probeCommand(launch);
    const probed = spawnSync(probe.command, probe.args, { cwd: root, encoding: "utf8" });
    assert.deepEqual(interpretProbe(launch, { exitCode: probed.status, stdout: probed.stdout, stderr: probed.stderr }),
      { ok: true, version: "0.1.0" });
    const child = spawn(launch.command, launch.args, { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const session = new Session(connection, settings);
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      const list = session.published.get(params.uri) ?? [];
      list.push(params.diagnostics);
      session.published.set(params.uri, list);
    });
    connection.onNotification(ShowMessageNotification.type, (params) => void session.messages.push(params.message));
    connection.onRequest(ConfigurationRequest.type, (params) => {
      session.configurationRequests += 1;
      return params.items.map((item) => (item.section === "ce-lint" ? settings() : null));
    });
    connection.onRequest("client/registerCapability", () => null);
    connection.onRequest("window/workDoneProgress/create", () => null);
    connection.onRequest("workspace/diagnostic/refresh", () => null);
    connection.listen();
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid, rootUri: pathToFileURL(root).href, workspaceFolders: null,
      // as vscode-languageclient 11 announces them: options pulled per document, diagnostics pulled
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true },
                     diagnostics: pull ? { refreshSupport: true } : undefined },
        textDocument: pull ? { diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false } } : undefined,
      },
      initializationOptions: settings(),
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return session;
  }

  async open(uri: string, text: string): Promise<void> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: "python", version: 1, text },
    });
  }

  /** The diagnostics of the `count`-th publication for uri (waits for it). */
  async diagnostics(uri: string, count = 1): Promise<Diagnostic[]> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const list = this.published.get(uri) ?? [];
      if (list.length >= count) return list[count - 1];
      if (Date.now() > deadline) throw new Error(`no publication ${count} for ${uri}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async actions(uri: string, diagnostic: Diagnostic, only?: string[]): Promise<CodeAction[]> {
    const answer = await this.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic], only },
    });
    return (answer ?? []) as CodeAction[];
  }

  async close(): Promise<void> {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    this.connection.dispose();
  }
}

function inspector(values: Record<string, unknown>) {
  return () => optionsFrom((key) => (key in values ? { workspaceValue: values[key] } : {}));
}

test("diagnostics, quick fixes and Fix all for a Python file and a notebook cell", async (t) => {
  if (!testPython()) return t.skip("no Python with ce-lint[lsp] (set CE_LINT_TEST_PYTHON)");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ce-lint-vscode-"));
  const session = await Session.start(inspector({ kerasVersion: "3" }), root);
  try {
    const file = pathToFileURL(path.join(root, "train.py")).href;
    await session.open(file, BUGGY);
    const [finding] = await session.diagnostics(file);
    assert.equal(finding.code, "CE102");
    assert.equal(finding.source, "ce-lint");
    const titles = (await session.actions(file, finding)).map((a) => a.title);
    assert.deepEqual(titles, ["Use categorical_crossentropy (unsafe)", "Disable CE102 for this line"]);

    // a cell as VS Code names it, matched by the extension's document selector
    assert.ok(DOCUMENT_SELECTOR.some((f) => f.scheme === "vscode-notebook-cell" && f.language === "python"));
    const cell = `vscode-notebook-cell:${path.join(root, "train.ipynb")}#W1sZmlsZQ%3D%3D`;
    await session.open(cell, BUGGY);
    assert.deepEqual((await session.diagnostics(cell)).map((d) => d.code), ["CE102"]);
  } finally {
    await session.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("settings changed in VS Code reach the running server", async (t) => {
  if (!testPython()) return t.skip("no Python with ce-lint[lsp] (set CE_LINT_TEST_PYTHON)");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ce-lint-vscode-"));
  let values: Record<string, unknown> = {};
  const settings = () => optionsFrom((key) => (key in values ? { workspaceValue: values[key] } : {}));
  const session = await Session.start(settings, root);
  try {
    const file = pathToFileURL(path.join(root, "train.py")).href;
    await session.open(file, BUGGY);
    assert.deepEqual((await session.diagnostics(file)).map((d) => d.code), ["CE102"]);
    values = { ignore: ["CE102"] };
    await session.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { "ce-lint": settings() } });
    assert.deepEqual(await session.diagnostics(file, 2), []);
  } finally {
    await session.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("the Fix all action follows ce-lint.fixAll", async (t) => {
  if (!testPython()) return t.skip("no Python with ce-lint[lsp] (set CE_LINT_TEST_PYTHON)");
  // CE105 (from_logits=True after a softmax) has a safe fix
  const source = BUGGY.replace("loss=\"binary_crossentropy\"", "loss=keras.losses.CategoricalCrossentropy(from_logits=True)");
  for (const fixAll of [true, false]) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "ce-lint-vscode-"));
    const session = await Session.start(inspector({ fixAll, kerasVersion: "3" }), root);
    try {
      const file = pathToFileURL(path.join(root, "train.py")).href;
      await session.open(file, source);
      const found = await session.diagnostics(file);
      const metric = found.find((d) => d.code === "CE105");
      assert.ok(metric, JSON.stringify(found));
      const kinds = (await session.actions(file, metric, [FIX_ALL_KIND])).map((a) => a.kind);
      assert.deepEqual(kinds, fixAll ? [FIX_ALL_KIND] : []);
    } finally {
      await session.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
});

test("VS Code pulls diagnostics, for files and notebook cells, with the options of the document's folder", async (t) => {
  if (!testPython()) return t.skip("no Python with ce-lint[lsp] (set CE_LINT_TEST_PYTHON)");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ce-lint-vscode-"));
  let values: Record<string, unknown> = { kerasVersion: "3" };
  const settings = () => optionsFrom((key) => (key in values ? { workspaceFolderValue: values[key] } : {}));
  const session = await Session.start(settings, root, true);
  try {
    const pull = async (uri: string) => {
      const report = await session.connection.sendRequest(DocumentDiagnosticRequest.type,
        { textDocument: { uri } });
      assert.equal(report.kind, "full");
      return (report as { items: Diagnostic[] }).items.map((d) => d.code);
    };
    const file = pathToFileURL(path.join(root, "train.py")).href;
    const cell = `vscode-notebook-cell:${path.join(root, "train.ipynb")}#W1sZmlsZQ%3D%3D`;
    await session.open(file, BUGGY);
    await session.open(cell, BUGGY);
    assert.deepEqual(await pull(file), ["CE102"]);
    assert.deepEqual(await pull(cell), ["CE102"]);
    assert.ok(session.configurationRequests >= 2, "the server asked for each document's options");
    assert.equal(session.published.size, 0, "a client that pulls is not pushed diagnostics");

    values = { kerasVersion: "3", ignore: ["CE102"] };  // changed in the settings UI
    await session.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { "ce-lint": settings() } });
    assert.deepEqual(await pull(file), []);
  } finally {
    await session.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
