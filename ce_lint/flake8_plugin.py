"""flake8 plugin: the same findings as `ce-lint check`, through flake8.

flake8 wants 0-based columns from plugins (it adds 1), applies `# noqa` and `--select` itself,
and runs every installed plugin on every file, so every flake8 user pays for this one: a file that
mentions no framework (and names no ce-lint code in a `# noqa`) is passed over before anything else,
and the analysis (rules, facts, libcst) is imported only when a file needs it. flake8 only ever
reads Python files, never notebooks (the README says what works for those).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import __version__
from .gate import GATE, NAMES_OURS  # re and the catalog only: the rest waits for a file with ML code

OFF_BY_DEFAULT = "CE9"  # the opinionated family (docs/rules): flake8 ignores it unless selected


def _keras_version(text: str) -> str:
    import argparse

    from .config import ConfigError, validate_keras_version

    try:
        return validate_keras_version(text, "--keras-version / keras-version")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class Flake8Plugin:
    name = "ce-lint"
    version = __version__
    keras_version: str | None = None

    def __init__(self, tree: Any, filename: str, lines: list[str]) -> None:  # tree: flake8 needs it to classify us
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:  # flake8's OptionManager
        manager.add_option("--keras-version", parse_from_config=True, default=None, type=_keras_version,
                           help="Keras version the code targets, e.g. 3, 2.3 or tf-2.1 (ce-lint)")
        manager.extend_default_ignore([OFF_BY_DEFAULT])

    @classmethod
    def parse_options(cls, options: Any) -> None:  # an argparse.Namespace
        cls.keras_version = options.keras_version

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        # Every rule runs: flake8 filters by --select/--ignore and the default-ignore list itself.
        text = "".join(self.lines)
        if not GATE.search(text) and not NAMES_OURS.search(text):
            return
        from .config import Settings
        from .core import check_text
        from .diagnostics import FileError
        from .noqa import file_exemption

        settings = Settings(select=("",), keras_version=self.keras_version)
        try:
            result = check_text(text, self.filename, settings, apply_noqa=False)
        except FileError:
            return  # flake8 reports files it can't parse (E999)
        exempt = file_exemption(text)  # `# ce-lint: noqa[: CODES]`: flake8 knows only its own spelling
        for d in result.diagnostics:
            if exempt is None or (exempt and not d.code.startswith(tuple(exempt))):
                yield d.line, d.col, f"{d.code} {d.message}", type(self)
