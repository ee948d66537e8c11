"""Settings: defaults, `[tool.ce-lint]` in pyproject.toml (or ce-lint.toml), then the command line."""

from __future__ import annotations

import dataclasses
import fnmatch
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_EXCLUDE = (".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "build", "dist",
                   "node_modules", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ce_lint_cache",
                   "site-packages", ".ipynb_checkpoints")
DEFAULT_INCLUDE = ("*.py", "*.pyi", "*.ipynb")  # what a folder walk checks, as Ruff's `include`


DEFAULT_MAX_FILE_SIZE = 2_000_000  # bytes: larger files are refused unread (README: "What is refused")


class ConfigError(Exception):
    """A configuration file or option that can't be used; reported in one line."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ()  # empty: every rule enabled by default
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = DEFAULT_INCLUDE  # file patterns a folder walk checks
    extend_include: tuple[str, ...] = ()
    keras_version: str | None = None  # e.g. "3", "2.3", "tf-2.1"; None: read the installed version
    unsafe_fixes: bool = False  # apply unsafe fixes too
    extend_safe_fixes: tuple[str, ...] = ()  # codes or prefixes whose unsafe fixes count as safe
    extend_unsafe_fixes: tuple[str, ...] = ()  # codes or prefixes whose safe fixes count as unsafe
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, codes ignored in matching files)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes

    def enabled(self, code: str, default_enabled: bool) -> bool:
        """Ruff's logic: the most specific selector wins; ignore beats select at equal length."""
        selected = self.select if self.select else (("",) if default_enabled else ())
        best_select = max((len(p) for p in (*selected, *self.extend_select) if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return best_select >= 0 and best_select > best_ignore

    def for_path(self, path: str) -> Settings:
        """These settings with the per-file ignores that match `path` added to `ignore`."""
        posix = path.replace("\\", "/")
        extra = tuple(code for glob, codes in self.per_file_ignores
                      if fnmatch.fnmatch(posix, glob) or fnmatch.fnmatch(posix, f"*/{glob}")
                      or fnmatch.fnmatch(posix.rsplit("/", 1)[-1], glob) for code in codes)
        return dataclasses.replace(self, ignore=self.ignore + extra) if extra else self

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


_KEYS = {"select": "codes", "ignore": "codes", "extend-select": "codes", "exclude": "strings",
         "include": "strings", "extend-include": "strings",
         "keras-version": "string", "unsafe-fixes": "bool", "extend-safe-fixes": "codes",
         "extend-unsafe-fixes": "codes", "per-file-ignores": "globs", "max-file-size": "size"}


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.ce-lint] table, or ce-lint.toml, from start upwards."""
    start = start.resolve()
    for folder in (start, *start.parents) if start.is_dir() else (start.parent, *start.parent.parents):
        for name in ("ce-lint.toml", "pyproject.toml"):
            candidate = folder / name
            if candidate.is_file() and (name == "ce-lint.toml" or _has_table(candidate)):
                return candidate
    return None


def _has_table(path: Path) -> bool:
    try:
        tool = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
        return isinstance(tool, dict) and "ce-lint" in tool
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, MemoryError):
        return False


def load(path: Path) -> Settings:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    except (RecursionError, MemoryError):  # tomllib recurses once per nesting level
        raise ConfigError(f"{path}: cannot read configuration: nested too deeply") from None
    table = data if path.name == "ce-lint.toml" else data.get("tool", {}).get("ce-lint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.ce-lint] must be a table")
    values = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(f"{path}: unknown key '{key}' in [tool.ce-lint]; known keys: {', '.join(_KEYS)}")
        values[key.replace("-", "_")] = validate(key, value, f"{path}: '{key}'")
    return Settings(**values)


def validate(key: str, value, where: str):
    """A setting's value checked and normalised as Settings holds it, for the configuration file and
    for the same option from an editor; ConfigError starting with `where` for one that can't be used."""
    kind = _KEYS[key]
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false")
        return value
    if kind == "size":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{where} must be a number of bytes (e.g. 2_000_000)")
        return value
    if kind == "globs":
        if not isinstance(value, dict) or not all(isinstance(v, list) and all(isinstance(c, str) for c in v)
                                                  for v in value.values()):
            raise ConfigError(f"{where} must be a table of glob = [codes]")
        return tuple((glob, tuple(validate_codes(codes, where))) for glob, codes in value.items())
    if kind == "string":
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string")
        return validate_keras_version(value, where) if key == "keras-version" else value
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(validate_codes(value, where)) if kind == "codes" else tuple(value)


def validate_codes(codes, where: str) -> list[str]:
    import re

    out = []
    for code in codes:
        code = code.strip().upper()
        if not code:
            continue
        if not re.fullmatch(r"C(E(\d{1,3})?)?|ALL", code):
            raise ConfigError(f"{where}: '{code}' is not a ce-lint code or prefix (e.g. CE1, CE102)")
        out.append("" if code == "ALL" else code)
    return out


def validate_keras_version(value: str, where: str) -> str:
    """A Keras version as the rules read it: "3", "2.3", "2.3.1", or "tf-2.1" for tf.keras."""
    import re

    text = str(value).strip().lower()
    if not re.fullmatch(r"(tf-)?\d+(\.\d+){0,2}", text):
        raise ConfigError(f"{where}: '{value}' is not a Keras version (e.g. 3, 2.3, or tf-2.1 for tf.keras)")
    return text
