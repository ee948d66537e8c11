"""The vocabulary: every framework symbol the analysis knows, one module per library.

A library module declares, as data, what its symbols are: qualified names and other spellings,
what each function does to a value (softmax over which argument's axis, sigmoid, log...), which
input each loss expects and which targets, how fixes spell a replacement. The facts and rules read
names from here; no other module spells a framework's qualified name. Teaching the analysis a new
library is a new module here, listed in MODULES.

The tables that several libraries fill (ARRAY_FUNCTIONS, CONVERSIONS...) are merged below, so the
facts read one table whatever the library.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import TypeVar

from . import jax, keras, numpy, python, sklearn, tensorflow, torch, torchmetrics, transformers
from .symbols import ArrayFunction, Conversion, Library, Member, Param, Range, Sampler, TensorLoss

MODULES: tuple[ModuleType, ...] = (keras, tensorflow, torch, numpy, jax, python, sklearn, torchmetrics, transformers)
LIBRARIES: tuple[Library, ...] = tuple(module.LIBRARY for module in MODULES)

T = TypeVar("T")


def _merged(table: str, kind: type[T]) -> dict[str, T]:
    merged: dict[str, T] = {}
    for module in MODULES:
        entries: Mapping[str, T] = getattr(module, table, {})
        for key, value in entries.items():
            if key in merged:
                raise ValueError(f"{key} is declared twice in {table}")
            merged[key] = value
    return merged


def _union(table: str) -> frozenset[str]:
    return frozenset(name for module in MODULES for name in getattr(module, table, ()))


ARRAY_FUNCTIONS = _merged("ARRAY_FUNCTIONS", ArrayFunction)  # by qualified name
ARRAY_METHODS = _merged("ARRAY_METHODS", ArrayFunction)  # by method name
LOSS_FUNCTIONS = _merged("LOSS_FUNCTIONS", TensorLoss)  # functions computing a loss on tensors
CONVERSIONS = _merged("CONVERSIONS", Conversion)
RANGES = _merged("RANGES", Range)  # functions making evenly spaced numbers (`np.arange`)
SAMPLERS = _merged("SAMPLERS", Sampler)  # functions drawing samples from log-probabilities
CLASS_PICK_FUNCTIONS = _merged("CLASS_PICK_FUNCTIONS", Param)  # argmax/max over an axis: a class per row
ONE_HOT_FUNCTIONS = _union("ONE_HOT_FUNCTIONS")
ARGMAX_FUNCTIONS = _union("ARGMAX_FUNCTIONS")
ZEROS_FUNCTIONS = _union("ZEROS_FUNCTIONS")  # label arrays written cell by cell
ARANGE_FUNCTIONS = _union("ARANGE_FUNCTIONS")
SPELLINGS = tuple(spelling for library in LIBRARIES for spelling in library.spellings)
TRACED = frozenset(library.name for library in LIBRARIES if library.traced)
LOG_SIGMOIDS: dict[str, Member | None] = {m.LIBRARY.name: m.LOG_SIGMOID for m in MODULES
                                          if hasattr(m, "LOG_SIGMOID")}
CLIPS: dict[str, Member] = {m.LIBRARY.name: m.CLIP for m in MODULES if hasattr(m, "CLIP")}
_ARRAY_LIBRARIES = tuple(library for library in LIBRARIES if library.arrays)


def array_library(qname: str) -> str:
    """The array library a name belongs to ("numpy" for SciPy's too), or ""."""
    for library in _ARRAY_LIBRARIES:
        if library.owns(qname):
            return library.name
    return ""


def _gate_words() -> list[str]:
    words = sorted({word for library in LIBRARIES for word in library.gate})
    # A word that contains another adds nothing to a search for any of them.
    return [w for w in words if not any(other != w and other in w for other in words)]


# Every rule needs one of these in a file (gate.py searches for them, read from catalog.py).
GATE_WORDS = tuple(_gate_words())
