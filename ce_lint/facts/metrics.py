"""Metric-library facts (CE4xx): torchmetrics metrics and what they are fed; HuggingFace
`*ForSequenceClassification` models, their `num_labels`/`problem_type`, and the labels the module
shows (encoders, literal label tensors, their dtype).

Values of the other plugins are left as they are: this plugin only creates its own values (metric
objects, HF models and configs) and records which targets were made float or integer. A target
converted here (`y.float()`, `torch.tensor(y, dtype=torch.float)`) is returned as a fresh Target
with the same encoding so the conversion doesn't change what the original is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import libcst as cst

from .. import vocab
from ..vocab import arrays, sklearn
from ..vocab import numpy as npv
from ..vocab import torchmetrics as tm
from ..vocab import transformers as hf
from ..vocab.symbols import FLOAT, INT, DType
from .plugin import Args, Plugin
from .tags import Tags
from .targets import Target, mapped_labels
from .values import UNKNOWN, Const, Ext, Instance, Mapping, Scalar, Seq, Unknown, Value, literal

if TYPE_CHECKING:
    from .evaluator import Evaluator

# Where labels come from, as opposed to a prediction's argmax: encoders, class-id maps, written out.
LABEL_ORIGINS = frozenset({"encoder", "one_hot", "literal", "map", "unique", "lookup"})


@dataclass(eq=False)
class TMetric(Value):
    """A torchmetrics classification metric (object or functional call)."""

    name: str  # "Accuracy", "MulticlassAccuracy", "accuracy" (functional)
    task: str | Unknown  # "binary" | "multiclass" | "multilabel" | UNKNOWN
    node: cst.Call  # the constructor (or functional call)
    task_node: cst.CSTNode | None  # where task= is written (wrappers)
    wrapper: bool  # Accuracy(task=...) rather than MulticlassAccuracy(...)
    average_given: bool
    num_classes: Scalar | Unknown = UNKNOWN

    @property
    def family(self) -> str:
        """"Accuracy" for Accuracy, MulticlassAccuracy, accuracy."""
        for prefix in tm.TASK_PREFIXES:
            if self.name.startswith(prefix):
                return self.name[len(prefix):]
        return self.name


@dataclass(eq=False)
class TMCollection(Value):
    metrics: list[TMetric]


@dataclass(eq=False)
class MetricUse:
    metric: TMetric
    preds: Value
    target: Value
    node: cst.Call


@dataclass(eq=False)
class HFConfig(Instance):
    """A transformers config; `attrs` takes later assignments (`config.problem_type = ...`)."""

    settings: dict[str, tuple[Value, cst.CSTNode | None]] = field(default_factory=dict)  # given at construction


@dataclass(eq=False)
class HFModel(Instance):
    """A transformers `*ForSequenceClassification` model; `attrs["config"]` is its HFConfig."""

    cls_name: str = ""
    labels: list[tuple[Value, cst.CSTNode]] = field(default_factory=list)  # each `labels=` it is called with

    built_with: HFConfig | None = None  # the config it was built with

    @property
    def config(self) -> HFConfig:
        """Its config: `attrs["config"]` takes later assignments (`model.config.problem_type = ...`)."""
        config = self.attrs.get("config")
        if isinstance(config, HFConfig):
            return config
        return self.built_with or HFConfig(Ext(hf.PRETRAINED_CONFIG))

    def setting(self, name: str) -> Scalar | Unknown:
        """A config value: assigned later, given at construction, or UNKNOWN (None if never given)."""
        config = self.config
        if name in config.attrs:
            return literal(config.attrs[name])
        if name in config.settings:
            return literal(config.settings[name][0])
        return None

    def setting_node(self, name: str) -> cst.CSTNode | None:
        entry = self.config.settings.get(name)
        return entry[1] if entry is not None else None

    @property
    def num_labels(self) -> Scalar | Unknown:
        value = self.setting("num_labels")
        if value is None:
            for key in hf.LABEL_MAPS:
                mapping = self.config.settings.get(key)
                if mapping is not None and isinstance(mapping[0], Mapping):
                    return len(mapping[0].items)
            return UNKNOWN
        return value


@dataclass(frozen=True)
class Evidence:
    """A call that shows the module's labels are classes."""

    kind: Literal["metric", "hf_metric", "dataset"]  # a classification metric; evaluate.load(...); load_dataset(...)
    name: str  # the metric function, or the name it loads
    loader: str = ""  # the function that loads it, as the vocabulary names it ("evaluate.load")


@dataclass
class MetricsModuleFacts:
    metrics: list[TMetric] = field(default_factory=list)  # every TMetric built
    uses: list[MetricUse] = field(default_factory=list)
    hf_models: list[HFModel] = field(default_factory=list)
    label_targets: list[Target] = field(default_factory=list)  # Targets produced by encoders/literals, first seen
    float_made: set[cst.CSTNode] = field(default_factory=set)  # nodes of Targets some conversion made float
    classification_evidence: dict[cst.CSTNode, Evidence] = field(default_factory=dict)  # first, by call
    labels_cast_to_float: bool = False  # something spelled like labels was cast to float (`batch["labels"].float()`)


def _last(qname: str) -> str:
    return qname.rsplit(".", 1)[-1]


def _dtype_name(value: Value) -> DType | None:
    """FLOAT/INT for `torch.float32`, `np.int64`, `float`, "float32", `torch.FloatTensor`..."""
    if isinstance(value, Ext):
        name = _last(value.qname)
    elif isinstance(value, Const) and isinstance(value.value, str):
        name = value.value.rsplit(".", 1)[-1]
    else:
        return None
    if name in arrays.FLOAT_DTYPES:
        return FLOAT
    if name in arrays.INT_DTYPES:
        return INT
    return None


def _literal_dtype(value: Value) -> DType | None:
    """FLOAT if a literal list holds a float, INT if only ints, None otherwise."""
    cells: list[Scalar] = []

    def walk(v: Value) -> bool:
        if isinstance(v, Seq):
            return all(walk(item) for item in v.items)
        if isinstance(v, Const) and type(v.value) in (int, float):
            cells.append(v.value)
            return True
        return False

    if not isinstance(value, Seq) or not walk(value) or not cells:
        return None
    return FLOAT if any(type(c) is float for c in cells) else INT


def _count(args: Args, index: int | None) -> Scalar | Unknown:
    """num_classes= (or num_labels=) of a metric; positional first argument of the class forms."""
    if args.has(None, "num_labels") and not args.has(None, "num_classes"):
        return literal(args.get(None, "num_labels"))
    return literal(args.get(index, "num_classes"))


class MetricsFacts(Plugin):
    def __init__(self, ev: Evaluator) -> None:
        super().__init__(ev)
        self.facts = MetricsModuleFacts()
        self._seen_targets: set[Target] = set()

    def _note_target(self, value: Value | None) -> None:
        """Labels that an encoder made (LabelEncoder, category codes, a class-id dict, `pd.factorize`), or
        written out: not a prediction's argmax."""
        if isinstance(value, Seq):
            for item in value.items:
                self._note_target(item)
        if isinstance(value, Target) and value.origin.kind in LABEL_ORIGINS and value not in self._seen_targets:
            self._seen_targets.add(value)
            self.facts.label_targets.append(value)

    def tag_attribute(self, obj: Value, name: str, node: cst.Attribute | None, answer: Value | None) -> Tags | None:
        self._note_target(answer)  # `series.cat.codes`
        return None

    def tag_comprehension(self, element: Value, node: cst.BaseSimpleComp | cst.DictComp,
                          answer: Value | None) -> Tags | None:
        self._note_target(answer)  # `[label2id[name] for name in names]`
        return None

    def _typed(self, value: Value | None, dtype: DType | None, operand: cst.CSTNode | None) -> Tags | None:
        """The tag saying that `value` (a conversion's result) has `dtype`."""
        if dtype is None:
            return None
        if dtype == FLOAT and operand is not None:
            self._cast_to_float(operand)
        if isinstance(value, Target) and dtype == FLOAT:
            self.facts.float_made.add(value.node)
        return Tags(dtype=dtype)

    def _cast_to_float(self, operand: cst.CSTNode) -> None:
        """Labels cast to float somewhere (`labels.float()`): written once is enough, so the code of
        each later cast isn't generated again."""
        if not self.facts.labels_cast_to_float and "label" in self.ev.module.code_for_node(operand).lower():
            self.facts.labels_cast_to_float = True

    # -- constructors and functions --------------------------------------------------------

    def call_ext(self, qname: str, call: cst.Call, args: Args) -> Value | None:
        self._classification_evidence(qname, call, args)
        if qname.startswith(tm.TORCHMETRICS + "."):
            return self._torchmetrics(qname, call, args)
        if qname.startswith(hf.TRANSFORMERS + "."):
            return self._transformers(qname, call, args)
        return None

    def tag_call_ext(self, qname: str, call: cst.Call, args: Args, answer: Value | None) -> Tags | None:
        conversion = vocab.CONVERSIONS.get(qname)
        if conversion is None or not conversion.typed:
            if isinstance(answer, Seq):
                self._note_target(answer)  # `labels, classes = pd.factorize(names)`
            return None
        self._note_target(answer)
        first, operand = args.get_with_node(0, None)
        dtype = conversion.dtype
        if dtype is None and conversion.dtype_arg is not None:
            dtype = _dtype_name(args.get(conversion.dtype_arg.index, conversion.dtype_arg.name))
        if dtype is None:
            dtype = first.tags.dtype or _literal_dtype(first)
        if dtype is None and isinstance(first, Target):
            dtype = first.origin.dtype
        return self._typed(answer, dtype, operand)

    def _classification_evidence(self, qname: str, call: cst.Call, args: Args) -> None:
        """Calls that show the module's labels are classes: classification metrics, class-labelled datasets."""
        what = None
        if qname in sklearn.CLASSIFICATION_METRICS:
            what = Evidence("metric", _last(qname))
        elif qname in hf.LOAD_METRIC:
            metric = literal(args.get(0, "path"))
            if isinstance(metric, str) and metric in hf.CLASS_METRICS:
                what = Evidence("hf_metric", metric, qname)
        elif qname == hf.LOAD_DATASET:
            name, config = literal(args.get(0, "path")), literal(args.get(1, "name"))
            if isinstance(name, str) and (name in hf.CLASS_DATASETS or (
                    name in hf.GLUE and config in hf.GLUE_CLASSIFICATION)):
                what = Evidence("dataset", name)
        if what is not None:
            self.facts.classification_evidence.setdefault(call, what)

    def _torchmetrics(self, qname: str, call: cst.Call, args: Args) -> Value | None:
        name = _last(qname)
        if name == tm.COLLECTION:
            items = args.get(0, "metrics")
            if isinstance(items, Seq):
                return TMCollection([m for m in items.items if isinstance(m, TMetric)])
            if isinstance(items, Mapping):
                return TMCollection([m for m in items.items.values() if isinstance(m, TMetric)])
            return None
        functional = tm.FUNCTIONAL in qname + "."
        if functional and not name[:1].islower():
            return None
        if not functional and not name[:1].isupper():
            return None
        prefixes = tm.FUNCTIONAL_TASK_PREFIXES if functional else tm.TASK_PREFIXES
        prefix = next((p for p in prefixes if name.startswith(p) and (functional or name[len(p):][:1].isupper())),
                      None)
        task_value, task_node = args.get_with_node(None if functional else 0, "task")
        if functional and prefix is None and not args.has(None, "task") and len(args.pos) > 2:
            task_value, task_node = args.pos[2]
        given = prefixes[prefix] if prefix else literal(task_value)
        task = given if isinstance(given, str) and given in tm.TASKS else UNKNOWN
        count_at = 2 if functional and prefix else (None if prefix is None else 0)  # multiclass_f1_score(p, t, 3)
        metric = TMetric(name, task, call, task_node if prefix is None else None, prefix is None,
                         args.has(None, "average") or args.starred, _count(args, count_at))
        if functional:
            metric.wrapper = False
            self._use(metric, args, call)
            return None
        self.facts.metrics.append(metric)
        return metric

    def _use(self, metric: TMetric, args: Args, call: cst.Call) -> None:
        if args.starred and not args.pos:
            return
        self.facts.uses.append(MetricUse(metric, args.get(0, "preds"), args.get(1, "target"), call))

    def _transformers(self, qname: str, call: cst.Call, args: Args) -> Value | None:
        parts = qname.split(".")
        method = parts[-1] if parts[-1] in (hf.FROM_PRETRAINED, hf.FROM_CONFIG) else None
        cls_name = parts[-2] if method else parts[-1]
        if hf.MODEL.match(cls_name):
            config = args.get(None if method == hf.FROM_PRETRAINED else 0, "config")
            if not isinstance(config, HFConfig):
                config = HFConfig(Ext(hf.PRETRAINED_CONFIG), node=call)
                if method != hf.FROM_PRETRAINED and args.pos:  # built from a config the analysis can't see
                    config.settings["num_labels"] = (UNKNOWN, None)
            else:
                config = HFConfig(config.cls, dict(config.attrs), config.node, dict(config.settings))
            self._settings(config, args)
            model = HFModel(Ext(qname), node=call, cls_name=cls_name, built_with=config)
            model.attrs["config"] = config
            self.facts.hf_models.append(model)
            return model
        if hf.CONFIG.match(cls_name):
            config = HFConfig(Ext(qname), node=call)
            if method is None and not args.starred:
                config.settings.setdefault("num_labels", (Const(hf.DEFAULT_NUM_LABELS, call), None))
            self._settings(config, args)
            return config
        return None

    @staticmethod
    def _settings(config: HFConfig, args: Args) -> None:
        for key in hf.SETTINGS:
            if key in args.kw:
                config.settings[key] = args.kw[key]
        if args.starred:
            for key in ("num_labels", "problem_type"):
                config.settings.setdefault(key, (UNKNOWN, None))
        if "id2label" in args.kw and "num_labels" not in args.kw:
            config.settings.pop("num_labels", None)

    # -- values in use ---------------------------------------------------------------------

    def call_value(self, func: Value, call: cst.Call, args: Args) -> Value | None:
        if isinstance(func, TMetric):
            self._use(func, args, call)
            return UNKNOWN
        if isinstance(func, TMCollection):
            for metric in func.metrics:
                self._use(metric, args, call)
            return UNKNOWN
        if isinstance(func, HFModel):
            if "labels" in args.kw:
                func.labels.append(args.kw["labels"])
            return UNKNOWN
        return None

    def call_method(self, obj: Value, name: str, call: cst.Call, args: Args) -> Value | None:
        if isinstance(obj, (TMetric, TMCollection, HFModel)):
            if name in tm.SELF_METHODS:
                return obj
            if name in tm.CALLS:
                return self.call_value(obj, call, args)
        if isinstance(obj, HFConfig) and name == hf.UPDATE:
            changes = args.get(0, None)
            if isinstance(changes, Mapping) and not args.starred:  # config.update({"problem_type": ...})
                obj.attrs.update({key: value for key, value in changes.items.items() if isinstance(key, str)})
            else:
                obj.attrs.update({key: UNKNOWN for key in hf.SETTINGS})
            return Const(None, call)
        return None

    def tag_call_method(self, obj: Value, name: str, call: cst.Call, args: Args,
                        answer: Value | None) -> Tags | None:
        if isinstance(obj, (TMetric, TMCollection, HFModel)):
            return None
        self._note_target(answer)  # `series.map(label2id)`
        if name in npv.LABEL_MAPPINGS and args.pos and not args.starred:  # `ds.map(lambda ex: {"label": ...})`
            self._note_target(mapped_labels(self.ev, args.pos[0][0], call))
        if name in sklearn.ENCODE:
            if answer is None:
                return None
            self._note_target(answer)
            if isinstance(answer, Target) and answer.origin.kind == "encoder" and answer.origin.dtype is not None:
                return self._typed(answer, answer.origin.dtype, None)
            return None
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        dtype: DType | None = None
        if name in arrays.CASTS_TO_FLOAT:
            dtype = FLOAT
        elif name in arrays.CASTS_TO_INT:
            dtype = INT
        elif name in arrays.CASTS:
            dtype = _dtype_name(args.get(0, "dtype"))
        if dtype is None:
            return None
        if answer is None:  # an unknown tensor: stays unknown for the other plugins
            if dtype == FLOAT and receiver is not None:
                self._cast_to_float(receiver)
            return None
        return self._typed(answer, dtype, receiver)


def dtype_of(value: Value) -> DType | None:
    return value.tags.dtype
