"""Which configuration applies to a file: the nearest pyproject.toml with a [tool.ce-lint] table (or
ce-lint.toml) in its folder or above, as Ruff finds it, with what it `extend`s; then the command
line's options on top. The command and the language server both ask here, so they agree."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ConfigError, Settings, find_config, load


@dataclass(frozen=True)
class Project:
    """The settings of one configuration file and the folder it configures (the current folder, and
    the defaults, when there is none)."""

    settings: Settings
    root: Path
    config: Path | None = None


class Resolver:
    """The project of each folder, each configuration file read once. `config` (--config) applies to
    every file; `isolated` ignores them all; `overrides` (the command line's) beat the files."""

    def __init__(self, overrides: dict[str, Any] | None = None, config: Path | None = None,
                 isolated: bool = False) -> None:
        self.overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        self.config = config
        self.isolated = isolated
        self._by_folder: dict[str, Project] = {}
        self._by_config: dict[Path | None, Project] = {}
        if config is not None and not isolated and not config.is_file():
            raise ConfigError(f"{config}: configuration file not found")

    def for_path(self, path: str | Path) -> Project:
        """The project of a file or a folder (a missing path: of the folder it would be in)."""
        folder = os.path.abspath(path)
        if not os.path.isdir(folder):
            folder = os.path.dirname(folder)
        return self.for_folder(folder)

    def for_folder(self, folder: str) -> Project:
        if folder not in self._by_folder:
            found = None if self.isolated else self.config or find_config(Path(folder))
            self._by_folder[folder] = self._project(found)
        return self._by_folder[folder]

    def _project(self, config: Path | None) -> Project:
        key = config.resolve() if config is not None else None
        if key not in self._by_config:
            settings = load(config) if config is not None else Settings()
            extend_exclude = self.overrides.get("extend_exclude")
            overrides = dict(self.overrides)
            if extend_exclude is not None:
                overrides["extend_exclude"] = settings.extend_exclude + extend_exclude
            root = key.parent if key is not None else Path.cwd()
            self._by_config[key] = Project(settings.replace(**overrides), root, config)
        return self._by_config[key]

    def projects(self) -> list[Project]:
        """The projects met so far, in the order they were met."""
        return list(self._by_config.values())
