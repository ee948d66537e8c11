"""Line and column of nodes, as libcst's PositionProvider gives them (syntactic positions: 1-based
lines, 0-based columns), computed in one lean pass of code generation when a finding first needs
one. libcst's provider builds a CodeRange for every node of the module, which costs more than the
parse; this keeps plain tuples and makes a CodeRange only for the nodes asked for. Imported only
when a file has a finding (it needs libcst loaded).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.internal import CodegenState  # what CSTNode._codegen writes to
from libcst.metadata import CodePosition, CodeRange

_NEWLINE = re.compile(r"\r\n?|\n")  # libcst's

Span = tuple[int, int, int, int]  # line, column, end line, end column


class _State(CodegenState):
    """Code generation that writes nothing and only counts lines and columns (position_provider.py's rules)."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line, self.column = 1, 0
        self.starts: list[tuple[int, int]] = []
        self.spans: dict[cst.CSTNode, Span] = {}

    def _advance(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = _NEWLINE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        if not self.tokens:  # Module's code generation asks whether any was written, nothing more
            self.tokens.append(value)
        self._advance(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        line, column = self.starts.pop()
        if node not in self.spans:  # the syntactic position, when recorded, stands
            self.spans[node] = (line, column, self.line, self.column)

    @contextmanager
    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> Iterator[None]:
        line, column = self.line, self.column
        try:
            yield
        finally:
            end_line, end_column = self.line, self.column
            if start_node is not None:
                line, column = self.spans[start_node][:2]
            if end_node is not None:
                end_line, end_column = self.spans[end_node][2:]
            self.spans[node] = (line, column, end_line, end_column)


class Positions:
    """The positions of one module's nodes, computed on first use."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._spans: dict[cst.CSTNode, Span] | None = None

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        if self._spans is None:
            self._spans = spans_of(self.module)
        return code_range(self._spans[node])


def spans_of(module: cst.Module) -> dict[cst.CSTNode, Span]:
    """The span of every node of the module (incremental.py's chunks keep theirs)."""
    state = _State(module)
    module._codegen(state)
    return state.spans


def code_range(span: Span, lines: int = 0) -> CodeRange:
    """A span as libcst's CodeRange, `lines` further down."""
    line, column, end_line, end_column = span
    return CodeRange(CodePosition(line + lines, column), CodePosition(end_line + lines, end_column))
