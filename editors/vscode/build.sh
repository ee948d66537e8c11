#!/usr/bin/env bash
# Builds editors/vscode/ce-lint.vsix: installs the locked npm packages, type-checks, runs the unit
# tests (under Node: VS Code itself is not needed), bundles with esbuild and packages with vsce.
# The tests that start the real server use $CE_LINT_TEST_PYTHON, else the repository's .venv.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm run typecheck
npm test
npm run build -- --minify
npm run package
echo "built $(pwd)/ce-lint.vsix"
