"""The class axis in PyTorch (CE205, CE207): a softmax over the wrong axis, a loss over one class."""

from __future__ import annotations

from collections.abc import Iterator

from ...facts import ModuleFacts
from ...facts.torch import TTensor
from ...fixes import edits, with_keyword
from ...vocab import torch as tv
from ...vocab.symbols import CROSS_ENTROPY
from .. import ERROR, WARNING, Finding, Message, rule, safe, unsafe
from .common import fed, swap_loss

_IMPLICIT = ("{function}() without dim picks the axis implicitly (deprecated): dim 0 for 1-D and 3-D inputs, so a "
             "(batch, sequence, classes) tensor is normalised over the batch; pass dim explicitly")
CE205_IMPLICIT_2D = Message(WARNING, _IMPLICIT, safe("Pass dim=1"))  # dim=1 is what PyTorch picks for 2-D
CE205_IMPLICIT = Message(WARNING, _IMPLICIT, unsafe("Pass dim=-1"))
CE205_BATCH = Message(WARNING, "{act} over dim=0 of a Linear layer's output that reaches {loss} ({call}), so it is "
                      "(batch, classes): it normalises across the batch, not across classes; use dim=1",
                      unsafe("Use dim=1"))


@rule("CE205", "softmax-implicit-dim", "softmax without dim, or over the batch axis", CE205_IMPLICIT_2D,
      CE205_IMPLICIT, CE205_BATCH)
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
    def predict(features):  # head unchanged
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
    # Each call once, as last seen (its input may differ between evaluations).
    implicit = {n.node: n for n in facts.torch.normalisations if n.implicit and n.dim is None and not n.starred}
    for node, call in implicit.items():
        # A Linear's (batch, classes) output is 2-D: the implicit choice is dim=1, so saying it changes nothing.
        given = call.input
        two_d = isinstance(given, TTensor) and given.act == "linear" and isinstance(given.units, int)
        message, dim = (CE205_IMPLICIT_2D, "1") if two_d else (CE205_IMPLICIT, "-1")
        yield message.at(facts, node, edits((node, with_keyword(facts, node, "dim", dim))),
                         function=tv.spelled(call.qname))
    for loss_call in facts.torch.loss_calls:
        tensor = loss_call.input
        if isinstance(tensor, TTensor) and tensor.batch_axis:
            yield CE205_BATCH.at(facts, tensor.node, edits((tensor.node, with_keyword(facts, tensor.node, "dim", "1"))),
                                 act=tensor.act, loss=loss_call.loss.name, call=loss_call.node)


CE207 = Message(ERROR, "{loss} over the single output unit of the Linear layer on {layer}: log_softmax over one class "
                "is 0, so the loss is always 0 (or an IndexError for label 1) and nothing is learned; use "
                "BCEWithLogitsLoss with float targets", unsafe("Use BCEWithLogitsLoss (with float targets)"))


@rule("CE207", "cross-entropy-single-logit", "CrossEntropyLoss over a single output unit", CE207)
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

    criterion = nn.BCEWithLogitsLoss()  # model unchanged


    def step(x, y):
        return criterion(model(x), y.float())  # float targets of the output's shape
    ```

    ## Fix safety
    The fix turns `CrossEntropyLoss` into `BCEWithLogitsLoss`. It is unsafe: the targets must
    also become floats of the output's shape, which the fix can't see.

    ## References
    - FACTS F6.3
    """
    for call, tensor in fed(facts, (CROSS_ENTROPY,), "linear"):
        if tensor.units == 1:
            yield CE207.at(facts, call.criterion_node, edits(swap_loss(facts, call, tv.BCE_WITH_LOGITS_LOSS)),
                           loss=call.loss.name, layer=tensor.node)
