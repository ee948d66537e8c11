"""The editor's options as the server gets them: pushed (initializationOptions,
workspace/didChangeConfiguration) and, from clients that can, pulled for each file's scope
(workspace/configuration, section "ce-lint"). editor_options.py reads and checks them, as the
command line's are checked; each problem is shown once, not at every keystroke."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from ..config import Settings
from ..editor_options import Configs, EditorOptions, editor_settings, merge, read_options, unwrap
from .actions import SOURCE
from .analysis import Snapshot

if TYPE_CHECKING:
    from .server import CeLintServer

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.3
CONFIGURATION_SECONDS = 10  # how long to wait for the client's answer to workspace/configuration


class Configuration:
    def __init__(self, server: CeLintServer) -> None:
        self.server = server
        self.pushed: dict[str, Any] = {}  # initializationOptions, didChangeConfiguration
        self.scoped: dict[str, dict[str, Any]] = {}  # file key -> its options pulled by workspace/configuration
        self.configs: Configs = {}  # configuration files loaded, by path
        self.reported: set[str] = set()  # messages already shown

    @property
    def debounce(self) -> float:
        ms = read_options(self.pushed).debounce_ms
        return DEBOUNCE_SECONDS if ms is None else ms / 1000

    def push(self, options: Any) -> bool:
        """Take the editor's options; False (and nothing changes) when none are for ce-lint."""
        found = unwrap(options)
        if found is None:
            return False
        self.pushed = dict(found)
        self.configs.clear()
        self.reported.clear()
        self.report(read_options(self.pushed))
        return True

    def ask_again(self) -> None:
        """The pull model's didChangeConfiguration: the options pulled so far may be stale."""
        self.scoped.clear()

    def forget(self, key: str) -> None:
        self.scoped.pop(key, None)

    async def pulled(self, key: str) -> dict[str, Any]:
        """The options the client gives for this file's scope when asked, remembered until the
        configuration changes; {} from a client that can't answer."""
        if not self.server.client_capability("workspace", "configuration"):
            return {}
        if key not in self.scoped:
            try:
                answer = await asyncio.wait_for(self.server.workspace_configuration_async(lsp.ConfigurationParams(
                    items=[lsp.ConfigurationItem(scope_uri=key, section=SOURCE)])), CONFIGURATION_SECONDS)
            except Exception as exc:  # noqa: BLE001 - no answer: the pushed options stand
                logger.info("workspace/configuration for %s: %s", key, exc)
                answer = None
            self.scoped[key] = dict(unwrap(answer[0]) or {}) if answer else {}
        return self.scoped[key]

    async def settings_for(self, snapshot: Snapshot) -> tuple[Settings, EditorOptions]:
        """Settings for a file: its project's configuration, then the pushed options, then those
        pulled for its scope, each overriding the one before."""
        options = read_options(merge(self.pushed, await self.pulled(snapshot.key)))
        self.report(options)
        settings, errors = editor_settings(snapshot.fs_path, self.server.workspace.root_path, options, self.configs)
        for error in errors:
            self._error_once(error)
        return settings, options

    def report(self, options: EditorOptions) -> None:
        for error in options.errors:
            self._error_once(error)
        if options.unknown:
            self._once(f"ce-lint: unknown option(s) ignored: {', '.join(sorted(options.unknown))}",
                       lambda message: self.server.window_log_message(
                           lsp.LogMessageParams(lsp.MessageType.Warning, message)))

    def _once(self, message: str, say: Callable[[str], object]) -> None:
        if message not in self.reported:
            self.reported.add(message)
            say(message)

    def _error_once(self, message: str) -> None:
        self._once(f"ce-lint: {message}",
                   lambda m: self.server.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Error, m)))
