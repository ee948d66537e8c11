"""The vocabulary is the one place that names framework symbols, and what it declares holds
together: spellings fold onto canonical names, the textual gate lets through every name it
knows, and no qualified name is spelled anywhere else in ce_lint/."""

from __future__ import annotations

import ast
from pathlib import Path

from ce_lint import vocab
from ce_lint.engine import GATE
from ce_lint.names import canonical
from ce_lint.vocab import keras, torch

from support import ROOT

PACKAGE = ROOT / "ce_lint"
# The top-level modules whose qualified names the analysis spells, as the vocabulary knows them.
ROOTS = sorted({root for library in vocab.LIBRARIES for root in library.roots}
               | {s.prefix.split(".")[0] for s in vocab.SPELLINGS} | {"torchvision", "timm", "pandas", "tf"})
# What the gate let through before it was generated (engine.py at 303d557).
HAND_KEPT_GATE = ("keras", "tensorflow", "torch", "transformers", "softmax", "sigmoid", "crossentropy", "cross_entropy",
                  "np.log(", "numpy.log(", "expit")


def _string_literals(path: Path) -> list[str]:
    """Every string constant of a module, f-strings' literal parts included (docstrings excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def _qualified(text: str) -> bool:
    return any(text.startswith(root + ".") for root in ROOTS)


def test_qualified_names_are_spelled_only_in_the_vocabulary() -> None:
    # catalog.py is generated from the vocabulary (its gate words), never written: tests/test_catalog.py
    outside = {f"{path.relative_to(ROOT)}: {text!r}" for path in PACKAGE.rglob("*.py")
               if "vocab" not in path.parts and path != PACKAGE / "catalog.py"
               for text in _string_literals(path) if _qualified(text)}
    assert sorted(outside) == []


def test_each_qualified_name_is_spelled_in_one_module_of_the_vocabulary() -> None:
    where: dict[str, set[str]] = {}
    for path in (PACKAGE / "vocab").glob("*.py"):
        for text in _string_literals(path):
            if _qualified(text):
                where.setdefault(text, set()).add(path.name)
    assert {text: modules for text, modules in where.items() if len(modules) > 1} == {}


def test_declared_names_are_canonical() -> None:
    names = [*vocab.ARRAY_FUNCTIONS, *vocab.LOSS_FUNCTIONS, *vocab.CONVERSIONS, *torch.CRITERIA, *torch.WRAPPERS]
    assert [name for name in names if canonical(name) != name] == []


def test_spellings_fold_onto_the_canonical_names() -> None:
    assert canonical("tensorflow.keras.layers.Dense") == "keras.layers.Dense"
    assert canonical("tf_keras.src.losses.BinaryCrossentropy") == "keras.losses.BinaryCrossentropy"
    assert canonical("torch.nn.modules.loss.BCELoss") == "torch.nn.BCELoss"
    assert canonical("pytorch_lightning.trainer.trainer.Trainer") == torch.TRAINER
    assert keras.member(canonical("keras.src.layers.core.dense.Dense")) == ("layers", "Dense")


def test_the_gate_lets_through_every_name_it_knows() -> None:
    gated = [library for library in vocab.LIBRARIES if set(library.roots) <= set(library.gate)]
    names = [*vocab.ARRAY_FUNCTIONS, *vocab.LOSS_FUNCTIONS, *vocab.CONVERSIONS, *torch.CRITERIA]
    missed = [name for name in names for library in gated if library.owns(name) and not GATE.search(name)]
    assert missed == []
    for call in ("np.log(p)", "numpy.log(p)", "scipy.special.softmax(x)", "expit(x)", 'loss="binary_crossentropy"'):
        assert GATE.search(call), call


def test_the_gate_passes_at_least_what_the_hand_kept_one_passed() -> None:
    # The gate is a search for any of its words: one that each old word contains passes all it passed.
    assert all(GATE.search(word) for word in HAND_KEPT_GATE)


def test_array_methods_belong_to_one_library() -> None:
    libraries = {fn.lib for fn in vocab.ARRAY_METHODS.values()}
    assert libraries <= {library.name for library in vocab.LIBRARIES}
