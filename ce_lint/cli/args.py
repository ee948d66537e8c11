"""The command line, as Ruff users know it: `ce-lint check [PATH ...]` with Ruff's option names, and
`rule`, `config`, `version`, `clean`, `server`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..config import CACHE_FOLDER as FOLDER
from ..config import ConfigError, validate_codes, validate_keras_version
from ..output import ALIASES, FORMATS

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2  # no findings, findings, usage or input errors (the epilog)


def _codes(option: str) -> Callable[[str], tuple[str, ...]]:
    def parse(text: str) -> tuple[str, ...]:
        try:
            return tuple(validate_codes(text.split(","), option))
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _keras_version(text: str) -> str:
    try:
        return validate_keras_version(text, "--keras-version")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _patterns(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _format(text: str) -> str:
    name = ALIASES.get(text, text)
    if name not in FORMATS:
        raise argparse.ArgumentTypeError(f"invalid choice: '{text}' (choose from {', '.join(FORMATS)})")
    return name


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ce-lint",
        description="Find mis-wired output activations, losses and metrics in Keras and PyTorch training code.",
        epilog="Exit status: 0 no findings, 1 findings, 2 usage or input errors. "
               "Configuration: [tool.ce-lint] in pyproject.toml. See 'ce-lint rule CODE' for a rule's page.")
    parser.add_argument("--version", action="version", version=f"ce-lint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _check(sub.add_parser("check", help="check files and folders (default: the current folder)",
                          description="Check Python files and notebooks for mis-wired activations, losses and "
                                      "metrics. PATH '-' reads standard input."))

    rule = sub.add_parser("rule", help="print a rule's documentation", description="Print the page of a rule.")
    rule.add_argument("code", nargs="?", help="a code (CE101) or a name (softmax-single-unit)")
    rule.add_argument("--all", action="store_true", help="every rule")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")

    config = sub.add_parser("config", help="describe a setting of [tool.ce-lint]",
                            description="List the settings, or describe one.")
    config.add_argument("key", nargs="?", help="a setting, e.g. respect-gitignore")
    config.add_argument("--output-format", choices=("text", "json"), default="text")

    version = sub.add_parser("version", help="print ce-lint's version", description="Print ce-lint's version.")
    version.add_argument("--output-format", choices=("text", "json"), default="text")

    clean = sub.add_parser("clean", help=f"remove the result cache ({FOLDER}/ at the project root)",
                           description="Remove the result cache of the project that contains PATH.")
    clean.add_argument("paths", nargs="?", default=["."], type=lambda p: [p], metavar="PATH",
                       help="a file or folder of the project (default: .)")
    clean.add_argument("--config", type=Path, help="the project's pyproject.toml or ce-lint.toml")
    clean.add_argument("--isolated", action="store_true",
                       help="ignore configuration: the project root is the current folder")

    server = sub.add_parser("server", help="run the language server over stdio (needs ce-lint[lsp])",
                            description="Run the language server over stdin/stdout, for editors.")
    server.add_argument("--stdio", action="store_true", help="accepted for clients that pass it; stdio is the default")
    return parser


def _check(check: argparse.ArgumentParser) -> None:
    check.add_argument("paths", nargs="*", default=[], metavar="PATH",
                       help="files or folders (default: ., or - with --stdin-filename); - for stdin")
    rules = check.add_argument_group("rule selection")
    rules.add_argument("--select", type=_codes("--select"),
                       help="only these codes, prefixes or rule names, comma-separated (e.g. CE1,CE201)")
    rules.add_argument("--ignore", type=_codes("--ignore"), help="skip these codes, prefixes or names")
    rules.add_argument("--extend-select", type=_codes("--extend-select"),
                       help="enable these in addition (e.g. default-off rules)")
    files = check.add_argument_group("file selection")
    files.add_argument("--exclude", type=_patterns, help="file or folder patterns to skip instead of the configured "
                                                          "`exclude`, comma-separated")
    files.add_argument("--extend-exclude", type=_patterns, help="patterns to skip besides the configured ones")
    files.add_argument("--respect-gitignore", action="store_true", default=None,
                       help="skip what .gitignore ignores (the default)")
    files.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                       help="check files .gitignore ignores too")
    files.add_argument("--force-exclude", action="store_true", default=None,
                       help="apply the exclusions to files named explicitly too (for pre-commit)")
    files.add_argument("--no-force-exclude", dest="force_exclude", action="store_false")
    files.add_argument("--stdin-filename", help="the name of the file read from standard input (its configuration, "
                                                "per-file ignores, and in the output)")
    files.add_argument("--config", type=Path, help="use this pyproject.toml or ce-lint.toml for every file")
    files.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    fixes = check.add_argument_group("fixes")
    fixes.add_argument("--fix", action="store_true",
                       help="apply safe fixes and write the files (stdin: print the fixed source)")
    fixes.add_argument("--unsafe-fixes", action="store_true", default=None,
                       help="also apply (and mark as fixable) fixes that change what the model outputs")
    fixes.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; write nothing")
    fixes.add_argument("--show-fixes", action="store_true", help="list the fixes applied (with --fix) or available")
    fixes.add_argument("--add-noqa", action="store_true", help="add '# noqa: CODE' to every line with a finding")
    report = check.add_argument_group("report")
    report.add_argument("--output-format", type=_format, default=None, metavar="FORMAT",
                        help=f"{', '.join(FORMATS)} (default: full on a terminal, else concise)")
    report.add_argument("--output-file", "-o", type=Path, help="write the report to this file instead of stdout")
    report.add_argument("--statistics", action="store_true", help="count the findings per rule instead of listing them")
    report.add_argument("--show-files", action="store_true", help="list the files that would be checked, and stop")
    report.add_argument("--show-settings", action="store_true", help="print the settings of the first file, and stop")
    report.add_argument("--quiet", "-q", action="store_true", help="only the findings: no summary")
    report.add_argument("--silent", "-s", action="store_true", help="print nothing; the exit status tells")
    report.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings (2 still for errors)")
    report.add_argument("--exit-non-zero-on-fix", action="store_true",
                        help="exit 1 when fixes were applied, even if no finding is left")
    report.add_argument("--watch", "-w", action="store_true",
                        help="check again whenever a file or its configuration changes")
    run = check.add_argument_group("run")
    run.add_argument("--keras-version", type=_keras_version, help="Keras version the code targets, e.g. 3, 2.3, or "
                     "tf-2.1 for tf.keras (default: the installed one, else Keras 3)")
    run.add_argument("--no-cache", action="store_true", help=f"do not read or write the result cache ({FOLDER}/ at "
                                                              "the project root)")
    run.add_argument("--jobs", "-j", type=int, default=0, help="processes to use (default: all cores for many files)")
