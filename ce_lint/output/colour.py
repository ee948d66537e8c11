"""Colour on a terminal, as Ruff: on when the output is a terminal, off with NO_COLOR (any value but
empty), forced with FORCE_COLOR (https://no-color.org, https://force-color.org)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TextIO


def terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def wanted(stream: TextIO) -> bool:
    """Whether to colour what goes to `stream`."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return terminal(stream) and os.environ.get("TERM") != "dumb"


@dataclass(frozen=True)
class Palette:
    on: bool = False

    def _paint(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on and text else text

    def bold(self, text: str) -> str:
        return self._paint("1", text)

    def red(self, text: str) -> str:
        return self._paint("1;31", text)

    def cyan(self, text: str) -> str:
        return self._paint("36", text)

    def blue(self, text: str) -> str:
        return self._paint("1;34", text)

    def green(self, text: str) -> str:
        return self._paint("32", text)


PLAIN = Palette()
