"""The class axis in PyTorch (CE205, CE207): a softmax over the wrong axis, a loss over one class."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from ... import vocab
from ...facts import ModuleFacts
from ...facts.torch import TTensor
from ...fixes import code, edits, with_keyword
from ...vocab import anchors as a
from ...vocab import torch as tv
from ...vocab.symbols import CROSS_ENTROPY, Param
from .. import ERROR, WARNING, Finding, Message, rule, safe, unsafe
from .common import fed, swap_loss

CE205_IMPLICIT_2D = Message(WARNING, "{function}() without dim relies on PyTorch's deprecated implicit axis (dim 1 "
                            "for this 2-D input)", safe("Pass dim=1"))  # what PyTorch picks for 2-D
CE205_IMPLICIT = Message(WARNING, "{function}() without dim normalises a 3-D (batch, sequence, classes) input over "
                         "the batch", unsafe("Pass dim=-1"))
CE205_BATCH = Message(WARNING, "{act} over dim=0 of a (batch, classes) output fed to {loss} ({call}) normalises "
                      "across the batch", unsafe("Use dim=1"), related={"call": "the {loss} call"})
CE205_PICKED = Message(WARNING, "{act} over dim=0 of a (batch, classes) output whose class is picked per row "
                       "({picked}) normalises across the batch", unsafe("Use dim=1"),
                       related={"picked": "the class picked per row"})
CE205_STACKED = Message(WARNING, "{act} over dim=0 of a stacked batch ({stacked}) normalises across the batch, not the "
                        "classes", unsafe("Use dim=-1"), related={"stacked": "the stacked batch"})


# torch's softmaxes, without dim or with dim=0
CE205_ANCHORS = (a.imported(tv.LIBRARY), a.unaxed(a.activation(a.SOFTMAX, a.LOG_SOFTMAX, a.SOFTMIN), "dim"))


@rule("CE205", "softmax-implicit-dim", "softmax without dim, or over the batch axis", CE205_IMPLICIT_2D,
      CE205_IMPLICIT, CE205_BATCH, CE205_PICKED, CE205_STACKED, anchors=CE205_ANCHORS)
def softmax_implicit_dim(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `F.softmax`, `F.log_softmax`, `F.softmin`, `nn.Softmax()`, `nn.LogSoftmax()` and
    `nn.Softmin()` without `dim`, and for a softmax over `dim=0` of a `Linear` layer's output where
    the module shows that output is (batch, classes): it reaches a classification loss; its class
    is picked per row over dim 1 (`probs.argmax(dim=1)`, `torch.max(probs, 1)`, `.gather(1, ...)`,
    `output.data.max(1, keepdim=True)[1]`, as in an evaluation loop); or the model is applied to a
    stacked batch (`torch.stack(states)`, `np.vstack(states)`, a policy network written with
    `nn.Softmax(dim=0)` for one state). (`dim=0` on a single unbatched sample, common in
    reinforcement-learning code, is correct and not reported.)

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
    almost certainly meant). For `dim=0` over the batch the fix uses `dim=1` (`dim=-1` for a model
    applied to a stacked batch, which is right for one sample too), unsafe.

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
    over_batch: set[cst.CSTNode] = set()
    for loss_call in facts.torch.loss_calls:
        tensor = loss_call.input
        if isinstance(tensor, TTensor) and tensor.batch_axis and tensor.node not in over_batch:
            over_batch.add(tensor.node)
            yield CE205_BATCH.at(facts, tensor.node, edits((tensor.node, _with_dim(facts, tensor.node, "1"))),
                                 act=tensor.act, loss=loss_call.loss.name, call=loss_call.node)
    for at, shown in facts.torch.batch_softmax.items():
        if at in over_batch:
            continue
        if shown.kind == "picked":
            yield CE205_PICKED.at(facts, at, edits((at, _with_dim(facts, at, "1"))), act=shown.act,
                                  picked=shown.node)
        else:
            yield CE205_STACKED.at(facts, at, edits((at, _with_dim(facts, at, "-1"))), act=shown.act,
                                   stacked=shown.node)




def _with_dim(facts: ModuleFacts, node: cst.CSTNode, dim: str) -> str | None:
    """The softmax call with another dim: its positional dim replaced (`torch.softmax(x, 0)`), else `dim=`."""
    if not isinstance(node, cst.Call) or any(arg.star for arg in node.args):
        return None
    axis = _dim_param(facts, node)
    positional = [arg for arg in node.args if arg.keyword is None]
    if axis is not None and axis.index is not None and axis.index < len(positional):
        given = positional[axis.index]
        args = [arg.with_changes(value=cst.parse_expression(dim)) if arg is given else arg for arg in node.args]
        return code(facts, node.with_changes(args=args))
    return with_keyword(facts, node, "dim", dim)


def _dim_param(facts: ModuleFacts, node: cst.Call) -> Param | None:
    """Where the softmax written at `node` takes its dim: a function's, a module's, or a tensor method's."""
    qname = next((n.qname for n in facts.torch.normalisations if n.node is node), None)
    if qname is not None:
        module = tv.module_name(qname)
        fn = tv.ACTIVATION_MODULES.get(module) if module else vocab.ARRAY_FUNCTIONS.get(qname)
    else:
        fn = vocab.ARRAY_METHODS.get(node.func.attr.value) if isinstance(node.func, cst.Attribute) else None
    return fn.axis if fn is not None else None


CE207 = Message(ERROR, "{loss} over a single output unit ({layer}): the loss is always 0 (or an IndexError), so "
                "nothing is learned", unsafe("Use BCEWithLogitsLoss (with float targets)"),
                related={"layer": "the single-unit Linear layer"})


CE207_ANCHORS = (a.tensor_loss(a.CROSS_ENTROPY), a.words(a.LINEAR))  # a width of 1 is known only from Linear(k, 1)


@rule("CE207", "cross-entropy-single-logit", "CrossEntropyLoss over a single output unit", CE207, anchors=CE207_ANCHORS)
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
