"""What the server holds for each open file: a snapshot of it (a script's document, or a notebook's
cells), the analysis of one state of it with one set of settings (shared by publishing, pulling and
code actions, so the same text is never analysed twice), and the view of each of its documents (the
diagnostics shown there, with the result id that pull diagnostics answer "unchanged" with).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from lsprotocol import types as lsp

from ..config import Settings
from ..core import Report
from ..diagnostics import Diagnostic
from ..notebooks import Notebook
from .actions import Document, to_lsp


@dataclass
class Snapshot:
    """One state of a file open in the editor: a script's document, or a notebook's cells."""

    key: str  # the script's URI, or the notebook's
    path: str
    fs_path: str | None  # None for a document that is not a file (untitled:...)
    documents: dict[int | None, Document]  # by cell number; a script's under None
    notebook: Notebook | None = None
    numbers: dict[str, int] = field(default_factory=dict)  # a notebook's cell URIs (markdown too) and numbers

    @property
    def state(self) -> tuple[tuple[int | None, str, str], ...]:
        """What the findings depend on: each document's place, URI and text (not its version)."""
        return tuple((number, d.uri, d.text.source) for number, d in self.documents.items())

    @property
    def broken(self) -> frozenset[int]:
        """The cells that don't parse (analysed without them, they keep what they showed)."""
        return frozenset(self.notebook.module.broken) if self.notebook is not None else frozenset()

    def cell_of(self, uri: str) -> int | None:
        """The number of the cell with this URI; None for a script (or a notebook's own URI: cell 1)."""
        if self.notebook is None:
            return None
        return self.numbers.get(uri, 1)


# What an analysis is of: a snapshot's state (its texts and versions) with the settings it ran with.
State = tuple[object, ...]

@dataclass
class Analysis:
    """The core's report on one state of a file with one set of settings; None while the file does
    not parse (or the analysis failed), when its documents keep what they showed."""

    state: State
    settings: Settings
    report: Report | None
    fixed: dict[int | None, str] | None = None  # each changed document's text after every safe fix, once asked

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.report.diagnostics if self.report is not None else []


@dataclass(frozen=True)
class View:
    """The diagnostics a document shows, in the client's positions, and their result id."""

    items: list[lsp.Diagnostic]
    result_id: str


def views(snapshot: Snapshot, analysis: Analysis, before: dict[str, View], ids: Iterator[int]) -> dict[str, View]:
    """The view of each of the file's documents after an analysis. A document whose diagnostics are
    those it had keeps its result id; one the analysis could not see (the file, or the cell, doesn't
    parse) keeps its view; a document that is gone (a deleted cell) has none."""
    by_cell: dict[int | None, list[Diagnostic]] = {}
    for diagnostic in analysis.diagnostics:
        by_cell.setdefault(diagnostic.cell, []).append(diagnostic)
    broken = snapshot.broken
    after = {}
    for number, document in snapshot.documents.items():
        old = before.get(document.uri)
        if analysis.report is None or number in broken:
            if old is not None:
                after[document.uri] = old
            continue
        items = [to_lsp(d, snapshot.documents) for d in by_cell.get(number, [])]
        after[document.uri] = old if old is not None and old.items == items else View(items, str(next(ids)))
    return after
