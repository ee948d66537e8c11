"""pylint plugin: the same findings as `ce-lint check`, through pylint (`load-plugins=ce_lint.pylint_plugin`).

One checker per code family (pylint allows one two-digit checker id per checker): CE1xx Keras,
CE2xx PyTorch, CE3xx numerics, CE4xx metric libraries, CE9xx opinionated (off by default).
A rule CEabc becomes the message `W7abc` with the rule's name as its symbol (CE101 -> W7101
`softmax-single-unit`), so `# pylint: disable=softmax-single-unit` works; rules that are off by
default are registered disabled. The table is derived from the rule table when pylint loads the
plugin, so every registered rule appears.

The module's text is read from the file (pylint's tree is not used) and analysed once, whatever
the number of families enabled: the first of our checkers pylint runs on a module reports the
findings of every enabled rule, the others skip it. Nothing is kept after reporting except the
identity of the last module, forgotten when the next run opens. Columns are 0-based, as pylint's col_offset.

`# noqa` is honoured as by the command (and by flake8), so one comment silences a finding in every
front end; pylint's own `# pylint: disable=<symbol>` comments work too.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from pylint.checkers import BaseRawFileChecker

from .config import ConfigError, Settings, validate_keras_version
from .core import check_bytes
from .diagnostics import FileError
from .rules import Rule, all_rules

if TYPE_CHECKING:  # pragma: no cover
    from astroid import nodes
    from pylint.lint import PyLinter

FAMILIES = {"1": "keras", "2": "pytorch", "3": "numerics", "4": "metrics", "9": "opinionated"}


def msgid(code: str) -> str:
    """CE101 -> W7101: W7, the family digit, the code's last two digits."""
    return f"W7{code[2]}{code[3:5]}"


class _FamilyChecker(BaseRawFileChecker):
    """Base of the generated per-family checkers; see the module docstring."""

    family = ""
    rules: tuple[Rule, ...] = ()
    _last_module: tuple[str, int] | None = None  # shared by every family: the module already analysed

    def open(self) -> None:
        """Before the first module of a run: a bad --keras-version is one line and pylint's usage-error
        exit status. A new run starts afresh: pylint may be run many times in one process (an editor
        integration, a test runner), and astroid hands the same module objects to each run."""
        _FamilyChecker._last_module = None
        value = _keras_version(self.linter)
        if value is not None:
            try:
                validate_keras_version(value, "--keras-version / keras-version")
            except ConfigError as exc:
                print(f"ce-lint: error: {exc}", file=sys.stderr)
                sys.exit(32)

    def process_module(self, node: nodes.Module) -> None:
        key = (node.file or node.name, id(node))
        if _FamilyChecker._last_module == key:
            return
        _FamilyChecker._last_module = key
        enabled = [r for checker in _CHECKERS for r in checker.rules
                   if self.linter.is_message_enabled(msgid(r.code))]
        if not enabled:
            return
        try:
            with node.stream() as stream:
                data = stream.read()
            settings = Settings(select=("",), keras_version=_keras_version(self.linter))
            result = check_bytes(data, node.file or node.name, settings, rules=enabled)
        except (FileError, OSError):
            return  # pylint reports what it can't read or parse itself
        for d in result.diagnostics:
            self.linter.add_message(msgid(d.code), line=d.line, col_offset=d.col, end_lineno=d.end_line,
                                    end_col_offset=d.end_col, args=(f"{d.code} {d.message}",))


def _keras_version(linter: PyLinter) -> str | None:
    return getattr(linter.config, "keras_version", None) or None


KERAS_VERSION_OPTION = ("keras-version", {
    "default": None, "type": "string", "metavar": "<version>",
    "help": "Keras version the analysed code targets, e.g. 3, 2.3, or tf-2.1 for tf.keras "
            "(ce-lint; default: the installed one, else Keras 3).",
})


def _make_checkers() -> list[type[_FamilyChecker]]:
    by_family: dict[str, list[Rule]] = {}
    for r in all_rules():
        by_family.setdefault(r.code[2], []).append(r)
    classes: list[type[_FamilyChecker]] = []
    for digit, rules in sorted(by_family.items()):
        family = FAMILIES.get(digit, f"ce{digit}xx")
        msgs = {msgid(r.code): ("%s", r.name, f"{r.summary[0].upper()}{r.summary[1:]} (ce-lint {r.code}; {r.url}).",
                                {} if r.default_enabled else {"default_enabled": False})
                for r in rules}
        attrs = {"name": f"ce-lint-{family}", "family": family, "rules": tuple(rules), "msgs": msgs,
                 "options": (KERAS_VERSION_OPTION,) if not classes else (),
                 "__doc__": f"ce-lint {family} rules (CE{digit}xx)."}
        classes.append(type(f"CeLint{family.title()}Checker", (_FamilyChecker,), attrs))
    return classes


_CHECKERS: list[type[_FamilyChecker]] = _make_checkers()


def register(linter: PyLinter) -> None:
    """pylint's entry point for `load-plugins=ce_lint.pylint_plugin`."""
    for checker in _CHECKERS:
        linter.register_checker(checker(linter))
