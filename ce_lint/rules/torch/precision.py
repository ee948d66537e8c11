"""Sigmoid + BCELoss (CE209, CE901): refused under mixed precision, less stable in full precision."""

from __future__ import annotations

from collections.abc import Iterator

from ...facts import ModuleFacts
from ...facts.torch import LossCall, TTensor
from ...fixes import Edits, edits
from ...vocab import anchors as a
from ...vocab import torch as tv
from .. import ERROR, WARNING, Finding, Message, rule, unsafe
from .common import drop, sigmoid_into_bce, swap_loss

_TO_LOGITS = unsafe("Remove the sigmoid and use BCEWithLogitsLoss")
CE209 = Message(ERROR, "sigmoid output ({sigmoid}) fed to {loss} under mixed precision ({mixed}): PyTorch refuses "
                "BCELoss in CUDA autocast", _TO_LOGITS,
                related={"sigmoid": "the sigmoid", "mixed": "mixed precision"})


def _to_logits(facts: ModuleFacts, call: LossCall, tensor: TTensor) -> Edits | None:
    return edits(drop(facts, tensor), swap_loss(facts, call, tv.BCE_WITH_LOGITS_LOSS))


CE209_ANCHORS = (a.tensor_loss(a.BCE), a.activation(a.SIGMOID), a.mixed_precision())


@rule("CE209", "bce-loss-under-autocast", "sigmoid + BCELoss where mixed precision is used", CE209,
      anchors=CE209_ANCHORS)
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
    from torch import nn

    # Logits out, and the loss that takes them: safe to autocast (scaler and step unchanged).
    model = nn.Sequential(nn.Linear(8, 1))
    criterion = nn.BCEWithLogitsLoss()
    ```

    ## Fix safety
    The fix removes the sigmoid from the training path and turns `BCELoss` into
    `BCEWithLogitsLoss`. It is unsafe: the model now outputs logits.

    ## References
    - FACTS F6.5; PyTorch autocast op reference (ops that are unsafe to autocast)
    """
    mixed = facts.torch.mixed_precision
    if mixed is None:
        return
    for call, tensor in sigmoid_into_bce(facts):
        yield CE209.at(facts, call.criterion_node, _to_logits(facts, call, tensor), sigmoid=tensor.node,
                       loss=call.loss.name, mixed=mixed)


CE901 = Message(WARNING, "sigmoid output ({sigmoid}) fed to {loss}, which clamps its log at -100 where "
                "BCEWithLogitsLoss is numerically stable", _TO_LOGITS, related={"sigmoid": "the sigmoid"})


CE901_ANCHORS = (a.tensor_loss(a.BCE), a.activation(a.SIGMOID))


@rule("CE901", "prefer-bce-with-logits", "sigmoid + BCELoss where BCEWithLogitsLoss is more stable", CE901,
      default_enabled=False, anchors=CE901_ANCHORS)
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
    from torch import nn

    criterion = nn.BCEWithLogitsLoss()  # model unchanged


    def step(x, y):
        return criterion(model(x), y)  # the logits, without the sigmoid
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
    for call, tensor in sigmoid_into_bce(facts):
        yield CE901.at(facts, call.criterion_node, _to_logits(facts, call, tensor), sigmoid=tensor.node,
                       loss=call.loss.name)
