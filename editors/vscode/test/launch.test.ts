import assert from "node:assert/strict";
import { test } from "node:test";
import { expand, isLaunchError, onPath, resolveLaunch, type Host, type LaunchSettings } from "../src/launch";

function host(files: string[], extra: Partial<Host> = {}): Host {
  return {
    platform: "linux",
    env: { PATH: "/usr/local/bin:/usr/bin", HOME: "/home/ml", VENV: "/opt/venv" },
    home: "/home/ml",
    workspaceFolder: "/work/proj",
    isFile: (file) => files.includes(file),
    ...extra,
  };
}

const DEFAULTS: LaunchSettings = { path: [], interpreter: [], importStrategy: "fromEnvironment" };

test("by default the selected Python environment runs the server module", () => {
  const launch = resolveLaunch(DEFAULTS, ["/work/proj/.venv/bin/python"], host([]), true);
  assert.deepEqual(launch, {
    command: "/work/proj/.venv/bin/python", args: ["-m", "ce_lint", "server"],
    python: { command: "/work/proj/.venv/bin/python", args: [] }, origin: "the selected Python environment",
  });
});

test("ce-lint.interpreter overrides the selection, with its own arguments and variables", () => {
  const launch = resolveLaunch({ ...DEFAULTS, interpreter: ["${workspaceFolder}/env/bin/python", "-X", "utf8"] },
    ["/usr/bin/python3"], host([]), true);
  assert.ok(!isLaunchError(launch));
  assert.equal(launch.command, "/work/proj/env/bin/python");
  assert.deepEqual(launch.args, ["-X", "utf8", "-m", "ce_lint", "server"]);
  assert.deepEqual(launch.python, { command: "/work/proj/env/bin/python", args: ["-X", "utf8"] });
});

test("ce-lint.path wins: the first entry that exists runs `server`", () => {
  const settings = { ...DEFAULTS, path: ["/missing/ce-lint", "~/.local/bin/ce-lint"], interpreter: ["/usr/bin/python3"] };
  const launch = resolveLaunch(settings, ["/usr/bin/python3"], host(["/home/ml/.local/bin/ce-lint"]), true);
  assert.deepEqual(launch, { command: "/home/ml/.local/bin/ce-lint", args: ["server"], origin: "ce-lint.path" });
});

test("ce-lint.path naming no existing file is an error, not a silent fallback", () => {
  const launch = resolveLaunch({ ...DEFAULTS, path: ["/missing/ce-lint"] }, ["/usr/bin/python3"], host([]), true);
  assert.ok(isLaunchError(launch));
  assert.match(launch.error, /none of the files in ce-lint\.path exists: \/missing\/ce-lint/);
});

test("fromPath finds ce-lint on PATH, or says how to install it", () => {
  const settings: LaunchSettings = { ...DEFAULTS, importStrategy: "fromPath" };
  assert.deepEqual(resolveLaunch(settings, ["/usr/bin/python3"], host(["/usr/bin/ce-lint"]), true),
    { command: "/usr/bin/ce-lint", args: ["server"], origin: "PATH" });
  const missing = resolveLaunch(settings, undefined, host([]), true);
  assert.ok(isLaunchError(missing));
  assert.match(missing.error, /pipx install "ce-lint\[lsp\]"/);
});

test("no selected environment: the PATH's python3 only without the Python extension", () => {
  const files = ["/usr/bin/python3"];
  const without = resolveLaunch(DEFAULTS, undefined, host(files), false);
  assert.ok(!isLaunchError(without));
  assert.equal(without.command, "/usr/bin/python3");
  const withExtension = resolveLaunch(DEFAULTS, undefined, host(files), true);
  assert.ok(isLaunchError(withExtension));
  assert.equal(withExtension.selectInterpreter, true);
  assert.match(withExtension.error, /Python: Select Interpreter/);
});

test("variables and ~ are expanded; an unknown workspace folder stays visible", () => {
  const h = host([]);
  assert.equal(expand("${userHome}/x", h), "/home/ml/x");
  assert.equal(expand("~/x", h), "/home/ml/x");
  assert.equal(expand("${env:VENV}/bin/python", h), "/opt/venv/bin/python");
  assert.equal(expand("${env:NOPE}/python", h), "/python");
  assert.equal(expand("${workspaceFolder}/a", { ...h, workspaceFolder: undefined }), "${workspaceFolder}/a");
  assert.equal(expand("a~b", h), "a~b");
});

test("Windows: PATH with ';' and PATHEXT", () => {
  const h = host(["C:\\Tools\\ce-lint.exe"], { platform: "win32", env: { Path: "C:\\Python;C:\\Tools", PATHEXT: ".COM;.EXE" } });
  assert.equal(onPath("ce-lint", h), "C:\\Tools\\ce-lint.exe");
});
