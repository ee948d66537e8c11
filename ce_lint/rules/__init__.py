"""The rule table. A rule is the single source of truth for its code, name, severity, message,
default and documentation (its docstring, in Ruff's sections); pages, plugin tables and the
docs tests are derived from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import libcst as cst

from ..diagnostics import Severity
from ..fixes import Proposal

DOCS_URL = "https://github.com/ce-lint/ce-lint/blob/main/docs/rules/{code}.md"


@dataclass(frozen=True)
class Finding:
    node: cst.CSTNode  # what the diagnostic points at
    message: str
    severity: Severity | None = None  # None: the rule's own
    fix: Proposal | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str  # one line, for indexes and SARIF
    check: Callable[..., Iterable[Finding]]
    default_enabled: bool = True

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity, summary: str, default_enabled: bool = True):
    def register(check):
        if code in RULES:
            raise ValueError(f"duplicate rule code {code}")
        RULES[code] = Rule(code, name, severity, summary, check, default_enabled)
        return check

    return register


def all_rules() -> list[Rule]:
    _load()
    return [RULES[code] for code in sorted(RULES)]


def by_name_or_code(key: str) -> Rule | None:
    _load()
    key = key.strip()
    return RULES.get(key.upper()) or next((r for r in RULES.values() if r.name == key), None)


def _load() -> None:
    from . import keras, metrics, numerics, suppressions, torch  # noqa: F401  (registers their rules)
