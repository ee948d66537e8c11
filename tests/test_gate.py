"""The textual gate is conservative: every finding ce-lint reports with no gate but the vocabulary's,
on every fixture, clean script, notebook and test file, is in a text that holds its rule's anchors,
so the gate never hides a finding. A rule (or a new idiom of one) whose findings need a word its
anchors lack fails here, naming the file and the rule."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from ce_lint.config import Settings
from ce_lint.core import check_bytes
from ce_lint.diagnostics import FileError
from ce_lint.engine import decode
from ce_lint.gate import Gate, gate_for
from ce_lint.notebooks import ipynb, is_notebook
from ce_lint.rules import Rule, all_rules
from ce_lint.rules.suppressions import CODE as UNUSED_NOQA
from ce_lint.vocab import anchors as a
from ce_lint.vocab import torch as tv

from support import ROOT

FOLDERS = (ROOT / "fixtures", ROOT / "tests")
EVERY_RULE = Settings(select=("",))


def _files() -> Iterator[Path]:
    for folder in FOLDERS:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".ipynb") and path.is_file():
                yield path


def _text(path: Path) -> str:
    """The text the engine analyses: a script's, or a notebook's code cells as one module."""
    data = path.read_bytes()
    if is_notebook(str(path)):
        notebook, _ = ipynb.read(data)
        return notebook.module.text
    return decode(data)


def _ungated(rules: list[Rule]) -> list[Rule]:
    return [dataclasses.replace(rule, anchors=()) for rule in rules]


Found = list[tuple[Path, str, set[str]]]


def _found(rules: list[Rule]) -> Found:
    """(path, analysed text, codes found) of each file, with no gate but the vocabulary's."""
    found = []
    for path in _files():
        try:
            report = check_bytes(path.read_bytes(), str(path), EVERY_RULE, rules=_ungated(rules))
            found.append((path, _text(path), {d.code for d in report.diagnostics} - {UNUSED_NOQA}))
        except FileError:
            continue
    return found


def missing_anchors(rules: list[Rule], found: Found) -> list[str]:
    """'path: CODE' for each finding whose text lacks its rule's anchors."""
    by_code = {rule.code: rule for rule in rules}
    missing = []
    for path, text, codes in found:
        missing += [f"{path.relative_to(ROOT)}: {code}" for code in sorted(codes)
                    if not Gate([by_code[code]]).passes(text)]
    return missing


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return all_rules()


@pytest.fixture(scope="module")
def found(rules: list[Rule]) -> Found:
    return _found(rules)


def test_every_finding_passes_its_rules_anchors(rules: list[Rule], found: Found) -> None:
    assert sum(bool(codes) for _, _, codes in found) > 40  # the fixtures were analysed
    assert missing_anchors(rules, found) == []


def test_a_missing_anchor_is_caught(rules: list[Rule], found: Found) -> None:
    """The check above would see an anchor that a rule's findings don't need to contain."""
    narrowed = [dataclasses.replace(r, anchors=(*r.anchors, a.words("no-file-says-this")))
                if r.code == "CE101" else r for r in rules]
    assert "fixtures/CE101.py: CE101" in missing_anchors(narrowed, found)


def test_every_rule_declares_anchors(rules: list[Rule]) -> None:
    """A rule without anchors opens the gate to every file that mentions a framework."""
    assert [r.code for r in rules if not r.anchors and r.code != UNUSED_NOQA] == []
    assert all(all(anchor.found is not None for anchor in r.anchors) for r in rules)


def test_the_gate_keeps_out_framework_code_no_rule_can_fire_on() -> None:
    gate = gate_for([r for r in all_rules() if r.default_enabled])
    assert not gate.passes("import torch\n\nx = torch.zeros(3)\nprint(x.sum())\n")
    assert not gate.passes("import keras\nmodel = keras.Sequential([keras.layers.Dense(3)])\n")
    assert gate.passes("import torch.nn.functional as F\np = F.softmax(x)\n")
    assert gate.passes("from keras import layers\nlayers.Dense(1, activation='softmax')\n")
    assert not gate.passes("import logging\nimport torch\nlogging.info(torch.exp(x))\n")  # no `log` there


def test_the_gate_follows_the_enabled_rules() -> None:
    text = "import torch\nloss = torch.nn.BCELoss()(torch.sigmoid(z), y)\n"
    assert gate_for([r for r in all_rules() if r.code == "CE901"]).passes(text)
    assert not gate_for([r for r in all_rules() if r.code == "CE101"]).passes(text)


def _passes(code: str, text: str) -> bool:
    return gate_for([r for r in all_rules() if r.code == code]).passes(text)


def test_prose_is_not_code() -> None:
    """A name followed by another word is never code: a comment or docstring mentioning softmax
    holds no softmax; a name followed by a keyword or punctuation may be one."""
    assert not _passes("CE205", "import torch\n# the softmax outputs sum to one\n")
    assert _passes("CE205", "import torch\nact = softmax if x else None\n")
    assert _passes("CE205", "import torch\nfrom torch.nn.functional import softmax as sm\n")


def test_names_need_their_library_imported() -> None:
    """The analysis knows a library's names only from an absolute import of it."""
    imported = a.imported(tv.LIBRARY)
    for text in ("import torch", "import os, torch.nn as nn", "from torch import nn", "if T: import torch",
                 "import os as o, torch", "import os, \\\n    torch"):
        assert imported.found(text), text
    for text in ("# import torch", ">>> import torch", "from .torch import x", "from torchvision import x",
                 "x = torch.zeros(1)"):
        assert not imported.found(text), text
    assert not _passes("CE205", "import keras\ny = keras.activations.softmax(x)\n")  # not torch's
    relative = "from ...modeling_utils import PreTrainedModel\n# see transformers\nclass XForSequenceClassification: pass\n"
    assert not _passes("CE402", relative)
    assert _passes("CE402", "from transformers import AutoModelForSequenceClassification\n")


def test_torchmetrics_needs_a_task() -> None:
    assert not _passes("CE401", "from torchmetrics import MeanSquaredError\nm = MeanSquaredError()\n")
    assert _passes("CE401", "from torchmetrics import Accuracy\nm = Accuracy(task='binary')\n")
    assert _passes("CE401", "from torchmetrics.classification import MulticlassAccuracy\n")
    assert _passes("CE401", "import torchmetrics.functional as tmf\ntmf.binary_accuracy(p, t)\n")


def test_a_softmax_or_sigmoid_written_out() -> None:
    """exp(x) / sum(exp(x)) is a softmax to the analysis; no hand-written sigmoid is a sigmoid."""
    assert _passes("CE301", "import numpy as np\nnp.log(np.exp(x) / np.sum(np.exp(x)))\n")
    assert not _passes("CE301", "import numpy as np\nnp.log(np.exp(x))\n")
    assert not _passes("CE302", "import numpy as np\nnp.log(1 / (1 + np.exp(-x)))\n")
    assert _passes("CE302", "import torch\ntorch.log(torch.sigmoid(x))\n")


def test_comments_and_docstrings_are_not_code() -> None:
    from ce_lint.gate import code_of

    assert code_of('x = 1  # softmax\ndef f():\n    r"""The softmax, of x."""  # c\n    return 2\n') == \
        "x = 1  \ndef f():\n    r  \n    return 2\n"
    kept = 'a = "#not a comment"\nb = f"{d["k"]}"\nc = ("""\nvalue""")\ns = \'\'\'x\'\'\' + y\n'
    assert code_of(kept) == kept
    assert not _passes("CE205", 'import torch\n\ndef f(x):\n    """F.softmax(x), see above."""\n')
    assert not _passes("CE205", "import torch\ny = f(x)  # F.softmax(x) was slower\n")
