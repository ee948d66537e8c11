"""The language server (`ce-lint server`): server.py runs it; positions.py, actions.py, options.py
and notebooks.py hold its parts. Needs pygls (`pip install 'ce-lint[lsp]'`)."""

from .server import build_server, serve

__all__ = ["build_server", "serve"]
