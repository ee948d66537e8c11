"""The lines of code the `full` format shows: read again from the file (only for files with findings),
a notebook's from its cell, standard input's from what was read."""

from __future__ import annotations

from functools import lru_cache

from ..engine import decode
from ..files import read_source
from ..lines import split_lines
from ..notebooks import ipynb, is_notebook


class Sources:
    def __init__(self, known: dict[str, bytes] | None = None) -> None:
        self.known = dict(known or {})  # path -> bytes already in hand (standard input)

    def __call__(self, path: str, cell: int | None) -> list[str] | None:
        return self._lines(path, cell)

    @lru_cache(maxsize=256)  # noqa: B019 - one Sources per run: it lives as long as the run
    def _lines(self, path: str, cell: int | None) -> list[str] | None:
        try:
            data = self.known[path] if path in self.known else read_source(path)[0]
            if is_notebook(path):
                notebook = ipynb.read(data)[0]
                found = next((c for c in notebook.cells if c.number == cell), None)
                return split_lines(found.source, keepends=True) if found is not None else None
            return split_lines(decode(data), keepends=True)
        except Exception:  # noqa: BLE001 - no context is shown; the finding still is
            return None
