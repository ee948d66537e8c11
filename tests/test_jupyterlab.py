"""End to end in a real browser: JupyterLab with jupyterlab-lsp and pylsp (with ce-lint's plugin),
in Debian's headless Chromium driven by Playwright. A notebook's cell trains a 10-unit softmax
output with binary cross-entropy; CE102 must be shown on that cell, as a user sees it. The
plugin's settings come from JupyterLab's own settings, as the README shows them.

Needs `apt-get install chromium` (.ci/run installs it); Playwright never downloads a browser here.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without these, Chromium waits on the network this machine doesn't have.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 120_000  # an upper bound for any one wait; it takes a few seconds

pytest.importorskip("jupyterlab")
pytest.importorskip("jupyter_lsp")
pytest.importorskip("pylsp")
playwright = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

DATA_CELL = """\
import keras

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 784) / 255.0  # noqa: CE101"""

TRAINING_CELL = """\
model = keras.Sequential([
    keras.Input(shape=(784,)),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=3)"""


def notebook() -> dict:
    def cell(kind: str, source: str, index: int) -> dict:
        made = {"cell_type": kind, "id": f"cell-{index}", "metadata": {}, "source": source.splitlines(True)}
        return made | ({"execution_count": None, "outputs": []} if kind == "code" else {})

    return {"cells": [cell("markdown", "# MNIST, a first model", 0), cell("code", DATA_CELL, 1),
                      cell("code", TRAINING_CELL, 2)],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


# The README's JupyterLab settings (Settings > Language Servers), with the off-by-default CE902
# (a `# noqa` that suppresses nothing) selected so that they can be seen to arrive.
LSP_SETTINGS = {"language_servers": {"pylsp": {"serverSettings": {
    "pylsp.plugins.ce_lint.extendSelect": ["CE902"],
    "pylsp.plugins.pycodestyle.enabled": False,
}}}}


@dataclass
class Lab:
    url: str
    token: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path: Path):
    """JupyterLab on a free loopback port, from this environment (so jupyter-lsp finds its pylsp and
    the ce-lint plugin), with its own configuration, data and runtime folders."""
    root, home = tmp_path / "work", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    (root / "train.ipynb").write_text(json.dumps(notebook(), indent=1) + "\n", encoding="utf-8")
    settings = home / "settings" / "@jupyter-lsp" / "jupyterlab-lsp" / "plugin.jupyterlab-settings"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps(LSP_SETTINGS), encoding="utf-8")
    port, token = _free_port(), "ce-lint-e2e"
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               IPYTHONDIR=str(home / "ipython"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "jupyterlab.log").read_text()
                assert time.monotonic() < deadline, "JupyterLab did not start"
                time.sleep(0.2)
        yield Lab(url, token)
    finally:
        server.terminate()  # JupyterLab stops its kernel and language servers on the way out
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the group this fixture started, nothing else
            server.wait(30)
        log.close()


def test_ce102_is_shown_on_the_training_cell(lab: Lab, tmp_path: Path) -> None:
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{lab.url}/lab/tree/train.ipynb?token={lab.token}")
            cells = page.locator(".jp-Notebook .jp-CodeCell")
            training = cells.nth(1)
            training.wait_for()

            # the underline, on the loss of the training cell
            mark = training.locator(".cm-lintRange", has_text="binary_crossentropy").first
            mark.wait_for()
            assert mark.inner_text() == '"binary_crossentropy"'
            assert cells.nth(0).locator(".cm-lintRange", has_text="crossentropy").count() == 0

            # what the user reads on hovering it
            mark.hover()
            tip = page.locator(".cm-tooltip-lint .cm-diagnostic", has_text="10-unit softmax").first
            tip.wait_for()
            assert "binary_crossentropy on the 10-unit softmax output" in tip.inner_text()
            assert tip.locator(".cm-diagnosticSource").inner_text() == "ce-lint"

            # and jupyterlab-lsp's diagnostics panel names the code
            page.evaluate("window.jupyterapp.commands.execute('lsp:show-diagnostics-panel')")
            row = page.locator(".lsp-diagnostics-listing tbody tr", has_text="CE102").first
            row.wait_for()
            columns = row.locator("td").all_inner_texts()
            assert "ce-lint" in columns and columns[0].startswith("binary_crossentropy on the 10-unit softmax")

            # the settings arrived: CE902 on the data cell's idle noqa, pycodestyle off
            page.locator(".lsp-diagnostics-listing tbody tr", has_text="CE902").first.wait_for()
            headers = [h.strip() for h in page.locator(".lsp-diagnostics-listing thead th").all_inner_texts()]
            column = headers.index("Source") + 1
            sources = page.locator(f".lsp-diagnostics-listing tbody tr td:nth-child({column})").all_inner_texts()
            assert "ce-lint" in sources and "pycodestyle" not in sources, sources
        except BaseException:
            page.screenshot(path=str(tmp_path / "jupyterlab.png"))  # kept in pytest's tmp folder
            raise
        finally:
            browser.close()
