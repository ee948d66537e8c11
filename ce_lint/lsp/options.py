"""Editor options (initializationOptions, workspace/didChangeConfiguration) as Settings."""

from __future__ import annotations

from typing import Any

from ..config import ConfigError, Settings, validate_codes

# -- settings ----------------------------------------------------------------------------------

_CODE_OPTIONS = ("select", "ignore", "extend-select", "extend-safe-fixes", "extend-unsafe-fixes")


def apply_options(settings: Settings, options: dict[str, Any]) -> Settings:
    """Editor options (initializationOptions, didChangeConfiguration) override the configuration
    file, as the command line's options do. Raises ConfigError for a value that can't be used."""
    changes: dict[str, Any] = {}
    for raw_key, value in options.items():
        key = raw_key.replace("_", "-")
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


_OPTION_KEYS = {*_CODE_OPTIONS, "keras-version", "unsafe-fixes", "isolated", "debounce-ms", "fix-all"}


def _unwrap(options: Any) -> dict[str, Any] | None:
    """Clients nest settings differently: {"ce-lint": {...}}, {"settings": {...}} or flat; None when
    there is nothing for ce-lint in them (empty, or another tool's section)."""
    if not isinstance(options, dict):
        return None
    if any(k.replace("_", "-") in _OPTION_KEYS for k in options):
        return options
    for key in ("ce-lint", "ce_lint", "celint", "settings"):
        if isinstance(options.get(key), dict):
            return _unwrap(options[key]) or {}
    return None  # nothing for ce-lint: eglot, for one, sends {} in didChangeConfiguration
