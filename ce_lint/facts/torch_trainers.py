"""Libraries that set a PyTorch model up, or train it themselves (facts/torch.py calls these).

- Lightning Fabric's `setup` and Accelerate's `prepare` return what they are given, wrapped: the
  model keeps what it is.
- ignite's `create_supervised_trainer(model, optimizer, loss_fn)` computes `loss_fn(model(x), y)`;
  skorch's nets compute `criterion(module(X), y)`, and NeuralNetClassifier first takes the log of the
  output when its criterion is NLLLoss (its default). Each is recorded as a loss call at the trainer,
  fed the model's output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from .. import vocab
from ..vocab import torch as tv
from ..vocab.symbols import NLL, TensorLoss
from .plugin import Args
from .torch_values import Criterion, LossCall, LossForm
from .values import UNKNOWN, ClassVal, Ext, Func, Instance, Seq, Value

if TYPE_CHECKING:  # (only in annotations: evaluating cst.CSTNode here would load libcst on import)
    from .torch import TorchFacts

    Chosen = tuple[TensorLoss, cst.CSTNode, LossForm]  # a loss, where it is written, and how


def set_up(obj: Value, name: str, call: cst.Call, args: Args) -> Value | None:
    """`model, opt = fabric.setup(model, opt)`, `accelerator.prepare(model, opt, loader)`: what they were given."""
    if type(obj) is not Instance or not isinstance(obj.cls, Ext):
        return None
    methods = tv.SETUP_METHODS.get(obj.cls.qname)
    if methods is None or name not in methods or args.starred or args.kw or not args.pos:
        return None
    given = [value for value, _ in args.pos]
    return given[0] if len(given) == 1 else Seq(given, call)


def _chosen(value: Value, node: cst.CSTNode | None, classes: bool = False) -> Chosen | None:
    """The loss a trainer is handed: a criterion object, a functional loss, or (skorch) a criterion class."""
    if node is None:
        return None
    if isinstance(value, Criterion):
        return value.loss, value.node, "criterion"
    if isinstance(value, Ext):
        if value.qname in vocab.LOSS_FUNCTIONS:
            return vocab.LOSS_FUNCTIONS[value.qname], node, "function"
        if classes and value.qname in tv.CRITERIA:
            return tv.CRITERIA[value.qname], node, "criterion"
    return None


def _called(plugin: TorchFacts, func: Value, args: list[Value], call: cst.Call) -> Value | None:
    """A function the trainer is given, applied as the trainer applies it; None if it can't be followed."""
    if not isinstance(func, Func):
        return None
    return plugin.ev.call_function(func, Args(pos=[(value, call) for value in args]), call)


def ignite(plugin: TorchFacts, call: cst.Call, args: Args) -> None:
    """`create_supervised_trainer(model, optimizer, criterion)`: `criterion(model_transform(model(x)), y)`."""
    if args.starred:
        return
    chosen = _chosen(*args.get_with_node(tv.IGNITE_LOSS.index, tv.IGNITE_LOSS.name))
    if chosen is None:
        return
    model = args.get(tv.IGNITE_MODEL.index, tv.IGNITE_MODEL.name)
    model_fn, transform = tv.IGNITE_MODEL_FN, tv.IGNITE_MODEL_TRANSFORM
    output: Value | None = plugin.output_of(model, call)
    if args.has(model_fn.index, model_fn.name):
        output = _called(plugin, args.get(model_fn.index, model_fn.name), [model, UNKNOWN], call)
    if output is not None and args.has(transform.index, transform.name):
        output = _called(plugin, args.get(transform.index, transform.name), [output], call)
    if output is not None:
        loss, node, form = chosen
        plugin.record_loss(LossCall(loss, output, UNKNOWN, call, node, form))


def skorch(plugin: TorchFacts, qname: str, call: cst.Call, args: Args) -> None:
    """`NeuralNetClassifier(Module, criterion=nn.CrossEntropyLoss)`: `criterion(module(X), y)`."""
    where, default = tv.SKORCH_NETS[qname]
    if args.starred:
        return
    chosen: Chosen | None = None
    if args.has(where.index, where.name):
        chosen = _chosen(*args.get_with_node(where.index, where.name), classes=True)
    elif default is not None:
        chosen = default, call, "default"
    module = _module(plugin, args.get(tv.SKORCH_MODULE.index, tv.SKORCH_MODULE.name), call, args)
    if chosen is None or module is None:
        return
    loss, node, form = chosen
    output = plugin.output_of(module, call)
    if qname == tv.SKORCH_LOGS_FOR_NLL and loss.kind == NLL:
        output = plugin.log_of(output, call, tv.LIBRARY.name) or UNKNOWN  # get_loss: log(y_pred + eps)
    plugin.record_loss(LossCall(loss, output, UNKNOWN, call, node, form))


def _module(plugin: TorchFacts, module: Value, call: cst.Call, args: Args) -> Value | None:
    """The module a skorch net trains: the object given, or the class built with its `module__*` arguments."""
    if isinstance(module, ClassVal):
        prefix = tv.SKORCH_MODULE_PARAMS
        kw = {name[len(prefix):]: given for name, given in args.kw.items() if name.startswith(prefix)}
        return plugin.ev.instantiate(module, call, Args(kw=kw))
    return None if module is UNKNOWN else module
