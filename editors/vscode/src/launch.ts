// Which process runs `ce-lint server`: the shape of Microsoft's Python-tool extensions (the tool
// comes from the Python environment the user selected) with Ruff's overrides (`path`,
// `interpreter`). Pure: the file system and the environment come in through `Host`.

import * as path from "node:path";

export type ImportStrategy = "fromEnvironment" | "fromPath";

export interface LaunchSettings {
  path: string[]; // ce-lint executables; the first that exists is used
  interpreter: string[]; // a Python interpreter (and its arguments) to run `-m ce_lint server` with
  importStrategy: ImportStrategy;
}

export interface Host {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  home: string;
  workspaceFolder?: string;
  isFile(file: string): boolean;
}

export interface Launch {
  command: string;
  args: string[];
  /** The interpreter, when the server runs as `python -m ce_lint server` (the probe imports through it). */
  python?: { command: string; args: string[] };
  /** Where the command came from, for messages. */
  origin: string;
}

export interface LaunchError {
  error: string;
  selectInterpreter: boolean; // whether "Select Interpreter" would help
}

export const SERVER_ARGS = ["server"];
export const MODULE_ARGS = ["-m", "ce_lint", "server"];

/** `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~` in a setting's value. */
export function expand(value: string, host: Host): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name, env) => {
    if (name === "userHome") return host.home;
    if (name === "workspaceFolder") return host.workspaceFolder ?? whole;
    return host.env[env] ?? "";
  });
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) out = host.home + out.slice(1);
  return out;
}

/** The first file named `name` on PATH (with Windows' executable extensions), or undefined. */
export function onPath(name: string, host: Host): string | undefined {
  const windows = host.platform === "win32";
  const separator = windows ? ";" : ":";
  const dirs = (host.env.PATH ?? host.env.Path ?? "").split(separator).filter(Boolean);
  const extensions = windows ? (host.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").concat([""]) : [""];
  const join = windows ? path.win32.join : path.posix.join;
  for (const dir of dirs) {
    for (const extension of extensions) {
      const candidate = join(dir, name + extension.toLowerCase());
      if (host.isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The server's command. In order: `ce-lint.path` (the first entry that exists), `ce-lint.interpreter`,
 * then the import strategy: `fromEnvironment` runs `-m ce_lint server` with the Python environment
 * selected in the Python extension (`activePython`; without that extension, the python3 on PATH),
 * `fromPath` runs the `ce-lint` found on PATH (a pipx install, say).
 */
export function resolveLaunch(settings: LaunchSettings, activePython: string[] | undefined, host: Host,
                              pythonExtension: boolean): Launch | LaunchError {
  const paths = settings.path.map((p) => expand(p, host)).filter(Boolean);
  if (paths.length > 0) {
    const found = paths.find((p) => host.isFile(p));
    if (found === undefined) {
      return { error: `none of the files in ce-lint.path exists: ${paths.join(", ")}`, selectInterpreter: false };
    }
    return { command: found, args: SERVER_ARGS, origin: "ce-lint.path" };
  }
  const interpreter = settings.interpreter.map((p) => expand(p, host)).filter(Boolean);
  if (interpreter.length > 0) {
    return python(interpreter, "ce-lint.interpreter");
  }
  if (settings.importStrategy === "fromPath") {
    const found = onPath("ce-lint", host);
    if (found === undefined) {
      return { error: "no ce-lint executable on PATH (ce-lint.importStrategy is fromPath); install it, "
                      + "for example with: pipx install \"ce-lint[lsp]\"", selectInterpreter: false };
    }
    return { command: found, args: SERVER_ARGS, origin: "PATH" };
  }
  if (activePython !== undefined && activePython.length > 0 && activePython[0]) {
    return python(activePython, "the selected Python environment");
  }
  if (!pythonExtension) {
    const found = onPath(host.platform === "win32" ? "python" : "python3", host);
    if (found !== undefined) return python([found], "the Python on PATH (the Python extension is not installed)");
  }
  return {
    error: "no Python environment is selected: choose one with \"Python: Select Interpreter\", or set ce-lint.interpreter",
    selectInterpreter: pythonExtension,
  };
}

function python(command: string[], origin: string): Launch {
  const [executable, ...rest] = command;
  return { command: executable, args: [...rest, ...MODULE_ARGS], python: { command: executable, args: rest }, origin };
}

export function isLaunchError(value: Launch | LaunchError): value is LaunchError {
  return "error" in value;
}
