// Names shared by the manifest (package.json) and the code; the manifest test checks they agree.

export const SECTION = "ce-lint";
export const FIX_ALL_KIND = "source.fixAll.ce-lint";

export const COMMANDS = {
  restart: "ce-lint.restart",
  fixAll: "ce-lint.executeFixAll",
  showLogs: "ce-lint.showLogs",
} as const;

/** Python files, and the Python cells of notebooks (sent as notebook documents once the server
 * advertises notebook sync, else cell by cell). */
export const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "python" },
  { scheme: "untitled", language: "python" },
  { scheme: "vscode-notebook-cell", language: "python" },
];
