"""What the module shows about the training targets: one-hot, integer class ids or multi-hot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import libcst as cst

from .. import vocab
from ..names import keras_member
from ..vocab import arrays, sklearn, tensorflow
from ..vocab import keras as k
from ..vocab import numpy as npv
from ..vocab.symbols import INTEGER, MULTI_HOT, ONE_HOT, DType, Encoding
from .plugin import Args, Plugin
from .values import UNKNOWN, Const, Ext, Instance, Seq, Value

OriginKind = Literal["encoder", "one_hot", "argmax", "randint", "dataset", "literal", "one_hot_sum", "eye_rows"]


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
    encoding: Encoding
    node: cst.CSTNode  # where the encoding is visible
    origin: Origin


@dataclass(eq=False)
class Dataset(Value):
    """A tf.data pipeline whose elements carry these targets."""

    target: Value


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
        conversion = vocab.CONVERSIONS.get(qname)
        if conversion is not None and conversion.labels:
            first = args.get(0)
            if isinstance(first, (Target, Dataset)):
                return first
            encoding = encoding_of_literal(first)
            return Target(encoding, call, Origin("literal")) if encoding is not None else None
        if qname == npv.RANDINT:
            size = args.get(npv.RANDINT_SIZE.index, npv.RANDINT_SIZE.name)
            one_column = isinstance(size, Const) or (
                isinstance(size, Seq) and (len(size.items) == 1 or (
                    len(size.items) == 2 and isinstance(size.items[1], Const) and size.items[1].value == 1)))
            return Target(INTEGER, call, Origin("randint", last)) if one_column else None
        if sklearn.is_train_test_split(qname):
            if args.starred:
                return None
            return Seq([item for value, _ in args.pos for item in (value, value)], call)
        if tensorflow.LIBRARY.owns(qname) and qname.endswith(tensorflow.FROM_TENSOR_SLICES):
            data = args.get(0)
            return Dataset(data.items[1]) if isinstance(data, Seq) and len(data.items) == 2 else None
        return None

    def call_method(self, obj: Value, name: str, call: cst.Call, args: Args) -> Value | None:
        if isinstance(obj, Target):
            if name in arrays.KEEP_LABELS or (name in arrays.KEEP_INTEGER_LABELS and obj.encoding == INTEGER):
                return obj
            if name == arrays.ARGMAX:
                return Target(INTEGER, call, Origin("argmax", arrays.ARGMAX))
            return None
        if isinstance(obj, Dataset):
            return obj if name in tensorflow.DATASET_METHODS else None
        if name == arrays.ARGMAX and obj is not UNKNOWN:
            return Target(INTEGER, call, Origin("argmax", arrays.ARGMAX))
        if isinstance(obj, Instance) and isinstance(obj.cls, Ext) and name in sklearn.ENCODE:
            encoder = sklearn.encoder_name(obj.cls.qname)
            if encoder is not None:
                declared = sklearn.ENCODERS[encoder]
                return Target(declared.encoding, call, Origin("encoder", encoder, declared.dtype))
        return None

    def attribute(self, obj: Value, name: str, node: cst.Attribute | None) -> Value | None:
        if isinstance(obj, Target) and name in arrays.LABEL_VIEWS:
            return obj
        return None

    def subscript(self, obj: Value, index: Value, node: cst.Subscript) -> Value | None:
        if isinstance(obj, Target):
            return obj if not isinstance(index, Seq) else None
        if isinstance(obj, Instance) and isinstance(obj.cls, Ext) and obj.cls.qname in npv.EYE:
            return Target(ONE_HOT, node, Origin("eye_rows"))
        return None
