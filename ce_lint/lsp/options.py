"""Editor options (initializationOptions, workspace/didChangeConfiguration, or pylsp's
`pylsp.plugins.ce_lint`) as Settings, for `ce-lint server` and the pylsp plugin. Each editor spells
them its own way (`keras-version`, `keras_version`, `kerasVersion`)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..config import ConfigError, Settings, find_config, load, validate_codes

_CODE_OPTIONS = ("select", "ignore", "extend-select", "extend-safe-fixes", "extend-unsafe-fixes")


def option_key(raw: str) -> str:
    """An editor's spelling of an option as ce-lint's: kerasVersion and keras_version are keras-version."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", raw).replace("_", "-").lower()


def apply_options(settings: Settings, options: dict[str, Any]) -> Settings:
    """Editor options override the configuration file, as the command line's options do. Raises
    ConfigError for a value that can't be used."""
    changes: dict[str, Any] = {}
    for raw_key, value in options.items():
        key = option_key(raw_key)
        if key in _CODE_OPTIONS:
            if isinstance(value, str):
                value = value.split(",")
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ConfigError(f"option '{raw_key}' must be a list of codes")
            changes[key.replace("-", "_")] = tuple(validate_codes(value, f"option '{raw_key}'"))
        elif key == "keras-version":
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"option '{raw_key}' must be a string such as \"3\" or \"tf-2.1\"")
            changes["keras_version"] = value or None
        elif key == "unsafe-fixes":
            if not isinstance(value, bool):
                raise ConfigError(f"option '{raw_key}' must be true or false")
            changes["unsafe_fixes"] = value
    return settings.replace(**changes)


OPTION_KEYS = {*_CODE_OPTIONS, "keras-version", "unsafe-fixes", "isolated", "debounce-ms", "fix-all"}


def option(options: dict[str, Any], key: str, default: Any = None) -> Any:
    """The value of option `key` (ce-lint's spelling) in options spelt any editor's way."""
    return next((v for k, v in options.items() if option_key(k) == key), default)


def unwrap(options: Any) -> dict[str, Any] | None:
    """Clients nest settings differently: {"ce-lint": {...}}, {"settings": {...}} or flat; None when
    there is nothing for ce-lint in them (empty, or another tool's section)."""
    if not isinstance(options, dict):
        return None
    if any(option_key(k) in OPTION_KEYS for k in options):
        return options
    for key in ("ce-lint", "ce_lint", "celint", "settings"):
        if isinstance(options.get(key), dict):
            return unwrap(options[key]) or {}
    return None  # nothing for ce-lint: eglot, for one, sends {} in didChangeConfiguration


Configs = dict[Path, tuple[float, Settings]]


def editor_settings(path: str | None, root: str | None, options: dict[str, Any],
                    configs: Configs) -> tuple[Settings, list[str]]:
    """The settings for a document in an editor: the configuration file that applies to its path
    (or to the workspace's root, for a document that is not a file), loaded again only when it
    changes (`configs` remembers), then the editor's options. Also the errors, one line each."""
    settings, errors = Settings(), []
    if not option(options, "isolated"):
        config = find_config(Path(path) if path else Path(root or os.getcwd()))
        if config is not None:
            try:
                mtime = config.stat().st_mtime
                cached = configs.get(config)
                if cached is None or cached[0] != mtime:
                    cached = (mtime, load(config))
                    configs[config] = cached
                settings = cached[1]
            except (ConfigError, OSError) as exc:
                errors.append(str(exc))
    try:
        return apply_options(settings, options), errors
    except ConfigError as exc:
        return settings, [*errors, str(exc)]
