"""Keras output activations and the losses they are trained with (CE101-CE103)."""

from __future__ import annotations

from collections.abc import Iterator

from ...facts import ModuleFacts
from ...facts.keras_values import Act
from ...fixes import edits
from ...vocab import anchors as a
from ...vocab import keras as k
from ...vocab.symbols import INTEGER, MULTI_HOT, ONE_HOT, SIGMOID, SOFTMAX
from .. import ERROR, WARNING, Finding, Message, rule, unsafe
from .common import act_swap, fails, loss_swap, output_node, output_words, outputs, units

CE101 = Message(ERROR, "softmax over a single unit always outputs 1.0, whatever the input", unsafe("Use a sigmoid"))


CE101_ANCHORS = (a.activation(a.SOFTMAX), a.words(*a.UNIT_LAYERS))


@rule("CE101", "softmax-single-unit", "softmax over a single output unit always outputs 1.0", CE101,
      anchors=CE101_ANCHORS)
def softmax_single_unit(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for a softmax over an axis of size 1: `Dense(1, activation="softmax")`, or a `Dense(1)`
    followed by an `Activation("softmax")` or `Softmax()` layer.

    The output layer may be made by `functools.partial(Dense, ...)`; layers that keep their input's
    values (a linear `Activation`, such as mixed precision's float32 `Activation("linear",
    dtype="float32")`, `Flatten`, `Reshape`, a `Lambda` that casts or reshapes) keep the activation
    before them. A `keras.Model` subclass with no `call()` of its own, built like a functional model
    (`CustomModel(inputs, outputs)`, as the guide to overriding `train_step` does), has those
    outputs. Snippets that use Keras names without importing them are read as Keras when the
    shape is unmistakable (no star import, nothing binds the names, two or more Keras names, one of
    them Keras's own such as `Dense`, and a `compile()` given a loss).

    ## Why is this bad?
    Softmax normalises over the last axis. Over a single unit it divides a value by itself, so the
    output is exactly 1.0 for every input and the prediction never changes. Its gradient is zero, so
    on Keras 3 with the torch, JAX or NumPy backend, Keras <= 2.3 and tf.keras <= 2.3 the loss stays
    constant; on TensorFlow-backed Keras >= 2.4 `binary_crossentropy` trains the pre-softmax logit,
    yet `predict()` still returns 1.0 and accuracy stays at the rate of positive labels. Keras >= 3.1
    warns when the softmax runs (at the first `fit()`/`predict()`, not when the model is built);
    Keras 3.0, Keras 2.x, tf.keras and tf-keras do not.

    ## Example
    ```python
    import keras

    model = keras.Sequential([
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```

    ## Use instead
    ```python
    import keras

    output = keras.layers.Dense(1, activation="sigmoid")  # one probability per sample
    ```

    ## Fix safety
    The fix replaces softmax by sigmoid where the activation is written. It is unsafe: it
    changes what the model outputs (from a constant 1.0 to a probability), which is the point,
    but any code that relied on the old output changes too. Where the activation is written once
    for layers of several sizes (a `functools.partial(Dense, activation="softmax")` used for a
    wider layer too) there is no fix: it would change those layers as well.

    ## References
    - FACTS F4; Keras 3 `keras/src/ops/nn.py::softmax` (the size-1 warning, since 3.1.0)
    """
    for use in facts.keras.softmax_uses.values():
        if use.units == 1:  # no fix where the activation is shared with wider layers: they'd change too
            fix = None if use.shared else edits(act_swap(facts, Act(SOFTMAX, use.act_node), SIGMOID))
            yield CE101.at(facts, use.act_node, fix)


_CE102_FIX = unsafe("Use {replacement}")  # only where the targets show the intent
_CE102_HELP = "Use (sparse_)categorical_crossentropy for one label per sample, a sigmoid output for several"
_CE102_RELATED = {"where": "the {output}"}
CE102 = Message(WARNING, "{loss} on the {output} ({where}) scores each class as an independent yes/no label",
                _CE102_FIX, _CE102_HELP, _CE102_RELATED)
CE102_TWO_UNITS = Message(WARNING, "{loss} on the {output} ({where}) trains differently per Keras version and "
                          "backend", _CE102_FIX, _CE102_HELP, _CE102_RELATED)


CE102_ANCHORS = (a.keras_training("bce"), a.activation(a.SOFTMAX), a.keras_loss("bce"))


@rule("CE102", "softmax-with-binary-crossentropy", "a multi-unit softmax output trained with binary cross-entropy",
      CE102, CE102_TWO_UNITS, anchors=CE102_ANCHORS)
def softmax_with_binary_crossentropy(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for a softmax output with more than one unit whose loss is binary cross-entropy
    (`"binary_crossentropy"`, `keras.losses.binary_crossentropy`, `BinaryCrossentropy()`,
    binary focal cross-entropy).

    {keras-loss-paths}
    {keras-output-paths}
    With exactly two units and an identity layer after the softmax it
    stays silent: whether TensorFlow-backed Keras then trains two sigmoids is not known (F2.2).

    ## Why is this bad?
    Binary cross-entropy scores each class as an independent yes/no label, which is not what a
    softmax over mutually exclusive classes means. Keras 3 on torch/JAX/NumPy, Keras <= 2.3 and
    tf.keras <= 2.3 optimise the mean of N binary log-losses on the coupled softmax probabilities
    (with exactly two units and one-hot targets that happens to equal categorical cross-entropy);
    TensorFlow-backed Keras >= 2.4 trains the pre-softmax logits as N independent sigmoids and
    applies the softmax only at inference. The loss is not comparable to categorical
    cross-entropy, and where `'accuracy'` resolves to binary accuracy (Keras <= 2.3, tf.keras <= 2.1,
    TF1 graph mode) the reported accuracy is inflated: a useless model scores (N-1)/N.
    With one label per sample use categorical cross-entropy; with several labels per sample use a
    sigmoid output.

    ## Example
    ```python
    from tensorflow import keras

    model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```

    ## Use instead
    ```python
    model.compile(optimizer="adam", loss="categorical_crossentropy")  # one label per sample
    ```

    ## Fix safety
    When the targets are visibly one-hot (or integer ids), the fix switches the loss to
    categorical (or sparse categorical) cross-entropy; when they are visibly multi-hot, it
    switches the output to sigmoid. Both are unsafe: they change what is optimised, and the
    second changes the model's output. Without visible targets there is no fix, since either
    intent is plausible.

    ## References
    - FACTS F5, F2.2, F1.5
    """
    for tensor, act, loss, _out, targets in outputs(facts):
        if tensor is None or act != SOFTMAX or loss is None or loss.family != "bce" or units(tensor) == 1:
            continue
        encodings = {t.encoding for t in targets}
        fix, replacement = None, ""
        if encodings == {ONE_HOT}:
            replacement = k.CATEGORICAL_CROSSENTROPY.name
            fix = edits(loss_swap(facts, loss, replacement))
        elif encodings == {INTEGER}:
            replacement = k.SPARSE_CATEGORICAL_CROSSENTROPY.name
            fix = edits(loss_swap(facts, loss, replacement))
        elif encodings == {MULTI_HOT} and isinstance(tensor.act, Act):
            replacement = "a sigmoid output"
            fix = edits(act_swap(facts, tensor.act, SIGMOID))
        if units(tensor) == 2 and tensor.after is not None:
            continue  # what TF does after an identity layer is not known (F2.2), and that is the message
        message = CE102_TWO_UNITS if units(tensor) == 2 else CE102
        yield message.at(facts, loss.node, fix, loss=loss.name, output=output_words(tensor, act),
                         where=output_node(tensor), replacement=replacement)


_ONE_UNIT = {"where": "the single-unit output"}
CE103_ONE_UNIT = Message(ERROR, "{loss} on a single output unit ({where}) is meaningless: the loss is 0 or {fails}",
                         unsafe("Use binary_crossentropy"), related=_ONE_UNIT)
CE103_SPARSE_ONE_UNIT = Message(ERROR, "{loss} on a single output unit ({where}) takes only label 0: any other is out "
                                "of range", unsafe("Use binary_crossentropy"), related=_ONE_UNIT)
CE103 = Message(WARNING, "{act} output trained with {loss} ({loss_at}): the loss misreads outputs that are not a "
                "softmax", unsafe("Use a softmax output"), related={"loss_at": "the {loss} loss"})


CE103_ANCHORS = (a.keras_training("cce", "scce"), a.keras_loss("cce", "scce"))


@rule("CE103", "categorical-crossentropy-on-non-softmax",
      "categorical cross-entropy on an output that is not a softmax distribution", CE103_ONE_UNIT,
      CE103_SPARSE_ONE_UNIT, CE103, anchors=CE103_ANCHORS)
def categorical_crossentropy_on_non_softmax(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for categorical or sparse categorical cross-entropy on a single output unit of any
    activation, or on a multi-unit output whose activation is not softmax (sigmoid, relu, tanh,
    ...). A linear output is CE106's business.

    {keras-loss-paths}
    {keras-output-paths}

    ## Why is this bad?
    Categorical cross-entropy expects a probability distribution over the last axis.
    On one unit the distribution is trivially [1.0]: the loss is constant (about 0) and the model
    cannot learn from it (an error); Keras <= 2.3, tf.keras <= 2.1 and TF1 graph mode refuse
    (n, 1) targets in `fit()` instead, and TensorFlow-backed Keras >= 2.4 reports a loss of 0 while
    its fused gradient still moves the weights. On a sigmoid or relu output the values do not sum
    to 1: the probability path renormalises them by their sum, and TensorFlow-backed Keras >= 2.4
    instead trains the pre-sigmoid logits of a sigmoid as if they were softmax logits; either way
    the predictions are not the class distribution you evaluate (a warning).
    The sparse loss does the same to a sigmoid or relu output (Keras 3's torch, JAX and NumPy
    backends renormalise then clip, TensorFlow clips then renormalises: F3.2). On a single unit it
    accepts only the label 0: any other label is out of range and `fit()` (or the loss call) fails,
    with an `IndexError` on Keras 3's torch backend and an `InvalidArgumentError` on TensorFlow,
    which returns NaN instead on a GPU (F7). A sigmoid output reaching the loss through an identity
    layer is not reported: what TensorFlow-backed Keras does with it is not known (F2.2).

    ## Example
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model.compile(optimizer="adam", loss="binary_crossentropy")  # one unit: a yes/no per sample
    ```

    ## Fix safety
    For one output unit the fix switches the loss to binary cross-entropy; otherwise it switches
    the activation to softmax. Both are unsafe: they change what is trained or what the model
    outputs.

    ## References
    - FACTS F2.1, F2.2, F2.3, F3.2 (the sparse loss's paths), F7 (one unit with the sparse loss)
    """
    for tensor, act, loss, out, _targets in outputs(facts):
        if tensor is None or loss is None or loss.family not in ("cce", "scce"):
            continue
        if units(tensor) == 1:
            message = CE103_ONE_UNIT if loss.family == "cce" else CE103_SPARSE_ONE_UNIT
            yield message.at(facts, loss.node, edits(loss_swap(facts, loss, k.BINARY_CROSSENTROPY.name)),
                             loss=loss.name, where=output_node(tensor), fails=fails(out))
        elif act not in (None, SOFTMAX, k.LINEAR) and loss.from_logits is False and isinstance(tensor.act, Act):
            if act == SIGMOID and tensor.after is not None:
                continue  # what TF does after an identity layer is not known (F2.2), and that is the message
            yield CE103.at(facts, tensor.act.node, edits(act_swap(facts, tensor.act, SOFTMAX)), act=act,
                             loss=loss.name, loss_at=loss.node)
