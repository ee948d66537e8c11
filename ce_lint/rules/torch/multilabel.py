"""Multi-label problems trained or scored as single-label ones in PyTorch (CE206, CE208)."""

from __future__ import annotations

from collections.abc import Iterator

from ...facts import ModuleFacts
from ...facts.targets import Target
from ...fixes import edits
from ...vocab import anchors as a
from ...vocab import torch as tv
from ...vocab.symbols import BCE, BCE_LOGITS, CROSS_ENTROPY, MULTI_HOT, SOFTMAX
from .. import ERROR, WARNING, Finding, Message, rule, unsafe
from ..words import shown_by
from .common import drop, fed, swap_loss, to_sigmoid

CE206_TARGETS = Message(ERROR, "multi-hot targets ({shown_by}, {targets}) with {loss}: the labels share one unit of "
                        "probability", unsafe("Use BCEWithLogitsLoss"),
                        related={"targets": "the targets ({shown_by})"})
_SOFTMAX = "softmax output fed to {loss} ({call}): the labels compete, so several can't all be predicted"
_SOFTMAX_HELP = "Use one sigmoid per label (BCEWithLogitsLoss on the logits)"
CE206_SOFTMAX_LOGITS = Message(ERROR, _SOFTMAX, unsafe("Remove the softmax"),  # BCEWithLogitsLoss applies a sigmoid
                               _SOFTMAX_HELP, {"call": "the {loss} call"})
CE206_SOFTMAX = Message(ERROR, _SOFTMAX, unsafe("Use a sigmoid"), _SOFTMAX_HELP, {"call": "the {loss} call"})


CE206_ANCHORS = (a.tensor_loss(a.CROSS_ENTROPY, a.BCE, a.BCE_LOGITS),)


@rule("CE206", "multilabel-with-softmax-or-cross-entropy",
      "multi-hot targets with CrossEntropyLoss, or softmax fed to a binary cross-entropy loss", CE206_TARGETS,
      CE206_SOFTMAX_LOGITS, CE206_SOFTMAX, anchors=CE206_ANCHORS)
def multilabel_with_softmax_or_cross_entropy(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for targets that are visibly multi-hot (`MultiLabelBinarizer`, `F.one_hot(...).sum(...)`,
    literal rows with several ones), also once converted to a float tensor, fed to
    `CrossEntropyLoss` or `F.cross_entropy`, and for a softmax output fed to `BCELoss` or
    `BCEWithLogitsLoss`.

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
    from torch import nn

    criterion = nn.BCEWithLogitsLoss()  # one yes/no per label; labels, model and step unchanged
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
            yield CE206_TARGETS.at(facts, call.criterion_node, edits(swap_loss(facts, call, tv.BCE_WITH_LOGITS_LOSS)),
                                   shown_by=shown_by(target), targets=target.node, loss=call.loss.name)
    for call, tensor in fed(facts, (BCE, BCE_LOGITS), SOFTMAX):
        if call.loss.kind == BCE_LOGITS:
            yield CE206_SOFTMAX_LOGITS.at(facts, tensor.node, edits(drop(facts, tensor)), loss=call.loss.name,
                                          call=call.node)
        else:
            yield CE206_SOFTMAX.at(facts, tensor.node, edits(to_sigmoid(facts, tensor)), loss=call.loss.name,
                                   call=call.node)


_CE208_HELP = "Use exact-match accuracy (.all(dim=1)), F1, or torchmetrics' MultilabelF1Score"
CE208 = Message(WARNING, "accuracy averaged over every cell of the {units}-unit multi-label prediction ({prediction}) "
                "is inflated by the negative labels", help=_CE208_HELP,
                related={"prediction": "the {units}-unit prediction"})
CE208_TARGETS = Message(WARNING, "element-wise accuracy against multi-hot targets ({targets}) is inflated by the "
                        "negative labels", help=_CE208_HELP,
                        related={"prediction": "the prediction", "targets": "the targets ({shown_by})"})


CE208_ANCHORS = (a.words("==") | a.comparison("Equal"), a.activation(a.MEAN) | a.words(a.MEAN_METHOD, a.SUM),
                 a.activation(a.SIGMOID) | a.raw_outputs(),  # the output thresholded: a sigmoid's or a layer's
                 a.activation(a.ROUND) | a.greater_than() | a.comparison("GreaterThan", "GreaterThanEqual"))


@rule("CE208", "elementwise-multilabel-accuracy",
      "accuracy averaged over every cell of a multi-label prediction matrix", CE208, CE208_TARGETS,
      anchors=CE208_ANCHORS)
def elementwise_multilabel_accuracy(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for accuracy computed element-wise over a thresholded multi-unit prediction:
    `(torch.sigmoid(out) > 0.5).eq(y).float().mean()`, `(preds == y).sum() / y.numel()`, where the
    output has several units, or where its width is unknown but the targets it is compared with
    are visibly multi-hot (`MultiLabelBinarizer`). The function and method forms count too
    (`torch.eq(preds, y)`, `probs.gt(0.5)`), and so do counts summed over an evaluation loop
    (`correct += (preds == y).sum().item()`, `total += y.numel()` or `y.size(0) * y.size(1)`,
    then `correct / total`) and the mean of per-sample shares (`.mean(dim=1).mean()`). A mean
    over `dim=0` (one accuracy per label) is another metric and is not reported.

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
        if isinstance(match.targets, Target):
            yield CE208_TARGETS.at(facts, node, prediction=match.source.node, shown_by=shown_by(match.targets),
                                   targets=match.targets.node)
        else:
            yield CE208.at(facts, node, units=match.source.units, prediction=match.source.node)
