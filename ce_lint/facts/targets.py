"""What the module shows about the training targets: one-hot, integer class ids or multi-hot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import libcst as cst

from .. import vocab
from ..names import keras_member
from ..vocab import arrays, python, sklearn, tensorflow, torch
from ..vocab import keras as k
from ..vocab import numpy as npv
from ..vocab.symbols import INTEGER, MULTI_HOT, ONE_HOT, DType, Encoding
from . import rows
from .expressions import dotted
from .plugin import Args, Plugin
from .values import UNKNOWN, ClassVal, Const, Ext, Func, Instance, Mapping, Seq, Value, literal

if TYPE_CHECKING:
    from .evaluator import Evaluator

OriginKind = Literal["encoder", "one_hot", "argmax", "randint", "dataset", "literal", "one_hot_sum", "eye_rows", "rows",
                     "directory", "tokenizer", "unique", "map", "lookup"]


@dataclass(frozen=True)
class Origin:
    """What shows a target's encoding: an encoder (`LabelEncoder`), a function (`to_categorical`),
    literal rows, a labelled dataset (`mnist`)..."""

    kind: OriginKind
    name: str = ""  # the encoder, function or dataset
    dtype: DType | None = None  # of the labels it makes, where known (an encoder's integer output)


@dataclass(eq=False)
class Target(Value):
    """Labels whose encoding the module shows. A record: tagging one (a conversion that makes it
    float) gives a new Target, and the original keeps what it was."""

    tag_kind = "copy"
    encoding: Encoding | None  # None: not shown (yet: a zero-filled array before the loop that fills it)
    node: cst.CSTNode  # where the encoding is visible
    origin: Origin


@dataclass(eq=False)
class Dataset(Value):
    """Batches of (x, y) pairs whose y are these targets: a tf.data pipeline, a torch TensorDataset or
    DataLoader, a Keras directory iterator."""

    target: Value


@dataclass(eq=False)
class ClassIndex(Value):
    """`{name: i for i, name in enumerate(classes)}`: each label's class id, 0 to n-1."""

    node: cst.DictComp


@dataclass(eq=False)
class ClassId(Value):
    """One label's class id, looked up in a class index or a literal `{"cat": 0, "dog": 1}`."""

    node: cst.Subscript


@dataclass(eq=False)
class Enumerated(Value):
    """`enumerate(dataset)`: (step, batch) pairs."""

    dataset: Dataset


def encoding_of_literal(value: Value) -> Encoding | None:
    """Encoding of a literal label array: [[0,1],[1,0]] one-hot, [[1,1,0]] multi-hot, [0,2,1] integer."""
    if not isinstance(value, Seq) or len(value.items) < 2:
        return None
    rows = [row for row in value.items if isinstance(row, Seq)]
    if len(rows) == len(value.items):
        sums = []
        for row in rows:
            cells = [c.value if isinstance(c, Const) else None for c in row.items]
            if len(cells) < 2 or any(c not in (0, 1) or isinstance(c, bool) for c in cells):
                return None
            sums.append(sum(c for c in cells if isinstance(c, (int, float))))  # every cell is 0 or 1 here
        if any(s >= 2 for s in sums):
            return MULTI_HOT
        return ONE_HOT if all(s == 1 for s in sums) else None
    ids = [c.value if isinstance(c, Const) and type(c.value) is int and c.value >= 0 else None for c in value.items]
    if all(isinstance(c, int) for c in ids) and max(c for c in ids if isinstance(c, int)) >= 2:
        return INTEGER
    return None


class TargetFacts(Plugin):
    def call_ext(self, qname: str, call: cst.Call, args: Args) -> Value | None:
        member = keras_member(qname)
        last = qname.rsplit(".", 1)[-1]
        if member == k.TO_CATEGORICAL:
            return Target(ONE_HOT, call, Origin("one_hot", member[1]))
        if member in k.ONE_HOT_MEMBERS or qname in vocab.ONE_HOT_FUNCTIONS:
            return Target(ONE_HOT, call, Origin("one_hot", last))
        if member in k.ARGMAX_MEMBERS or qname in vocab.ARGMAX_FUNCTIONS:
            return Target(INTEGER, call, Origin("argmax", arrays.ARGMAX))
        if member is not None and member[0] == k.DATASETS and member[1] == k.LOAD_DATA:
            dataset = qname.split(".")[-2]
            if dataset in k.LABELLED_DATASETS:
                labels = Target(INTEGER, call, Origin("dataset", dataset))
                return Seq([Seq([UNKNOWN, labels]), Seq([UNKNOWN, labels])], call)
            return None
        if k.is_keras(qname) and last in k.DIRECTORY_DATASETS:
            return _from_directory(last, call, args)
        conversion = vocab.CONVERSIONS.get(qname)
        if conversion is not None and conversion.labels:
            first = args.get(0)
            if isinstance(first, (Target, Dataset)):
                return first
            if (shown := _appended_ids(first)) is not None:
                return Target(INTEGER, call, Origin("lookup", shown))
            encoding = encoding_of_literal(first)
            return Target(encoding, call, Origin("literal")) if encoding is not None else None
        if qname == npv.RANDINT:
            size = args.get(npv.RANDINT_SIZE.index, npv.RANDINT_SIZE.name)
            one_column = isinstance(size, Const) or (
                isinstance(size, Seq) and (len(size.items) == 1 or (
                    len(size.items) == 2 and isinstance(size.items[1], Const) and size.items[1].value == 1)))
            return Target(INTEGER, call, Origin("randint", last)) if one_column else None
        if qname in vocab.ZEROS_FUNCTIONS:
            shape = args.get(npv.SHAPE.index, npv.SHAPE.name)
            if qname not in npv.ZEROS_FUNCTIONS and len(args.pos) != 1:  # torch.zeros(n, k)
                shape = Seq([value for value, _ in args.pos])
            rows_of_classes = isinstance(shape, Seq) and len(shape.items) == 2 and not args.starred and not (
                isinstance(shape.items[1], Const) and shape.items[1].value == 1)  # (n, 1): one column, no classes
            return Target(None, call, Origin("rows")) if rows_of_classes else None
        if qname in (npv.UNIQUE, npv.FACTORIZE):
            return _class_ids(qname, call, args)
        if sklearn.is_train_test_split(qname):
            if args.starred:
                return None
            return Seq([item for value, _ in args.pos for item in (value, value)], call)
        if tensorflow.LIBRARY.owns(qname) and qname.endswith(tensorflow.FROM_TENSOR_SLICES):
            data = args.get(0)
            return Dataset(data.items[1]) if isinstance(data, Seq) and len(data.items) == 2 else None
        if qname in torch.PAIR_DATASETS:
            return Dataset(args.pos[1][0]) if len(args.pos) == 2 and not args.starred else None
        if qname in torch.LOADERS or qname in torch.ITERABLE_WRAPPERS:
            data = args.get(torch.LOADER_DATASET.index, torch.LOADER_DATASET.name)
            if isinstance(data, (Dataset, Enumerated)):
                return data
            return self._samples(data, call) if qname in torch.LOADERS else None
        if qname == ENUMERATE:
            data = args.get(0)
            return Enumerated(data) if isinstance(data, Dataset) else None
        return None

    def call_method(self, obj: Value, name: str, call: cst.Call, args: Args) -> Value | None:
        if isinstance(obj, Target):
            if name in arrays.KEEP_LABELS or (name in arrays.KEEP_INTEGER_LABELS and obj.encoding == INTEGER):
                return obj
            if name == arrays.ARGMAX:
                return Target(INTEGER, call, Origin("argmax", arrays.ARGMAX))
            return None
        if isinstance(obj, Dataset):
            if name == tensorflow.DATASET_MAP:
                return self._mapped(obj, args.get(0, "map_func"), call)
            return obj if name in tensorflow.DATASET_METHODS else None
        if name == arrays.ARGMAX and obj is not UNKNOWN:
            return Target(INTEGER, call, Origin("argmax", arrays.ARGMAX))
        if name in npv.LABEL_MAPPINGS and len(args.pos) == 1 and not args.kw and _class_id_map(args.get(0)):
            return Target(INTEGER, call, Origin("map", f"{name}({dotted(args.pos[0][1]) or '{...}'})"))
        if not (isinstance(obj, Instance) and isinstance(obj.cls, Ext)):
            return None
        if name == sklearn.FIT and sklearn.encoder_name(obj.cls.qname) is not None:
            return obj
        if name in sklearn.ENCODE:
            encoder = sklearn.encoder_name(obj.cls.qname)
            if encoder is not None:
                declared = sklearn.ENCODERS[encoder]
                return Target(declared.encoding, call, Origin("encoder", encoder, declared.dtype))
        if k.is_keras(obj.cls.qname):
            if name == k.TEXTS_TO_SEQUENCES and obj.cls.qname.endswith(k.TOKENIZER):
                return Target(INTEGER, call, Origin("tokenizer", name))
            if name in k.FLOW_POSITIONS:
                return _flow(name, call, args)
            if name == k.FLOW and obj.cls.qname.endswith(k.IMAGE_DATA_GENERATOR):
                labels = args.get(k.FLOW_Y.index, k.FLOW_Y.name)
                return Dataset(labels) if isinstance(labels, Target) else None
        return None

    def _samples(self, data: Value, call: cst.Call) -> Value | None:
        """A DataLoader over a Dataset class of the module: its samples are what `__getitem__` returns."""
        cls = data.cls if type(data) is Instance else None
        getitem = cls.method(torch.GET_ITEM) if isinstance(cls, ClassVal) else None
        if getitem is None:
            return None
        sample = self.ev.call_function(getitem, Args(pos=[(UNKNOWN, call)]), call, self_value=data)
        return Dataset(sample.items[1]) if isinstance(sample, Seq) and len(sample.items) == 2 else None

    def _mapped(self, dataset: Dataset, function: Value, call: cst.Call) -> Value | None:
        """`dataset.map(lambda x, y: (augment(x), y))`: the targets are what the function makes of them."""
        if not isinstance(function, Func) or not _takes_two(function):
            return None
        pair = self.ev.call_function(function, Args(pos=[(UNKNOWN, call), (dataset.target, call)]), call)
        return Dataset(pair.items[1]) if isinstance(pair, Seq) and len(pair.items) == 2 else None

    def attribute(self, obj: Value, name: str, node: cst.Attribute | None) -> Value | None:
        if isinstance(obj, Target) and name in arrays.LABEL_VIEWS:
            return obj
        if name == npv.CODES and node is not None and (
                (isinstance(node.value, cst.Attribute) and node.value.attr.value == npv.CATEGORY_ACCESSOR)
                or (isinstance(obj, Instance) and isinstance(obj.cls, Ext) and obj.cls.qname == npv.CATEGORICAL)):
            shown = dotted(node.value).rsplit(".", 1)[-1] or "Categorical"
            return Target(INTEGER, node, Origin("map", f"{shown}.codes"))
        return None

    def subscript(self, obj: Value, index: Value, node: cst.Subscript) -> Value | None:
        if _class_id_map(obj) and not isinstance(index, (Const, Seq)):
            return ClassId(node)
        if isinstance(obj, Target):
            return obj if not isinstance(index, Seq) else None
        if isinstance(obj, Instance) and isinstance(obj.cls, Ext) and obj.cls.qname in npv.EYE:
            return Target(ONE_HOT, node, Origin("eye_rows"))
        return None

    def iterate(self, iterable: Value, node: cst.CSTNode) -> Value | None:
        if isinstance(iterable, Dataset):
            return Seq([UNKNOWN, iterable.target])
        if isinstance(iterable, Enumerated):
            return Seq([UNKNOWN, Seq([UNKNOWN, iterable.dataset.target])])
        return None

    def comprehension(self, element: Value, node: cst.BaseSimpleComp | cst.DictComp) -> Value | None:
        if isinstance(node, cst.DictComp):
            return ClassIndex(node) if _enumerated_names(node) else None
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)) and isinstance(element, ClassId):
            looked_up = element.node.value
            name = f"{dotted(looked_up)}[...]" if dotted(looked_up) else "a class-id dict"
            return Target(INTEGER, node, Origin("lookup", name))
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)) and (shown := _one_integer(node.elt, element)):
            return Target(INTEGER, node, Origin("lookup", shown))
        return None

    def store(self, obj: Value, index: Sequence[Value], value: Value, node: cst.Subscript) -> None:
        if not isinstance(obj, Target) or obj.origin.kind != "rows" or obj.origin.name:
            return
        shown = rows.evidence(index, value, node, self.ev.loops)
        if shown is None or shown == obj.encoding:
            return
        if obj.encoding is not None:  # rows filled two ways: they show nothing
            obj.encoding, obj.origin = None, Origin("rows", "mixed")
            return
        obj.encoding, obj.node = shown, node


ENUMERATE = python.ENUMERATE


def _takes_two(function: Func) -> bool:
    """A function of exactly (x, y), as tf.data's map calls it on (x, y) elements."""
    params = function.node.params
    return (len(params.posonly_params) + len(params.params) == 2 and not isinstance(params.star_arg, cst.Param)
            and not params.kwonly_params and not isinstance(params.star_kwarg, cst.Param))


def _from_directory(function: str, call: cst.Call, args: Args) -> Value | None:
    """`image_dataset_from_directory(dir, label_mode="categorical")`: (x, labels) batches."""
    if args.starred or (args.has(None, k.LABELS.name) and literal(args.get(None, k.LABELS.name)) is None):
        return None
    mode = literal(args.get(k.LABEL_MODE.index, k.LABEL_MODE.name)) if args.has(
        k.LABEL_MODE.index, k.LABEL_MODE.name) else k.DEFAULT_LABEL_MODE
    encoding = k.LABEL_MODES.get(mode) if isinstance(mode, str) else None
    if encoding is None or not isinstance(mode, str):
        return None
    return Dataset(Target(encoding, call, Origin("directory", f'{function}(label_mode="{mode}")')))


def _flow(method: str, call: cst.Call, args: Args) -> Value | None:
    """`ImageDataGenerator().flow_from_directory(dir, class_mode="sparse")`: (x, labels) batches."""
    if args.starred or len(args.pos) > k.FLOW_POSITIONS[method]:
        return None
    if method == k.FLOW_FROM_DATAFRAME and args.has(k.FLOW_Y_COLUMN.index, k.FLOW_Y_COLUMN.name) and not isinstance(
            literal(args.get(k.FLOW_Y_COLUMN.index, k.FLOW_Y_COLUMN.name)), str):
        return None  # several label columns: multi-label rows
    mode = literal(args.get(None, k.CLASS_MODE.name)) if args.has(None, k.CLASS_MODE.name) else k.DEFAULT_CLASS_MODE
    encoding = k.CLASS_MODES.get(mode) if isinstance(mode, str) else None
    if encoding is None or not isinstance(mode, str):
        return None
    return Dataset(Target(encoding, call, Origin("directory", f'{method}(class_mode="{mode}")')))


def _class_ids(qname: str, call: cst.Call, args: Args) -> Value | None:
    """`np.unique(labels, return_inverse=True)` and `pd.factorize(labels)`: tuples holding class ids."""
    if args.starred:
        return None
    ids = Target(INTEGER, call, Origin("unique", npv.SHOWN[qname]))
    if qname == npv.FACTORIZE:
        return Seq([ids, UNKNOWN], call)
    flags = [literal(args.get(p.index, p.name)) for p in npv.UNIQUE_FLAGS]
    if any(not isinstance(f, bool) for f, p in zip(flags, npv.UNIQUE_FLAGS) if args.has(p.index, p.name)):
        return None
    index, inverse, counts = (f is True for f in flags)
    if not inverse:
        return None
    return Seq([UNKNOWN, *([UNKNOWN] if index else []), ids, *([UNKNOWN] if counts else [])], call)


def _enumerated_names(node: cst.DictComp) -> bool:
    """`{name: i for i, name in enumerate(names)}`: each name's position, 0 to n-1."""
    clause = node.for_in
    iterated, target = clause.iter, clause.target
    if clause.ifs or clause.inner_for_in is not None or clause.asynchronous is not None or not (
            isinstance(iterated, cst.Call) and isinstance(iterated.func, cst.Name)
            and iterated.func.value == "enumerate" and len(iterated.args) == 1 and iterated.args[0].keyword is None
            and not iterated.args[0].star):
        return False  # enumerate(names, 1) counts from 1
    if not (isinstance(target, cst.Tuple) and len(target.elements) == 2
            and all(isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in target.elements)):
        return False
    position, name = (e.value for e in target.elements)
    return (isinstance(node.value, cst.Name) and isinstance(node.key, cst.Name) and isinstance(position, cst.Name)
            and isinstance(name, cst.Name) and node.value.value == position.value and node.key.value == name.value
            and position.value != name.value)


def _one_integer(item: cst.BaseExpression, value: Value) -> str:
    """What shows that a comprehension's item is one integer (a class id per label): `int(name)`,
    `classes.index(name)`, `1 if ... else 0`; "" if nothing does."""
    if isinstance(item, cst.Integer) or (isinstance(value, Const) and type(value.value) is int):
        return "integer literals"
    if isinstance(item, cst.IfExp):
        return "integer literals" if _one_integer(item.body, UNKNOWN) and _one_integer(item.orelse, UNKNOWN) else ""
    if not isinstance(item, cst.Call) or len(item.args) != 1 or item.args[0].star or item.args[0].keyword:
        return ""
    if isinstance(value, Instance) and isinstance(value.cls, Ext) and value.cls.qname == python.INT:
        return "int(...)"
    if isinstance(item.func, cst.Attribute) and item.func.attr.value == python.INDEX:
        return f"{dotted(item.func.value) or 'a list'}.index(...)"
    return ""


def mapped_labels(ev: Evaluator, function: Value, call: cst.Call) -> Target | None:
    """`ds.map(lambda ex: {"label": label2id[ex["intent"]]})` (also a def that sets `ex["label"]` and
    returns it, or `series.map(lambda s: label2id[s])`): class ids under a key that names labels, or
    as the result."""
    if not isinstance(function, Func):
        return None
    result = ev.call_function(function, Args(pos=[(Mapping({}, call, depth=ev.branch_depth), call)]), call)
    values = [value for key, value in result.items.items() if isinstance(key, str) and "label" in key.lower()] if (
        isinstance(result, Mapping)) else [result]
    for value in values:
        if isinstance(value, ClassId):
            looked_up = dotted(value.node.value)
            return Target(INTEGER, value.node, Origin("map", f"map({looked_up or 'a class-id dict'}[...])"))
        if isinstance(value, Target) and value.encoding == INTEGER:
            return value
    return None


def _appended_ids(value: Value) -> str | None:
    """What shows that a list filled in a loop holds one class id per label (`ids.append(label2id[w])`,
    `labels.append(int(field))`): every item appended is one, and nothing else is in the list."""
    if not isinstance(value, Seq) or value.items or not value.appended:
        return None
    shown = {_item_id(item, node) for item, node in value.appended}
    return f"{shown.pop()} appended in a loop" if len(shown) == 1 and "" not in shown else None


def _item_id(value: Value, node: cst.CSTNode) -> str:
    if isinstance(value, ClassId):
        return f"{dotted(value.node.value)}[...]" if dotted(value.node.value) else "a class-id dict"
    return _one_integer(node, value) if isinstance(node, cst.BaseExpression) else ""


def _class_id_map(value: Value) -> bool:
    """A dict that gives each label a distinct class id, 0 to n-1: `{"cat": 0, "dog": 1}`, or a class index."""
    if isinstance(value, ClassIndex):
        return True
    if not isinstance(value, Mapping) or len(value.items) < 2:
        return False
    ids = [v.value for v in value.items.values() if isinstance(v, Const) and type(v.value) is int]
    return len(ids) == len(value.items) and sorted(ids) == list(range(len(ids)))
