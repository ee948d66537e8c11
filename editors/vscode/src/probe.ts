// Before starting the server, ask the chosen environment whether ce-lint (and the pygls its server
// needs) is there, so that a missing install is one clear message instead of a dead server.

import type { Launch } from "./launch";

/** Run by the chosen interpreter: prints {"ce_lint": version or null, "pygls": bool, "python": version}. */
export const PROBE = [
  "import importlib.util, json, sys",
  "def found(name):",
  "    try:",
  "        return importlib.util.find_spec(name) is not None",
  "    except Exception:",
  "        return False",
  "version = None",
  "if found('ce_lint'):",
  "    try:",
  "        from ce_lint import __version__ as version",
  "    except Exception:",
  "        version = '?'",
  "print(json.dumps({'ce_lint': version, 'pygls': found('pygls'), 'python': sys.version.split()[0]}))",
].join("\n");

export interface ProbeCommand {
  command: string;
  args: string[];
}

export function probeCommand(launch: Launch): ProbeCommand {
  if (launch.python) return { command: launch.python.command, args: [...launch.python.args, "-c", PROBE] };
  return { command: launch.command, args: ["--version"] };
}

export interface ProbeOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not be started at all (ENOENT, EACCES, a time-out). */
  spawnError?: string;
}

export type ProbeResult =
  | { ok: true; version: string }
  | { ok: false; message: string; selectInterpreter: boolean };

export function installCommand(python: string): string {
  const quoted = /[\s"']/.test(python) ? `"${python}"` : python;
  return `${quoted} -m pip install "ce-lint[lsp]"`;
}

/** What the probe's outcome means for the user. */
export function interpretProbe(launch: Launch, outcome: ProbeOutcome): ProbeResult {
  const where = `${launch.python?.command ?? launch.command} (${launch.origin})`;
  if (outcome.spawnError !== undefined) {
    return { ok: false, message: `ce-lint: could not run ${where}: ${outcome.spawnError}`,
             selectInterpreter: launch.python !== undefined };
  }
  if (!launch.python) {
    const match = /ce-lint (\S+)/.exec(outcome.stdout);
    if (outcome.exitCode === 0 && match) return { ok: true, version: match[1] };
    return { ok: false, message: `ce-lint: ${where} is not a working ce-lint: ${lastLine(outcome)}`,
             selectInterpreter: false };
  }
  let answer: { ce_lint?: string | null; pygls?: boolean } | undefined;
  try {
    answer = JSON.parse(outcome.stdout.trim().split(/\r?\n/).pop() ?? "");
  } catch {
    answer = undefined;
  }
  if (outcome.exitCode !== 0 || answer === undefined || typeof answer !== "object" || answer === null) {
    return { ok: false, message: `ce-lint: ${where} could not be asked for ce-lint: ${lastLine(outcome)}`,
             selectInterpreter: true };
  }
  const install = installCommand(launch.python.command);
  if (!answer.ce_lint) {
    return { ok: false, selectInterpreter: true,
             message: `ce-lint is not installed in ${where}. Install it there with: ${install}` };
  }
  if (!answer.pygls) {
    return { ok: false, selectInterpreter: true,
             message: `ce-lint ${answer.ce_lint} is installed in ${where} without its language server (pygls). `
                      + `Install it with: ${install}` };
  }
  return { ok: true, version: answer.ce_lint };
}

function lastLine(outcome: ProbeOutcome): string {
  const text = (outcome.stderr.trim() || outcome.stdout.trim()).split(/\r?\n/).pop();
  return text || `exit status ${outcome.exitCode}`;
}
