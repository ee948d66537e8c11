"""flake8 plugin: the same findings as `ce-lint check`, through flake8.

flake8 wants 0-based columns from plugins (it adds 1), applies `# noqa` and `--select` itself,
and runs every installed plugin on every file: the engine's textual gate keeps that cheap. flake8
only ever reads Python files, never notebooks (the README says what works for those).
"""

from __future__ import annotations

from typing import Iterator

from . import __version__
from .config import ConfigError, Settings, validate_keras_version
from .diagnostics import FileError
from .core import check_text
from .noqa import file_exemption
from .rules import all_rules


def _keras_version(text: str) -> str:
    import argparse

    try:
        return validate_keras_version(text, "--keras-version / keras-version")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class Flake8Plugin:
    name = "ce-lint"
    version = __version__
    keras_version: str | None = None

    def __init__(self, tree, filename: str, lines: list[str]) -> None:  # tree: flake8 needs it to classify us
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager) -> None:
        manager.add_option("--keras-version", parse_from_config=True, default=None, type=_keras_version,
                           help="Keras version the code targets, e.g. 3, 2.3 or tf-2.1 (ce-lint)")
        manager.extend_default_ignore([r.code for r in all_rules() if not r.default_enabled])

    @classmethod
    def parse_options(cls, options) -> None:
        cls.keras_version = options.keras_version

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        # Every rule runs: flake8 filters by --select/--ignore and the default-ignore list itself.
        settings = Settings(select=("",), keras_version=self.keras_version)
        try:
            source = "".join(self.lines)
            result = check_text(source, self.filename, settings, apply_noqa=False)
        except FileError:
            return  # flake8 reports files it can't parse (E999)
        exempt = file_exemption(source)  # `# ce-lint: noqa[: CODES]`: flake8 knows only its own spelling
        for d in result.diagnostics:
            if exempt is None or exempt and not d.code.startswith(tuple(exempt)):
                yield d.line, d.col, f"{d.code} {d.message}", type(self)
