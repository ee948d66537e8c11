import assert from "node:assert/strict";
import { test } from "node:test";
import { changeKind, explicitValue, optionsFrom, serverOptions } from "../src/settings";

test("only the settings the user set reach the server, under the server's option names", () => {
  assert.deepEqual(serverOptions({}), {});
  assert.deepEqual(serverOptions({
    select: ["CE1"], ignore: ["CE102"], extendSelect: ["CE9"], kerasVersion: "tf-2.1", unsafeFixes: true, fixAll: false,
  }), {
    select: ["CE1"], ignore: ["CE102"], "extend-select": ["CE9"], "keras-version": "tf-2.1", "unsafe-fixes": true,
    "fix-all": false,
  });
});

test("an empty Keras version box is not a setting; an explicit empty list is (it overrides the project)", () => {
  assert.deepEqual(serverOptions({ kerasVersion: "", ignore: [] }), { ignore: [] });
});

test("values are passed as they are: the server validates them as the command line does", () => {
  assert.deepEqual(serverOptions({ kerasVersion: "banana", select: "CE1" }), { "keras-version": "banana", select: "CE1" });
});

test("the most specific scope wins, defaults never count", () => {
  assert.equal(explicitValue(undefined), undefined);
  assert.equal(explicitValue({}), undefined);
  assert.deepEqual(explicitValue({ globalValue: ["a"] }), ["a"]);
  assert.deepEqual(explicitValue({ globalValue: ["a"], workspaceValue: ["b"] }), ["b"]);
  assert.deepEqual(explicitValue({ globalValue: ["a"], workspaceValue: ["b"], workspaceFolderValue: [] }), []);
  assert.equal(explicitValue({ globalValue: true, workspaceValue: false }), false);
});

test("options from VS Code's inspect(), launch settings left out", () => {
  const settings: Record<string, object> = {
    ignore: { defaultValue: [], workspaceValue: ["CE101"] },
    select: { defaultValue: [] },
    kerasVersion: { defaultValue: "", globalValue: "3" },
    unsafeFixes: { defaultValue: false },
    interpreter: { workspaceValue: ["/usr/bin/python3"] },
  };
  assert.deepEqual(optionsFrom((key) => settings[key]), { ignore: ["CE101"], "keras-version": "3" });
});

test("launch settings restart the server, the others only send new options", () => {
  const affects = (changed: string[]) => (section: string) =>
    changed.some((c) => c === section || c.startsWith(section + "."));
  assert.equal(changeKind(affects(["ce-lint.interpreter"])), "restart");
  assert.equal(changeKind(affects(["ce-lint.path"])), "restart");
  assert.equal(changeKind(affects(["ce-lint.enable"])), "restart");
  assert.equal(changeKind(affects(["ce-lint.importStrategy"])), "restart");
  assert.equal(changeKind(affects(["ce-lint.ignore"])), "options");
  assert.equal(changeKind(affects(["ce-lint.kerasVersion"])), "options");
  assert.equal(changeKind(affects(["python.defaultInterpreterPath"])), "none");
});
