"""Keras facts: models, their output layers, and what each is compiled and fitted with.

Covers `keras`, `tf.keras`, `tensorflow.keras` and `tf_keras` (names.canonical folds them),
models built with Sequential (list or `.add`), the functional API, subclassing, and builder
functions; losses and metrics as strings, functions, objects or variables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from ..names import activation_of, keras_member
from ..vocab import keras as k
from ..vocab import tensorflow as tf
from ..vocab.symbols import SOFTMAX, Param
from .expressions import dotted
from .keras_values import (
    Act,
    Compile,
    KerasModuleFacts,
    KModel,
    Layer,
    Loss,
    LossUse,
    Metric,
    OutputFacts,
    SoftmaxUse,
    Tensor,
    activation_value,
    apply_layer,
    is_model_class,
)
from .plugin import Args, Plugin
from .targets import Dataset, Target
from .values import UNKNOWN, ClassVal, Const, Ext, Func, Mapping, Scalar, Seq, Unknown, Value, literal

if TYPE_CHECKING:
    from .evaluator import Evaluator


class KerasFacts(Plugin):
    def __init__(self, ev: Evaluator) -> None:
        super().__init__(ev)
        self.facts = KerasModuleFacts()
        self._forwarding: dict[cst.CSTNode, Value] = {}  # loss functions that forward to a Keras loss

    # -- constructors and functions ----------------------------------------------------

    def call_ext(self, qname: str, call: cst.Call, args: Args) -> Value | None:
        if qname.startswith(tf.LEGACY_MODE):
            self.facts.legacy_api = True
            return None
        member = keras_member(qname)
        if member in k.SAME_VALUES or qname in tf.SAME_VALUES:
            return _same_values(args.get(0), call)
        if member is None:
            act = activation_of(qname)
            return self._activation_call(act, call, args) if act else None
        group, name = member
        if group in k.LOSS_FUNCTION_ARGS and k.loss_name(name) == name:
            self._loss_function(name, group, call, args)
            return None
        if any(kw in k.KERAS1_KWARGS for kw in args.kw):
            self.facts.legacy_api = True
        if group in k.MODEL_GROUPS and name in k.MODELS:
            return self._model(name, call, args)
        if member == k.SET_IMAGE_DATA_FORMAT:
            if literal(args.get(0)) == k.CHANNELS_FIRST:
                self.facts.channels_first = True
            return None
        if group in ("layers", "") and name == k.INPUT:
            return Tensor(UNKNOWN, UNKNOWN, None)
        if group == "layers":
            return self._layer(name, call, args)
        if group == "losses" and name in k.LOSS_CLASSES:
            return self._loss_object(name, call, args)
        if group in k.ACTIVATION_GROUPS and name in k.ACTIVATIONS:
            return self._activation_call(name, call, args)
        return None

    def _layer(self, kind: str, call: cst.Call, args: Args) -> Value:
        name = literal(args.get(None, "name"))
        layer = Layer(kind, call, name=name if isinstance(name, str) else None, keeps=kind in k.RESHAPING_LAYERS)
        if kind == k.LAMBDA:
            self._lambda(layer, args.get(k.LAMBDA_FUNCTION.index, k.LAMBDA_FUNCTION.name), call)
        if kind == k.TIME_DISTRIBUTED:
            inner = args.get(0, "layer")
            return inner if isinstance(inner, Layer) else layer
        if kind in k.UNIT_LAYERS:
            units_arg = k.UNIT_LAYERS[kind]
            units = literal(args.get(0, units_arg)) if units_arg else UNKNOWN
            channels_first = literal(args.get(None, "data_format")) == k.CHANNELS_FIRST or (
                kind != k.DENSE and self.facts.channels_first)
            layer.units = units if type(units) is int and not channels_first else UNKNOWN
            where = k.DENSE_ACTIVATION if kind == k.DENSE else k.LAYER_ACTIVATION
            if args.has(where.index, where.name):
                value, node = args.get_with_node(where.index, where.name)
                layer.act = activation_value(value, node)
            elif args.starred:
                layer.act = UNKNOWN
            else:
                layer.act = Act(k.LINEAR, call)
            if isinstance(layer.act, Act) and layer.act.name == SOFTMAX and isinstance(layer.units, int):
                self.facts.softmax_used(SoftmaxUse(layer.units, layer.act.node, layer))
        elif kind == k.ACTIVATION:
            value, node = args.get_with_node(0, "activation")
            layer.act = activation_value(value, node)
        elif kind in k.ACTIVATION_LAYERS:
            axis = k.SOFTMAX_LAYER_AXIS
            off_last_axis = kind == k.SOFTMAX_LAYER and args.has(axis.index, axis.name) and literal(
                args.get(axis.index, axis.name)) != k.LAST_AXIS
            layer.act = UNKNOWN if off_last_axis else Act(k.ACTIVATION_LAYERS[kind], call)
        return layer

    def _lambda(self, layer: Layer, function: Value, call: cst.Call) -> None:
        """What a `Lambda(f)` does, from what `f` does to a tensor: keep its values (a cast), or apply an activation."""
        if not isinstance(function, Func):
            return
        probe = Tensor(UNKNOWN, Act(k.LINEAR, call), None)
        result = self.ev.call_function(function, Args(pos=[(probe, call)]), call)
        if isinstance(result, Tensor) and result.act is probe.act:
            layer.keeps = True
        elif isinstance(result, Tensor) and isinstance(result.act, Act):
            layer.act = result.act

    def _activation_call(self, act: str, call: cst.Call, args: Args) -> Value:
        """`tf.nn.softmax(x)`, `keras.activations.sigmoid(x)`, `ops.softmax(x)` on a tensor."""
        tensor = args.get(k.ACTIVATION_INPUT.index, k.ACTIVATION_INPUT.name)
        if not isinstance(tensor, Tensor):
            tensor = Tensor(UNKNOWN, UNKNOWN, None)
        axis = k.ACTIVATION_AXIS
        if args.has(axis.index, axis.name) and literal(args.get(axis.index, axis.name)) != k.LAST_AXIS:
            return Tensor(tensor.units, UNKNOWN, tensor.layer, tensor.name)
        result = Tensor(tensor.units, Act(act, call), tensor.layer, tensor.name, tensor.conditional)
        if act == SOFTMAX and isinstance(tensor.units, int):
            self.facts.softmax_used(SoftmaxUse(tensor.units, call, tensor.layer))
        return result

    def _model(self, name: str, call: cst.Call, args: Args) -> Value | None:
        if name == k.SEQUENTIAL:
            model = KModel(Ext(k.SEQUENTIAL_CLASS), node=call, kind="sequential", depth=self.ev.branch_depth)
            layers = args.get(0, "layers")
            if isinstance(layers, Seq):
                model.layers = [UNKNOWN] * layers.open + list(layers.items)  # open: only its last layers are known
                model.output_tensors(self.facts)  # records the softmax layers it applies
            elif args.has(0, "layers"):
                model.layers = [UNKNOWN]
            return model
        if not args.has(1, "outputs"):
            return None
        model = KModel(Ext(k.MODEL_CLASS), node=call, kind="functional", depth=self.ev.branch_depth)
        model.outputs = _functional_outputs(args)
        return model

    def _loss_object(self, cls_name: str, call: cst.Call, args: Args) -> Value | None:
        name = k.loss_name(cls_name)
        if name is None:
            return None
        loss = Loss(name, call)
        where = k.LOSSES[name].from_logits
        if where is not None:
            if args.has(where.index, where.name):
                value, node = args.get_with_node(where.index, where.name)
                flag = literal(value)
                loss.from_logits = flag if isinstance(flag, bool) else UNKNOWN
                loss.from_logits_node = node
            elif args.starred:
                loss.from_logits = UNKNOWN
        return loss

    # -- layers and models in use --------------------------------------------------------

    def call_value(self, func: Value, call: cst.Call, args: Args) -> Value | None:
        if isinstance(func, (Layer, KModel)):
            return apply_layer(func, args.get(0, "inputs"), self.facts)
        if isinstance(func, Loss):
            self._used(func, call, args, k.LOSS_CALL)
        return None

    def _loss_function(self, name: str, group: str, call: cst.Call, args: Args) -> None:
        """`keras.losses.binary_crossentropy(y, model(x), from_logits=True)` in a training loop."""
        loss = Loss(name, call, function=True)
        where = k.LOSS_FUNCTION_FROM_LOGITS
        if args.has(where.index, where.name):
            value, node = args.get_with_node(where.index, where.name)
            flag = literal(value)
            loss.from_logits, loss.from_logits_node = (flag if isinstance(flag, bool) else UNKNOWN), node
        elif args.starred:
            loss.from_logits = UNKNOWN
        self._used(loss, call, args, k.LOSS_FUNCTION_ARGS[group])

    def _used(self, loss: Loss, call: cst.Call, args: Args, where: tuple[Param, Param]) -> None:
        """A loss computed outside compile(), on a model's output the analysis knows."""
        target, output = (args.get(p.index, p.name) for p in where)
        if isinstance(output, Tensor):
            self.facts.loss_uses.append(LossUse(call, OutputFacts(output, loss, [], direct=True), target))

    def instantiate(self, cls: ClassVal, call: cst.CSTNode, args: Args | None) -> Value | None:
        if not cls.inherits(is_model_class):
            return None
        model = KModel(cls, node=call, kind="subclass", depth=self.ev.branch_depth)
        self.ev.run_init(model, args, call)
        method = cls.method(k.CALL)
        if method is not None:
            result = self.ev.call_function(method, Args(), call, self_value=model)
            model.outputs = list(result.items) if isinstance(result, Seq) else [result]
        elif args is not None and args.has(1, "outputs") and _passes_through(cls.method(INIT), args):
            model.outputs = _functional_outputs(args)  # `CustomModel(inputs, outputs)`: a functional model
        return model

    def call_method(self, obj: Value, name: str, call: cst.Call, args: Args) -> Value | None:
        if not isinstance(obj, KModel):
            return None
        if name == k.ADD:
            layer = args.get(0, "layer")
            if isinstance(layer, Layer) and self.ev.branch_depth > obj.depth:
                layer = _conditional(layer)
            obj.layers.append(layer if isinstance(layer, (Layer, KModel)) else UNKNOWN)
            obj.output_tensors(self.facts)
            return Const(None, call)
        if name == k.POP and obj.layers:
            obj.layers.pop()
            return UNKNOWN
        if name == k.COMPILE:
            self._compile(obj, call, args)
            return Const(None, call)
        if name in k.FIT:
            if k.KERAS1_EPOCHS in args.kw:  # Keras 1's name: runs only on Keras <= 2.3, tf.keras <= 2.1, graph mode
                self.facts.legacy_api = True
            target = args.get(1, "y") if name != k.FIT_GENERATOR else UNKNOWN
            data = args.get(0, "x" if name != k.FIT_GENERATOR else "generator")
            if (name == k.FIT_GENERATOR or not args.has(1, "y")) and isinstance(data, Dataset):
                target = data.target
            if isinstance(target, Target):
                obj.fitted(target)
            return UNKNOWN
        if name in k.APPLY:
            return apply_layer(obj, args.get(0, "inputs"), self.facts)
        return None

    def _forwarded(self, func: Func) -> Value:
        """`def loss(labels, logits): return keras.losses.sparse_categorical_crossentropy(labels, logits,
        from_logits=True)`: a function that hands its two arguments, in order, to a Keras loss function
        is that loss (one Loss per function, shared by every compile() given it)."""
        if func.node in self._forwarding:
            return self._forwarding[func.node]
        self._forwarding[func.node] = UNKNOWN
        call = _returned_call(func.node)
        params = func.node.params
        names = [p.name.value for p in params.params]
        if call is None or len(names) != 2 or params.posonly_params or params.kwonly_params or isinstance(
                params.star_arg, cst.Param) or params.star_kwarg is not None or any(arg.star for arg in call.args):
            return UNKNOWN
        positional = [arg.value for arg in call.args if arg.keyword is None]
        if [p.value if isinstance(p, cst.Name) else None for p in positional] != names or not dotted(call.func):
            return UNKNOWN
        callee = self.ev.eval(call.func, func.scope)
        member = keras_member(callee.qname) if isinstance(callee, Ext) else None
        if member is None or member[0] != "losses" or k.loss_name(member[1]) != member[1]:
            return UNKNOWN
        loss = Loss(member[1], call, function=True)
        flag = next((arg.value for arg in call.args if arg.keyword and arg.keyword.value == "from_logits"), None)
        if flag is not None:
            value = literal(self.ev.eval(flag, func.scope))
            loss.from_logits, loss.from_logits_node = (value if isinstance(value, bool) else UNKNOWN), flag
        self._forwarding[func.node] = loss
        return loss

    def _compile(self, model: KModel, call: cst.Call, args: Args) -> None:
        tensors = model.output_tensors()
        loss_value, loss_node = args.get_with_node(1, "loss")
        metrics_value = args.get(None, "metrics")
        if not args.has(None, "metrics") and len(args.pos) > 2 and _looks_like_metrics(args.pos[2][0]):
            metrics_value = args.pos[2][0]  # Keras 2 order: optimizer, loss, metrics
        losses = [self._forwarded(loss) if isinstance(loss, Func) else loss
                  for loss in _per_output(loss_value, tensors, nested=False)]
        metrics = _per_output(metrics_value, tensors, nested=True)
        outputs = []
        for tensor, loss, metric in zip(tensors, losses, metrics):
            items = metric.items if isinstance(metric, Seq) else ([metric] if metric is not UNKNOWN else [])
            metric_nodes = [Metric(m, getattr(m, "node", None)) for m in items]
            outputs.append(OutputFacts(tensor, loss_of(loss, loss_node), metric_nodes))
        compiled = Compile(call, model, outputs, model.unpaired if not model.compiles else [])
        model.compiles.append(compiled)
        self.facts.compiles.append(compiled)


def loss_of(value: Value, node: cst.CSTNode | None) -> Loss | Unknown:
    """The Loss a compile() `loss=` value stands for, or UNKNOWN."""
    if isinstance(value, Loss):
        return value
    if isinstance(value, Const) and isinstance(value.value, str):
        name = k.loss_name(value.value)
        return Loss(name, value.node) if name else UNKNOWN
    if isinstance(value, Ext) and node is not None:
        member = keras_member(value.qname)
        if member is not None and member[0] == "losses":
            name = k.loss_name(member[1])
            if name and member[1] == name:  # the function, not the class
                return Loss(name, node)
    return UNKNOWN


INIT = "__init__"


def _returned_call(node: cst.FunctionDef | cst.Lambda) -> cst.Call | None:
    """The call a function body is: `lambda y, p: f(y, p)`, or a def whose one statement (after a
    docstring) is `return f(y, p)`."""
    if isinstance(node, cst.Lambda):
        return node.body if isinstance(node.body, cst.Call) else None
    body = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr) and \
            isinstance(body[0].body[0].value, cst.SimpleString):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return None
    returned = body[0].body[0]
    return returned.value if isinstance(returned, cst.Return) and isinstance(returned.value, cst.Call) else None


def _functional_outputs(args: Args) -> list[Value]:
    """The output tensors of `Model(inputs, outputs)`: one, a list, or a dict of named outputs."""
    outputs = args.get(1, "outputs")
    if isinstance(outputs, Seq):
        return list(outputs.items)
    if isinstance(outputs, Mapping):
        return [_named(t, key) for key, t in outputs.items.items()]
    return [outputs]


def _passes_through(init: Func | None, args: Args) -> bool:
    """A model subclass's `__init__` that takes Model's arguments as they are given: none, or
    `(self, *args, **kwargs)` (`**kwargs` alone for keywords)."""
    if init is None:
        return True
    params = init.node.params
    return (len(params.params) == 1 and not params.posonly_params and not params.kwonly_params
            and (isinstance(params.star_arg, cst.Param) or not args.pos)
            and (isinstance(params.star_kwarg, cst.Param) or not args.kw))


def _per_output(value: Value, tensors: list[Value], nested: bool) -> list[Value]:
    """Split a loss or metrics argument over the model outputs: a dict by output name, a list by
    position (for metrics only a list of lists); anything else applies to every output."""
    count = len(tensors)
    if isinstance(value, Mapping):
        return [value.items.get(t.name, UNKNOWN) if isinstance(t, Tensor) and t.name else UNKNOWN for t in tensors]
    if isinstance(value, Seq) and len(value.items) == count and (count > 1 or not nested):
        if not nested or all(isinstance(i, (Seq, Mapping)) for i in value.items):
            return list(value.items)
    return [value] * count


def _same_values(tensor: Value, call: cst.Call) -> Value | None:
    """A cast (or a new shape) of a model output: the values its activation made, on an axis of unknown size."""
    if not isinstance(tensor, Tensor):
        return None
    return Tensor(UNKNOWN, tensor.act, tensor.layer, tensor.name, tensor.conditional, call)


def _looks_like_metrics(value: Value) -> bool:
    return isinstance(value, Seq) and all(isinstance(i, Const) and isinstance(i.value, str) for i in value.items)


def _named(tensor: Value, key: Scalar) -> Value:
    if isinstance(tensor, Tensor) and isinstance(key, str):
        return Tensor(tensor.units, tensor.act, tensor.layer, key, tensor.conditional, tensor.after)
    return tensor


def _conditional(layer: Layer) -> Layer:
    return Layer(layer.kind, layer.node, layer.units, layer.act, layer.name, conditional=True)
