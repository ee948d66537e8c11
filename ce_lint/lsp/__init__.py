"""The language server (`ce-lint server`): server.py runs it; positions.py, actions.py,
analysis.py, configuration.py and notebooks.py hold its parts (editor options are read by
ce_lint/editor_options.py, shared with the pylsp plugin). Needs pygls (`pip install 'ce-lint[lsp]'`)."""

from .server import build_server, serve

__all__ = ["build_server", "serve"]
