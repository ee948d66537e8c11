"""Parsing by top-level statements: libcst parses a text statement by statement faster, and in far
less memory, than whole (every run does so); the language server keeps the parts, so that after an
edit only the top-level statements whose text changed are parsed again.

The text is cut into chunks at the lines where top-level statements start (decorators included;
statements sharing a line stay together; what comes before the first statement goes with it), as
Python's own tree, which every analysis builds first, tells. Each chunk is parsed by libcst on its own
and kept, by its text, in a cache bounded by the text it holds; the module the analysis reads is
assembled from the chunks' statements. It is the module libcst builds from the whole text: a chunk's
trailing comments and blank lines, its module footer when parsed alone, are the next statement's leading
lines in the whole module (libcst gives a block's deeper-indented trailing lines to the block either
way), and the module's header, footer and defaults (indent, newline) are those the whole text gives.
Whatever could make the two differ (a chunk that libcst refuses, chunks that disagree on the
defaults, a line between statements that is neither blank nor a comment) sends the text to libcst
whole, as the command always does. Positions are each chunk's own, shifted by its first line; the
node budget (limits.py) is counted per chunk and cached with it.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict

import libcst as cst
from libcst.metadata import CodeRange

from . import limits
from .diagnostics import FileError
from .facts import positions
from .lines import line_starts

# What may stand between a chunk's last statement and the next chunk: blank lines and comments.
_GAP = re.compile(r"(?:[ \t\f]*(?:#[^\r\n]*)?(?:\r\n|\r|\n))*[ \t\f]*(?:#[^\r\n]*)?")

# Characters of chunk text the cache holds: libcst's trees of a 240,000-character file take 21 MiB.
MAX_TEXT = 1_000_000

_TOO_BIG = -1  # a chunk's node count when it alone is over the budget

Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement
Lines = tuple[cst.EmptyLine, ...]


class _Chunk:
    """One chunk's text and what is known of it: its node count, its libcst tree, the positions in it."""

    __slots__ = ("indented", "joined", "module", "nodes", "spans", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.nodes: int | None = None
        self.module: cst.Module | None = None
        self.indented = False  # has an indented block: its default indent is the one libcst detected
        self.spans: dict[cst.CSTNode, positions.Span] | None = None
        self.joined: tuple[Lines, Statement] | None = None  # (leading lines, first statement with them)

    def parse(self) -> cst.Module:
        if self.module is None:
            self.module = parse_text(self.text)
            self.indented = any(_indented(s) for s in self.module.body)
        return self.module

    def first_with(self, leading: Lines) -> Statement:
        """The chunk's first statement with the previous chunk's trailing lines leading it."""
        if self.joined is None or self.joined[0] is not leading:
            first = self.parse().body[0]
            self.joined = (leading, first.with_changes(leading_lines=(*leading, *first.leading_lines)))
        return self.joined[1]

    def spans_of(self) -> dict[cst.CSTNode, positions.Span]:
        if self.spans is None:
            self.spans = positions.spans_of(self.parse())
        return self.spans


def parse_text(text: str) -> cst.Module:
    """cst.parse_module without the check libcst makes of every node it builds (a seventh of its
    parse): the nodes the parser builds from text Python accepts hold only what the text says. Nodes
    built by hand (fixes) are still checked, and a fixed text is parsed the usual way (core.py)."""
    node = cst.CSTNode
    checked = node.__dict__[_CHECK]
    if checked is _unchecked:  # another thread is parsing: the check is off already
        return cst.parse_module(text)
    setattr(node, _CHECK, _unchecked)
    try:
        return cst.parse_module(text)
    finally:
        setattr(node, _CHECK, checked)


_CHECK = "__post_init__"  # libcst's dataclasses call it to validate each node


def _unchecked(self: cst.CSTNode) -> None:
    pass


def _indented(node: cst.CSTNode) -> bool:
    """Whether a statement has an indented block (the whole module's default indent is that of the
    first indented block in it)."""
    if isinstance(node, (cst.IndentedBlock, cst.Match)):
        return True
    for name in ("body", "orelse", "handlers", "finalbody"):
        value = getattr(node, name, None)
        for part in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(part, (cst.BaseCompoundStatement, cst.IndentedBlock, cst.Else, cst.Finally,
                                 cst.ExceptHandler, cst.ExceptStarHandler)) and _indented(part):
                return True
    return False


class Chunks:
    """A server's parsed chunks, by text; the least recently used go first when they hold more than
    `limit` characters. A text that occurs twice in a file is two chunks (each node in one place)."""

    def __init__(self, limit: int = MAX_TEXT) -> None:
        self.limit = limit
        self._chunks: OrderedDict[tuple[str, int], _Chunk] = OrderedDict()
        self._size = 0

    def split(self, source: str, tree: ast.Module) -> Split | None:
        """The text cut into chunks (those already cached, reused), or None when its cuts can't be
        trusted to give libcst's whole-text module."""
        starts = line_starts(source)
        pieces: list[tuple[int, int, list[ast.stmt]]] = []  # first line, last statement's end line, statements
        for statement in tree.body:
            first = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", ())])
            end = statement.end_lineno or statement.lineno
            if pieces and first <= pieces[-1][1]:  # on the line where the previous one ends
                start, last, statements = pieces[-1]
                pieces[-1] = (start, max(last, end), [*statements, statement])
            else:
                pieces.append((first, end, [statement]))
        if not pieces:
            pieces = [(1, 1, [])]
        placed: list[tuple[int, _Chunk, list[ast.stmt]]] = []
        seen: dict[str, int] = {}
        for index, (first, end, statements) in enumerate(pieces):
            begin = 0 if index == 0 else starts[first - 1]
            stop = starts[pieces[index + 1][0] - 1] if index + 1 < len(pieces) else len(source)
            gap = starts[end] if end < len(starts) else len(source)
            if (index and source[begin] in " \t\f") or not _GAP.fullmatch(source, min(gap, stop), stop):
                return None
            text = source[begin:stop]
            key = (text, seen.get(text, 0))
            seen[text] = key[1] + 1
            chunk = self._chunks.get(key)
            if chunk is None:
                chunk = self._chunks[key] = _Chunk(text)
                self._size += len(text)
            else:
                self._chunks.move_to_end(key)
            placed.append((0 if index == 0 else first - 1, chunk, statements))
        while self._size > self.limit and len(self._chunks) > len(placed):
            _, dropped = self._chunks.popitem(last=False)
            self._size -= len(dropped.text)
        return Split(source, tree, placed)


class Split:
    """One text as chunks: its budget check, its module and the positions in it, as for the whole text."""

    def __init__(self, source: str, tree: ast.Module, placed: list[tuple[int, _Chunk, list[ast.stmt]]]) -> None:
        self.source = source
        self._tree: ast.Module | None = tree
        self.chunks = [(lines, chunk) for lines, chunk, _ in placed]
        self._statements: list[list[ast.stmt]] | None = [statements for _, _, statements in placed]
        self.whole = False  # the module came from libcst's parse of the whole text
        self.joined: dict[cst.CSTNode, cst.CSTNode] = {}  # a first statement given leading lines -> the chunk's

    def check_budget(self) -> None:
        """limits.check_budget of the whole tree, counted per chunk (a chunk's count is kept)."""
        nodes = 1
        assert self._tree is not None and self._statements is not None, "checked before parse()"
        for (_, chunk), statements in zip(self.chunks, self._statements):
            if chunk.nodes is None:
                try:
                    chunk.nodes = limits.statement_nodes(statements)
                except FileError:
                    chunk.nodes = _TOO_BIG
            if chunk.nodes == _TOO_BIG:
                break
            nodes += chunk.nodes
        else:
            if nodes <= limits.MAX_NODES:
                return
        limits.check_budget(self._tree)  # over it: the whole tree's check says where, as without chunks

    def parse(self) -> cst.Module:
        """The module of the whole text, as cst.parse_module gives it (and raising what it raises)."""
        self._tree = self._statements = None  # Python's tree is not needed any more
        try:
            modules = [chunk.parse() for _, chunk in self.chunks]
        except (cst.ParserSyntaxError, cst.CSTValidationError, RecursionError):
            return self._parse_whole()
        first, last = modules[0], modules[-1]
        indent = next((m.default_indent for (_, c), m in zip(self.chunks, modules) if c.indented), first.default_indent)
        if any(m.default_newline != first.default_newline or (c.indented and m.default_indent != indent)
               or (m is not first and m.header) for (_, c), m in zip(self.chunks, modules)):
            return self._parse_whole()
        body: list[Statement] = []
        leading: Lines = ()
        for (_, chunk), module in zip(self.chunks, modules):
            statements = list(module.body)
            if leading and statements:
                statements[0] = chunk.first_with(leading)
                self.joined[statements[0]] = module.body[0]
            body.extend(statements)
            leading = tuple(module.footer) if statements else (*leading, *module.footer)
        return cst.Module(body=body, header=first.header, footer=last.footer, encoding=first.encoding,
                          default_indent=indent, default_newline=first.default_newline,
                          has_trailing_newline=last.has_trailing_newline)

    def _parse_whole(self) -> cst.Module:
        self.whole = True
        return parse_text(self.source)

    def positions(self, module: cst.Module) -> Positions | None:
        """The positions in the module parse() gave (None when libcst parsed the whole text)."""
        return None if self.whole else Positions(self, module)


class Positions:
    """Positions in an assembled module: a node's chunk's own, shifted by the lines above the chunk.
    The first few nodes asked for are looked for chunk by chunk, those whose positions are known first
    (a few findings at the end of a long file, after an edit, compute little); after that, every
    chunk's are indexed at once (a file with thousands of findings would search every chunk each time)."""

    _FEW = 32  # nodes looked for chunk by chunk

    def __init__(self, split: Split, module: cst.Module) -> None:
        self.split = split
        self.module = module
        self._whole: positions.Positions | None = None
        chunks = split.chunks
        self._order = [c for c in chunks if c[1].spans is not None] + [c for c in chunks if c[1].spans is None]
        self._asked = 0
        self._index: dict[cst.CSTNode, tuple[positions.Span, int]] | None = None

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        node = self.split.joined.get(node, node)
        self._asked += 1
        if self._asked <= self._FEW:
            for lines, chunk in self._order:
                span = chunk.spans_of().get(node)
                if span is not None:
                    return positions.code_range(span, lines)
        else:
            if self._index is None:
                self._index = {n: (span, lines) for lines, chunk in self._order for n, span in chunk.spans_of().items()}
            found = self._index.get(node)
            if found is not None:
                return positions.code_range(*found)
        if self._whole is None:  # a node of no chunk (the module itself): from the whole module
            self._whole = positions.Positions(self.module)
        return self._whole[node]
