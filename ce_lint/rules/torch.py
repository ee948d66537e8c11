"""PyTorch rules (CE2xx, CE901): what reaches each loss must be what the loss expects."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..diagnostics import Severity
from ..facts import ModuleFacts
from ..facts.torch import LossCall, TTensor
from ..fixes import SAFE, UNSAFE, Proposal, parenthesised, proposal, renamed, with_keyword
from ..vocab import torch as tv
from ..vocab.symbols import BCE, BCE_LOGITS, CROSS_ENTROPY, LOG_SOFTMAX, MULTI_HOT, NLL, SIGMOID, LossKind, TensorLoss
from ..facts.targets import Target
from . import Finding, rule
from .words import shown_by

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def _fed(facts: ModuleFacts, kinds: tuple[LossKind, ...]) -> Iterator[tuple[LossCall, TTensor | None]]:
    for call in facts.torch.loss_calls:
        if call.loss.kind in kinds:
            yield call, call.input if isinstance(call.input, TTensor) else None


def _name(call: LossCall) -> str:
    return call.loss.name


def _swap_loss(facts: ModuleFacts, call: LossCall, new: TensorLoss) -> tuple[cst.CSTNode, str | None]:
    """The criterion constructor (or functional call) renamed to another loss."""
    node = call.criterion_node
    functional_form = node is call.node and not isinstance(getattr(node, "func", None), cst.Name)
    name = new.function if functional_form else new.criterion
    return node, renamed(facts, node, name) if name else None


def _drop(facts: ModuleFacts, tensor: TTensor) -> tuple[cst.CSTNode, str | None]:
    """Remove an activation: `F.softmax(x, dim=1)` -> `x`; an `nn.Softmax(dim=1)` module -> `nn.Identity()`."""
    if tensor.operand is not None:
        return tensor.node, parenthesised(facts, tensor.operand)
    func = getattr(tensor.node, "func", None)
    return tensor.node, f"{renamed(facts, func, tv.IDENTITY)}()" if isinstance(func, cst.Attribute) else None


def _to(facts: ModuleFacts, tensor: TTensor, function: str, module: str) -> tuple[cst.CSTNode, str | None]:
    """Change an activation in place: `F.softmax(x, dim=1)` -> `F.log_softmax(x, dim=1)`,
    `x.softmax(1)` -> `x.log_softmax(1)`, `nn.Softmax(dim=1)` -> `nn.LogSoftmax(dim=1)`."""
    return tensor.node, renamed(facts, tensor.node, module if tensor.operand is None else function)


@rule("CE201", "softmax-before-cross-entropy", ERROR, "CrossEntropyLoss fed softmax probabilities")
def softmax_before_cross_entropy(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `nn.CrossEntropyLoss` or `F.cross_entropy` whose input went through a softmax:
    in `forward()` (`F.softmax`, `torch.softmax`, `x.softmax(dim)`, an `nn.Softmax` module, the
    last module of an `nn.Sequential`) or in the training loop.

    ## Why is this bad?
    `CrossEntropyLoss` expects logits: it applies `log_softmax` itself. Fed probabilities, the
    softmax is applied twice. The loss is bounded (for 10 classes it can't go below 1.46 nor
    above 3.24) so the reported loss never approaches 0, gradients are about ten times smaller at
    the start and vanish on confident mistakes, and plain SGD learns much more slowly (0.71 against
    1.00 accuracy on a small separable problem), all without any warning. Apply the softmax only
    where you need probabilities
    (inference, reporting).

    ## Example
    ```python
    import torch.nn as nn
    import torch.nn.functional as F


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(20, 10)

        def forward(self, x):
            return F.softmax(self.fc(x), dim=1)


    def train_step(model, x, y):
        return nn.CrossEntropyLoss()(model(x), y)


    train_step(Net(), None, None)
    ```

    ## Use instead
    ```python
    import torch.nn as nn
    import torch.nn.functional as F


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(20, 10)

        def forward(self, x):
            return self.fc(x)

        def predict_proba(self, x):
            return F.softmax(self.forward(x), dim=1)


    def train_step(model, x, y):
        return nn.CrossEntropyLoss()(model(x), y)


    train_step(Net(), None, None)
    ```

    ## Fix safety
    The fix removes the softmax from the training path (`F.softmax(x, dim=1)` becomes `x`, an
    `nn.Softmax` module becomes `nn.Identity()`). It is unsafe: the model now outputs logits, so
    code that used its output as probabilities must apply softmax itself (at inference).

    ## References
    - FACTS F6.1; `torch/nn/modules/loss.py` (CrossEntropyLoss: "The input is expected to contain the
      unnormalized logits for each class")
    """
    for call, tensor in _fed(facts, (CROSS_ENTROPY,)):
        if tensor is not None and tensor.act == "softmax":
            fix = proposal(UNSAFE, "Remove the softmax (apply it at inference only)", _drop(facts, tensor))
            yield Finding(tensor.node, f"this softmax output reaches {_name(call)} ({facts.where(call.node)}), "
                          "which applies log_softmax itself: the loss is bounded and its gradients vanish on confident "
                          "mistakes; feed the logits and apply softmax only at inference", fix=fix)


@rule("CE202", "nll-loss-without-log-softmax", ERROR, "NLLLoss fed probabilities or raw logits")
def nll_loss_without_log_softmax(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `nn.NLLLoss` or `F.nll_loss` fed softmax probabilities or the raw output of a
    `Linear` layer, instead of log-probabilities from `log_softmax`.

    ## Why is this bad?
    `NLLLoss` only picks `-input[target]`; it expects log-probabilities. On probabilities the loss is
    `-p`, between -1 and 0, with weak gradients; on raw logits it is `-logit`, unbounded below, and
    training diverges (-99 after 100 SGD steps in a small run). PyTorch warns about neither.

    ## Example
    ```python
    import torch.nn as nn
    import torch.nn.functional as F

    head = nn.Linear(16, 4)
    criterion = nn.NLLLoss()


    def step(x, y):
        return criterion(F.softmax(head(x), dim=1), y)
    ```

    ## Use instead
    ```python
    import torch.nn as nn
    import torch.nn.functional as F

    head = nn.Linear(16, 4)
    criterion = nn.NLLLoss()


    def step(x, y):
        return criterion(F.log_softmax(head(x), dim=1), y)
    ```

    ## Fix safety
    Fed probabilities, the fix turns the softmax into `log_softmax`; fed raw logits, it turns
    `NLLLoss` into `CrossEntropyLoss`. Both are unsafe: the first changes the model's output,
    the second the loss.

    ## References
    - FACTS F6.4; `torch/nn/modules/loss.py` (NLLLoss: "The input given through a forward call is expected
      to contain log-probabilities of each class")
    """
    for call, tensor in _fed(facts, (NLL,)):
        if tensor is None:
            continue
        if tensor.act == "softmax":
            fix = proposal(UNSAFE, "Use log_softmax", _to(facts, tensor, LOG_SOFTMAX, tv.activation_module(LOG_SOFTMAX)))
            yield Finding(tensor.node, f"softmax probabilities reach {_name(call)} ({facts.where(call.node)}), "
                          "which expects log-probabilities: the loss is -p, between -1 and 0, with weak gradients; "
                          "use log_softmax", fix=fix)
        elif tensor.act == "linear":
            fix = proposal(UNSAFE, "Use CrossEntropyLoss", _swap_loss(facts, call, tv.CROSS_ENTROPY_LOSS))
            yield Finding(call.criterion_node, f"{_name(call)} is fed the raw output of a Linear layer ("
                          f"{facts.where(tensor.node)}), not log-probabilities: the loss is -logit, unbounded below, "
                          "and training diverges; use CrossEntropyLoss, or log_softmax before NLLLoss", fix=fix)


@rule("CE203", "bce-loss-on-logits", ERROR, "BCELoss fed raw logits")
def bce_loss_on_logits(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `nn.BCELoss` or `F.binary_cross_entropy` fed the raw output of a `Linear` layer.

    ## Why is this bad?
    `BCELoss` expects probabilities in [0, 1]. As soon as one output leaves that range, PyTorch stops
    with `RuntimeError: all elements of input should be between 0 and 1` (on CUDA, a device-side
    assert), often after some steps of apparently normal training. `BCEWithLogitsLoss` takes the
    logits directly and is numerically stable.

    ## Example
    ```python
    import torch
    from torch import nn

    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    loss_fn = nn.BCELoss()


    def step(x, y):
        return loss_fn(model(x), y)
    ```

    ## Use instead
    ```python
    import torch
    from torch import nn

    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    loss_fn = nn.BCEWithLogitsLoss()


    def step(x, y):
        return loss_fn(model(x), y)
    ```

    ## Fix safety
    The fix turns `BCELoss` into `BCEWithLogitsLoss` (or `F.binary_cross_entropy` into its
    `_with_logits` form). It is unsafe: it changes the loss that is optimised, although for
    logits it is the one that was meant.

    ## References
    - FACTS F6.5; `aten/src/ATen/native/Loss.cpp` (`binary_cross_entropy_out_cpu` input range check)
    """
    for call, tensor in _fed(facts, (BCE,)):
        if tensor is not None and tensor.act == "linear":
            fix = proposal(UNSAFE, "Use BCEWithLogitsLoss", _swap_loss(facts, call, tv.BCE_WITH_LOGITS_LOSS))
            yield Finding(call.criterion_node, f"{_name(call)} is fed the raw output of a Linear layer ("
                          f"{facts.where(tensor.node)}): it fails with 'all elements of input should be between 0 and 1' "
                          "as soon as an output leaves [0, 1]; use BCEWithLogitsLoss on the logits", fix=fix)


@rule("CE204", "sigmoid-before-bce-with-logits", ERROR, "BCEWithLogitsLoss fed sigmoid outputs")
def sigmoid_before_bce_with_logits(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `nn.BCEWithLogitsLoss` or `F.binary_cross_entropy_with_logits` whose input already
    went through a sigmoid.

    ## Why is this bad?
    `BCEWithLogitsLoss` applies the sigmoid itself. Fed probabilities, its inputs are confined to
    (0, 1), so its own sigmoid only outputs values in (0.5, 0.73): the loss is bounded (for a
    positive label it never goes below 0.31), predictions can't become confident, and gradients
    vanish for large logits. There is no warning.

    ## Example
    ```python
    import torch
    from torch import nn


    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.out = nn.Linear(32, 5)

        def forward(self, x):
            return torch.sigmoid(self.out(x))


    model = Tagger()
    criterion = nn.BCEWithLogitsLoss()


    def step(x, y):
        return criterion(model(x), y)
    ```

    ## Use instead
    ```python
    import torch
    from torch import nn


    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.out = nn.Linear(32, 5)

        def forward(self, x):
            return self.out(x)


    model = Tagger()
    criterion = nn.BCEWithLogitsLoss()


    def step(x, y):
        return criterion(model(x), y)
    ```

    ## Fix safety
    The fix removes the sigmoid from the training path. It is unsafe: the model now outputs
    logits, so code that used its output as probabilities must apply the sigmoid itself.

    ## References
    - FACTS F6.6
    """
    for call, tensor in _fed(facts, (BCE_LOGITS,)):
        if tensor is not None and tensor.act == "sigmoid":
            fix = proposal(UNSAFE, "Remove the sigmoid (apply it at inference only)", _drop(facts, tensor))
            yield Finding(tensor.node, f"this sigmoid output reaches {_name(call)} ({facts.where(call.node)}), "
                          "which applies a sigmoid itself: the sigmoid is applied twice, the loss is bounded and "
                          "gradients vanish; feed the logits", fix=fix)


@rule("CE205", "softmax-implicit-dim", WARNING, "softmax without dim, or over the batch axis")
def softmax_implicit_dim(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `F.softmax`, `F.log_softmax`, `F.softmin`, `nn.Softmax()`, `nn.LogSoftmax()` and
    `nn.Softmin()` without `dim`, and for a softmax over `dim=0` of a `Linear` layer's output that
    then reaches a classification loss, which shows it is (batch, classes). (`dim=0` on a single
    unbatched sample, common in reinforcement-learning code, is correct and not reported.)

    ## Why is this bad?
    Without `dim`, PyTorch picks the axis itself (and warns that this is deprecated): dim 0 for 0-,
    1- and 3-D inputs, dim 1 otherwise. A (batch, sequence, classes) tensor is then normalised over
    the *batch*. Over `dim=0` of a (batch, classes) output, each class is normalised across the
    samples of the batch instead of each sample across its classes.

    ## Example
    ```python
    import torch.nn.functional as F
    from torch import nn

    head = nn.Linear(64, 10)


    def predict(features):
        return F.softmax(head(features))
    ```

    ## Use instead
    ```python
    import torch.nn.functional as F
    from torch import nn

    head = nn.Linear(64, 10)


    def predict(features):
        return F.softmax(head(features), dim=-1)
    ```

    ## Fix safety
    When the input is visibly the 2-D output of a `Linear` layer, the fix passes `dim=1`, which
    is what PyTorch picks implicitly: safe, nothing changes but the warning. Otherwise it passes
    `dim=-1`, unsafe because for 1-D and 3-D inputs that changes the axis (to the one that was
    almost certainly meant). For `dim=0` over the batch the fix uses `dim=1`, unsafe.

    ## References
    - FACTS F6.7; `torch/nn/functional.py::_get_softmax_dim`
    """
    implicit = {n.node: n for n in facts.torch.normalisations if n.implicit and n.dim is None and not n.starred}
    for node, normalisation in implicit.items():
        name, given = f"{tv.spelled(normalisation.qname)}()", normalisation.input
        # A Linear's (batch, classes) output is 2-D: the implicit choice is dim=1, so saying it changes nothing.
        two_d = isinstance(given, TTensor) and given.act == "linear" and isinstance(given.units, int)
        fix = proposal(SAFE, "Pass dim=1", (node, with_keyword(facts, node, "dim", "1"))) if two_d else proposal(
            UNSAFE, "Pass dim=-1", (node, with_keyword(facts, node, "dim", "-1")))
        yield Finding(node, f"{name} without dim picks the axis implicitly (deprecated): dim 0 for 1-D and 3-D inputs, "
                      "so a (batch, sequence, classes) tensor is normalised over the batch; pass dim explicitly", fix=fix)
    for call in facts.torch.loss_calls:
        tensor = call.input
        if isinstance(tensor, TTensor) and tensor.batch_axis:
            node = tensor.node
            fix = proposal(UNSAFE, "Use dim=1", (node, with_keyword(facts, node, "dim", "1")))
            yield Finding(node, f"{tensor.act} over dim=0 of a Linear layer's output that reaches {_name(call)} ("
                          f"{facts.where(call.node)}), so it is (batch, classes): it normalises across the batch, not "
                          "across classes; use dim=1", fix=fix)


@rule("CE206", "multilabel-with-softmax-or-cross-entropy", ERROR,
      "multi-hot targets with CrossEntropyLoss, or softmax fed to a binary cross-entropy loss")
def multilabel_with_softmax_or_cross_entropy(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for targets that are visibly multi-hot (`MultiLabelBinarizer`, `F.one_hot(...).sum(...)`,
    literal rows with several ones) fed to `CrossEntropyLoss`, and for a softmax output fed to
    `BCELoss` or `BCEWithLogitsLoss`.

    ## Why is this bad?
    Since PyTorch 1.10, `CrossEntropyLoss` accepts float class-probability targets and does not check
    that they sum to 1. A multi-hot row `[1, 0, 0, 1]` then trains the softmax to split its mass
    equally between the positive labels (the loss can never go below 2·log 2 for two labels): it
    never learns independent yes/no answers. A softmax output has the same flaw in front of a binary
    loss: its outputs compete, so several labels can't all be predicted.

    ## Example
    ```python
    import torch
    from sklearn.preprocessing import MultiLabelBinarizer
    from torch import nn

    labels = torch.tensor(MultiLabelBinarizer().fit_transform([["a", "b"], ["b"]]), dtype=torch.float32)
    model = nn.Linear(10, 2)
    criterion = nn.CrossEntropyLoss()


    def step(x):
        return criterion(model(x), labels)
    ```

    ## Use instead
    ```python
    import torch
    from sklearn.preprocessing import MultiLabelBinarizer
    from torch import nn

    labels = torch.tensor(MultiLabelBinarizer().fit_transform([["a", "b"], ["b"]]), dtype=torch.float32)
    model = nn.Linear(10, 2)
    criterion = nn.BCEWithLogitsLoss()


    def step(x):
        return criterion(model(x), labels)
    ```

    ## Fix safety
    The fix turns `CrossEntropyLoss` into `BCEWithLogitsLoss` for multi-hot targets, and for a
    softmax fed to a binary loss removes it (before `BCEWithLogitsLoss`) or makes it a sigmoid
    (before `BCELoss`). All unsafe: they change the loss or the model's output.

    ## References
    - FACTS F6.2; PyTorch 1.10 release notes (class-probability targets, pytorch/pytorch#61044)
    """
    for call in facts.torch.loss_calls:
        target = call.target
        if call.loss.kind == CROSS_ENTROPY and isinstance(target, Target) and target.encoding == MULTI_HOT:
            fix = proposal(UNSAFE, "Use BCEWithLogitsLoss", _swap_loss(facts, call, tv.BCE_WITH_LOGITS_LOSS))
            yield Finding(call.criterion_node, f"the targets are multi-hot ({shown_by(target)}, "
                          f"{facts.where(target.node)}) but {_name(call)} treats each row as one class distribution "
                          "and trains the mass split among the positive labels; use BCEWithLogitsLoss on the logits",
                          fix=fix)
    for call, tensor in _fed(facts, (BCE, BCE_LOGITS)):
        if tensor is not None and tensor.act == "softmax":
            if call.loss.kind == BCE_LOGITS:
                fix = proposal(UNSAFE, "Remove the softmax", _drop(facts, tensor))
            else:
                fix = proposal(UNSAFE, "Use a sigmoid", _to_sigmoid(facts, tensor))
            yield Finding(tensor.node, f"this softmax output reaches {_name(call)} ({facts.where(call.node)}): "
                          "softmax makes the labels compete, so several can't all be predicted; use one sigmoid per "
                          "label (BCEWithLogitsLoss on the logits)", fix=fix)


def _to_sigmoid(facts: ModuleFacts, tensor: TTensor) -> tuple[cst.CSTNode, str | None]:
    """`x.softmax(1)` -> `x.sigmoid()`, `nn.Softmax(dim=1)` -> `nn.Sigmoid()`, `F.softmax(x, 1)` -> `torch.sigmoid(x)`."""
    node = tensor.node
    func = getattr(node, "func", None)
    if tensor.operand is None:
        return node, f"{renamed(facts, func, tv.activation_module(SIGMOID))}()" if isinstance(func, cst.Attribute) else None
    if isinstance(func, cst.Attribute) and func.value is tensor.operand:
        return node, f"{parenthesised(facts, tensor.operand)}.{SIGMOID}()"
    torch = facts.alias(tv.LIBRARY.name)
    return node, f"{torch}.{SIGMOID}({facts.module.code_for_node(tensor.operand)})" if torch else None


@rule("CE207", "cross-entropy-single-logit", ERROR, "CrossEntropyLoss over a single output unit")
def cross_entropy_single_logit(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `CrossEntropyLoss` or `F.cross_entropy` fed the output of `nn.Linear(k, 1)`.

    ## Why is this bad?
    `log_softmax` over one class is 0. With class-index targets that are all 0 the loss is exactly 0
    and nothing is learned; any target 1 raises `IndexError: Target 1 is out of bounds`; float 0/1
    targets of shape (N, 1) give a loss of -0.0 and zero gradients. A binary problem with one output
    unit needs `BCEWithLogitsLoss` and float targets.

    ## Example
    ```python
    from torch import nn

    model = nn.Sequential(nn.Linear(30, 8), nn.ReLU(), nn.Linear(8, 1))
    criterion = nn.CrossEntropyLoss()


    def step(x, y):
        return criterion(model(x), y)
    ```

    ## Use instead
    ```python
    from torch import nn

    model = nn.Sequential(nn.Linear(30, 8), nn.ReLU(), nn.Linear(8, 1))
    criterion = nn.BCEWithLogitsLoss()


    def step(x, y):
        return criterion(model(x), y.float())
    ```

    ## Fix safety
    The fix turns `CrossEntropyLoss` into `BCEWithLogitsLoss`. It is unsafe: the targets must
    also become floats of the output's shape, which the fix can't see.

    ## References
    - FACTS F6.3
    """
    for call, tensor in _fed(facts, (CROSS_ENTROPY,)):
        if tensor is not None and tensor.act == "linear" and tensor.units == 1:
            fix = proposal(UNSAFE, "Use BCEWithLogitsLoss (with float targets)", _swap_loss(facts, call, tv.BCE_WITH_LOGITS_LOSS))
            yield Finding(call.criterion_node, f"{_name(call)} over the single output unit of the Linear layer on "
                          f"{facts.where(tensor.node)}: log_softmax over one class is 0, so the loss is always 0 (or an "
                          "IndexError for label 1) and nothing is learned; use BCEWithLogitsLoss with float targets",
                          fix=fix)


@rule("CE208", "elementwise-multilabel-accuracy", WARNING,
      "accuracy averaged over every cell of a multi-label prediction matrix")
def elementwise_multilabel_accuracy(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for accuracy computed element-wise over a thresholded multi-unit prediction:
    `(torch.sigmoid(out) > 0.5).eq(y).float().mean()`, `(preds == y).sum() / y.numel()`, where the
    output has several units.

    ## Why is this bad?
    With many labels and few positives per sample, the negative cells dominate: a model that never
    predicts any label already scores close to 100%. The number says little about the labels that
    matter. Use exact-match accuracy (`(preds == y).all(dim=1).float().mean()`), an F1 score, or
    torchmetrics' `MultilabelF1Score`.

    ## Example
    ```python
    import torch
    from torch import nn

    model = nn.Linear(40, 12)


    def accuracy(x, y):
        preds = torch.sigmoid(model(x)) > 0.5
        return (preds == y).float().mean()
    ```

    ## Use instead
    ```python
    import torch
    from torch import nn

    model = nn.Linear(40, 12)


    def exact_match(x, y):
        preds = torch.sigmoid(model(x)) > 0.5
        return (preds == y).all(dim=1).float().mean()
    ```

    ## References
    - FACTS F1.6 (the same inflation in Keras' binary_accuracy)
    """
    for node, match in facts.torch.elementwise_accuracy.items():
        yield Finding(node, f"accuracy averaged over every (sample, label) cell of the {match.source.units}-unit "
                      f"prediction ({facts.where(match.source.node)}) is inflated by the negative labels; use "
                      "exact-match accuracy (.all(dim=1)), F1, or torchmetrics' MultilabelF1Score")


def _sigmoid_into_bce(facts: ModuleFacts) -> Iterator[tuple[LossCall, TTensor]]:
    for call, tensor in _fed(facts, (BCE,)):
        if tensor is not None and tensor.act == "sigmoid":
            yield call, tensor


@rule("CE209", "bce-loss-under-autocast", ERROR, "sigmoid + BCELoss where mixed precision is used")
def bce_loss_under_autocast(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for a sigmoid output fed to `nn.BCELoss` or `F.binary_cross_entropy` in a module that
    uses mixed precision (`torch.autocast`, `torch.cuda.amp.autocast`, `GradScaler`, Lightning
    `precision="16-mixed"` or `16`).

    ## Why is this bad?
    PyTorch refuses `binary_cross_entropy` inside CUDA (and XPU) autocast regions, because the
    separate sigmoid and log lose precision in half precision: the run stops with
    `RuntimeError: torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast`
    the first time the loss is computed under autocast. CPU autocast runs it in float32 without
    error, so the mistake only shows on the GPU machine. `BCEWithLogitsLoss` on the logits is safe
    to autocast.

    ## Example
    ```python
    import torch
    from torch import nn

    model = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())
    criterion = nn.BCELoss()
    scaler = torch.cuda.amp.GradScaler()


    def step(x, y):
        with torch.autocast("cuda"):
            loss = criterion(model(x), y)
        scaler.scale(loss).backward()
    ```

    ## Use instead
    ```python
    import torch
    from torch import nn

    model = nn.Sequential(nn.Linear(8, 1))
    criterion = nn.BCEWithLogitsLoss()
    scaler = torch.cuda.amp.GradScaler()


    def step(x, y):
        with torch.autocast("cuda"):
            loss = criterion(model(x), y)
        scaler.scale(loss).backward()
    ```

    ## Fix safety
    The fix removes the sigmoid from the training path and turns `BCELoss` into
    `BCEWithLogitsLoss`. It is unsafe: the model now outputs logits.

    ## References
    - FACTS F6.5; PyTorch autocast op reference (ops that are unsafe to autocast)
    """
    if facts.torch.mixed_precision is None:
        return
    for call, tensor in _sigmoid_into_bce(facts):
        yield Finding(call.criterion_node, f"sigmoid output ({facts.where(tensor.node)}) fed to {_name(call)} with "
                      f"mixed precision in this module ({facts.where(facts.torch.mixed_precision)}): PyTorch "
                      "refuses binary_cross_entropy inside CUDA autocast regions ('unsafe to autocast'); remove the "
                      "sigmoid and use BCEWithLogitsLoss", fix=_logits_fix(facts, call, tensor))


def _logits_fix(facts: ModuleFacts, call: LossCall, tensor: TTensor) -> Proposal | None:
    return proposal(UNSAFE, "Remove the sigmoid and use BCEWithLogitsLoss", _drop(facts, tensor),
                    _swap_loss(facts, call, tv.BCE_WITH_LOGITS_LOSS))


@rule("CE901", "prefer-bce-with-logits", WARNING, "sigmoid + BCELoss where BCEWithLogitsLoss is more stable",
      default_enabled=False)
def prefer_bce_with_logits(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for a sigmoid output fed to `nn.BCELoss` or `F.binary_cross_entropy` in full precision.
    Off by default: the code is correct, this is advice.

    ## Why is this bad?
    It works, but `BCELoss` computes `log(sigmoid(x))` in two steps and clamps each log at -100: a
    confident wrong output costs at most 100 (`BCEWithLogitsLoss` gives the exact value, e.g. 40 for
    a logit of 40), and the backward pass divides by `p(1-p)`. `BCEWithLogitsLoss` on the logits is
    the numerically stable form of the same loss.

    ## Example
    ```python
    import torch
    from torch import nn

    model = nn.Linear(8, 1)
    criterion = nn.BCELoss()


    def step(x, y):
        return criterion(torch.sigmoid(model(x)), y)
    ```

    ## Use instead
    ```python
    import torch
    from torch import nn

    model = nn.Linear(8, 1)
    criterion = nn.BCEWithLogitsLoss()


    def step(x, y):
        return criterion(model(x), y)
    ```

    ## Fix safety
    The fix removes the sigmoid from the training path and turns `BCELoss` into
    `BCEWithLogitsLoss`. It is unsafe: the model now outputs logits.

    ## References
    - FACTS F6.5; `torch/nn/modules/loss.py` (BCELoss: "clamps its log function outputs to be greater than
      or equal to -100")
    """
    if facts.torch.mixed_precision is not None:
        return
    for call, tensor in _sigmoid_into_bce(facts):
        yield Finding(call.criterion_node, f"sigmoid output ({facts.where(tensor.node)}) fed to {_name(call)}: it "
                      "works, but BCEWithLogitsLoss on the logits is numerically stable where BCELoss clamps its log "
                      "at -100", fix=_logits_fix(facts, call, tensor))
