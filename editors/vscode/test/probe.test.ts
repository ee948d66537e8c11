import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import type { Launch } from "../src/launch";
import { installCommand, interpretProbe, probeCommand, PROBE } from "../src/probe";
import { REPO, testPython } from "./support";

const VENV: Launch = {
  command: "/p/bin/python", args: ["-m", "ce_lint", "server"], python: { command: "/p/bin/python", args: [] },
  origin: "the selected Python environment",
};
const EXE: Launch = { command: "/p/bin/ce-lint", args: ["server"], origin: "ce-lint.path" };

test("the probe runs through the interpreter, or asks the executable its version", () => {
  assert.deepEqual(probeCommand(VENV), { command: "/p/bin/python", args: ["-c", PROBE] });
  assert.deepEqual(probeCommand(EXE), { command: "/p/bin/ce-lint", args: ["--version"] });
});

test("what each answer means", () => {
  const ok = interpretProbe(VENV, { exitCode: 0, stdout: '{"ce_lint": "0.1.0", "pygls": true}\n', stderr: "" });
  assert.deepEqual(ok, { ok: true, version: "0.1.0" });
  const missing = interpretProbe(VENV, { exitCode: 0, stdout: '{"ce_lint": null, "pygls": true}', stderr: "" });
  assert.deepEqual(missing, {
    ok: false, selectInterpreter: true,
    message: "ce-lint is not installed in /p/bin/python (the selected Python environment). "
             + "Install it there with: /p/bin/python -m pip install \"ce-lint[lsp]\"",
  });
  const noLsp = interpretProbe(VENV, { exitCode: 0, stdout: '{"ce_lint": "0.1.0", "pygls": false}', stderr: "" });
  assert.ok(!noLsp.ok && /without its language server \(pygls\)/.test(noLsp.message));
  const gone = interpretProbe(VENV, { exitCode: null, stdout: "", stderr: "", spawnError: "spawn /p/bin/python ENOENT" });
  assert.ok(!gone.ok && gone.message === "ce-lint: could not run /p/bin/python (the selected Python environment): spawn /p/bin/python ENOENT");
  const python2 = interpretProbe(VENV, { exitCode: 1, stdout: "", stderr: "  File \"<string>\"\nSyntaxError: invalid syntax\n" });
  assert.ok(!python2.ok && python2.message.endsWith("SyntaxError: invalid syntax"));
  assert.deepEqual(interpretProbe(EXE, { exitCode: 0, stdout: "ce-lint 0.1.0\n", stderr: "" }), { ok: true, version: "0.1.0" });
  assert.ok(!interpretProbe(EXE, { exitCode: 2, stdout: "", stderr: "usage: other-tool\n" }).ok);
});

test("the install command quotes a path with spaces", () => {
  assert.equal(installCommand("C:\\Program Files\\Python\\python.exe"), "\"C:\\Program Files\\Python\\python.exe\" -m pip install \"ce-lint[lsp]\"");
});

function run(python: string, cwd: string) {
  const done = spawnSync(python, ["-c", PROBE], { cwd, encoding: "utf8", timeout: 60_000 });
  return { exitCode: done.status, stdout: done.stdout, stderr: done.stderr };
}

test("the probe, run by real interpreters: with ce-lint, without it, and without pygls", (t) => {
  const python = testPython();
  if (!python) return t.skip("no Python with ce-lint[lsp] (set CE_LINT_TEST_PYTHON)");
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "ce-lint-probe-"));
  try {
    const launch = (command: string): Launch => ({ ...VENV, command, python: { command, args: [] } });
    assert.equal(interpretProbe(launch(python), run(python, cwd)).ok, true);

    // a bare environment; then the same one with ce_lint importable but no pygls
    const base = execFileSync(python, ["-c", "import sys; print(sys.base_prefix)"], { encoding: "utf8" }).trim();
    const bare = path.join(cwd, "bare");
    execFileSync(path.join(base, "bin", "python3"), ["-m", "venv", "--without-pip", bare]);
    const barePython = path.join(bare, "bin", "python");
    const missing = interpretProbe(launch(barePython), run(barePython, cwd));
    assert.ok(!missing.ok && missing.message.startsWith(`ce-lint is not installed in ${barePython}`), JSON.stringify(missing));
    const site = execFileSync(barePython, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
      { encoding: "utf8" }).trim();
    fs.writeFileSync(path.join(site, "ce_lint_source.pth"), REPO + "\n");
    const noLsp = interpretProbe(launch(barePython), run(barePython, cwd));
    assert.ok(!noLsp.ok && /installed in .* without its language server/.test(noLsp.message), JSON.stringify(noLsp));
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
