"""The rule table. A rule declares everything about itself in one place: code, name, summary, and
the messages it reports, each with its severity, its words and its fix (title and safety); its
docstring, in Ruff's sections, is its page. Pages, the pylint message table, flake8's default-ignore
list, SARIF's rule metadata, the docs tests and catalog.py (rules/export.py) are derived from it.

A check yields Findings made from its declared messages only (`MESSAGE.at(...)`), so neither the
severity nor the safety of a fix is decided while checking.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from ..diagnostics import Applicability, Severity
from ..fixes import Edits, Proposal
from ..matching import Anchor

if TYPE_CHECKING:
    from ..facts import ModuleFacts

DOCS_URL = "https://github.com/ce-lint/ce-lint/blob/main/docs/rules/{code}.md"
ERROR, WARNING = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True)
class FixSpec:
    """What a message's fix does: its title (a template over the message's fields) and its safety."""

    applicability: Applicability
    title: str


def safe(title: str) -> FixSpec:
    return FixSpec(Applicability.SAFE, title)


def unsafe(title: str) -> FixSpec:
    return FixSpec(Applicability.UNSAFE, title)


@dataclass(frozen=True, eq=False)
class Message:
    """One kind of finding of a rule. `text` is a template: a field given a node reads "line 12".
    It says in one short sentence what is wrong and what follows, true on every version the
    project targets (the version detail is on the rule page). What to do is `help` (shown as
    "help:"; the fix's title instead when there is a fix), and every field given a node is a
    related location, labelled by its template in `related`."""

    severity: Severity
    text: str
    fix: FixSpec | None = None
    help: str | None = None  # when there is no fix; defaults to the fix's title
    related: Mapping[str, str] = field(default_factory=dict)  # field -> what the place is

    def at(self, facts: ModuleFacts, node: cst.CSTNode, edits: Edits | None = None, **fields: object) -> Finding:
        """A finding of this message at `node`; its fix when the message has one and `edits` could be made."""
        words = {name: facts.where(value) if isinstance(value, cst.CSTNode) else value
                 for name, value in fields.items()}
        proposal = None
        if self.fix is not None and edits is not None:
            proposal = Proposal(self.fix.applicability, self.fix.title.format(**words), edits.replacements,
                                edits.imports)
        if proposal is not None:
            title: str | None = proposal.title
        else:
            help = self.help if self.help is not None else self.fix.title if self.fix is not None else None
            title = help.format(**words) if help is not None else None
        related = tuple((value, self.related[name].format(**words)) for name, value in fields.items()
                        if isinstance(value, cst.CSTNode) and value is not node)
        return Finding(node, self.text.format(**words), self.severity, proposal, self, title, related)


@dataclass(frozen=True)
class Finding:
    node: cst.CSTNode  # what the diagnostic points at
    message: str
    severity: Severity
    fix: Proposal | None = None
    declared: Message | None = field(default=None, compare=False)  # what it was made from
    fix_title: str | None = None
    related: tuple[tuple[cst.CSTNode, str], ...] = ()  # (node, what it is)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity  # the most severe of its messages'
    summary: str  # one line, for indexes and SARIF
    check: Callable[[ModuleFacts], Iterable[Finding]]
    default_enabled: bool = True
    messages: tuple[Message, ...] = ()
    # What a file must contain for this rule to find anything, all of it (vocab/anchors.py derives the
    # words from the vocabulary): gate.py parses only files where some enabled rule's anchors are found.
    anchors: tuple[Anchor, ...] = ()

    @property
    def doc(self) -> str:
        """The docstring, with the paragraphs several rules share written in (shared_docs.py)."""
        from .shared_docs import expand

        return expand(inspect.cleandoc(self.check.__doc__ or ""))

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)

    @property
    def fix_safeties(self) -> frozenset[Applicability]:
        """How safe its fixes are, as declared."""
        return frozenset(m.fix.applicability for m in self.messages if m.fix is not None)


RULES: dict[str, Rule] = {}
Check = Callable[["ModuleFacts"], Iterable[Finding]]


def rule(code: str, name: str, summary: str, *messages: Message, default_enabled: bool = True,
         anchors: tuple[Anchor, ...] = ()) -> Callable[[Check], Check]:
    """Register a check as rule `code`, reporting only `messages`."""
    if not messages:
        raise ValueError(f"{code} declares no message")
    severity = ERROR if any(m.severity == ERROR for m in messages) else WARNING

    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"duplicate rule code {code}")
        RULES[code] = Rule(code, name, severity, summary, check, default_enabled, messages, anchors)
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
    from . import huggingface, keras, numerics, suppressions, torch, torchmetrics  # noqa: F401  (they register)

