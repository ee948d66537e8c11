"""`from_logits` against the output activation in Keras (CE105, CE106)."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from ...facts import ModuleFacts
from ...fixes import Replacement, edits
from ...versions import accepts_zero_threshold, has_loss_and_metric_classes
from ...vocab import anchors as a
from ...vocab import keras as k
from ...vocab.symbols import SIGMOID, SOFTMAX
from .. import ERROR, Finding, Message, rule, safe
from .common import loss_class, loss_from_logits, output_node, outputs, trained_acts, units

CE105 = Message(ERROR, "from_logits=True on a {act} output ({where}): Keras applies the {act} twice or ignores the "
                "flag", safe("Set from_logits=False"), related={"where": "the {act} activation"})


CE105_ANCHORS = (a.keras_training("bce", "cce", "scce"), a.activation(a.SOFTMAX, a.SIGMOID),
                 a.keras_loss("bce", "cce", "scce"))


@rule("CE105", "from-logits-after-activation", "from_logits=True on an output that already applies softmax or sigmoid",
      CE105, anchors=CE105_ANCHORS)
def from_logits_after_activation(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for a loss constructed with `from_logits=True` on an output whose last activation is
    softmax or sigmoid.

    {keras-loss-paths}
    A `train_step` override counts in a subclass with its own `call()` and in one built like a
    functional model (`CustomModel(inputs, outputs)`).
    {keras-output-paths}
    An identity layer between the activation and the loss silences it:
    TensorFlow's short-cut may or may not see through it (F2.2), so no one message is true.

    ## Why is this bad?
    `from_logits=True` tells the loss to apply the activation itself. On Keras 3 with the torch,
    JAX or NumPy backend, Keras <= 2.3 and tf.keras <= 2.3 the activation is then applied twice:
    the loss is bounded, gradients shrink, and training slows down or stalls, without a warning.
    TensorFlow-backed Keras >= 2.4 notices the activation and uses its input instead (silently in
    TF 2.4, with a `UserWarning` since TF 2.5), so the same code behaves differently per backend.

    ## Example
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam",
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    ```

    ## Use instead
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam",
                  loss=keras.losses.CategoricalCrossentropy(from_logits=False))
    ```

    ## Fix safety
    The fix sets `from_logits=False`. It is safe: the model's inference output is unchanged, and
    training no longer applies the activation twice. Removing the activation instead would also
    be correct but changes the output, so it is not offered. A loss object that also trains a
    linear output (one loss for a GAN's two networks) gets no fix: that output needs the flag.

    ## References
    - FACTS F3.1
    """
    for tensor, act, loss, _out, _targets in outputs(facts):
        if tensor is not None and act in (SOFTMAX, SIGMOID) and loss is not None and loss.from_logits is True \
                and tensor.after is None:  # what TF does after an identity layer is not known (F2.2)
            flag = loss.from_logits_node
            suits_all = trained_acts(facts, loss) <= {SOFTMAX, SIGMOID}  # not where it also trains logits
            fix = edits((flag, "False")) if isinstance(flag, cst.Name) and suits_all else None
            yield CE105.at(facts, flag or loss.node, fix, act=act, where=output_node(tensor))


_CE106 = "{loss} on a linear output ({where}) "
_CE106_FIX = safe("Pass from_logits=True")  # and, on one unit, name the metric for logits (CE104)
_CE106_RELATED = {"where": "the linear output"}
CE106_BINARY = Message(ERROR, _CE106 + "clips the logits to [0, 1]: beyond it they get no gradient", _CE106_FIX,
                       "Use {remedy}", _CE106_RELATED)
CE106_CATEGORICAL = Message(ERROR, _CE106 + "renormalises and clips the logits as probabilities", _CE106_FIX,
                            "Use {remedy}", _CE106_RELATED)


CE106_ANCHORS = (a.keras_training("bce", "cce", "scce"), a.keras_loss("bce", "cce", "scce"))


@rule("CE106", "probabilities-loss-on-logits", "a probability-expecting loss on a linear (logit) output",
      CE106_BINARY, CE106_CATEGORICAL, anchors=CE106_ANCHORS)
def probabilities_loss_on_logits(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for binary, categorical or sparse categorical cross-entropy with `from_logits=False`
    (the default of every string loss) on an output layer with no activation.

    {keras-loss-paths}
    {keras-output-paths}

    ## Why is this bad?
    The loss reads the raw outputs as probabilities. Binary cross-entropy clips them to
    [1e-7, 1 - 1e-7]: every logit outside that range gets no gradient and a capped loss.
    Categorical cross-entropy divides the outputs by their (possibly negative or zero) sum before
    clipping: the objective is wrong and can be NaN. No version warns.

    ## Example
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    ```

    ## Use instead
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(10)])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```

    ## Fix safety
    The fix passes `from_logits=True` (turning a string loss into its class). It is safe: the
    model's outputs are unchanged, and the loss now reads them as what they are. The fix needs a
    name bound to the keras module for string losses; a loss object that also trains an output
    with an activation gets none. Keras < 2.3 has no loss classes: there the fix is not offered,
    and the help names a loss function calling
    `keras.backend.binary_crossentropy(y_true, y_pred, from_logits=True)` instead.

    ## References
    - FACTS F3.2
    """
    for tensor, act, loss, out, _targets in outputs(facts):
        if tensor is None or act != k.LINEAR or loss is None or loss.from_logits is not False:
            continue
        if loss.family == "bce":
            message, remedy = CE106_BINARY, k.BINARY_CROSSENTROPY.name
        elif loss.family in ("cce", "scce") and units(tensor) != 1:
            message = CE106_CATEGORICAL
            remedy = (k.SPARSE_CATEGORICAL_CROSSENTROPY if loss.family == "scce" else k.CATEGORICAL_CROSSENTROPY).name
        else:
            continue
        words = f"{loss_class(k.KERAS, remedy)}(from_logits=True)"
        classes = has_loss_and_metric_classes(facts.settings.keras_version)
        if not classes:  # Keras < 2.3 has no loss classes
            words = f"a loss function calling keras.backend.{loss.name}(y_true, y_pred, from_logits=True)"
        replacements: list[Replacement] = [loss_from_logits(facts, loss)]
        keras = facts.alias(k.KERAS)
        bare = [m for m in out.metrics if getattr(m.value, "value", None) in k.ACCURACY_STRINGS]
        if loss.family == "bce" and units(tensor) == 1 and bare and accepts_zero_threshold(
                facts.settings.keras_version):
            # With logits, a bare 'accuracy' would threshold them at 0.5 (CE104): name the right metric too.
            threshold = f"{k.spelled(k.KERAS, k.BINARY_ACCURACY)}(threshold=0.0)"
            words += f" with {threshold} instead of 'accuracy'"
            metric = f"{k.spelled(keras, k.BINARY_ACCURACY)}(threshold=0.0)" if keras else None
            replacements += [(m.node, metric) for m in bare]
        suits_all = trained_acts(facts, loss) == {k.LINEAR}  # not where it also trains probabilities
        yield message.at(facts, loss.node, edits(*replacements) if classes and suits_all else None, loss=loss.name,
                         where=output_node(tensor), remedy=words)
