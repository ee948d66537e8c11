// What the extension's settings mean: which of them go to the server (and under which names), and
// which only choose how the server is started. Pure: no `vscode` import, so Node's test runner can
// load it.

/** Settings that choose the server process; changing one restarts it. */
export const LAUNCH_KEYS = ["enable", "importStrategy", "interpreter", "path"] as const;

/** Settings passed to the server, by their VS Code name, with the option name the server reads. */
export const SERVER_KEYS = {
  select: "select",
  ignore: "ignore",
  extendSelect: "extend-select",
  kerasVersion: "keras-version",
  unsafeFixes: "unsafe-fixes",
  fixAll: "fix-all",
} as const;

export type ServerKey = keyof typeof SERVER_KEYS;
export type ServerOptions = Record<string, unknown>;

/**
 * The server's options for the settings the user has set (in user, workspace or folder settings).
 * A setting left unset is left out, so the project's `[tool.ce-lint]` stays in charge of it; the
 * server validates the values (as the command line does) and reports a bad one.
 */
export function serverOptions(explicit: Partial<Record<ServerKey, unknown>>): ServerOptions {
  const options: ServerOptions = {};
  for (const [key, option] of Object.entries(SERVER_KEYS) as [ServerKey, string][]) {
    const value = explicit[key];
    if (value === undefined || value === null) continue;
    if (key === "kerasVersion" && value === "") continue; // the settings UI's empty box: not set
    options[option] = value;
  }
  return options;
}

/** How VS Code reports a setting (`WorkspaceConfiguration.inspect`), reduced to what we read. */
export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** The value the user set for a setting, the most specific scope winning; undefined when unset. */
export function explicitValue(inspected: Inspected | undefined): unknown {
  if (inspected === undefined) return undefined;
  for (const value of [inspected.workspaceFolderValue, inspected.workspaceValue, inspected.globalValue]) {
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The server's options from a settings reader (`inspect` of the `ce-lint` section). */
export function optionsFrom(inspect: (key: string) => Inspected | undefined): ServerOptions {
  const explicit: Partial<Record<ServerKey, unknown>> = {};
  for (const key of Object.keys(SERVER_KEYS) as ServerKey[]) {
    explicit[key] = explicitValue(inspect(key));
  }
  return serverOptions(explicit);
}

/** Whether a configuration change needs a restart (launch settings) or only new options. */
export function changeKind(affects: (section: string) => boolean): "restart" | "options" | "none" {
  if (LAUNCH_KEYS.some((key) => affects(`ce-lint.${key}`))) return "restart";
  if (affects("ce-lint")) return "options";
  return "none";
}
