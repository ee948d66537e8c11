"""HuggingFace rules (CE402): a sequence classifier's num_labels and problem_type against the labels
the module shows."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from ..facts import ModuleFacts
from ..facts.metrics import HFModel
from ..facts.targets import Target
from ..facts.values import UNKNOWN, Const, Mapping, Value
from ..fixes import Edits, code, edits, parenthesised, string_with, with_keyword
from ..vocab import anchors as a
from ..vocab import transformers as hf
from ..vocab.symbols import FLOAT, INT, INTEGER, MULTI_HOT, DType
from . import ERROR, Finding, Message, rule, unsafe
from .words import evidence, shown_by

CE402_ONE_LABEL = Message(
    ERROR, "num_labels=1 with class labels ({evidence} on {labels}): transformers trains MSE regression "
    "instead", unsafe("Set num_labels={count}"), related={"labels": "the labels ({evidence})"})
CE402_INTEGER_MULTI_HOT = Message(
    ERROR, "integer multi-hot labels ({shown_by}, {targets}): transformers reads them as class ids and the loss fails",
    unsafe("Cast the labels to float"), related={"targets": "the labels ({shown_by})"})
CE402_CLASS_IDS = Message(
    ERROR, "problem_type='multi_label_classification' with class ids ({shown_by}, {targets}): BCEWithLogitsLoss "
    "fails on them", unsafe(f'Set problem_type="{hf.SINGLE_LABEL}"'), related={"targets": "the labels ({shown_by})"})
CE402_INTEGER_LABELS = Message(
    ERROR, "problem_type='multi_label_classification' with integer labels ({targets}): BCEWithLogitsLoss fails on "
    "integer targets", help="Pass float multi-hot labels, or set problem_type=\"single_label_classification\" for "
    "class ids", related={"targets": "the integer labels"})


def _fed(model: HFModel, facts: ModuleFacts) -> list[tuple[Value, cst.CSTNode, DType | None]]:
    """(value, node, dtype) of each labels= the model is called with whose encoding or dtype is visible."""
    fed = [(value, node, value.tags.dtype) for value, node in model.labels]
    return [(value, node, dtype) for value, node, dtype in fed if isinstance(value, Target) or dtype is not None]


def _class_labels(facts: ModuleFacts, model: HFModel) -> tuple[str, cst.CSTNode] | None:
    """Evidence that the labels are classes, for a num_labels=1 model: what it is, and where."""
    for value, node, dtype in _fed(model, facts):
        if dtype == FLOAT:
            return None  # float scores: a regression, as num_labels=1 says
        if isinstance(value, Target):
            return f"{shown_by(value)} labels", value.node
        if dtype == INT:
            return "integer labels", getattr(value, "node", None) or node
    for key in hf.LABEL_MAPS:
        written = model.setting_node(key)
        mapping = model.config.settings.get(key, (UNKNOWN, None))[0]
        if written is not None and isinstance(mapping, Mapping) and len(mapping.items) >= 2:
            return f"{key} with {len(mapping.items)} classes", written
    if _fed(model, facts):
        return None  # the labels it is called with are visible: they decide
    for target in _label_targets(facts):
        if target.origin.kind != "literal":
            return f"{shown_by(target)} labels", target.node
    for node, found in facts.metrics.classification_evidence.items():
        return evidence(found), node
    return None


def _int_multi_hot(facts: ModuleFacts, model: HFModel) -> Target | None:
    for value, _, dtype in _fed(model, facts):
        if isinstance(value, Target) and value.encoding == MULTI_HOT and dtype == INT:
            return value
    if _fed(model, facts) or facts.metrics.labels_cast_to_float or _labels_made_float(facts.module.code):
        return None
    for target in facts.metrics.label_targets:
        if target.encoding == MULTI_HOT and target.origin.kind == "encoder" and target.origin.dtype == INT and \
                target.node not in facts.metrics.float_made:
            return target
    return None


def _labels_made_float(source: str) -> bool:
    """A line that mentions labels and casts to float (`enc["labels"] = torch.tensor(...).float()`): the
    labels may reach the model as floats in a way the analysis doesn't follow."""
    return any("label" in line.lower() and hf.FLOAT_CAST.search(line) for line in source.splitlines())


def _class_ids(facts: ModuleFacts, model: HFModel) -> Target | None:
    for value, _, _ in _fed(model, facts):
        if isinstance(value, Target) and value.encoding == INTEGER:
            return value
    if _fed(model, facts):
        return None
    for target in _label_targets(facts):
        if target.encoding == INTEGER and target.origin.kind in _CLASS_ID_ORIGINS:
            return target
    return None


_CLASS_ID_ORIGINS = frozenset({"encoder", "map", "unique", "lookup"})  # one class id per sample
_ENCODERS = frozenset({"encoder", "one_hot", "literal"})  # labels by what makes them


def _label_targets(facts: ModuleFacts) -> Iterator[Target]:
    """The module's labels: what an encoder makes, and class ids (`series.cat.codes`, `pd.factorize`,
    `series.map(label2id)`) on a line that says they are labels, as a categorical feature is encoded
    the same way."""
    lines = facts.module.code.splitlines()
    for target in facts.metrics.label_targets:
        if target.origin.kind in _ENCODERS or "label" in lines[facts.line(target.node) - 1].split("#")[0].lower():
            yield target


def _class_count(model: HFModel) -> int:
    """Classes named by id2label/label2id, else two (num_labels=1 is how a binary task gets mistyped)."""
    for key in hf.LABEL_MAPS:
        mapping = model.config.settings.get(key, (UNKNOWN, None))[0]
        if isinstance(mapping, Mapping) and len(mapping.items) >= 2:
            return len(mapping.items)
    return 2


def _hf_fix(facts: ModuleFacts, model: HFModel, key: str, value: str) -> Edits | None:
    """Set `key=value` where the model's config gets it: the string assigned later (`config.problem_type =
    "..."`), the keyword already written (in the model's call or its config's), else a new keyword of the
    model's `from_pretrained(...)`."""
    assigned = model.config.attrs.get(key)
    if key == "problem_type" and isinstance(assigned, Const):  # config.problem_type = "...", set later
        text = string_with(assigned.node, value.strip('"'))
        return edits((assigned.node, text.strip() if text else None))
    node = model.setting_node(key)
    if node is not None and key not in model.config.attrs:
        if key == "problem_type":
            text = string_with(node, value.strip('"'))
            return edits((node, text.strip() if text else None))
        return edits((node, value))
    if key in model.config.attrs or not isinstance(model.node, cst.Call) or not isinstance(
            model.node.func, cst.Attribute) or model.node.func.attr.value != hf.FROM_PRETRAINED:
        return None
    return edits((model.node, _with_new_keyword(facts, model.node, key, value)))


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
    args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=between),
                                 whitespace_after_arg=cst.SimpleWhitespace(""))
    return code(facts, call.with_changes(args=[*args, added]))


CE402_ANCHORS = (a.imported(hf.LIBRARY), a.hf_models())


@rule("CE402", "hf-problem-type-mismatch", "HuggingFace problem_type inferred from the labels is not the task",
      CE402_ONE_LABEL, CE402_INTEGER_MULTI_HOT, CE402_CLASS_IDS, CE402_INTEGER_LABELS, anchors=CE402_ANCHORS)
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
    - integer class ids with `problem_type="multi_label_classification"`, and any labels passed
      with an integer dtype (`torch.tensor(ys, dtype=torch.long)`, `.long()`) to such a model.

    `problem_type` and `num_labels` are read where they are given at construction
    (`from_pretrained(..., problem_type=...)`, `AutoConfig.from_pretrained(..., problem_type=...)`
    passed as `config=`, `BertConfig(...)`, a module constant such as `PROBLEM_TYPE`) and where
    they are set afterwards: `config.problem_type = ...`, `model.config.problem_type = ...`,
    `config.update({...})`, `setattr(model.config, "problem_type", ...)`. Float multi-hot labels
    without `problem_type` are fine: transformers infers multi-label.

    The labels are those passed as `labels=`; where none is visible, those the module makes:
    `LabelEncoder`'s output, and class ids from category codes (`astype("category").cat.codes`),
    `pd.factorize`, `np.unique(..., return_inverse=True)` or a label2id dict (`series.map(label2id)`,
    `[label2id[l] for l in ...]`) on a line that names them labels (`df["label"] = ...`), as a
    categorical feature is encoded the same way. A `datasets` map is read through the function it
    is given: `ds.map(lambda ex: {"label": label2id[ex["intent"]]})`, or a function of the module
    that sets `example["labels"] = label2id[...]` and returns the example.

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
    from transformers import AutoModelForSequenceClassification

    # Two classes: two logits, CrossEntropyLoss on the integer labels (train_step unchanged).
    model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased", num_labels=2)
    ```

    ## Fix safety
    The fix sets `num_labels=2` (or the number of classes `id2label` names) instead of 1, casts
    integer multi-hot labels to float where they are passed as `labels=` (`labels.float()`), or
    sets `problem_type="single_label_classification"` for class ids (where it is written, also in
    a later `config.problem_type = ...`). It is unsafe: the model's
    head, its output shape and the loss it trains change, and a checkpoint saved with the old
    configuration no longer matches. For one sigmoid output instead, keep `num_labels=1` and set
    `problem_type="multi_label_classification"` with float labels of shape (batch, 1).

    ## References
    - FACTS F7 (transformers 4.57.6): `models/bert/modeling_bert.py`, `BertForSequenceClassification.forward`
      (the `problem_type` inference)
    - [Text classification guide](https://huggingface.co/docs/transformers/tasks/sequence_classification)
    """
    for model in facts.metrics.hf_models:
        if model.node is None:
            continue
        problem_type = model.setting("problem_type")
        num_labels = model.num_labels
        if problem_type is None and num_labels == 1:
            found = _class_labels(facts, model)
            if found is not None:
                count = _class_count(model)
                yield CE402_ONE_LABEL.at(facts, model.node, _hf_fix(facts, model, "num_labels", str(count)),
                                         evidence=found[0], labels=found[1], count=count)
            continue
        target = None
        if problem_type in (None, hf.MULTI_LABEL) and (num_labels is UNKNOWN or (
                isinstance(num_labels, int) and num_labels > 1)):
            target = _int_multi_hot(facts, model)
            if target is not None:
                fed = next((node for value, node, _ in _fed(model, facts) if value is target), None)
                fix = edits((fed, f"{parenthesised(facts, fed)}.float()")) if fed is not None else None
                yield CE402_INTEGER_MULTI_HOT.at(facts, model.node, fix, shown_by=shown_by(target),
                                                 targets=target.node)
        if target is None and problem_type == hf.MULTI_LABEL:
            target = _class_ids(facts, model)
            if target is not None:
                yield CE402_CLASS_IDS.at(facts, model.node, _hf_fix(facts, model, "problem_type",
                                                                    f'"{hf.SINGLE_LABEL}"'),
                                         shown_by=shown_by(target), targets=target.node)
            elif (fed := next((node for _, node, dtype in _fed(model, facts) if dtype == INT), None)) is not None:
                yield CE402_INTEGER_LABELS.at(facts, model.node, None, targets=fed)  # class ids or multi-hot
