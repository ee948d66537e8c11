"""What every format shares: file names and messages made printable, and a notebook finding's
position said in words for formats that point at the .ipynb file itself.

Diagnostics use 1-based lines and 0-based columns (counted in characters, i.e. Unicode code points);
every format converts at its edge: their columns are 1-based, and the end column is the first
character after the finding (exclusive), as in Ruff."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic


def printable(text: str) -> str:
    """A file name (or a message) as one line of printable text: a newline or another control character
    (a terminal escape), and a byte that isn't UTF-8 (which Python reads as a lone surrogate), are
    escaped as in a Python literal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escaped(c) for c in text)


def _escaped(char: str) -> str:
    if "\udc80" <= char <= "\udcff":  # os.fsdecode's spelling of an undecodable byte
        return f"\\x{ord(char) - 0xdc00:02x}"
    return char.encode("unicode_escape").decode("ascii")


def cell_prefix(d: Diagnostic) -> str:
    """Ruff's notebook form: path.ipynb:cell 3:2:9."""
    return f"cell {d.cell}:" if d.cell is not None else ""


def message_in_file(d: Diagnostic) -> str:
    """The message, naming the cell and the position in it for formats that point at the notebook file."""
    return d.message if d.cell is None else f"cell {d.cell}, line {d.line}, column {d.col + 1}: {d.message}"


def help_text(d: Diagnostic) -> str | None:
    """What to do, when the finding says: its own title, else its fix's."""
    return d.fix_title or (d.fix.message if d.fix is not None else None)
