"""Options from an editor, read once for `ce-lint server` and the pylsp plugin.

Editors send them as initializationOptions, in workspace/didChangeConfiguration, as the answer to
workspace/configuration, or (pylsp) under `pylsp.plugins.ce_lint`; each spells them its own way
(`keras-version`, `keras_version`, `kerasVersion`). The options that are settings are checked by
the validators of the configuration file (config.validate), so a value the command line refuses
is refused here too; it is reported in one line and left out, and the project's `[tool.ce-lint]`
stays in charge of it. Editor options override the configuration file, as command-line options do.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ConfigError, Settings, find_config, load, sources, validate

SETTINGS = ("select", "ignore", "extend-select", "extend-safe-fixes", "extend-unsafe-fixes", "keras-version",
            "unsafe-fixes")
EDITOR_ONLY = ("isolated", "fix-all", "debounce-ms")
KEYS = (*SETTINGS, *EDITOR_ONLY)
_CODES = ("select", "ignore", "extend-select", "extend-safe-fixes", "extend-unsafe-fixes")


def option_key(raw: str) -> str:
    """An editor's spelling of an option as ce-lint's: kerasVersion and keras_version are keras-version."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", str(raw)).replace("_", "-").lower()


def merge(*layers: dict[str, Any]) -> dict[str, Any]:
    """The options of several layers, each overriding the ones before key by key whatever the spelling;
    keys stay as the editor spelt them (for messages)."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            for spelt in [k for k in merged if option_key(k) == option_key(key)]:
                del merged[spelt]
            merged[key] = value
    return merged


def unwrap(options: Any) -> dict[str, Any] | None:
    """Clients nest settings differently: {"ce-lint": {...}}, {"settings": {...}} or flat; None when
    there is nothing for ce-lint in them (not a table, or another tool's section)."""
    if not isinstance(options, dict):
        return None
    if any(option_key(k) in KEYS for k in options):
        return options
    for key in ("ce-lint", "ce_lint", "celint", "settings"):
        if isinstance(options.get(key), dict):
            return unwrap(options[key]) or {}
    return None  # nothing for ce-lint: eglot, for one, sends {} in didChangeConfiguration


@dataclass(frozen=True)
class EditorOptions:
    settings: dict[str, Any] = field(default_factory=dict)  # Settings field -> checked value
    isolated: bool = False
    fix_all: bool = True
    debounce_ms: float | None = None
    errors: tuple[str, ...] = ()  # one line each, for the user
    unknown: tuple[str, ...] = ()  # keys as the editor spelt them

    def apply(self, settings: Settings) -> Settings:
        return settings.replace(**self.settings)


def read_options(options: dict[str, Any] | None) -> EditorOptions:
    """The editor's options, checked; a bad value becomes an error line and is left out."""
    values: dict[str, Any] = {}
    errors, unknown = [], []
    editor: dict[str, Any] = {}
    for raw, value in (options or {}).items():
        key, where = option_key(raw), f"option '{raw}'"
        try:
            if key in SETTINGS:
                if key == "keras-version" and value in (None, ""):
                    continue  # an empty box in a settings UI: not set
                if key in _CODES and isinstance(value, str):
                    value = value.split(",")  # as on the command line: CE1,CE201
                values[key.replace("-", "_")] = validate(key, value, where)
            elif key in ("isolated", "fix-all"):
                if not isinstance(value, bool):
                    raise ConfigError(f"{where} must be true or false")
                editor[key.replace("-", "_")] = value
            elif key == "debounce-ms":
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ConfigError(f"{where} must be a number of milliseconds")
                editor["debounce_ms"] = float(value)
            else:
                unknown.append(str(raw))
        except ConfigError as exc:
            errors.append(str(exc))
    return EditorOptions(values, errors=tuple(errors), unknown=tuple(unknown), **editor)


Configs = dict[Path, tuple[tuple[float, ...], Settings]]


def editor_settings(path: str | None, root: str | None, options: EditorOptions,
                    configs: Configs) -> tuple[Settings, list[str]]:
    """The settings for a document in an editor: the configuration file that applies to its path
    (or to the workspace's root, for a document that is not a file), loaded again only when it
    changes (`configs` remembers), then the editor's options; and the errors, one line each."""
    settings, errors = Settings(), []
    if not options.isolated:
        config = find_config(Path(path) if path else Path(root or os.getcwd()))
        if config is not None:
            try:
                mtime = tuple(p.stat().st_mtime for p in sources(config))  # what it extends counts too
                cached = configs.get(config)
                if cached is None or cached[0] != mtime:
                    cached = (mtime, load(config))
                    configs[config] = cached
                settings = cached[1]
            except (ConfigError, OSError) as exc:
                errors.append(str(exc))
    return options.apply(settings), errors
