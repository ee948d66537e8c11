"""A bare 'accuracy' metric that Keras resolves to a misleading one (CE104)."""

from __future__ import annotations

from collections.abc import Iterator

from ...facts import ModuleFacts
from ...fixes import edits, string_with
from ...versions import accepts_zero_threshold, has_loss_and_metric_classes, loss_based_accuracy
from ...vocab import anchors as a
from ...vocab import keras as k
from ...vocab.symbols import MULTI_HOT, ONE_HOT, ONE_HOT_OR_BINARY, SIGMOID, SOFTMAX
from .. import WARNING, Finding, Message, rule, safe, unsafe
from ..words import shown_by
from .common import output_node, outputs, units

_PAIR = {"output_at": "the output layer", "loss_at": "the {loss} loss"}
CE104_MULTILABEL = Message(
    WARNING, "'accuracy' on a multi-label sigmoid output resolves to a misleading metric in every Keras version",
    unsafe("Use {replacement}"),  # the right multi-label metric depends on intent
    "Use a per-label metric: binary accuracy, AUC(multi_label=True) or F1", _PAIR)
CE104_LEGACY = Message(
    WARNING, "'accuracy' with {loss} resolves to binary_accuracy on the targeted Keras: a useless model scores (N-1)/N",
    safe("Use {replacement}"), related=_PAIR)
CE104_LOGITS = Message(
    WARNING, "'accuracy' on a single logit output resolves to binary accuracy, which reads the logits as probabilities",
    safe("Use {replacement}"), "Use {remedy}", _PAIR)
CE104_MULTIHOT = Message(
    WARNING, "'accuracy' with multi-hot targets ({shown_by}, {targets}) resolves to a misleading metric in every Keras "
    "version", unsafe("Use {replacement}"),  # the right multi-label metric depends on intent
    "Use {remedy} with a per-sample metric such as AUC(multi_label=True)",
    {**_PAIR, "targets": "the targets ({shown_by})"})
# The losses from which old Keras picks a metric that can't score several labels either (the page says which).
_OLDER = ("cce", "scce", "bce")
# What to use instead on a logit output, by what the Keras the code runs on accepts (the page says why).
_AT_ZERO = f"{k.spelled(k.KERAS, k.BINARY_ACCURACY)}(threshold=0.0)"
_LOGITS_REMEDY = {"zero": _AT_ZERO, "none": "a metric function that thresholds the logits at 0"}


CE104_ANCHORS = (a.words(a.COMPILE), a.keras_loss("bce"), a.words(*a.ACCURACY_STRINGS))


@rule("CE104", "ambiguous-accuracy", "a bare 'accuracy' metric that resolves to a misleading metric",
      CE104_MULTILABEL, CE104_MULTIHOT, CE104_LEGACY, CE104_LOGITS, anchors=CE104_ANCHORS)
def ambiguous_accuracy(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `metrics=["accuracy"]` (or `"acc"`) where Keras's automatic choice of accuracy
    metric gives a misleading number:

    - a multi-label output (sigmoid over several units, binary cross-entropy), in any version;
    - targets visibly multi-hot, whatever the output and the cross-entropy (a softmax with
      categorical cross-entropy included), in any version; reported together with CE108 (and
      CE102), so that fixing one never reveals the other;
    - a softmax output with binary cross-entropy on Keras <= 2.3, tf.keras <= 2.1 or TF1 graph mode
      (`tf.compat.v1.disable_eager_execution()`);
    - a single linear (logit) output trained with binary cross-entropy with `from_logits=True`
      (with `from_logits=False` the loss itself is wrong: CE106, whose fix also names the metric).

    A sigmoid over several units whose targets are visibly one label per sample (`to_categorical`,
    `np.eye(k)[labels]`, one-hot rows set by hand) is not multi-label: only the old resolution
    (binary accuracy over every class cell) is reported there. Where the targets are visible but show
    no encoding (rows set by hand with `y[i, label] = 1`, one or several labels), nothing is said.
    The targets are those of the `fit()` calls that train with the `compile()` (CE107's page says
    how they are read and paired); the output as CE101's page says.

    ## Why is this bad?
    Keras replaces the string by a concrete metric. Keras <= 2.3 and tf.keras <= 2.1 pick it from
    the loss (binary cross-entropy gives `binary_accuracy`); tf.keras >= 2.2 and Keras 3 pick it from
    the shapes (one unit gives `BinaryAccuracy`, integer targets `SparseCategoricalAccuracy`,
    otherwise categorical accuracy). So:

    - multi-label: `categorical_accuracy` compares the argmax of the prediction with the *first*
      positive label (tf.keras >= 2.2, Keras 3); older versions and TF1 graph mode average
      element-wise matches, which the many negative labels inflate, with binary cross-entropy, and
      pick categorical (or, with the sparse loss, sparse categorical) accuracy with the others.
    - softmax + binary cross-entropy on old versions: `binary_accuracy` scores every class cell, so a
      useless model reaches (N-1)/N (0.90 for 10 classes).
    - a logit output: binary accuracy reads the logits as probabilities: tf.keras and Keras 3
      threshold them at 0.5, Keras <= 2.3 rounds them (a logit outside [-0.5, 1.5) never matches).

    The Keras version is taken from `keras-version` in the configuration, else from the installed
    `keras`/`tensorflow` distributions, else Keras 3. Keras-1 argument names such as `nb_filter`
    (in layers, or `nb_epoch` in `fit()`) and TF1 graph mode in the module mean the old resolution
    whatever the version says: such code runs only where the loss decides (Keras 3 runs neither).

    ## Example
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(5, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    ```

    ## Use instead
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(5, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[keras.metrics.BinaryAccuracy(), keras.metrics.AUC(multi_label=True)])
    ```

    ## Fix safety
    The fix names the metric the set-up evidently means: `'categorical_accuracy'` where old
    Keras resolved binary accuracy, `BinaryAccuracy(threshold=0.0)` for a logit output. Both are
    safe: metrics don't change the model or its output, and there is one plausible intent. For a
    multi-label output or multi-hot targets the fix uses `BinaryAccuracy()` (`threshold=0.0` on
    logits), graded unsafe because the right metric
    for multi-label work (per-label accuracy, AUC, F1) depends on intent. The fix needs a name
    bound to the keras module; without one there is no fix. There is none either where the
    configured or installed Keras can't run it: `BinaryAccuracy` needs Keras >= 2.3, and Keras
    3.0-3.4 reject `threshold=0.0` (the version matrix shows both).

    ## References
    - FACTS F1.1-F1.6
    """
    keras = facts.alias(k.KERAS)
    metric = k.spelled(keras, k.BINARY_ACCURACY) if keras else None
    for tensor, act, loss, out, targets in outputs(facts):
        if tensor is None or loss is None:
            continue
        bare = [m for m in out.metrics if getattr(m.value, "value", None) in k.ACCURACY_STRINGS]
        if not bare:
            continue
        # Only now: the installed versions are read from package metadata, once per process (a worker's
        # first file would pay for it whether it compiles a model or not).
        legacy = loss_based_accuracy(facts.settings.keras_version, facts.uses_tensorflow, facts.keras.legacy_api)
        classes = has_loss_and_metric_classes(facts.settings.keras_version)
        zero = accepts_zero_threshold(facts.settings.keras_version)
        count = units(tensor)
        multi_hot = next((t for t in targets if t.encoding == MULTI_HOT), None)
        # Visibly one label per sample: a sigmoid over several units is then not a multi-label output.
        one_hot = bool(targets) and all(t.encoding == ONE_HOT or (t.encoding == ONE_HOT_OR_BINARY and (count or 0) > 2)
                                        for t in targets)
        logits = act == k.LINEAR and loss.from_logits is True
        fields: dict[str, object] = {"loss": loss.name, "remedy": "", "output_at": output_node(tensor),
                                     "loss_at": loss.node}
        if multi_hot is not None and act == SIGMOID and loss.family == "bce":
            message, replacement = CE104_MULTILABEL, f"{metric}()" if metric and classes else None
        elif multi_hot is not None and loss.family in _OLDER:
            message = CE104_MULTIHOT
            replacement = (f"{metric}(threshold=0.0)" if zero else None) if logits else f"{metric}()"
            replacement = replacement if metric and classes else None
            fields.update(shown_by=shown_by(multi_hot), targets=multi_hot.node,
                          remedy=_LOGITS_REMEDY["zero" if zero else "none"] if logits
                          else f"{k.spelled(k.KERAS, k.BINARY_ACCURACY)}()")
        elif loss.family != "bce":
            continue
        elif act == SIGMOID and (count or 0) > 1 and not one_hot and not targets:
            message, replacement = CE104_MULTILABEL, f"{metric}()" if metric and classes else None
        elif (act == SOFTMAX or (act == SIGMOID and one_hot)) and count != 1 and legacy:
            message, replacement = CE104_LEGACY, k.CATEGORICAL_ACCURACY
        elif act == k.LINEAR and count == 1 and loss.from_logits is True:
            message, replacement = CE104_LOGITS, f"{metric}(threshold=0.0)" if metric and zero else None
            fields["remedy"] = _LOGITS_REMEDY["zero" if zero else "none"]
        else:
            continue
        for found in bare:
            node = found.node
            if node is None:
                continue
            text = string_with(node, replacement) if replacement and "(" not in replacement else replacement
            yield message.at(facts, node, edits((node, text)) if replacement else None, replacement=replacement,
                             **fields)
