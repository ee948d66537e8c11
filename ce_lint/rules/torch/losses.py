"""PyTorch losses fed what they don't expect (CE201-CE204): probabilities where a loss applies the
activation itself, logits where it expects probabilities or log-probabilities."""

from __future__ import annotations

from collections.abc import Iterator

from ...facts import ModuleFacts
from ...fixes import edits
from ...vocab import anchors as a
from ...vocab import torch as tv
from ...vocab.symbols import BCE, BCE_LOGITS, CROSS_ENTROPY, LOG_SOFTMAX, NLL, SIGMOID, SOFTMAX
from .. import ERROR, Finding, Message, rule, unsafe
from .common import drop, fed, raw_output, swap_loss, to_activation

CE201 = Message(ERROR, "softmax before {loss} ({call}), which applies softmax again: gradients vanish",
                unsafe("Remove the softmax (apply it at inference only)"), related={"call": "the {loss} call"})


CE201_ANCHORS = (a.tensor_loss(a.CROSS_ENTROPY), a.activation(a.SOFTMAX))


@rule("CE201", "softmax-before-cross-entropy",
      "a cross-entropy on logits (CrossEntropyLoss, optax.softmax_cross_entropy) fed softmax probabilities", CE201,
      anchors=CE201_ANCHORS)
def softmax_before_cross_entropy(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `nn.CrossEntropyLoss` or `F.cross_entropy` whose input went through a softmax:
    in `forward()` (`F.softmax`, `torch.softmax`, `x.softmax(dim)`, an `nn.Softmax` module, the
    last module of an `nn.Sequential`) or in the training loop. The same in JAX:
    `optax.softmax_cross_entropy` or `optax.softmax_cross_entropy_with_integer_labels` fed the
    output of `jax.nn.softmax`.

    It follows the model the way training code builds and wraps it: an `nn.Sequential` built from
    `*layers` (a list filled with `append`/`extend`/`+=`, a starred comprehension in the middle),
    from an `OrderedDict` or with `add_module`, where the last module decides; a tensor-method
    softmax after layers it doesn't know (graph convolutions, custom blocks); outputs indexed by a
    mask before the loss (`out[data.train_mask]`); models returned by `nn.DataParallel`,
    `DistributedDataParallel`, FSDP (`FullyShardedDataParallel`, `fully_shard`), `torch.compile`,
    `torch.jit`, Lightning Fabric's `setup` and
    Accelerate's `prepare`; and losses computed by a trainer library from the model it is given
    (ignite's `create_supervised_trainer(model, optimizer, criterion)`, skorch's
    `NeuralNetClassifier(module, criterion=...)`). A list appended to in a loop or an `if` is
    counted only from what is added after it.

    ## Why is this bad?
    `CrossEntropyLoss` expects logits: it applies `log_softmax` itself (so do optax's
    cross-entropies). Fed probabilities, the softmax is applied twice. The loss is bounded (for
    10 classes it can't go below 1.46 nor above 3.24) so the reported loss never approaches 0,
    gradients are about ten times smaller at the start and vanish on confident mistakes, and
    plain SGD learns much more slowly (0.71 against 1.00 accuracy on a small separable problem),
    all without any warning. Apply the softmax only where you need probabilities (inference,
    reporting).

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
    import torch.nn.functional as F
    from torch import nn


    class Net(nn.Module):  # __init__ and train_step unchanged
        def forward(self, x):
            return self.fc(x)  # logits, for CrossEntropyLoss

        def predict_proba(self, x):
            return F.softmax(self.forward(x), dim=1)  # probabilities, at inference only
    ```

    ## Fix safety
    The fix removes the softmax from the training path (`F.softmax(x, dim=1)` becomes `x`, an
    `nn.Softmax` module becomes `nn.Identity()`). It is unsafe: the model now outputs logits, so
    code that used its output as probabilities must apply softmax itself (at inference).

    ## References
    - FACTS F6.1; `torch/nn/modules/loss.py` (CrossEntropyLoss: "The input is expected to contain the
      unnormalized logits for each class")
    - [optax.softmax_cross_entropy](https://optax.readthedocs.io/en/latest/api/losses.html#optax.losses.softmax_cross_entropy)
      ("logits: Unnormalized log probabilities")
    """
    for call, tensor in fed(facts, (CROSS_ENTROPY,), SOFTMAX):
        yield CE201.at(facts, tensor.node, edits(drop(facts, tensor)), loss=call.loss.name, call=call.node)


CE202_PROBABILITIES = Message(ERROR, "softmax probabilities fed to {loss} ({call}), which expects log-probabilities: "
                              "the loss is -p, with weak gradients", unsafe("Use log_softmax"),
                              related={"call": "the {loss} call"})
CE202_LOGITS = Message(ERROR, "{loss} fed raw outputs of {raw} ({layer}), not log-probabilities: the loss is unbounded "
                       "below", unsafe("Use CrossEntropyLoss"), "Use CrossEntropyLoss, or log_softmax before {loss}",
                       {"layer": "the raw output"})


CE202_ANCHORS = (a.tensor_loss(a.NLL),)


@rule("CE202", "nll-loss-without-log-softmax", "NLLLoss fed probabilities or raw logits", CE202_PROBABILITIES,
      CE202_LOGITS, anchors=CE202_ANCHORS)
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
    import torch.nn.functional as F


    def step(x, y):  # head and criterion unchanged
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
    for call, tensor in fed(facts, (NLL,)):
        if tensor.act == SOFTMAX:
            yield CE202_PROBABILITIES.at(facts, tensor.node, edits(to_activation(facts, tensor, LOG_SOFTMAX)),
                                         loss=call.loss.name, call=call.node)
        elif tensor.act == "linear":
            yield CE202_LOGITS.at(facts, call.criterion_node, edits(swap_loss(facts, call, tv.CROSS_ENTROPY_LOSS)),
                                  loss=call.loss.name, raw=raw_output(tensor), layer=tensor.node)


CE203 = Message(ERROR, "{loss} fed raw outputs of {raw} ({layer}): it raises a RuntimeError once an output leaves "
                "[0, 1]", unsafe("Use BCEWithLogitsLoss"), related={"layer": "the raw output"})


CE203_ANCHORS = (a.tensor_loss(a.BCE),)


@rule("CE203", "bce-loss-on-logits", "BCELoss fed raw logits", CE203, anchors=CE203_ANCHORS)
def bce_loss_on_logits(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `nn.BCELoss` or `F.binary_cross_entropy` fed the raw output of a `Linear` layer,
    or of a fully-convolutional head: `Conv1d`/`Conv2d`/`Conv3d`, `ConvTranspose*d` (or their
    functional forms) as the last layer, also when the output is then upsampled (`F.interpolate`,
    `nn.Upsample`), reshaped (`.squeeze(1)`, `torch.flatten(x, 1)`) or cut to one channel
    (`out[:, 0]`). The loss may be called
    directly or by a trainer library (ignite's `create_supervised_trainer`, skorch).

    ## Why is this bad?
    `BCELoss` expects probabilities in [0, 1]. As soon as one output leaves that range, PyTorch stops
    with `RuntimeError: all elements of input should be between 0 and 1` (on CUDA, a device-side
    assert), often after some steps of apparently normal training. `BCEWithLogitsLoss` takes the
    logits directly and is numerically stable.

    ## Example
    ```python
    import torch.nn.functional as F
    from torch import nn

    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))


    def step(x, y):
        return F.binary_cross_entropy(model(x), y)
    ```

    ## Use instead
    ```python
    import torch.nn.functional as F


    def step(x, y):  # model unchanged
        return F.binary_cross_entropy_with_logits(model(x), y)
    ```

    ## Fix safety
    The fix turns `BCELoss` into `BCEWithLogitsLoss` (or `F.binary_cross_entropy` into its
    `_with_logits` form). It is unsafe: it changes the loss that is optimised, although for
    logits it is the one that was meant.

    ## References
    - FACTS F6.5; `aten/src/ATen/native/Loss.cpp` (`binary_cross_entropy_out_cpu` input range check)
    """
    for call, tensor in fed(facts, (BCE,), "linear"):
        yield CE203.at(facts, call.criterion_node, edits(swap_loss(facts, call, tv.BCE_WITH_LOGITS_LOSS)),
                       loss=call.loss.name, raw=raw_output(tensor), layer=tensor.node)


CE204 = Message(ERROR, "sigmoid before {loss} ({call}), which applies a sigmoid again: the loss is bounded and "
                "gradients vanish", unsafe("Remove the sigmoid (apply it at inference only)"),
                related={"call": "the {loss} call"})


CE204_ANCHORS = (a.tensor_loss(a.BCE_LOGITS), a.activation(a.SIGMOID))


@rule("CE204", "sigmoid-before-bce-with-logits", "BCEWithLogitsLoss fed sigmoid outputs", CE204, anchors=CE204_ANCHORS)
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
    from torch import nn

    model = nn.Sequential(nn.Linear(32, 5), nn.Sigmoid())
    criterion = nn.BCEWithLogitsLoss()


    def step(x, y):
        return criterion(model(x), y)
    ```

    ## Use instead
    ```python
    from torch import nn

    model = nn.Sequential(nn.Linear(32, 5))  # logits: BCEWithLogitsLoss applies the sigmoid
    ```

    ## Fix safety
    The fix removes the sigmoid from the training path. It is unsafe: the model now outputs
    logits, so code that used its output as probabilities must apply the sigmoid itself.

    ## References
    - FACTS F6.6
    """
    for call, tensor in fed(facts, (BCE_LOGITS,), SIGMOID):
        yield CE204.at(facts, tensor.node, edits(drop(facts, tensor)), loss=call.loss.name, call=call.node)
