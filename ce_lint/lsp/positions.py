"""Positions in a document as the core counts them (1-based lines, code-point columns) and as the
client does (0-based lines, columns in its negotiated encoding: UTF-16 unless it offers another),
and the minimal text edits between two versions of a text."""

from __future__ import annotations

import bisect
import difflib

from lsprotocol import types as lsp

from ..lines import line_starts


class Text:
    """One version of a document: offsets, core positions (1-based line, code-point column) and
    LSP positions (0-based line, column in the client's code units)."""

    def __init__(self, source: str, encoding: str = lsp.PositionEncodingKind.Utf16.value) -> None:
        self.source = source
        self.starts = line_starts(source)
        self.encoding = str(encoding)

    def offset(self, line: int, col: int) -> int:
        """Offset of a core position (clamped to the text)."""
        if line - 1 >= len(self.starts):
            return len(self.source)
        return min(self.starts[max(line, 1) - 1] + max(col, 0), self.line_end(line - 1))

    def line_end(self, index: int) -> int:
        """Offset of the end of line `index` (0-based), before its line break."""
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.source)
        while end > self.starts[index] and self.source[end - 1] in "\r\n":
            end -= 1
        return end

    def units(self, text: str) -> int:
        if self.encoding == lsp.PositionEncodingKind.Utf8.value:
            return len(text.encode("utf-8", "surrogatepass"))
        if self.encoding == lsp.PositionEncodingKind.Utf32.value:
            return len(text)
        return len(text.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, offset: int) -> lsp.Position:
        index = bisect.bisect_right(self.starts, offset) - 1
        return lsp.Position(line=index, character=self.units(self.source[self.starts[index]:offset]))

    def range(self, start: int, end: int) -> lsp.Range:
        return lsp.Range(start=self.position(start), end=self.position(end))


def minimal_edit(text: Text, start: int, end: int, content: str) -> lsp.TextEdit | None:
    """The replacement of text[start:end] by content, with the common prefix and suffix left out;
    None when nothing changes. A CRLF pair is never split."""
    old = text.source[start:end]
    if old == content:
        return None
    prefix = 0
    limit = min(len(old), len(content))
    while prefix < limit and old[prefix] == content[prefix]:
        prefix += 1
    suffix = 0
    limit -= prefix
    while suffix < limit and old[len(old) - 1 - suffix] == content[len(content) - 1 - suffix]:
        suffix += 1
    if prefix and old[prefix - 1] == "\r" and prefix < len(old) and old[prefix] == "\n":
        prefix -= 1
    if suffix and old[len(old) - suffix] == "\n" and len(old) - suffix > prefix and old[len(old) - suffix - 1] == "\r":
        suffix -= 1
    return lsp.TextEdit(range=text.range(start + prefix, end - suffix),
                        new_text=content[prefix:len(content) - suffix])


def diff_edits(text: Text, new_source: str) -> list[lsp.TextEdit]:
    """Minimal edits turning text into new_source: changed line blocks, each trimmed to what differs."""
    old_lines = [text.source[s:e] for s, e in zip(text.starts, text.starts[1:] + [len(text.source)])]
    new_starts = line_starts(new_source)
    new_lines = [new_source[s:e] for s, e in zip(new_starts, new_starts[1:] + [len(new_source)])]
    bounds = text.starts + [len(text.source)]
    edits = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edit = minimal_edit(text, bounds[i1], bounds[i2], "".join(new_lines[j1:j2]))
            if edit is not None:
                edits.append(edit)
    return edits
