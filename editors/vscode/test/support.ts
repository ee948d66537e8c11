import * as fs from "node:fs";
import * as path from "node:path";

/** The repository's root (out/test/ -> editors/vscode -> repo). */
export const REPO = path.resolve(__dirname, "..", "..", "..", "..");
export const EXTENSION = path.resolve(__dirname, "..", "..");

/** A Python with ce-lint[lsp] installed: $CE_LINT_TEST_PYTHON, else the repository's .venv. */
export function testPython(): string | undefined {
  const candidates = [process.env.CE_LINT_TEST_PYTHON, path.join(REPO, ".venv", "bin", "python")];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}
