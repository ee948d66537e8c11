"""CE902 unused-noqa: `# noqa: CE...` comments that suppress nothing (as Ruff's RUF100; off by default).

The rule needs the findings of every other rule, suppressed ones included, so the engine runs it
after them (`engine._report_unused_noqa`); its `check` over the facts finds nothing by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .. import catalog
from ..diagnostics import Diagnostic, Edit, Fix
from ..lines import split_lines
from ..noqa import Directive, directives
from . import WARNING, Finding, Message, rule, safe

if TYPE_CHECKING:
    from ..facts import ModuleFacts

CODE = "CE902"
_TEXT = "unused `noqa` directive ({details})"
CE902_CODES = Message(WARNING, _TEXT, safe("Remove unused codes from `noqa`"))  # the others stay
CE902_DIRECTIVE = Message(WARNING, _TEXT, safe("Remove unused `noqa` directive"))
_NOT_READ = "; only the first `noqa` of a statement is read"


@rule(CODE, "unused-noqa", "a `# noqa: CE...` comment that suppresses nothing", CE902_CODES, CE902_DIRECTIVE,
      default_enabled=False)
def unused_noqa_rule(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `# noqa` comments naming ce-lint codes (`# noqa: CE102`, or a prefix such as
    `CE1`) under which nothing is reported on the lines the comment covers, and for codes that
    name no ce-lint rule. Off by default; enable it with `--extend-select CE902`.

    Only the CE codes of a comment are judged: a blanket `# noqa` and other tools' codes
    (`E501`) are left alone. A code is judged only when this run could have reported it: a
    `# noqa: CE201` in a run that selects only `CE1` is not called unused.

    ## Why is this bad?
    A suppression outlives the finding it was written for: once the model is fixed, the comment
    stays, and the next real mistake on that line is silenced without anyone noticing. Codes that
    name no rule (a typo such as `CE1O2`) never suppressed anything.

    ## Example
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")  # noqa: CE102
    ```

    ## Use instead
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Fix safety
    Safe: the fix only edits the comment. It removes the unused codes, keeps the others
    (`# noqa: E501, CE102` becomes `# noqa: E501`), and removes the whole `# noqa` when nothing
    is left; the rest of the comment stays.

    ## References
    - [Ruff: unused-noqa (RUF100)](https://docs.astral.sh/ruff/rules/unused-noqa/)
    - [flake8: selecting and ignoring violations, in-line ignoring](https://flake8.pycqa.org/en/latest/user/violations.html#in-line-ignoring-errors)
    """
    return iter(())


def _judged(code: str, enabled: list[str]) -> str | None:
    """'unused', 'unknown', or None for a code this run can't judge."""
    if not code.startswith("CE") or CODE.startswith(code):  # other tools' codes; CE902 itself
        return None
    if any(c.startswith(code) for c in enabled):
        return "unused"
    if not any(c.startswith(code) for c in catalog.RULES):  # every rule's, loaded or not
        return "unknown"
    return None  # names only rules this run doesn't check


def unused_noqa(source: str, path: str, found: set[tuple[int, str]], enabled: list[str]) -> Iterable[Diagnostic]:
    """The CE902 diagnostics of a module, given (line, code) of every finding of the enabled rules."""
    lines = split_lines(source)
    for directive in directives(source):
        hits = {code for line, code in found if line in directive.lines} if directive.effective else set()
        verdicts = {c: _judged(c, enabled) for c in directive.codes
                    if not any(h == c or h.startswith(c) for h in hits)}
        bad = [c for c, verdict in verdicts.items() if verdict]
        if not bad:
            continue
        unused = [c for c in bad if verdicts[c] == "unused"]
        unknown = [c for c in bad if verdicts[c] == "unknown"]
        details = "; ".join(part for part in (f"unused: {', '.join(unused)}" if unused else "",
                                              f"unknown: {', '.join(unknown)}" if unknown else "") if part)
        keep = [c for c in directive.codes if c not in bad]
        declared = CE902_CODES if keep else CE902_DIRECTIVE
        message = declared.text.format(details=details) + ("" if directive.effective else _NOT_READ)
        yield Diagnostic(path, directive.line, directive.col, directive.line, directive.end_col, CODE,
                         message, declared.severity, _fix(declared, lines[directive.line - 1], directive, keep),
                         fix_title=declared.fix.title if declared.fix is not None else None)


def _fix(declared: Message, text: str, directive: Directive, keep: list[str]) -> Fix | None:
    if declared.fix is None:
        return None
    if keep:
        edit = Edit(f"# noqa: {', '.join(keep)}", directive.line, directive.col, directive.line, directive.end_col)
    else:
        rest = text[directive.end_col:].strip()
        if rest and not rest.startswith("#"):  # `# noqa: CE102 explanation`: keep the explanation as a comment
            edit = Edit("#", directive.line, directive.col, directive.line, directive.end_col)
        else:  # drop the directive with the blanks before it
            start = len(text[:directive.col].rstrip())
            edit = Edit("", directive.line, start, directive.line, directive.end_col)
    return Fix(declared.fix.applicability, declared.fix.title, (edit,))
