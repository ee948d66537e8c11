"""The result cache: what checking a file gave, keyed by the file's bytes, its path, ce-lint's version and
the settings that apply to it, so an unchanged file is never parsed twice.

Entries are JSON (nothing in the cache can be executed), one file each under `.ce_lint_cache/` at the
project root. An entry is written whole to a temporary file and moved into place, which is atomic, so
runs in parallel and runs killed mid-write never leave half an entry; an entry that can't be read or
doesn't have the expected shape counts as a miss. Writing is best effort: a read-only folder only
costs speed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from . import __version__
from .config import Settings
from .diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from .versions import installed

FOLDER = ".ce_lint_cache"
_FORMAT = 2  # bump when the entry layout changes


def _environment() -> str:
    """What else a verdict depends on: ce-lint itself (its version, and the size and time of its source
    files, so that an edited development install never reads stale verdicts), and the Keras the code is
    assumed to target when no version is configured (read from installed metadata)."""
    package = Path(__file__).resolve().parent
    stats = {str(p.relative_to(package)): p.stat() for p in package.rglob("*.py")}
    sources = sorted((name, s.st_size, s.st_mtime_ns) for name, s in stats.items())
    return json.dumps([_FORMAT, __version__, sources, installed("keras"), installed("tensorflow"),
                       installed("tensorflow-cpu")])


class Cache:
    def __init__(self, root: Path) -> None:
        self.folder = root / FOLDER
        self._environment = _environment()

    def key(self, path: str, data: bytes, settings: Settings) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps([self._environment, path, repr(settings)]).encode())
        digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> tuple[list[Diagnostic], list[str]] | None:
        """(diagnostics, error lines) stored for this key, or None."""
        try:
            record = json.loads(self._entry(key).read_bytes())
            return [_diagnostic(d) for d in record["diagnostics"]], [str(e) for e in record["errors"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing, unreadable, truncated or foreign: a miss

    def put(self, key: str, diagnostics: list[Diagnostic], errors: list[str]) -> None:
        record = {"diagnostics": [_record(d) for d in diagnostics], "errors": errors}
        entry = self._entry(key)
        try:
            self._prepare(entry.parent)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(record, out)
                os.replace(temporary, entry)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass

    def _prepare(self, folder: Path) -> None:
        if not folder.is_dir():
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True)
                # Keep the cache out of version control and backups, as pytest and Ruff do.
                (self.folder / ".gitignore").write_text("# created by ce-lint\n*\n", encoding="utf-8")
                (self.folder / "CACHEDIR.TAG").write_text(
                    "Signature: 8a477f597d28d172789f06886806bc55\n# ce-lint's result cache\n", encoding="utf-8")
            folder.mkdir(exist_ok=True)

    def clear(self) -> bool:
        """Remove the cache folder; whether there was one."""
        if not self.folder.is_dir():
            return False
        shutil.rmtree(self.folder)
        return True


def _record(d: Diagnostic) -> dict:
    fix = None
    if d.fix is not None:
        fix = {"applicability": d.fix.applicability.value, "message": d.fix.message,
               "edits": [[e.content, e.line, e.col, e.end_line, e.end_col, e.cell] for e in d.fix.edits]}
    return {"path": d.path, "range": [d.line, d.col, d.end_line, d.end_col], "code": d.code,
            "message": d.message, "severity": d.severity.value, "fix": fix, "cell": [d.cell, d.file_line]}


def _diagnostic(record: dict) -> Diagnostic:
    fix = record["fix"]
    if fix is not None:
        fix = Fix(Applicability(fix["applicability"]), str(fix["message"]),
                  tuple(Edit(str(c), int(a), int(b), int(x), int(y), _number(n)) for c, a, b, x, y, n in fix["edits"]))
    line, col, end_line, end_col = (int(v) for v in record["range"])
    cell, file_line = (_number(v) for v in record["cell"])
    return Diagnostic(str(record["path"]), line, col, end_line, end_col, str(record["code"]), str(record["message"]),
                      Severity(record["severity"]), fix, cell, file_line)


def _number(value) -> int | None:
    return None if value is None else int(value)
