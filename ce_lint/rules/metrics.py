"""Metric-library rules (CE4xx): torchmetrics tasks and HuggingFace problem types that silently
compute something else than the code says."""

from __future__ import annotations

import re
from typing import Iterator

import libcst as cst

from ..diagnostics import Severity
from ..facts import ModuleFacts
from ..facts.metrics import Evidence, HFModel, MetricUse, TMetric
from ..facts.targets import Target
from ..vocab.symbols import BCE, BCE_LOGITS, FLOAT, INT, INTEGER, MULTI_HOT, ONE_HOT, ONE_HOT_OR_BINARY
from ..vocab.torchmetrics import MICRO_WRAPPERS
from ..facts.torch import TTensor
from ..facts.values import UNKNOWN
from ..fixes import UNSAFE, Proposal, code, parenthesised, proposal, string_with, with_keyword
from . import Finding, rule
from .words import evidence, shown_by

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def _retasked(facts: ModuleFacts, metric: TMetric, task: str, count: int | None = None) -> Proposal | None:
    """The metric call with another task. `Accuracy(task="multiclass", num_classes=5)` becomes
    `Accuracy(task="multilabel", num_labels=5)`; `Accuracy(task="binary")` becomes
    `Accuracy(task="multiclass", num_classes=10)`; `MulticlassF1Score(num_classes=5)` becomes
    `MultilabelF1Score(num_labels=5)`. None when the class count it needs is unknown."""
    call = metric.node
    if any(arg.star for arg in call.args):
        return None
    class_form = not metric.wrapper and metric.name[:1].isupper()
    count_kw = {"multilabel": "num_labels", "multiclass": "num_classes"}.get(task)
    args: list = []
    has_count = retasked = False
    for i, arg in enumerate(call.args):
        keyword = arg.keyword.value if arg.keyword is not None else None
        if keyword in ("num_classes", "num_labels") or (class_form and i == 0 and keyword is None):
            if count_kw is None:
                continue  # binary metrics take no class count
            has_count = True
            if keyword is not None:
                arg = arg.with_changes(keyword=cst.Name(count_kw))
        elif keyword == "task" or (metric.wrapper and i == 0 and keyword is None):
            text = string_with(arg.value, task)
            if text is None:
                return None
            arg = arg.with_changes(value=cst.parse_expression(text.strip()))
            retasked = True
        args.append(arg)
    if not class_form and not retasked:
        return None
    if args and args[-1].comma is not cst.MaybeSentinel.DEFAULT and len(args) < len(call.args):
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    new = call.with_changes(args=args)
    imports: tuple[str, ...] = ()
    title = f'Use task="{task}"'
    if class_form:
        name = {"binary": "Binary", "multiclass": "Multiclass", "multilabel": "Multilabel"}[task] + metric.family
        title = f"Use {name}"
        if isinstance(call.func, cst.Attribute):
            new = new.with_changes(func=call.func.with_changes(attr=cst.Name(name)))
        elif isinstance(call.func, cst.Name):
            new = new.with_changes(func=cst.Name(name))
            imports = (f"from torchmetrics.classification import {name}",)
        else:
            return None
    text = code(facts, new)
    if count_kw is not None and not has_count:
        if count is None:
            return None
        text = with_keyword(facts, new, count_kw, str(count))
    return proposal(UNSAFE, title, (call, text), imports=imports)


def _spelled(metric: TMetric) -> str:
    if metric.wrapper:
        return f'{metric.name}(task="{metric.task}")'
    return metric.name + ("(...)" if metric.name[:1].isupper() else "()")


def _multilabel_training(facts: ModuleFacts, units: int) -> bool:
    """A BCE-type loss on a `units`-wide output: the module trains a multi-label model."""
    for call in facts.torch.loss_calls:
        if call.loss.kind in (BCE, BCE_LOGITS) and isinstance(call.input, TTensor) and call.input.units == units:
            return True
    return False


def _task_mismatch(facts: ModuleFacts, use: MetricUse) -> tuple[str, Proposal | None] | None:
    """(message, fix) when the metric's task contradicts what it is fed."""
    metric, preds, target = use.metric, use.preds, use.target
    count = metric.num_classes if isinstance(metric.num_classes, int) else None
    if metric.task == "multiclass":
        if isinstance(target, Target) and target.encoding == MULTI_HOT:
            return (f"task='multiclass' with multi-hot targets ({shown_by(target)}, {facts.where(target.node)}): "
                    "torchmetrics takes predictions of the targets' shape as class ids and compares them cell by "
                    "cell, so the score is meaningless (0.0 for probabilities) without any error; use "
                    "task='multilabel' with num_labels=", _retasked(facts, metric, "multilabel", count))
        if isinstance(preds, TTensor) and preds.act == "sigmoid":
            if isinstance(target, Target) and target.encoding in (INTEGER, ONE_HOT, ONE_HOT_OR_BINARY):
                return None
            multilabel = isinstance(preds.units, int) and preds.units > 1
            if multilabel and not _multilabel_training(facts, preds.units):
                return None  # per-class sigmoid scores with class-id targets: argmax, fine
            fix = _retasked(facts, metric, "multilabel", preds.units) if multilabel else _retasked(
                facts, metric, "binary")
            return (f"task='multiclass' on sigmoid outputs ({facts.where(use.node)}, "
                    f"sigmoid on {facts.where(preds.node)}): "
                    "torchmetrics takes float predictions of the targets' shape as class ids, so sigmoid "
                    "probabilities score 0.0 without any error; use task='binary' (one score per sample) or "
                    "task='multilabel' (one per label)", fix)
    if metric.task == "binary" and isinstance(preds, TTensor) and preds.act in ("softmax", "linear", "log_softmax") \
            and isinstance(preds.units, int) and preds.units > 1 and not preds.batch_axis \
            and not (preds.act == "linear" and _multilabel_training(facts, preds.units)):
        what = {"softmax": "softmax", "linear": "logit", "log_softmax": "log_softmax"}[preds.act]
        return (f"task='binary' on a {preds.units}-unit {what} output ({facts.where(preds.node)}): binary "
                "metrics want one score per sample, so against class ids this fails ('Predictions and targets "
                "are expected to have the same shape') and against one-hot targets every cell is scored as its "
                f"own sample; use task='multiclass', num_classes={preds.units}",
                _retasked(facts, metric, "multiclass", preds.units))
    return None


def _average_pairs(facts: ModuleFacts) -> Iterator[tuple[TMetric, TMetric]]:
    """(class-form metric, wrapper) pairs computing the same number (same metric, task and class count)
    with different default averages."""
    wrappers = [m for m in facts.metrics.metrics if m.wrapper and m.name in MICRO_WRAPPERS
                and m.task in ("multiclass", "multilabel") and not m.average_given]
    for metric in facts.metrics.metrics:
        if metric.wrapper or metric.average_given or metric.family not in MICRO_WRAPPERS:
            continue
        if metric.task not in ("multiclass", "multilabel") or not metric.name[:1].isupper():
            continue
        partner = next((w for w in wrappers if w.name == metric.family and w.task == metric.task
                        and isinstance(w.num_classes, int) and w.num_classes == metric.num_classes), None)
        if partner is not None:
            yield metric, partner


@rule("CE401", "torchmetrics-task-mismatch", ERROR, "torchmetrics task contradicts the predictions or targets")
def torchmetrics_task_mismatch(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks torchmetrics classification metrics (`Accuracy`, `F1Score`, `Precision`, ... with
    `task=`, the `Multiclass*`/`Binary*` classes and the functional forms) whose task contradicts
    what the module shows:

    - `task="multiclass"` fed multi-hot targets (`MultiLabelBinarizer`, `one_hot(...).sum(...)`,
      literal rows with several ones) or sigmoid probabilities;
    - `task="binary"` fed an output with more than one unit (softmax, log_softmax or logits of
      `nn.Linear(k, C)`, C > 1);
    - `Accuracy(task="multiclass")` and `MulticlassAccuracy` (likewise `F1Score`, `Precision`,
      `Recall`...) both used without `average=`: they report different numbers for the same
      predictions.

    ## Why is this bad?
    torchmetrics does not check that the task fits the data (torchmetrics 1.9.0). With
    `task="multiclass"`, predictions that have the targets' shape are taken as class ids: float
    probabilities never equal a class id, so the score is 0.0 with no error, and multi-hot rows
    are compared cell by cell as if each cell were a sample. With `task="binary"`, an output of C
    columns either fails the shape check against class ids or is scored cell by cell against
    one-hot targets. And the `task=` wrappers default to `average="micro"` while the
    `Multiclass*`/`Multilabel*` classes default to `average="macro"`: always predicting the
    majority class on 8/1/1 labels gives 0.80 from one and 0.33 from the other.

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
    import torch
    import torch.nn as nn
    from torchmetrics import Accuracy

    head = nn.Linear(64, 5)
    accuracy = Accuracy(task="multilabel", num_labels=5)


    def evaluate(features, tags):
        probs = torch.sigmoid(head(features))
        loss = nn.BCEWithLogitsLoss()(head(features), tags)
        return loss, accuracy(probs, tags)
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
    reported: set = set()
    for use in facts.metrics.uses:
        found = _task_mismatch(facts, use)
        if found is not None and use.metric.node not in reported:
            reported.add(use.metric.node)
            yield Finding(use.metric.node, found[0], fix=found[1])
    for metric, wrapper in _average_pairs(facts):
        if metric.node in reported:
            continue
        reported.add(metric.node)
        yield Finding(metric.node, (
            f"{metric.name} averages over classes ('macro') by default, but {wrapper.name}(task=\"{wrapper.task}\") "
            f"on {facts.where(wrapper.node)} averages over samples ('micro'): the two report different numbers "
            "for the same predictions; pass the same average= to both"), severity=WARNING)


# -- HuggingFace ---------------------------------------------------------------------------------


def _fed(model: HFModel, facts: ModuleFacts) -> list:
    """(value, node, dtype) of each labels= the model is called with whose encoding or dtype is visible."""
    fed = [(value, node, value.tags.dtype) for value, node in model.labels]
    return [(value, node, dtype) for value, node, dtype in fed if isinstance(value, Target) or dtype is not None]


def _class_labels(facts: ModuleFacts, model: HFModel) -> str | None:
    """Evidence that the labels are classes, for a num_labels=1 model."""
    for value, node, dtype in _fed(model, facts):
        if dtype == FLOAT:
            return None  # float scores: a regression, as num_labels=1 says
        if isinstance(value, Target):
            return f"{shown_by(value)} labels on {facts.where(value.node)}"
        if dtype == INT:
            return f"integer labels on {facts.where(getattr(value, 'node', None) or node)}"
    for key in ("id2label", "label2id"):
        node = model.setting_node(key)
        mapping = model.config.settings.get(key, (None,))[0]
        if node is not None and hasattr(mapping, "items") and isinstance(mapping.items, dict) and len(
                mapping.items) >= 2:
            return f"{key} with {len(mapping.items)} classes on {facts.where(node)}"
    if _fed(model, facts):
        return None  # the labels it is called with are visible: they decide
    for target in facts.metrics.label_targets:
        if target.origin.kind != "literal":
            return f"{shown_by(target)} labels on {facts.where(target.node)}"
    for node, found in facts.metrics.classification_evidence.items():
        return f"{evidence(found)} on {facts.where(node)}"
    return None


def _int_multi_hot(facts: ModuleFacts, model: HFModel) -> Target | None:
    for value, node, dtype in _fed(model, facts):
        if isinstance(value, Target) and value.encoding == MULTI_HOT and dtype == INT:
            return value
    if _fed(model, facts) or facts.metrics.labels_cast_to_float or _labels_made_float(facts.module.code):
        return None
    for target in facts.metrics.label_targets:
        if target.encoding == MULTI_HOT and target.origin.kind == "encoder" and target.origin.dtype == INT and \
                target.node not in facts.metrics.float_made:
            return target
    return None


_FLOAT_CAST = re.compile(r"\.float\(\)|\.double\(\)|float(16|32|64)|torch\.float\b|FloatTensor|astype\(\s*float|"
                         r"dtype\s*=\s*float|cast_column")


def _labels_made_float(source: str) -> bool:
    """A line that mentions labels and casts to float (`enc["labels"] = torch.tensor(...).float()`): the
    labels may reach the model as floats in a way the analysis doesn't follow."""
    return any("label" in line.lower() and _FLOAT_CAST.search(line) for line in source.splitlines())


def _class_ids(facts: ModuleFacts, model: HFModel) -> Target | None:
    for value, node, dtype in _fed(model, facts):
        if isinstance(value, Target) and value.encoding == INTEGER:
            return value
    if _fed(model, facts):
        return None
    for target in facts.metrics.label_targets:
        if target.encoding == INTEGER and target.origin.kind == "encoder":
            return target
    return None


def _class_count(model: HFModel) -> int:
    """Classes named by id2label/label2id, else two (num_labels=1 is how a binary task gets mistyped)."""
    for key in ("id2label", "label2id"):
        mapping = model.config.settings.get(key, (None,))[0]
        if hasattr(mapping, "items") and isinstance(mapping.items, dict) and len(mapping.items) >= 2:
            return len(mapping.items)
    return 2


def _hf_fix(facts: ModuleFacts, model: HFModel, key: str, value: str) -> Proposal | None:
    """Set `key=value` where the model's config gets it: the keyword already written (in the model's
    call or its config's), else a new keyword of the model's `from_pretrained(...)`."""
    title = f"Set {key}={value}"
    node = model.setting_node(key)
    if node is not None and key not in model.config.attrs:
        if key == "problem_type":
            text = string_with(node, value.strip('"'))
            return proposal(UNSAFE, title, (node, text.strip() if text else None))
        return proposal(UNSAFE, title, (node, value))
    if key in model.config.attrs or not isinstance(model.node, cst.Call) or not isinstance(
            model.node.func, cst.Attribute) or model.node.func.attr.value != "from_pretrained":
        return None
    return proposal(UNSAFE, title, (model.node, _with_new_keyword(facts, model.node, key, value)))


def _with_new_keyword(facts: ModuleFacts, call: cst.Call, key: str, value: str) -> str | None:
    """The call with `key=value` appended, laid out like its other arguments (same line or one per line)."""
    args = list(call.args)
    if not args or any(arg.star for arg in args) or any(a.keyword is not None and a.keyword.value == key for a in args):
        return with_keyword(facts, call, key, value) if not any(arg.star for arg in args) else None
    last = args[-1]
    between = args[-2].comma.whitespace_after if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma) else (
        cst.SimpleWhitespace(" "))
    added = cst.Arg(value=cst.parse_expression(value), keyword=cst.Name(key),
                    equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                          whitespace_after=cst.SimpleWhitespace("")),
                    comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
    args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=between), whitespace_after_arg=cst.SimpleWhitespace(""))
    return code(facts, call.with_changes(args=[*args, added]))


@rule("CE402", "hf-problem-type-mismatch", ERROR, "HuggingFace problem_type inferred from the labels is not the task")
def hf_problem_type_mismatch(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks HuggingFace `*ForSequenceClassification` models (PyTorch) whose `num_labels` /
    `problem_type` and the labels the module shows make transformers pick a loss other than the
    task's:

    - `num_labels=1` with classification labels (class ids, encoder output, an `id2label` of two
      or more classes): trained as regression;
    - integer multi-hot labels (`MultiLabelBinarizer`'s output as it comes), with or without
      `problem_type="multi_label_classification"`;
    - integer class ids (`LabelEncoder`) with `problem_type="multi_label_classification"`.

    Float multi-hot labels without `problem_type` are fine: transformers infers multi-label.

    ## Why is this bad?
    When `config.problem_type` is not set, the model picks its loss at the first labelled
    forward (transformers 4.57.6, e.g. `BertForSequenceClassification.forward`): `num_labels == 1`
    → `"regression"` (`MSELoss` on the raw logit, no sigmoid); `num_labels > 1` and integer
    (`long`/`int`) labels → `"single_label_classification"` (`CrossEntropyLoss`); anything else →
    `"multi_label_classification"` (`BCEWithLogitsLoss`). So a binary classifier declared with
    `num_labels=1` silently trains a regression; integer multi-hot rows are read as class ids
    and fail ("Expected input batch_size (4) to match target batch_size (12)"), and declaring
    the multi-label type does not help because `BCEWithLogitsLoss` rejects integer targets
    ("result type Float can't be cast to the desired output type Long"); and class ids
    with the multi-label type fail in `BCEWithLogitsLoss` ("Target size ... must be the same as
    input size"). The inferred type is written into the config and saved with the model.

    ## Example
    ```python
    import torch
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased", num_labels=1)


    def train_step(batch, optimizer):
        labels = torch.tensor(batch["label"], dtype=torch.long)
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels)
        out.loss.backward()
        optimizer.step()
    ```

    ## Use instead
    ```python
    import torch
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased", num_labels=2)


    def train_step(batch, optimizer):
        labels = torch.tensor(batch["label"], dtype=torch.long)
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels)
        out.loss.backward()
        optimizer.step()
    ```

    ## Fix safety
    The fix sets `num_labels=2` (or the number of classes `id2label` names) instead of 1, casts
    integer multi-hot labels to float where they are passed as `labels=` (`labels.float()`), or
    sets `problem_type="single_label_classification"` for class ids. It is unsafe: the model's
    head, its output shape and the loss it trains change, and a checkpoint saved with the old
    configuration no longer matches.

    ## References
    - FACTS F7 (transformers 4.57.6): `models/bert/modeling_bert.py`, `BertForSequenceClassification.forward`
      (the `problem_type` inference)
    - [Text classification guide](https://huggingface.co/docs/transformers/tasks/sequence_classification)
    """
    for model in facts.metrics.hf_models:
        problem_type = model.setting("problem_type")
        num_labels = model.num_labels
        if problem_type is None and num_labels == 1:
            evidence = _class_labels(facts, model)
            if evidence is not None:
                yield Finding(model.node, fix=_hf_fix(facts, model, "num_labels", str(_class_count(model))), message=(
                    f"num_labels=1 with classification labels ({evidence}): transformers infers "
                    "problem_type='regression' and trains MSELoss on the raw logit; for two classes use "
                    "num_labels=2 with integer labels (or problem_type='multi_label_classification' with float "
                    "labels of shape (batch, 1) for one sigmoid output)"))
            continue
        target = None
        if problem_type in (None, "multi_label_classification") and (num_labels is UNKNOWN or (
                isinstance(num_labels, int) and num_labels > 1)):
            target = _int_multi_hot(facts, model)
            if target is not None:
                fed = next((node for value, node, _ in _fed(model, facts) if value is target), None)
                fix = proposal(UNSAFE, "Cast the labels to float", (fed, f"{parenthesised(facts, fed)}.float()")) \
                    if fed is not None else None
                yield Finding(model.node, fix=fix, message=(
                    f"integer multi-hot labels ({shown_by(target)}, {facts.where(target.node)}): transformers "
                    "infers single_label_classification from integer labels and CrossEntropyLoss fails on the "
                    "label matrix (and with problem_type='multi_label_classification' BCEWithLogitsLoss rejects "
                    "integer targets); cast the labels to float, from which multi-label is inferred"))
        if target is None and problem_type == "multi_label_classification":
            target = _class_ids(facts, model)
            if target is not None:
                yield Finding(model.node, fix=_hf_fix(facts, model, "problem_type", '"single_label_classification"'),
                              message=(
                    f"problem_type='multi_label_classification' with class ids ({shown_by(target)}, "
                    f"{facts.where(target.node)}): BCEWithLogitsLoss needs a float (batch, num_labels) matrix and "
                    "fails on class ids ('Target size ... must be the same as input size'); use "
                    "single_label_classification (or leave problem_type unset) for one label per sample"))

