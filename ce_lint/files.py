"""Which files a run checks (the paths given, folders walked, excluded names pruned), and how a fixed
file is written back."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import stat
import tempfile
from typing import Iterator

from .config import DEFAULT_EXCLUDE, DEFAULT_INCLUDE


def _matches(name: str, path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path, f"*/{p}")
               for p in patterns)


def discover(paths: list[str], exclude: tuple[str, ...] = (),
             include: tuple[str, ...] = DEFAULT_INCLUDE) -> Iterator[str]:
    """The files under `paths` that match `include` (scripts and notebooks), in a stable order. Files
    named explicitly are always checked; missing paths are yielded too, so that reading them reports
    the error."""
    patterns = DEFAULT_EXCLUDE + tuple(exclude)
    for path in paths:
        if not os.path.isdir(path):
            yield path
            continue
        found = []
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not _matches(d, os.path.join(root, d), patterns)
                             and not os.path.exists(os.path.join(root, d, "pyvenv.cfg")))
            for name in files:
                full = os.path.join(root, name)
                if _matches(name, full, include) and not _matches(name, full, tuple(exclude)):
                    found.append(os.path.normpath(full))
        yield from sorted(found)


def write_atomic(path: str, data: bytes) -> None:
    """Replace the file's content by `data` so that a failure at any point (a full disk, a signal)
    leaves either the old file or the new one, never a mix: the bytes go to a temporary file in the
    same folder, are flushed to disk, take the old file's mode, and then replace it in one rename.
    A symlink is followed: its target is replaced, and the link stays a link."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".ce-lint.tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
