"""Lines as Python counts them: a line ends at `\\n`, `\\r\\n` or `\\r`, and nowhere else.

`str.splitlines` also breaks at form feed, `\\x1c`-`\\x1e`, `\\x85` and U+2028, which the tokenizer,
libcst, flake8 and the language server protocol treat as ordinary characters; a `# noqa` or a fix
placed by it would land on the wrong line. Every line number ce-lint reads or writes comes from here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NEWLINE = re.compile(r"\r\n|\r|\n")


def line_starts(source: str) -> list[int]:
    """The offset at which each line begins (the first is 0); a text ending in a newline has an
    empty last line after it, as an editor shows."""
    return [0] + [match.end() for match in NEWLINE.finditer(source)]


def split_lines(source: str, keepends: bool = False) -> list[str]:
    """`source.splitlines(keepends)`, breaking only where Python does."""
    starts = line_starts(source)
    ends = starts[1:] + [len(source)]
    lines = [source[start:end] for start, end in zip(starts, ends)]
    if lines and not lines[-1]:
        lines.pop()  # as splitlines: no empty line after a final newline
    return lines if keepends else [NEWLINE.sub("", line) for line in lines]


def tokenizer_readline(source: str) -> Callable[[], str]:
    """A readline for `tokenize.generate_tokens` over `source`. Each line break becomes `\\n`, which
    keeps every line and column and lets the tokenizer of every Python version read a file whose
    lines end in a lone `\\r` (3.11's reports each as an error token)."""
    lines = iter(split_lines(NEWLINE.sub("\n", source) if "\r" in source else source, keepends=True))
    return lambda: next(lines, "")
