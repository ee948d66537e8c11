"""The result cache: what checking a file gave, keyed by the file's bytes, its path, ce-lint's version and
the settings that apply to it, so an unchanged file is never parsed twice.

Entries are JSON (nothing in the cache can be executed), one file per checked file under
`.ce_lint_cache/` at the project root: an edit replaces the file's entry instead of adding one, and a
run over a folder removes the entries of files that no longer exist. An entry is written whole to a
temporary file and moved into place, which is atomic, so runs in parallel and runs killed mid-write
never leave half an entry. Whatever is read back is checked strictly (its shape, every type and range,
known codes, the file it is for); anything else counts as a miss, so a damaged or planted entry can
neither crash a run nor change what it reports. A cache folder that is a symlink is never followed.
Writing is best effort: a read-only folder only costs speed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from . import __version__
from .catalog import RULES
from .config import CACHE_FOLDER, Settings
from .diagnostics import Applicability, Diagnostic, Edit, Fix, Related, Severity
from .output.common import printable
from .versions import metadata_stamp

FOLDER = CACHE_FOLDER
_FORMAT = 4  # bump when the entry layout changes
_MAX_ENTRY = 16 * 1024 * 1024  # bytes; a bigger entry is not one ce-lint wrote
_MAX_POSITION = 10 ** 9
_RECORD = {"key", "file", "diagnostics", "errors"}
_DIAGNOSTIC = {"path", "range", "code", "message", "severity", "fix", "cell", "fix_title", "related"}
_FIX = {"applicability", "message", "edits"}
_STALE_SECONDS = 3600  # a temporary file this old was left by a killed run


class Invalid(Exception):
    """An entry that is not exactly what ce-lint writes."""


def _environment() -> str:
    """What else a verdict depends on: ce-lint itself (its version, and the size and time of its source
    files, so that an edited development install never reads stale verdicts), and the Keras the code is
    assumed to target when no version is configured (what its installed metadata is, by file times)."""
    package = os.path.dirname(os.path.abspath(__file__))
    sources = []
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                status = os.stat(path)
                sources.append((path[len(package) + 1:], status.st_size, status.st_mtime_ns))
    return json.dumps([_FORMAT, __version__, sources, metadata_stamp(("keras", "tensorflow", "tensorflow-cpu"))])


class Cache:
    def __init__(self, root: Path) -> None:
        self.folder = root / FOLDER
        self._environment = _environment()

    def key(self, path: str, data: bytes, settings: Settings) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps([self._environment, path, repr(settings)]).encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _entry(self, path: str) -> Path:
        """The one entry of a file (as spelled, from where it is checked)."""
        name = hashlib.sha256(json.dumps([os.path.abspath(path), path]).encode("utf-8", "surrogateescape")).hexdigest()
        return self.folder / name[:2] / f"{name}.json"

    def _usable(self) -> bool:
        return not os.path.islink(self.folder)

    def get(self, key: str, path: str) -> tuple[list[Diagnostic], list[str]] | None:
        """(diagnostics, error lines) stored for this key and file, or None."""
        if not self._usable():
            return None
        try:
            record = _read(self._entry(path))
            if record.get("key") != key or record.get("file") != os.path.abspath(path):
                return None  # another version of the file, or other settings: a miss
            return _validated(record, path)
        except (OSError, ValueError, RecursionError, MemoryError, Invalid):
            return None  # missing, unreadable, truncated, foreign or planted: a miss

    def put(self, key: str, path: str, diagnostics: list[Diagnostic], errors: list[str]) -> None:
        record = {"key": key, "file": os.path.abspath(path), "diagnostics": [_record(d) for d in diagnostics],
                  "errors": errors}
        entry = self._entry(path)
        try:
            if not self._usable() or not self._prepare(entry.parent):
                return
            import tempfile

            handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape") as out:
                    json.dump(record, out)
                os.replace(temporary, entry)
            except BaseException:
                os.unlink(temporary)
                raise
        except (OSError, ValueError):
            pass

    def _prepare(self, folder: Path) -> bool:
        """Create the cache folder and the entry's sub-folder; False if either is not a real folder."""
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True)
            # Keep the cache out of version control and backups, as pytest and Ruff do.
            (self.folder / ".gitignore").write_text("# created by ce-lint\n*\n", encoding="utf-8")
            (self.folder / "CACHEDIR.TAG").write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n# ce-lint's result cache\n", encoding="utf-8")
        folder.mkdir(exist_ok=True)
        return not os.path.islink(self.folder) and not os.path.islink(folder)

    def prune(self, checked: list[str]) -> int:
        """Remove the entries no file uses any more: those of files that are gone, damaged ones, and
        temporary files left by killed runs. The entries of `checked` were just written or read and
        are skipped. How many were removed."""
        if not self._usable() or not self.folder.is_dir():
            return 0
        keep = {self._entry(path).name for path in checked}
        removed = 0
        for folder in _subfolders(self.folder):
            for item in _scan(folder):
                if item.name in keep or not item.is_file(follow_symlinks=False) or not _unused(item):
                    continue
                try:
                    os.unlink(item.path)
                    removed += 1
                except OSError:
                    pass
        return removed

    def clear(self) -> bool:
        """Remove the cache folder (only the link, if it is a symlink); whether there was one. OSError
        if it can't be removed."""
        if os.path.islink(self.folder):
            os.unlink(self.folder)
            return True
        if not self.folder.is_dir():
            return False
        import shutil

        shutil.rmtree(self.folder)
        return True


def _subfolders(folder: Path) -> list[os.DirEntry[str]]:
    return [d for d in _scan(folder) if d.is_dir(follow_symlinks=False) and len(d.name) == 2]


def _scan(folder: str | Path | os.DirEntry[str]) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []


def _unused(item: os.DirEntry[str]) -> bool:
    if item.name.endswith(".tmp"):
        try:
            return time.time() - item.stat(follow_symlinks=False).st_mtime > _STALE_SECONDS
        except OSError:
            return False
    if not item.name.endswith(".json"):
        return False
    try:
        record = _read(Path(item.path))
        return not isinstance(record.get("file"), str) or not os.path.isfile(record["file"])
    except (OSError, ValueError, RecursionError, MemoryError, Invalid):
        return True  # damaged


def _read(entry: Path) -> dict[str, Any]:
    """An entry's JSON object; never follows a symlink, never reads more than an entry can hold."""
    descriptor = os.open(entry, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(_MAX_ENTRY + 1)
    if len(data) > _MAX_ENTRY:
        raise Invalid("too large")
    record = json.loads(data.decode("utf-8", "surrogateescape"))
    if not isinstance(record, dict):
        raise Invalid("not an object")
    return record


def _record(d: Diagnostic) -> dict[str, Any]:
    fix = None
    if d.fix is not None:
        fix = {"applicability": d.fix.applicability.value, "message": d.fix.message,
               "edits": [[e.content, e.line, e.col, e.end_line, e.end_col, e.cell] for e in d.fix.edits]}
    return {"path": d.path, "range": [d.line, d.col, d.end_line, d.end_col], "code": d.code,
            "message": d.message, "severity": d.severity.value, "fix": fix, "cell": [d.cell, d.file_line],
            "fix_title": d.fix_title,
            "related": [[r.message, r.line, r.col, r.end_line, r.end_col, r.cell, r.file_line] for r in d.related]}


# -- strict validation of what is read back ------------------------------------------------------------


def _validated(record: dict[str, Any], path: str) -> tuple[list[Diagnostic], list[str]]:
    _keys(record, _RECORD)
    diagnostics, errors = record["diagnostics"], record["errors"]
    if not isinstance(diagnostics, list) or not isinstance(errors, list):
        raise Invalid("diagnostics and errors must be lists")
    prefix = f"{printable(path)}: error: "
    if not all(isinstance(e, str) and e.startswith(prefix) and printable(e) == e for e in errors):
        raise Invalid("an error line for another file, or not one line")
    return [_diagnostic(d, path) for d in diagnostics], list(errors)


def _diagnostic(record: Any, path: str) -> Diagnostic:
    _keys(record, _DIAGNOSTIC)
    if record["path"] != path:
        raise Invalid("a finding for another file")
    if record["code"] not in RULES:
        raise Invalid("an unknown code")
    message = _text(record["message"])
    if printable(message) != message:
        raise Invalid("a message that is not one printable line")
    line, col, end_line, end_col = _range(record["range"])
    fix = record["fix"]
    if fix is not None:
        _keys(fix, _FIX)
        if not isinstance(fix["edits"], list) or not fix["edits"]:
            raise Invalid("a fix without edits")
        edits = []
        for edit in fix["edits"]:
            if not isinstance(edit, list) or len(edit) != 6:
                raise Invalid("an edit is [content, line, col, end_line, end_col, cell]")
            edits.append(Edit(_text(edit[0]), *_range(edit[1:5]), _cell(edit[5])))
        fix = Fix(Applicability(_text(fix["applicability"])), _text(fix["message"]), tuple(edits))
    where = record["cell"]
    if not isinstance(where, list) or len(where) != 2:
        raise Invalid("cell is [cell, line in the file]")
    title = record["fix_title"]
    return Diagnostic(path, line, col, end_line, end_col, record["code"], message,
                      Severity(_text(record["severity"])), fix, _cell(where[0]), _cell(where[1]),
                      None if title is None else _line(title), _related(record["related"]))


def _line(value: object) -> str:
    text = _text(value)
    if printable(text) != text:
        raise Invalid("a text that is not one printable line")
    return text


def _related(values: object) -> tuple[Related, ...]:
    """The related places of a finding in its own file: [message, line, col, end_line, end_col, cell, file line]."""
    if not isinstance(values, list):
        raise Invalid("related is a list")
    places = []
    for value in values:
        if not isinstance(value, list) or len(value) != 7:
            raise Invalid("a related place is [message, line, col, end_line, end_col, cell, file line]")
        places.append(Related(_line(value[0]), *_range(value[1:5]), _cell(value[5]), file_line=_cell(value[6])))
    return tuple(places)


def _cell(value: object) -> int | None:
    """A notebook's cell number or file line: None for a script."""
    if value is not None and (type(value) is not int or not 1 <= value <= _MAX_POSITION):
        raise Invalid("a cell number is a positive integer")
    return value


def _keys(record: object, expected: set[str]) -> None:
    if not isinstance(record, dict) or set(record) != expected:
        raise Invalid(f"expected exactly the keys {sorted(expected)}")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid("expected a string")
    return value


def _range(values: object) -> tuple[int, int, int, int]:
    """1-based lines, 0-based columns, the end not before the start."""
    if not isinstance(values, list) or len(values) != 4 or not all(
            type(v) is int and 0 <= v <= _MAX_POSITION for v in values):
        raise Invalid("a range is four integers")
    line, col, end_line, end_col = values
    if line < 1 or (end_line, end_col) < (line, col):
        raise Invalid("a range that ends before it starts")
    return line, col, end_line, end_col
