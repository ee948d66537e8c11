"""The `ce-lint` command: `check` files, print findings, exit 0 (clean), 1 (findings) or 2 (errors);
and `rule`, `config`, `version`, `clean`, `server`."""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

from .. import defer_libcst

defer_libcst()  # before the modules below import it

from .args import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, build_parser  # noqa: E402

__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "Outcome", "build_parser", "check_data", "check_file",
           "error_line", "main", "run_check"]
# Imported when asked for: `ce-lint version` needs none of them.
_LAZY = {"Outcome": "runner", "check_data": "runner", "check_file": "runner", "error_line": "runner",
         "run_check": "runner"}
if TYPE_CHECKING:
    from .runner import Outcome, check_data, check_file, error_line, run_check


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    if args.command == "check":
        from .check import main as run
    else:
        from . import commands

        run = getattr(commands, args.command)
    try:
        return run(args)
    except BrokenPipeError:  # `ce-lint check | head`: the reader left; nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
