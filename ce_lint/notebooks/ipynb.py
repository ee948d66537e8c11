""".ipynb files: read nbformat 4 JSON with the standard library, and write back edited cell sources
changing nothing else.

The JSON is walked once with the json module's own scanner, recording where each cell's `source`
value (and each of its lines) lies in the file's text. Writing a fix splices new text over the
edited cells' `source` values only: outputs, metadata, key order, indentation, the trailing newline
and the way non-ASCII text is written stay byte for byte; unchanged lines of an edited cell keep
their original bytes too. Outputs and attachments (most of a notebook's bytes) are stepped over
without being decoded: their strings and brackets must be whole, their other JSON is not checked.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..diagnostics import FileError
from . import Cell, Notebook

_BOM = b"\xef\xbb\xbf"
_WS = re.compile(r"[ \t\n\r]*")
_INDENT = re.compile(r"[ \t]*")
_DECODER = json.JSONDecoder()
_ESCAPED_NON_ASCII = re.compile(r"\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])")


@dataclass(frozen=True)
class _Source:
    """Where a cell's source value lies: its span, and for a list, each element's span."""

    start: int
    end: int
    elements: tuple[tuple[int, int], ...] | None  # None: the value is one string


class NotebookFile:
    """The text of an .ipynb file and where its cells' sources are, for writing fixes back."""

    def __init__(self, text: str, bom: bool, sources: list[_Source | None]) -> None:
        self.text = text
        self.bom = bom
        self.sources = sources  # by cell index

    def _file_line(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def file_line(self, cell: int, line: int) -> int | None:
        """The line of the file where line `line` of cell `cell` (both 1-based) is written."""
        source = self.sources[cell - 1] if 0 < cell <= len(self.sources) else None
        if source is None:
            return None
        if source.elements is None:
            return self._file_line(source.start)
        seen = 1
        for start, end in source.elements:
            value = _DECODER.decode(self.text[start:end])
            breaks = value.count("\n")
            if line <= seen + breaks - value.endswith("\n") or (start, end) == source.elements[-1]:
                return self._file_line(start)
            seen += breaks
        return self._file_line(source.start)

    def rewrite(self, sources: dict[int, str]) -> bytes:
        """The file with the given cells' (by number) sources replaced, and nothing else changed."""
        text = self.text
        ascii_only = not any(ord(c) > 127 for c in text) and bool(_ESCAPED_NON_ASCII.search(text))
        for number in sorted(sources, reverse=True):
            source = self.sources[number - 1]
            assert source is not None
            text = text[:source.start] + self._value(source, sources[number], ascii_only) + text[source.end:]
        return (_BOM if self.bom else b"") + text.encode("utf-8")

    def _value(self, source: _Source, new: str, ascii_only: bool) -> str:
        def dump(value: str) -> str:
            return json.dumps(value, ensure_ascii=ascii_only)

        if source.elements is None:
            return dump(new)
        raw = [self.text[s:e] for s, e in source.elements]
        old = [_DECODER.decode(r) for r in raw]
        lines = new.splitlines(keepends=True)  # as nbformat splits a source when it writes one
        if not lines:
            return "[]"
        out: list[str] = []
        matcher = difflib.SequenceMatcher(None, old, lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            out += raw[i1:i2] if tag == "equal" else [dump(line) for line in lines[j1:j2]]
        opening, closing, separator = self._layout(source)
        return "[" + opening + separator.join(out) + closing + "]"

    def _layout(self, source: _Source) -> tuple[str, str, str]:
        """The whitespace after '[', before ']', and between elements, as the file writes them."""
        elements = source.elements
        if elements:
            opening = self.text[source.start + 1:elements[0][0]]
            closing = self.text[elements[-1][1]:source.end - 1]
            if len(elements) > 1:
                separator = self.text[elements[0][1]:elements[1][0]]
            elif "\n" in opening:
                separator = "," + opening
            else:  # a list on one line: separated as the file separates values elsewhere
                between = re.search(r'",([ \t]*)"', self.text)
                separator = "," + (between.group(1) if between else " ")
            return opening, closing, separator
        line_start = self.text.rfind("\n", 0, source.start) + 1
        if line_start == 0:  # written on one line
            return "", "", ", "
        indent = _INDENT.match(self.text, line_start).group()  # type: ignore[union-attr]  # matches ""
        indented = re.search(r"\n([ \t]+)", self.text)
        step = indented.group(1) if indented else ""
        newline = "\r\n" if self.text[line_start - 2:line_start] == "\r\n" else "\n"
        return newline + indent + step, newline + indent, "," + newline + indent + step


def read(data: bytes) -> tuple[Notebook, NotebookFile]:
    """The notebook in an .ipynb file's bytes; FileError for anything but nbformat 4 JSON."""
    bom = data.startswith(_BOM)
    try:
        text = data[len(_BOM):].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileError(f"cannot decode notebook: {exc}") from None
    try:
        top, sources = _walk(text)
    except (ValueError, TypeError, IndexError) as exc:
        raise FileError(f"not a valid notebook: {exc}") from None
    if not isinstance(top, dict):
        raise FileError("not a valid notebook: the file is not a JSON object")
    version = top.get("nbformat")
    if version != 4:
        shown = f"nbformat {version}" if isinstance(version, int) else "a file without an nbformat version"
        raise FileError(f"{shown} is not supported: ce-lint reads nbformat 4 notebooks "
                        f"(`jupyter nbconvert --to notebook` upgrades older ones)")
    raw_cells = top.get("cells")
    if not isinstance(raw_cells, list):
        raise FileError("not a valid notebook: no list of cells")
    cells = []
    for number, cell in enumerate(raw_cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise FileError(f"not a valid notebook: cell {number} has no cell_type")
        source = cell.get("source")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise FileError(f"not a valid notebook: cell {number} has no source")
        cells.append(Cell(number, cell["cell_type"], source, _cell_language(cell)))
    return Notebook(cells, _language(top.get("metadata"))), NotebookFile(text, bom, sources)


def _language(metadata: object) -> str | None:
    if not isinstance(metadata, dict):
        return None
    for key, name in (("language_info", "name"), ("kernelspec", "language")):
        table = metadata.get(key)
        found = table.get(name) if isinstance(table, dict) else None
        if isinstance(found, str) and found.strip():
            return found
    return None


def _cell_language(cell: dict[str, object]) -> str | None:
    """A cell's own language, as VS Code records it for cells of another language."""
    metadata = cell.get("metadata")
    vscode = metadata.get("vscode") if isinstance(metadata, dict) else None
    language = vscode.get("languageId") if isinstance(vscode, dict) else None
    return language if isinstance(language, str) else None


# -- the walk ----------------------------------------------------------------------------------


def _skip(text: str, i: int) -> int:
    return _WS.match(text, i).end()  # type: ignore[union-attr]  # it matches the empty string


def _walk(text: str) -> tuple[object, list[_Source | None]]:
    """json.loads(text), and where each cell's source value lies (by cell index)."""
    sources: list[_Source | None] = []

    def source(key: str, i: int) -> tuple[object, int]:
        if key in _NEVER_READ and text.startswith(("[", "{"), i):
            return None, _skip_value(text, i)
        value, end = _DECODER.raw_decode(text, i)
        if key == "source":
            elements: list[tuple[int, int]] | None = None
            if isinstance(value, list):
                elements = []
                _array(text, i, lambda j: _string(text, j, elements))
            sources[-1] = _Source(i, end, None if elements is None else tuple(elements))
        return value, end

    def cell(i: int) -> tuple[object, int]:
        sources.append(None)
        if text.startswith("{", i):
            return _object(text, i, source)
        return _DECODER.raw_decode(text, i)

    def member(key: str, i: int) -> tuple[object, int]:
        if key == "cells" and text.startswith("[", i):
            return _array(text, i, cell)
        return _DECODER.raw_decode(text, i)

    i = _skip(text, 0)
    value, end = _object(text, i, member) if text.startswith("{", i) else _DECODER.raw_decode(text, i)
    if _skip(text, end) != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value, sources


# A cell's outputs and attachments (plots, logs: most of a notebook's bytes) are stepped over, not
# decoded: finding where a string ends is a memchr-speed search, decoding it is not.
_NEVER_READ = frozenset({"outputs", "attachments"})
_STRUCTURE = re.compile(r'["\[\]{}]')


def _skip_value(text: str, i: int) -> int:
    """The end of the array or object starting at text[i], its strings stepped over unread."""
    depth = 0
    while True:
        found = _STRUCTURE.search(text, i)
        if found is None:
            raise json.JSONDecodeError("Unterminated value", text, i)
        char, i = found.group(), found.end()
        if char == '"':
            end = text.find('"', i)
            while end != -1 and _escaped(text, end):
                end = text.find('"', end + 1)
            if end == -1 or text.find("\n", i, end) != -1:
                raise json.JSONDecodeError("Unterminated string", text, i - 1)
            i = end + 1
        elif char in "[{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return i


def _escaped(text: str, at: int) -> bool:
    """Whether the character at `at` follows an odd number of backslashes."""
    before = at
    while before > 0 and text[before - 1] == "\\":
        before -= 1
    return (at - before) % 2 == 1


def _string(text: str, i: int, spans: list[tuple[int, int]]) -> tuple[object, int]:
    value, end = _DECODER.raw_decode(text, i)
    spans.append((i, end))
    return value, end


def _object(text: str, i: int, value: Callable[[str, int], tuple[object, int]]) -> tuple[dict[str, object], int]:
    """The object starting at text[i] ('{'), each member's value read by `value(key, offset)`."""
    result: dict[str, object] = {}
    i = _skip(text, i + 1)
    if text.startswith("}", i):
        return result, i + 1
    while True:
        if not text.startswith('"', i):
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, i)
        key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
        i = _skip(text, i)
        if not text.startswith(":", i):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, i)
        result[key], i = value(key, _skip(text, i + 1))
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
        elif text.startswith("}", i):
            return result, i + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)


def _array(text: str, i: int, item: Callable[[int], tuple[object, int]]) -> tuple[list[object], int]:
    """The array starting at text[i] ('['), each element read by `item(offset)`."""
    result: list[object] = []
    i = _skip(text, i + 1)
    if text.startswith("]", i):
        return result, i + 1
    while True:
        value, i = item(i)
        result.append(value)
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
        elif text.startswith("]", i):
            return result, i + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
