// The VS Code side: reads the settings, finds the Python environment, checks that ce-lint is
// installed there, and runs `ce-lint server` through vscode-languageclient. The decisions live in
// settings.ts, launch.ts and probe.ts (tested under Node); this file only wires them to VS Code.

import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import { PythonExtension } from "@vscode/python-extension";
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions as Executable,
} from "vscode-languageclient/node";
import { COMMANDS, DOCUMENT_SELECTOR, FIX_ALL_KIND, SECTION } from "./constants";
import { isLaunchError, resolveLaunch, type Host, type ImportStrategy, type Launch } from "./launch";
import { interpretProbe, probeCommand, type ProbeOutcome } from "./probe";
import { changeKind, optionsFrom, type ServerOptions } from "./settings";

const PROBE_TIMEOUT_MS = 20_000;

let client: LanguageClient | undefined;
let log: vscode.LogOutputChannel;
let python: PythonExtension | undefined;
let starting: Promise<void> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  log = vscode.window.createOutputChannel("ce-lint", { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand(COMMANDS.restart, () => restart()),
    vscode.commands.registerCommand(COMMANDS.showLogs, () => log.show()),
    vscode.commands.registerCommand(COMMANDS.fixAll, () =>
      vscode.commands.executeCommand("editor.action.sourceAction", { kind: FIX_ALL_KIND, apply: "first" })),
    vscode.workspace.onDidChangeConfiguration((event) => {
      const kind = changeKind((section) => event.affectsConfiguration(section));
      if (kind === "restart") void restart();
      else if (kind === "options") void pushOptions();
    }),
  );
  python = await pythonExtension();
  if (python) {
    context.subscriptions.push(python.environments.onDidChangeActiveEnvironmentPath(() => void restart()));
  }
  await restart();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function pythonExtension(): Promise<PythonExtension | undefined> {
  if (!vscode.extensions.getExtension("ms-python.python")) return undefined;
  try {
    return await PythonExtension.api();
  } catch (error) {
    log.warn(`the Python extension's API is not available: ${String(error)}`);
    return undefined;
  }
}

function restart(): Promise<void> {
  // one start at a time, in order; a failed one must not block the next
  starting = starting.then(async () => {
    await stop();
    try {
      await start();
    } catch (error) {
      void problem(`ce-lint: the server did not start: ${String(error)}`, false);
    }
  });
  return starting;
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch (error) {
      log.warn(`stopping the server: ${String(error)}`);
    }
  }
}

function folder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

async function activePython(): Promise<string[] | undefined> {
  if (!python) return undefined;
  const resource = folder()?.uri;
  try {
    const chosen = python.environments.getActiveEnvironmentPath(resource);
    const resolved = await python.environments.resolveEnvironment(chosen);
    const executable = resolved?.executable.uri?.fsPath;
    return executable ? [executable] : undefined;
  } catch (error) {
    log.warn(`the selected Python environment could not be resolved: ${String(error)}`);
    return undefined;
  }
}

function host(): Host {
  return {
    platform: process.platform,
    env: process.env,
    home: os.homedir(),
    workspaceFolder: folder()?.uri.fsPath,
    isFile: (file) => {
      try {
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    },
  };
}

function options(scope?: vscode.Uri): ServerOptions {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  return optionsFrom((key) => config.inspect(key));
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION, folder()?.uri);
  if (!config.get<boolean>("enable", true)) {
    log.info("ce-lint.enable is false: the server is not started");
    return;
  }
  const launch = resolveLaunch({
    path: config.get<string[]>("path", []),
    interpreter: config.get<string[]>("interpreter", []),
    importStrategy: config.get<ImportStrategy>("importStrategy", "fromEnvironment"),
  }, await activePython(), host(), python !== undefined);
  if (isLaunchError(launch)) {
    void problem(`ce-lint: ${launch.error}`, launch.selectInterpreter);
    return;
  }
  const result = interpretProbe(launch, await probe(launch));
  if (!result.ok) {
    void problem(result.message, result.selectInterpreter);
    return;
  }
  log.info(`ce-lint ${result.version}: ${launch.command} ${launch.args.join(" ")} (${launch.origin})`);
  const executable: Executable = {
    command: launch.command,
    args: launch.args,
    options: { cwd: folder()?.uri.fsPath, env: process.env },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: log,
    initializationOptions: options(folder()?.uri),
    middleware: {
      workspace: {
        // The server asks for the `ce-lint` section per document: answer with its options (what the
        // user set), not VS Code's raw settings with the launch keys and defaults.
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) return answers;
          return params.items.map((item, index) =>
            item.section === SECTION ? options(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
                                     : answers[index]);
        },
      },
    },
  };
  const created = new LanguageClient(SECTION, "ce-lint", executable, clientOptions);
  try {
    await created.start();
    client = created;
  } catch (error) {
    void problem(`ce-lint: the server did not start: ${String(error)}`, false);
  }
}

async function pushOptions(): Promise<void> {
  await client?.sendNotification(DidChangeConfigurationNotification.type, { settings: { [SECTION]: options(folder()?.uri) } });
}

function probe(launch: Launch): Promise<ProbeOutcome> {
  const { command, args } = probeCommand(launch);
  return new Promise((resolve) => {
    execFile(command, args, { cwd: folder()?.uri.fsPath, timeout: PROBE_TIMEOUT_MS, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? null : 0;
        const spawnError = error && (typeof error.code === "string" || error.killed) ? error.message : undefined;
        resolve({ exitCode: code, stdout, stderr, spawnError });
      });
  });
}

async function problem(message: string, selectInterpreter: boolean): Promise<void> {
  log.error(message);
  const choices = selectInterpreter && python ? ["Select Interpreter", "Show Logs"] : ["Show Logs"];
  const choice = await vscode.window.showErrorMessage(message, ...choices);
  if (choice === "Select Interpreter") await vscode.commands.executeCommand("python.setInterpreter");
  else if (choice === "Show Logs") log.show();
}
