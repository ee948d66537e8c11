"""`# noqa` suppression with flake8's semantics, so the command and the flake8 plugin agree.

As flake8 does, a comment is searched for in the text of the whole token run a line belongs to
(up to the next NEWLINE/NL token), so a `# noqa` on any line of a multi-line string covers it all.
"""

from __future__ import annotations

import io
import re
import tokenize

NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)


def _line_texts(source: str) -> dict[int, str]:
    lines = source.splitlines(keepends=True)
    mapping: dict[int, str] = {}
    start, end = len(lines) + 2, -1
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            start, end = min(start, token.start[0]), max(end, token.end[0])
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                joined = "".join(lines[start - 1:end])
                mapping.update(dict.fromkeys(range(start, end + 1), joined))
                start, end = len(lines) + 2, -1
    except (tokenize.TokenError, SyntaxError):
        return {}
    return mapping


class Suppressions:
    """Answers whether a code is suppressed on a line."""

    def __init__(self, source: str) -> None:
        self._texts = _line_texts(source) if "noqa" in source.lower() else {}

    def codes_on(self, line: int) -> frozenset[str] | None:
        """None: no noqa; empty: a blanket noqa; else the codes (prefixes) listed."""
        text = self._texts.get(line)
        match = NOQA.search(text) if text else None
        if match is None:
            return None
        codes = match.group("codes")
        return frozenset(c for c in re.split(r"[,\s]+", codes.strip().upper()) if c) if codes else frozenset()

    def suppressed(self, line: int, code: str) -> bool:
        codes = self.codes_on(line)
        return codes is not None and (not codes or code in codes or code.startswith(tuple(codes)))
