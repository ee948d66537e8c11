"""torchmetrics rules (CE401): a metric's task that silently computes something else than the code says."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from ..facts import ModuleFacts
from ..facts.metrics import MetricUse, TMetric
from ..facts.targets import Target
from ..facts.torch import TTensor
from ..facts.values import Value
from ..fixes import Edits, code, edits, string_with, with_keyword
from ..vocab import anchors as a
from ..vocab import torchmetrics as tm
from ..vocab.symbols import (
    BCE,
    BCE_LOGITS,
    INTEGER,
    LOG_SOFTMAX,
    MULTI_HOT,
    ONE_HOT,
    ONE_HOT_OR_BINARY,
    SIGMOID,
    SOFTMAX,
)
from . import ERROR, WARNING, Finding, Message, rule, unsafe
from .words import shown_by

_RETASK = unsafe("Use {replacement}")  # the reported number changes, and another reading of the data may be meant
CE401_MULTI_HOT = Message(
    ERROR, "task='multiclass' with multi-hot targets ({shown_by}, {targets}): the score is meaningless, without any "
    "error", _RETASK, related={"targets": "the targets ({shown_by})"})
CE401_SIGMOID = Message(
    ERROR, "task='multiclass' on sigmoid outputs ({sigmoid}): the probabilities are read as class ids and score 0.0",
    _RETASK, related={"use": "the metric's update", "sigmoid": "the sigmoid"})
CE401_BINARY = Message(
    ERROR, "task='binary' on a {units}-unit {what} output ({output}): it fails, or scores each class as a sample",
    _RETASK, related={"output": "the {units}-unit {what} output"})
CE401_BINARY_IDS = Message(
    ERROR, "task='binary' on the class ids of a {units}-unit {what} output ({output}): it fails at the first id "
    "above 1", _RETASK, related={"output": "the {units}-unit {what} output"})
CE401_BINARY_COUNT = Message(
    ERROR, "task='binary' with num_classes={count}: the metric ignores num_classes and fails at the first class id "
    "above 1", _RETASK)
CE401_AVERAGES = Message(
    WARNING, "{metric} (macro by default) and {wrapper}(task=\"{task}\") ({wrapper_at}, micro) report different "
    "numbers", help="Pass the same average= to both",  # which one is the user's choice
    related={"wrapper_at": "{wrapper}(task=\"{task}\")"})


def _retasked(facts: ModuleFacts, metric: TMetric, task: str, count: int | None = None) -> tuple[Edits | None, str]:
    """The metric call with another task, and how the fix names it. `Accuracy(task="multiclass",
    num_classes=5)` becomes `Accuracy(task="multilabel", num_labels=5)`; `Accuracy(task="binary")` becomes
    `Accuracy(task="multiclass", num_classes=10)`; `MulticlassF1Score(num_classes=5)` becomes
    `MultilabelF1Score(num_labels=5)`. No edits when the class count it needs is unknown."""
    call = metric.node
    title = f'task="{task}"'
    if any(arg.star for arg in call.args):
        return None, title
    class_form = not metric.wrapper and metric.name[:1].isupper()
    count_kw = tm.COUNT.get(task)
    args: list[cst.Arg] = []
    has_count = retasked = False
    for i, arg in enumerate(call.args):
        keyword = arg.keyword.value if arg.keyword is not None else None
        if keyword in tm.COUNT.values() or (class_form and i == 0 and keyword is None):
            if count_kw is None:
                continue  # binary metrics take no class count
            has_count = True
            if keyword is not None:
                arg = arg.with_changes(keyword=cst.Name(count_kw))
        elif keyword == "task" or (metric.wrapper and i == 0 and keyword is None):
            task_text = string_with(arg.value, task)
            if task_text is None:
                return None, title
            arg = arg.with_changes(value=cst.parse_expression(task_text.strip()))
            retasked = True
        args.append(arg)
    if not class_form and not retasked:
        return None, title
    if args and args[-1].comma is not cst.MaybeSentinel.DEFAULT and len(args) < len(call.args):
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    new = call.with_changes(args=args)
    imports: tuple[str, ...] = ()
    if class_form:
        title = next(prefix for prefix, t in tm.TASK_PREFIXES.items() if t == task) + metric.family
        if isinstance(call.func, cst.Attribute):
            new = new.with_changes(func=call.func.with_changes(attr=cst.Name(title)))
        elif isinstance(call.func, cst.Name):
            new = new.with_changes(func=cst.Name(title))
            imports = (f"from {tm.CLASSIFICATION} import {title}",)
        else:
            return None, title
    text: str | None = code(facts, new)
    if count_kw is not None and not has_count:
        if count is None:
            return None, title
        text = with_keyword(facts, new, count_kw, str(count))
    return edits((call, text), imports=imports), title


def _multilabel_training(facts: ModuleFacts, units: int) -> bool:
    """A BCE-type loss on a `units`-wide output: the module trains a multi-label model."""
    for call in facts.torch.loss_calls:
        if call.loss.kind in (BCE, BCE_LOGITS) and isinstance(call.input, TTensor) and call.input.units == units:
            return True
    return False


def _task_mismatch(facts: ModuleFacts, use: MetricUse) -> Finding | None:
    """The finding when the metric's task contradicts what it is fed."""
    metric, preds, target = use.metric, use.preds, use.target
    count = metric.num_classes if isinstance(metric.num_classes, int) else None
    if metric.task == "multiclass":
        if isinstance(target, Target) and target.encoding == MULTI_HOT:
            fix, replacement = _retasked(facts, metric, "multilabel", count)
            return CE401_MULTI_HOT.at(facts, metric.node, fix, shown_by=shown_by(target), targets=target.node,
                                      replacement=replacement)
        if isinstance(preds, TTensor) and preds.act == SIGMOID:
            if isinstance(target, Target) and target.encoding in (INTEGER, ONE_HOT, ONE_HOT_OR_BINARY):
                return None
            units = preds.units if isinstance(preds.units, int) and preds.units > 1 else None
            if units is not None and not _multilabel_training(facts, units):
                return None  # per-class sigmoid scores with class-id targets: argmax, fine
            fix, replacement = _retasked(facts, metric, "multilabel", units) if units else _retasked(
                facts, metric, "binary")
            return CE401_SIGMOID.at(facts, metric.node, fix, use=use.node, sigmoid=preds.node, replacement=replacement)
    if metric.task != "binary":
        return None
    width = _classes(preds)
    if isinstance(preds, TTensor) and width and not (preds.act == "linear" and _multilabel_training(facts, width)):
        fix, replacement = _retasked(facts, metric, "multiclass", width)
        return CE401_BINARY.at(facts, metric.node, fix, units=width, what=_what(preds), output=preds.node,
                               replacement=replacement)
    source = facts.torch.argmax_of.get(preds.node) if isinstance(preds, Target) and preds.encoding == INTEGER else None
    width = _classes(source)
    if source is not None and width and width > 2:  # class ids of two classes are 0/1: binary is right
        fix, replacement = _retasked(facts, metric, "multiclass", width)
        return CE401_BINARY_IDS.at(facts, metric.node, fix, units=width, what=_what(source), output=source.node,
                                   replacement=replacement)
    return None


def _classes(tensor: Value | None) -> int | None:
    """The width of an output over C > 1 classes (softmax, log_softmax or logits of `nn.Linear(k, C)`)."""
    if isinstance(tensor, TTensor) and tensor.act in (SOFTMAX, "linear", LOG_SOFTMAX) and isinstance(
            tensor.units, int) and tensor.units > 1 and not tensor.batch_axis:
        return tensor.units
    return None


def _what(tensor: TTensor) -> str:
    return "logit" if tensor.act == "linear" else tensor.act


def _binary_with_classes(facts: ModuleFacts, metric: TMetric) -> Finding | None:
    """task="binary" given num_classes > 2: it contradicts itself."""
    count = metric.num_classes
    class_form = not metric.wrapper and metric.name[:1].isupper()  # BinaryAccuracy takes no class count
    if metric.task != "binary" or class_form or type(count) is not int or count <= 2:
        return None
    fix, replacement = _retasked(facts, metric, "multiclass", count)
    return CE401_BINARY_COUNT.at(facts, metric.node, fix, count=count, replacement=replacement)


def _average_pairs(facts: ModuleFacts) -> Iterator[tuple[TMetric, TMetric]]:
    """(class-form metric, wrapper) pairs computing the same number (same metric, task and class count)
    with different default averages."""
    wrappers = [m for m in facts.metrics.metrics if m.wrapper and m.name in tm.MICRO_WRAPPERS
                and m.task in ("multiclass", "multilabel") and not m.average_given]
    for metric in facts.metrics.metrics:
        if metric.wrapper or metric.average_given or metric.family not in tm.MICRO_WRAPPERS:
            continue
        if metric.task not in ("multiclass", "multilabel") or not metric.name[:1].isupper():
            continue
        partner = next((w for w in wrappers if w.name == metric.family and w.task == metric.task
                        and isinstance(w.num_classes, int) and w.num_classes == metric.num_classes), None)
        if partner is not None:
            yield metric, partner


CE401_ANCHORS = (a.imported(tm.LIBRARY), a.metric_tasks())


@rule("CE401", "torchmetrics-task-mismatch", "torchmetrics task contradicts the predictions or targets",
      CE401_MULTI_HOT, CE401_SIGMOID, CE401_BINARY, CE401_BINARY_IDS, CE401_BINARY_COUNT, CE401_AVERAGES,
      anchors=CE401_ANCHORS)
def torchmetrics_task_mismatch(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks torchmetrics classification metrics (`Accuracy`, `F1Score`, `Precision`, ... with
    `task=`, the `Multiclass*`/`Binary*` classes and the functional forms) whose task contradicts
    what the module shows:

    - `task="multiclass"` fed multi-hot targets (`MultiLabelBinarizer`, `one_hot(...).sum(...)`,
      literal rows with several ones) or sigmoid probabilities;
    - `task="binary"` fed an output with more than one unit (softmax, log_softmax or logits of
      `nn.Linear(k, C)`, C > 1, also where C is a module-level constant such as
      `NUM_CLASSES = len(CLASSES)`), or the class ids of one with more than two (`argmax(dim=1)`,
      `torch.max(logits, 1)`), or given `num_classes` > 2; in the `task=` wrappers, the
      `Binary*` classes and the functional forms (`f1_score(..., task="binary")`,
      `binary_accuracy(...)`);
    - `Accuracy(task="multiclass")` and `MulticlassAccuracy` (likewise `F1Score`, `Precision`,
      `Recall`...) both used without `average=`: they report different numbers for the same
      predictions.

    ## Why is this bad?
    torchmetrics does not check that the task fits the data (torchmetrics 1.9.0). With
    `task="multiclass"`, predictions that have the targets' shape are taken as class ids: float
    probabilities never equal a class id, so the score is 0.0 with no error, and multi-hot rows
    are compared cell by cell as if each cell were a sample. With `task="binary"`, an output of C
    columns either fails the shape check against class ids ("Predictions and targets are expected
    to have the same shape") or is scored cell by cell against one-hot targets; binary metrics
    expect 0/1 predictions and targets (they ignore `num_classes`), so class ids of more than two
    classes fail at the first id above 1 ("Detected the following values in `preds`", or in
    `target`). And the `task=`
    wrappers default to `average="micro"` while the `Multiclass*`/`Multilabel*` classes default to
    `average="macro"`: always predicting the majority class on 8/1/1 labels gives 0.80 from one
    and 0.33 from the other.

    ## Example
    ```python
    import torch
    import torch.nn as nn
    from torchmetrics import Accuracy

    head = nn.Linear(64, 5)
    accuracy = Accuracy(task="multiclass", num_classes=5)


    def evaluate(features, tags):
        probs = torch.sigmoid(head(features))
        loss = nn.BCEWithLogitsLoss()(head(features), tags)
        return loss, accuracy(probs, tags)
    ```

    ## Use instead
    ```python
    from torchmetrics import Accuracy

    # Five independent labels, scored label by label (evaluate unchanged).
    accuracy = Accuracy(task="multilabel", num_labels=5)
    ```

    ## Fix safety
    The fix changes the task to the one the module shows: `"multilabel"` (with `num_classes=`
    renamed `num_labels=`) for multi-hot targets or the sigmoid outputs of a multi-label model,
    `"binary"` for one sigmoid probability per sample, `"multiclass"` with `num_classes=` the
    output's width for a binary metric on a C-unit output; a `Multiclass*` class becomes its
    `Multilabel*`/`Binary*` sibling. It is unsafe: the reported number changes (that is the
    point), and a different reading of the data (e.g. one-vs-rest sigmoids scored as
    multiclass) would want another task. The averaging mismatch has no fix: which average is
    meant is the user's choice.

    ## References
    - FACTS F7 (torchmetrics 1.9.0): `functional/classification/stat_scores.py`
      (`_multiclass_stat_scores_tensor_validation`), `classification/accuracy.py` (`Accuracy.__new__`,
      `average="micro"`), `classification/stat_scores.py` (`MulticlassStatScores`, `average="macro"`)
    - [torchmetrics classification metrics](https://lightning.ai/docs/torchmetrics/stable/classification/accuracy.html)
    """
    reported: set[cst.CSTNode] = set()
    for use in facts.metrics.uses:
        found = _task_mismatch(facts, use)
        if found is not None and use.metric.node not in reported:
            reported.add(use.metric.node)
            yield found
    for metric in [*facts.metrics.metrics, *(use.metric for use in facts.metrics.uses)]:
        found = _binary_with_classes(facts, metric) if metric.node not in reported else None
        if found is not None:
            reported.add(metric.node)
            yield found
    for metric, wrapper in _average_pairs(facts):
        if metric.node in reported:
            continue
        reported.add(metric.node)
        yield CE401_AVERAGES.at(facts, metric.node, metric=metric.name, wrapper=wrapper.name, task=wrapper.task,
                                wrapper_at=wrapper.node)
