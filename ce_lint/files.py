"""Which files a run checks: the paths given, folders walked, excluded names pruned."""

from __future__ import annotations

import fnmatch
import os
from typing import Iterator

from .config import DEFAULT_EXCLUDE


def _excluded(name: str, path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path, f"*/{p}")
               for p in patterns)


def discover(paths: list[str], exclude: tuple[str, ...] = ()) -> Iterator[str]:
    """Python files under `paths`, in a stable order. Files named explicitly are always checked;
    missing paths are yielded too, so that reading them reports the error."""
    patterns = DEFAULT_EXCLUDE + tuple(exclude)
    for path in paths:
        if not os.path.isdir(path):
            yield path
            continue
        found = []
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not _excluded(d, os.path.join(root, d), patterns)
                             and not os.path.exists(os.path.join(root, d, "pyvenv.cfg")))
            for name in files:
                full = os.path.join(root, name)
                if name.endswith((".py", ".pyi")) and not _excluded(name, full, tuple(exclude)):
                    found.append(os.path.normpath(full))
        yield from sorted(found)
