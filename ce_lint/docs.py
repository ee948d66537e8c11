"""Rule pages, generated from the rules themselves and the version matrix: `python -m ce_lint.docs`
rewrites docs/rules/ and docs/version-matrix.md."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from . import version_matrix
from .rules import Rule, all_rules

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs" / "rules"


def render_page(rule: Rule) -> str:
    default = "enabled by default" if rule.default_enabled else "off by default (enable with --extend-select)"
    header = (f"# {rule.code}: {rule.name}\n\n"
              f"*{rule.summary[0].upper()}{rule.summary[1:]}.* Severity: {rule.severity.value}; {default}.\n\n")
    doc = rule.doc.strip() + "\n"
    section = version_matrix.rule_section(rule.code)
    if section:  # generated from the version matrix, before the examples
        at = doc.find("## Example")
        doc = doc[:at] + section + "\n" + doc[at:] if at >= 0 else doc + "\n" + section
    return header + doc


def render_index() -> str:
    lines = ["# ce-lint rules", "", "| code | name | severity | default | what it finds |", "|---|---|---|---|---|"]
    for rule in all_rules():
        lines.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity.value} | "
                     f"{'on' if rule.default_enabled else 'off'} | {rule.summary} |")
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name -> content of every generated page."""
    out = {f"{r.code}.md": render_page(r) for r in all_rules()}
    out["index.md"] = render_index()
    return out


def code_blocks(rule: Rule, section: str) -> list[str]:
    """The python code blocks of a section ("Example", "Use instead") of a rule's page."""
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", rule.doc, re.S | re.M)
    return re.findall(r"```python\n(.*?)```", match.group(1), re.S) if match else []


def main() -> int:
    DOCS_DIR.mkdir(parents=True, exist_ok=True)
    for name, content in pages().items():
        (DOCS_DIR / name).write_text(content, encoding="utf-8")
    version_matrix.MATRIX_PAGE.write_text(version_matrix.render_page(), encoding="utf-8")
    print(f"wrote {len(pages())} pages to {DOCS_DIR} and {version_matrix.MATRIX_PAGE.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
