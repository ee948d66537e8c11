"""LSP 3.17 notebook document sync: a Jupyter notebook's cells are analysed as one module (as the
command does), and each finding is shown on the document of the cell it is in. A change in one
cell re-analyses the notebook and re-publishes every cell (a client that pulls diagnostics is asked
to pull again), so fixing a model in cell 2 clears the finding shown on its compile() in cell 5. A
cell that stops parsing while it is edited keeps its last diagnostics; the other cells are analysed
without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from ..notebooks import Cell, Notebook
from ..notebooks.magics import mask
from .actions import Document
from .analysis import Snapshot

if TYPE_CHECKING:
    from .server import CeLintServer

NOTEBOOK_TYPE = "jupyter-notebook"
SYNC = lsp.NotebookDocumentSyncOptions(notebook_selector=[lsp.NotebookDocumentFilterWithCells(
    notebook=NOTEBOOK_TYPE, cells=[lsp.NotebookCellLanguage(language="python")])], save=True)


def notebook_of(ls: CeLintServer, uri: str) -> str | None:
    """The URI of the open notebook that `uri` is, or holds `uri` as a cell; None otherwise."""
    if uri in ls.notebooks:
        return uri
    notebook = ls.workspace.get_notebook_document(cell_uri=uri)
    return notebook.uri if notebook is not None and notebook.uri in ls.notebooks else None


def snapshot(ls: CeLintServer, uri: str) -> Snapshot | None:
    notebook = ls.workspace.get_notebook_document(notebook_uri=uri)
    if notebook is None:
        return None
    cells: list[Cell] = []
    documents: dict[int | None, Document] = {}
    for number, cell in enumerate(notebook.cells, start=1):
        document = ls.workspace.text_documents.get(unquote(cell.document))
        source = document.source if document is not None else ""
        kind = "code" if cell.kind == lsp.NotebookCellKind.Code else "markdown"
        language = document.language_id if document is not None else None
        cells.append(Cell(number, kind, source, language))
        if document is not None and kind == "code":
            documents[number] = Document(cell.document, document.version, ls.text_of(source), mask(source))
    fs_path = to_fs_path(uri) if uri.startswith("file:") else None
    numbers = {cell.document: number for number, cell in enumerate(notebook.cells, start=1)}
    return Snapshot(uri, fs_path or uri, fs_path, documents, Notebook(cells), numbers)


def register(server: CeLintServer) -> None:
    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_OPEN)
    async def did_open(ls: CeLintServer, params: lsp.DidOpenNotebookDocumentParams) -> None:
        ls.notebooks.add(params.notebook_document.uri)
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CHANGE)
    async def did_change(ls: CeLintServer, params: lsp.DidChangeNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, ls.configuration.debounce, cells_changed=True)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_SAVE)
    async def did_save(ls: CeLintServer, params: lsp.DidSaveNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CLOSE)
    async def did_close(ls: CeLintServer, params: lsp.DidCloseNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        ls.notebooks.discard(uri)
        ls.close(uri, {d.uri for d in params.cell_text_documents})
