"""Settings: defaults, `[tool.ce-lint]` in pyproject.toml (or ce-lint.toml, and the files they
`extend`), then the command line. project.py says which configuration file applies to a file."""

from __future__ import annotations

import dataclasses
import fnmatch
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE_FOLDER = ".ce_lint_cache"  # the result cache (cache.py), at the project root
DEFAULT_EXCLUDE = (".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "build", "dist",
                   "node_modules", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", CACHE_FOLDER,
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
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True  # skip what .gitignore (and .git/info/exclude) ignore in a folder walk
    force_exclude: bool = False  # apply exclude and .gitignore to files named explicitly too (pre-commit)

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

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


    @property
    def excluded(self) -> tuple[str, ...]:
        """Every pattern a walk skips: the defaults, `exclude` and `extend-exclude`."""
        return DEFAULT_EXCLUDE + self.exclude + self.extend_exclude


# Each key, its kind, and what `ce-lint config KEY` says of it.
KEYS: dict[str, tuple[str, str]] = {
    "extend": ("path", "another configuration file whose settings these extend (relative to this file)"),
    "select": ("codes", "only these codes, prefixes (CE1) or rule names; default: every rule on by default"),
    "ignore": ("codes", "skip these codes, prefixes or rule names"),
    "extend-select": ("codes", "enable these too (e.g. default-off rules such as CE901)"),
    "exclude": ("strings", "file or folder patterns a folder walk skips, besides the defaults (.git, .venv, build...)"),
    "extend-exclude": ("strings", "more patterns to skip, added to `exclude`"),
    "include": ("strings", "file patterns a folder walk checks (default: *.py, *.pyi, *.ipynb)"),
    "extend-include": ("strings", "more file patterns to check, e.g. *.pyw"),
    "respect-gitignore": ("bool", "skip what .gitignore, .git/info/exclude ignore in a git repository (default: true)"),
    "force-exclude": ("bool", "apply exclude and .gitignore to files named on the command line too (default: false)"),
    "keras-version": ("string", "the Keras the code targets: 3, 2.3, or tf-2.1 for tf.keras "
                                "(default: the installed one, else 3)"),
    "unsafe-fixes": ("bool", "apply fixes that change what the model outputs too (default: false)"),
    "extend-safe-fixes": ("codes", "codes whose unsafe fixes count as safe"),
    "extend-unsafe-fixes": ("codes", "codes whose safe fixes count as unsafe"),
    "per-file-ignores": ("globs", "a table of glob = [codes] ignored in matching files"),
    "max-file-size": ("size", "bytes; larger files are refused unread (default: 2,000,000)"),
}
_KEYS = {key: kind for key, (kind, _) in KEYS.items()}
# Lists that a configuration which `extend`s another adds to the other's, as Ruff does; the rest replace.
_ACCUMULATE = ("extend_select", "ignore", "extend_exclude", "extend_include", "extend_safe_fixes",
               "extend_unsafe_fixes", "per_file_ignores")


# The names a configuration file may have, in the order a folder is searched.
CONFIG_NAMES = ("ce-lint.toml", "pyproject.toml")


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.ce-lint] table, or ce-lint.toml, from start upwards."""
    start = start.resolve()
    for folder in (start, *start.parents) if start.is_dir() else (start.parent, *start.parent.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file() and (name == "ce-lint.toml" or _has_table(candidate)):
                return candidate
    return None


def _toml() -> Any:
    """tomllib, imported when a configuration file is first read: a run without one never needs it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


def _has_table(path: Path) -> bool:
    tomllib = _toml()
    try:
        tool = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
        return isinstance(tool, dict) and "ce-lint" in tool
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, MemoryError):
        return False


def load(path: Path) -> Settings:
    """The settings of a configuration file, on top of those of the file it `extend`s (if any)."""
    return _load(path, ())


def sources(path: Path) -> tuple[Path, ...]:
    """The files whose settings `load(path)` reads: path, and what it extends, transitively."""
    chain = [path.resolve()]
    while True:
        parent = _extended(chain[-1], _table(chain[-1]))
        if parent is None or parent in chain:
            return tuple(chain)
        chain.append(parent)


def _table(path: Path) -> dict[str, Any]:
    tomllib = _toml()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    except (RecursionError, MemoryError):  # tomllib recurses once per nesting level
        raise ConfigError(f"{path}: cannot read configuration: nested too deeply") from None
    tool = data.get("tool", {})
    # pyproject.toml holds a [tool.ce-lint] table; another file (ce-lint.toml, one extended or given to
    # --config) may too, else it is the table
    ours = tool.get("ce-lint") if isinstance(tool, dict) else None
    table = ours if ours is not None or path.name == "pyproject.toml" else data
    table = {} if table is None else table
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.ce-lint] must be a table")
    return table


def _extended(path: Path, table: dict[str, Any]) -> Path | None:
    if "extend" not in table:
        return None
    if not isinstance(table["extend"], str):
        raise ConfigError(f"{path}: 'extend' must be the path of a configuration file")
    return (path.parent / Path(table["extend"]).expanduser()).resolve()


def _load(path: Path, seen: tuple[Path, ...]) -> Settings:
    table = _table(path)
    values = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(f"{path}: unknown key '{key}' in [tool.ce-lint]; known keys: {', '.join(_KEYS)}")
        if key != "extend":
            values[key.replace("-", "_")] = validate(key, value, f"{path}: '{key}'")
    parent = _extended(path, table)
    if parent is None:
        return Settings(**values)
    if parent in (*seen, path.resolve()):
        raise ConfigError(f"{path}: 'extend' goes round in a circle through {parent}")
    if not parent.is_file():
        raise ConfigError(f"{path}: 'extend': {parent} not found")
    base = _load(parent, (*seen, path.resolve()))
    if "select" in values:  # a new selection starts afresh, as in Ruff: what the base added or removed goes
        base = dataclasses.replace(base, extend_select=(), ignore=())
    merged = {k: getattr(base, k) + v if k in _ACCUMULATE else v for k, v in values.items()}
    return dataclasses.replace(base, **merged)


def validate(key: str, value: Any, where: str) -> Any:
    """A setting's value checked and normalised as Settings holds it, for the configuration file and
    for the same option from an editor; ConfigError starting with `where` for one that can't be used."""
    kind = _KEYS[key]
    if kind == "path":
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be the path of a configuration file")
        return value
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


def validate_codes(codes: Iterable[object], where: str) -> list[str]:
    """Codes, prefixes (CE1) or rule names as the settings hold them (codes; ALL is ""). One that is
    no rule's code, prefix or name is an error naming `where` (the setting and the file)."""
    import re

    from .catalog import RULES

    out = []
    for raw in codes:
        text = str(raw).strip()
        code = text.upper()
        if not code:
            continue
        named = next((c for c, (name, _, _) in RULES.items() if name == text.lower()), None)
        if named is not None:
            out.append(named)
            continue
        if not re.fullmatch(r"C(E(\d{1,3})?)?|ALL", code):
            raise ConfigError(f"{where}: '{text}' is not a ce-lint code, prefix or rule name (e.g. CE1, CE102, "
                              "softmax-single-unit)")
        if code != "ALL" and not any(c.startswith(code) for c in RULES):
            raise ConfigError(f"{where}: no ce-lint rule has the code '{code}' (or starts with it); "
                              "'ce-lint rule --all' lists them")
        out.append("" if code == "ALL" else code)
    return out


def validate_keras_version(value: str, where: str) -> str:
    """A Keras version as the rules read it: "3", "2.3", "2.3.1", or "tf-2.1" for tf.keras."""
    import re

    text = str(value).strip().lower()
    if not re.fullmatch(r"(tf-)?\d+(\.\d+){0,2}", text):
        raise ConfigError(f"{where}: '{value}' is not a Keras version (e.g. 3, 2.3, or tf-2.1 for tf.keras)")
    return text
