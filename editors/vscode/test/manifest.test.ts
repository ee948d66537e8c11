// The manifest (package.json) and the code name the same settings and commands.

import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { COMMANDS } from "../src/constants";
import { LAUNCH_KEYS, SERVER_KEYS } from "../src/settings";
import { EXTENSION } from "./support";

const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION, "package.json"), "utf8"));
const extension = fs.readFileSync(path.join(EXTENSION, "src", "extension.ts"), "utf8");

test("every contributed setting is read by the code, and every setting the code reads is contributed", () => {
  const contributed = Object.keys(manifest.contributes.configuration.properties).sort();
  const known = [...LAUNCH_KEYS, ...Object.keys(SERVER_KEYS), "trace.server"].map((k) => `ce-lint.${k}`).sort();
  assert.deepEqual(contributed, known);
  for (const [key, spec] of Object.entries<{ description?: string; markdownDescription?: string }>(
    manifest.contributes.configuration.properties)) {
    assert.ok(spec.description || spec.markdownDescription, `${key} has no description`);
  }
});

test("every contributed command is registered, and titled", () => {
  const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(contributed, Object.values(COMMANDS).sort());
  for (const name of Object.keys(COMMANDS)) {
    assert.ok(extension.includes(`registerCommand(COMMANDS.${name},`), `COMMANDS.${name} is not registered`);
  }
});

test("activated by Python files and Jupyter notebooks; the bundle is the entry point", () => {
  assert.deepEqual(manifest.activationEvents, ["onLanguage:python", "onNotebook:jupyter-notebook"]);
  assert.equal(manifest.main, "./dist/extension.js");
});

test("the VS Code API typings match the oldest VS Code the manifest accepts", () => {
  const typings = manifest.devDependencies["@types/vscode"];
  assert.equal(manifest.engines.vscode, `^${typings}`);
});

test("the extension's version is ce-lint's", () => {
  const init = fs.readFileSync(path.join(EXTENSION, "..", "..", "ce_lint", "__init__.py"), "utf8");
  assert.equal(manifest.version, /__version__ = "([^"]+)"/.exec(init)?.[1]);
});
