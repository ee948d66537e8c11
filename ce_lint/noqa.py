"""`# noqa` suppression with flake8's semantics, so the command and the flake8 plugin agree.

As flake8 does, a comment is searched for in the text of the whole token run a line belongs to
(up to the next NEWLINE/NL token), so a `# noqa` on any line of a multi-line string covers it all.
A comment alone on its line, `# ce-lint: noqa` (or flake8's `# flake8: noqa`, as Ruff reads it)
exempts the whole file; `# ce-lint: noqa: CE104` exempts it from those codes (prefixes) only.
"""

from __future__ import annotations

import functools
import re
import tokenize
from dataclasses import dataclass

from .diagnostics import Edit, Fix
from .lines import split_lines, tokenizer_readline

NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
FILE_NOQA = re.compile(
    r"#\s*(?:ce-lint|flake8)\s*:\s*noqa(?:\s*:\s*(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?\s*$", re.IGNORECASE)


@functools.lru_cache(maxsize=2)  # add-noqa asks for a text's runs and its directives in turn
def _runs(source: str) -> tuple[tuple[int, int, tuple[tokenize.TokenInfo, ...]], ...]:
    """The token runs (up to each NEWLINE/NL token) of the source: first line, last line, comments.
    None at all when the source doesn't tokenize."""
    runs = []
    start, end, comments = None, -1, []
    try:
        for token in tokenize.generate_tokens(tokenizer_readline(source)):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            start = token.start[0] if start is None else start
            end = max(end, token.end[0])
            if token.type == tokenize.COMMENT:
                comments.append(token)
            elif token.type in (tokenize.NL, tokenize.NEWLINE):
                runs.append((start, end, tuple(comments)))
                start, end, comments = None, -1, []
    except (tokenize.TokenError, SyntaxError):
        return ()
    return tuple(runs)


def _line_texts(source: str) -> dict[int, str]:
    lines = split_lines(source, keepends=True)
    mapping: dict[int, str] = {}
    for start, end, _ in _runs(source):
        mapping.update(dict.fromkeys(range(start, end + 1), "".join(lines[start - 1:end])))
    return mapping


def _ordered(codes: str) -> tuple[str, ...]:
    """The codes of a `noqa: ...` list, upper-cased, in order."""
    return tuple(c for c in re.split(r"[,\s]+", codes.strip().upper()) if c)


def _codes(text: str) -> frozenset[str]:
    return frozenset(_ordered(text))


def file_exemption(source: str) -> frozenset[str] | None:
    """What the file-level comments exempt the file from: None, nothing; empty, everything; else the
    codes (prefixes) listed. Only comments that stand alone on their line count, as in Ruff."""
    if "noqa" not in source.lower():
        return None
    found: set[str] = set()
    everything = False
    for token in (comment for *_, comments in _runs(source) for comment in comments):
        if not token.line[:token.start[1]].strip():
            match = FILE_NOQA.match(token.string)
            if match is not None:
                codes = match.group("codes")
                everything = everything or not codes
                found |= _codes(codes) if codes else set()
    if everything:
        return frozenset()
    return frozenset(found) if found else None


class Suppressions:
    """Answers whether a code is suppressed on a line (or in the whole file)."""

    def __init__(self, source: str) -> None:
        self._texts = _line_texts(source) if "noqa" in source.lower() else {}
        self.file = file_exemption(source)

    def exempt(self, code: str) -> bool:
        """Whether a file-level comment exempts the file from `code`."""
        return self.file is not None and (not self.file or code.startswith(tuple(self.file)))

    def codes_on(self, line: int) -> frozenset[str] | None:
        """None: no noqa; empty: a blanket noqa; else the codes (prefixes) listed."""
        text = self._texts.get(line)
        match = NOQA.search(text) if text else None
        if match is None:
            return None
        codes = match.group("codes")
        return frozenset(c for c in re.split(r"[,\s]+", codes.strip().upper()) if c) if codes else frozenset()

    def suppressed(self, line: int, code: str) -> bool:
        if self.exempt(code):
            return True
        codes = self.codes_on(line)
        return codes is not None and (not codes or code in codes or code.startswith(tuple(codes)))

    def forbids(self, fix: Fix, code: str) -> bool:
        """Whether an edit of the fix touches a line on which `code` is suppressed: a fix spanning
        several lines must not rewrite one that a `# noqa` protects."""
        return any(self.suppressed(line, code) for edit in fix.edits for line in _touched(edit))


def _touched(edit: Edit) -> range:
    """The lines an edit changes; an insertion at the start of a line changes none (the line moves down
    whole)."""
    if (edit.line, edit.col) == (edit.end_line, edit.end_col) and edit.col == 0:
        return range(0)
    return range(edit.line, edit.end_line + 1)


@dataclass(frozen=True)
class Directive:
    """A `# noqa: CODES` comment naming codes: where it is and the lines (its token run) it covers."""

    line: int
    col: int  # 0-based, the '#' of the noqa comment
    end_col: int  # after the last code
    codes: tuple[str, ...]  # as written, upper-cased, in order
    lines: range
    effective: bool  # the first noqa of its run: flake8 (and ce-lint) read only that one


def directives(source: str) -> list[Directive]:
    """Every `# noqa` comment that lists codes (blanket `# noqa` comments are left out)."""
    if "noqa" not in source.lower():
        return []
    found: list[Directive] = []
    for start, end, comments in _runs(source):
        effective = True
        for token in comments:
            match = NOQA.search(token.string)
            if match is None:
                continue
            codes = match.group("codes")
            if codes:
                found.append(Directive(token.start[0], token.start[1] + match.start(),
                                       token.start[1] + match.start() + len(match.group().rstrip(", \t")),
                                       _ordered(codes),
                                       range(start, end + 1), effective))
            effective = False
    return found


def run_ends(source: str) -> dict[int, int]:
    """For each line, the last line of the token run it belongs to: where flake8 looks for its
    `# noqa` (a multi-line string's, a bracketed expression's last line)."""
    ends: dict[int, int] = {}
    for start, end, _ in _runs(source):
        ends.update(dict.fromkeys(range(start, end + 1), end))
    return ends
