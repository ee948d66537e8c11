"""The other commands: `rule` (a page, or --all), `config` (what a setting means), `version`, `clean`
(the cache) and `server` (the language server)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from .. import __version__
from ..config import KEYS, ConfigError, Settings
from ..output import printable
from .args import EXIT_CLEAN, EXIT_ERROR

if TYPE_CHECKING:
    from ..rules import Rule



def rule(args: argparse.Namespace) -> int:
    from ..docs import render_page
    from ..rules import all_rules, by_name_or_code

    if args.all == (args.code is not None):
        print("ce-lint: error: name one rule (ce-lint rule CE101) or --all", file=sys.stderr)
        return EXIT_ERROR
    if args.all:
        rules = all_rules()
    else:
        found = by_name_or_code(args.code)
        if found is None:
            print(f"ce-lint: error: no rule '{args.code}'; 'ce-lint rule --all' lists them", file=sys.stderr)
            return EXIT_ERROR
        rules = [found]
    if args.output_format == "json":
        described = [_describe(r, render_page(r)) for r in rules]
        print(json.dumps(described if args.all else described[0], indent=2))
    else:
        print("\n".join(render_page(r) for r in rules), end="")
    return EXIT_CLEAN


def _describe(r: Rule, page: str) -> dict[str, object]:
    safeties = sorted(s.value for s in r.fix_safeties)
    return {"code": r.code, "name": r.name, "summary": r.summary, "severity": r.severity.value,
            "default_enabled": r.default_enabled, "fix": " or ".join(safeties) or "none", "url": r.url,
            "explanation": page}


def config(args: argparse.Namespace) -> int:
    defaults = Settings()
    if args.key is None:
        if args.output_format == "json":
            print(json.dumps(list(KEYS), indent=2))
        else:
            width = max(map(len, KEYS))
            print("\n".join(f"{key:<{width}}  {text}" for key, (_, text) in KEYS.items()))
        return EXIT_CLEAN
    key = args.key.strip().replace("_", "-").lower()
    if key not in KEYS:
        print(f"ce-lint: error: no setting '{args.key}'; known: {', '.join(KEYS)}", file=sys.stderr)
        return EXIT_ERROR
    kind, text = KEYS[key]
    default = None if key == "extend" else getattr(defaults, key.replace("-", "_"))
    if isinstance(default, tuple):
        default = [list(v) if isinstance(v, tuple) else v for v in default]
    if args.output_format == "json":
        print(json.dumps({"key": key, "type": kind, "default": default, "doc": text}, indent=2))
    else:
        print(f"{key} ({kind}): {text}\nDefault: {json.dumps(default)}\n"
              f"Set it in pyproject.toml:\n  [tool.ce-lint]\n  {key} = ...")
    return EXIT_CLEAN


def version(args: argparse.Namespace) -> int:
    if args.output_format == "json":
        print(json.dumps({"version": __version__}))
    else:
        print(f"ce-lint {__version__}")
    return EXIT_CLEAN


def clean(args: argparse.Namespace) -> int:
    from ..cache import FOLDER, Cache
    from ..project import Resolver

    try:
        root = Resolver(config=args.config, isolated=args.isolated).for_path(args.paths[0]).root
    except ConfigError as exc:
        print(f"ce-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    folder = printable(str(root / FOLDER))
    try:
        removed = Cache(root).clear()
    except OSError as exc:
        print(f"ce-lint: error: cannot remove {folder}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"Removed {folder}." if removed else f"No cache at {folder}.", file=sys.stderr)
    return EXIT_CLEAN


def server(args: argparse.Namespace) -> int:
    try:
        from ..lsp import serve
    except ImportError as exc:
        print(f"ce-lint: error: the language server needs pygls ({exc}); pip install 'ce-lint[lsp]'", file=sys.stderr)
        return EXIT_ERROR
    return serve()


__all__ = ["clean", "config", "rule", "server", "version"]
