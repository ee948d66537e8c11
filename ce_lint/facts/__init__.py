"""Facts: what a module means, gathered in one pass and read by the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from ..config import Settings
from ..names import canonical
from ..vocab import keras as k
from ..vocab import tensorflow as tf
from .evaluator import Evaluator
from .keras import KerasFacts
from .keras_values import KerasModuleFacts
from .metrics import MetricsFacts, MetricsModuleFacts
from .numerics import NumericsFacts, NumericsModuleFacts
from .targets import TargetFacts
from .torch import TorchFacts, TorchModuleFacts
from .values import Ext, Value

if TYPE_CHECKING:
    from libcst.metadata import CodeRange

    from ..incremental import Positions as SplitPositions
    from ..notebooks import CellMap
    from .positions import Positions

PLUGINS = (KerasFacts, MetricsFacts, NumericsFacts, TargetFacts, TorchFacts)  # in any order


@dataclass
class ModuleFacts:
    module: cst.Module
    settings: Settings
    keras: KerasModuleFacts
    torch: TorchModuleFacts
    numerics: NumericsModuleFacts
    imported: set[str]
    globals: dict[str, Value]  # the module's names and what they are bound to
    _positions: Positions | SplitPositions | None = field(default=None, repr=False)
    metrics: MetricsModuleFacts = field(default_factory=MetricsModuleFacts)  # torchmetrics, HuggingFace
    cell_map: CellMap | None = field(default=None, repr=False)  # a notebook's cells; None for a script

    def position(self, node: cst.CSTNode) -> CodeRange:
        """The CodeRange of a node (1-based lines, 0-based columns), computed on first use only:
        files without findings never pay for it."""
        if self._positions is None:
            from .positions import Positions

            self._positions = Positions(self.module)
        return self._positions[node]

    def line(self, node: cst.CSTNode) -> int:
        return self.position(node).start.line

    def where(self, node: cst.CSTNode) -> str:
        """How a message names another place: "line 16", or in a notebook "cell 7, line 2"."""
        line = self.line(node)
        return self.cell_map.where(line) if self.cell_map is not None else f"line {line}"

    def alias(self, qname: str) -> str | None:
        """Source text naming an imported module: "keras" for `import keras`, "K" for
        `from tensorflow import keras as K`, "tf.keras" for `import tensorflow as tf`..."""
        for name, value in self.globals.items():
            if isinstance(value, Ext) and canonical(value.qname) == qname:
                return name
        if qname == k.KERAS:  # tf.keras
            tensorflow = self.alias(tf.TF)
            return f"{tensorflow}.{k.KERAS}" if tensorflow else None
        if qname.startswith(k.KERAS + "."):  # keras.ops from `import keras`
            keras = self.alias(k.KERAS)
            return f"{keras}{qname[len(k.KERAS):]}" if keras else None
        return None

    @property
    def uses_tensorflow(self) -> bool:
        return any(tf.LIBRARY.owns(name) for name in self.imported)


def collect(module: cst.Module, settings: Settings) -> ModuleFacts:
    ev = Evaluator(module, PLUGINS)
    ev.run()
    implicit = {}
    if ev.unbound:
        from .snippets import implicit_keras  # here: its visitor class would load libcst on import

        implicit = implicit_keras(module, ev.unbound)
    if implicit:  # a snippet that uses Keras without importing it: run again with its names bound
        ev = Evaluator(module, PLUGINS)
        ev.module_scope.vars.update({name: Ext(qname) for name, qname in implicit.items()})
        ev.run()
    keras = next(p for p in ev.plugins if isinstance(p, KerasFacts)).facts
    torch = next(p for p in ev.plugins if isinstance(p, TorchFacts)).facts
    numerics = next(p for p in ev.plugins if isinstance(p, NumericsFacts)).facts
    facts = ModuleFacts(module, settings, keras, torch, numerics, ev.imported, ev.module_scope.vars)
    facts.metrics = next(p for p in ev.plugins if isinstance(p, MetricsFacts)).facts
    return facts
