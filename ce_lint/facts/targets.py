"""What the module shows about the training targets: one-hot, integer class ids or multi-hot."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..names import keras_member
from .plugin import Args, Plugin
from .values import UNKNOWN, Const, Ext, Instance, Seq, Value

ONE_HOT = "one-hot"
INTEGER = "integer"
MULTI_HOT = "multi-hot"
# LabelBinarizer: one-hot for three or more classes, a single 0/1 column for two.
ONE_HOT_OR_BINARY = "one-hot-or-binary"


@dataclass(eq=False)
class Target(Value):
    """Labels whose encoding the module shows. A record: tagging one (a conversion that makes it
    float) gives a new Target, and the original keeps what it was."""

    tag_kind = "copy"
    encoding: str
    node: cst.CSTNode  # where the encoding is visible
    origin: str  # what shows it, for messages ("to_categorical")


@dataclass(eq=False)
class Dataset(Value):
    """A tf.data pipeline whose elements carry these targets."""

    target: Value


# Transformers whose fit_transform/transform output has a known encoding.
_ENCODERS = {
    "sklearn.preprocessing.LabelEncoder": INTEGER,
    "sklearn.preprocessing.OrdinalEncoder": INTEGER,
    "sklearn.preprocessing.LabelBinarizer": ONE_HOT_OR_BINARY,
    "sklearn.preprocessing.OneHotEncoder": ONE_HOT,
    "sklearn.preprocessing.MultiLabelBinarizer": MULTI_HOT,
}
_ONE_HOT_FUNCS = frozenset({"tensorflow.one_hot", "pandas.get_dummies", "torch.nn.functional.one_hot"})
_ARGMAX_FUNCS = frozenset({"numpy.argmax", "tensorflow.argmax", "tensorflow.math.argmax", "torch.argmax"})
# Conversions that keep the values (and so the encoding) of their first argument.
_CONVERSIONS = frozenset({
    "numpy.array", "numpy.asarray", "numpy.float32", "numpy.int64", "numpy.squeeze", "tensorflow.constant",
    "tensorflow.convert_to_tensor", "tensorflow.cast", "torch.tensor", "torch.as_tensor", "torch.from_numpy",
    "torch.LongTensor", "torch.FloatTensor",
})
_KEEPING_METHODS = frozenset({
    "astype", "copy", "float", "long", "int", "double", "to", "cpu", "cuda", "numpy", "detach", "to_numpy",
    "clone", "type", "toarray", "todense",
})
_INTEGER_ONLY_METHODS = frozenset({"reshape", "flatten", "ravel", "squeeze", "view"})
_LABELLED_DATASETS = frozenset({"mnist", "fashion_mnist", "cifar10", "cifar100", "reuters"})


def _sklearn_class(qname: str) -> str | None:
    if not qname.startswith("sklearn.preprocessing."):
        return None
    return "sklearn.preprocessing." + qname.rsplit(".", 1)[-1]


def encoding_of_literal(value: Value) -> str | None:
    """Encoding of a literal label array: [[0,1],[1,0]] one-hot, [[1,1,0]] multi-hot, [0,2,1] integer."""
    if not isinstance(value, Seq) or len(value.items) < 2:
        return None
    if all(isinstance(row, Seq) for row in value.items):
        sums = []
        for row in value.items:
            cells = [c.value if isinstance(c, Const) else None for c in row.items]
            if len(cells) < 2 or any(c not in (0, 1) or isinstance(c, bool) for c in cells):
                return None
            sums.append(sum(cells))
        if any(s >= 2 for s in sums):
            return MULTI_HOT
        return ONE_HOT if all(s == 1 for s in sums) else None
    cells = [c.value if isinstance(c, Const) else None for c in value.items]
    if all(type(c) is int and c >= 0 for c in cells) and max(cells) >= 2:
        return INTEGER
    return None


class TargetFacts(Plugin):
    def call_ext(self, qname: str, call: cst.Call, args: Args) -> Value | None:
        member = keras_member(qname)
        if member == ("utils", "to_categorical"):
            return Target(ONE_HOT, call, "to_categorical")
        if member in (("ops", "one_hot"), ("backend", "one_hot")) or qname in _ONE_HOT_FUNCS:
            return Target(ONE_HOT, call, qname.rsplit(".", 1)[-1])
        if member in (("ops", "argmax"), ("backend", "argmax")) or qname in _ARGMAX_FUNCS:
            return Target(INTEGER, call, "argmax")
        if member is not None and member[0] == "datasets" and member[1] == "load_data":
            dataset = qname.split(".")[-2]
            if dataset in _LABELLED_DATASETS:
                labels = Target(INTEGER, call, f"{dataset}.load_data()")
                return Seq([Seq([UNKNOWN, labels]), Seq([UNKNOWN, labels])], call)
            return None
        if qname in _CONVERSIONS:
            first = args.get(0)
            if isinstance(first, (Target, Dataset)):
                return first
            encoding = encoding_of_literal(first)
            if encoding is not None:
                return Target(encoding, call, "literal labels")
            return None
        if qname == "numpy.random.randint":
            size = args.get(2, "size")
            one_column = isinstance(size, Const) or (
                isinstance(size, Seq) and (len(size.items) == 1 or (
                    len(size.items) == 2 and isinstance(size.items[1], Const) and size.items[1].value == 1)))
            return Target(INTEGER, call, "randint") if one_column else None
        if qname.endswith("train_test_split") and qname.startswith("sklearn."):
            arrays = [value for value, _ in args.pos]
            if args.starred:
                return None
            return Seq([item for value in arrays for item in (value, value)], call)
        if qname.endswith("Dataset.from_tensor_slices") and qname.startswith("tensorflow."):
            data = args.get(0)
            if isinstance(data, Seq) and len(data.items) == 2:
                return Dataset(data.items[1])
            return None
        return None

    def call_method(self, obj: Value, name: str, call: cst.Call, args: Args) -> Value | None:
        if isinstance(obj, Target):
            if name in _KEEPING_METHODS or (name in _INTEGER_ONLY_METHODS and obj.encoding == INTEGER):
                return obj
            if name == "argmax":
                return Target(INTEGER, call, "argmax")
            return None
        if isinstance(obj, Dataset):
            if name in ("batch", "shuffle", "prefetch", "cache", "repeat", "take", "skip", "unbatch"):
                return obj
            return None
        if name == "argmax" and obj is not UNKNOWN:
            return Target(INTEGER, call, "argmax")
        if isinstance(obj, Instance) and isinstance(obj.cls, Ext) and name in ("fit_transform", "transform"):
            cls = _sklearn_class(obj.cls.qname)
            if cls in _ENCODERS:
                return Target(_ENCODERS[cls], call, cls.rsplit(".", 1)[-1])
        return None

    def attribute(self, obj: Value, name: str, node: cst.Attribute) -> Value | None:
        if isinstance(obj, Target) and name in ("values", "data"):
            return obj
        return None

    def subscript(self, obj: Value, index: Value, node: cst.Subscript) -> Value | None:
        if isinstance(obj, Target):
            return obj if not isinstance(index, Seq) else None
        if isinstance(obj, Instance) and isinstance(obj.cls, Ext) and obj.cls.qname in ("numpy.eye", "numpy.identity"):
            return Target(ONE_HOT, node, "np.eye(...)[labels]")
        return None
