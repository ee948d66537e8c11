"""Keras and tf.keras rules (CE1xx): output activation, loss, metrics and targets must agree."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..diagnostics import Severity
from ..facts import ModuleFacts
from ..facts.keras_values import Act, Loss, Tensor
from ..fixes import SAFE, UNSAFE, code, proposal, renamed, string_with, with_keyword
from ..versions import accepts_zero_threshold, has_loss_and_metric_classes, loss_based_accuracy
from ..vocab import keras as k
from ..vocab.keras import ACCURACY_STRINGS, ACTIVATION_LAYERS
from ..vocab.symbols import INTEGER, MULTI_HOT, ONE_HOT, ONE_HOT_OR_BINARY
from . import Finding, rule
from .words import shown_by

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def _outputs(facts: ModuleFacts) -> Iterator[tuple]:
    """(tensor, activation name, loss, output facts, targets) for every output of every compile()."""
    for compiled in facts.keras.compiles:
        targets = list(compiled.model.fits) if len(compiled.outputs) == 1 else []
        for out in compiled.outputs:
            tensor = out.tensor if isinstance(out.tensor, Tensor) else None
            act = tensor.act.name if tensor is not None and isinstance(tensor.act, Act) else None
            loss = out.loss if isinstance(out.loss, Loss) else None
            yield tensor, act, loss, out, targets


def _units(tensor: Tensor) -> int | None:
    return tensor.units if isinstance(tensor.units, int) else None


def _where(facts: ModuleFacts, tensor: Tensor) -> str:
    node = tensor.act.node if isinstance(tensor.act, Act) else tensor.layer.node
    return facts.where(node)


_LOSS_CLASSES = {name: loss.cls for name, loss in k.LOSSES.items() if loss.cls}
_PORTABLE_LOSS_KEYWORDS = k.PORTABLE_LOSS_KEYWORDS


def _loss_swap(facts: ModuleFacts, loss: Loss, new: str) -> tuple[cst.CSTNode, str | None]:
    """Replace a loss by another, spelled as it was: string, function, or object."""
    node = loss.node
    if isinstance(node, cst.SimpleString):
        return node, string_with(node, new)
    if isinstance(node, cst.Call):
        portable = all(arg.keyword is None and i == 0 or arg.keyword is not None and arg.keyword.value in
                       _PORTABLE_LOSS_KEYWORDS for i, arg in enumerate(node.args))
        return node, renamed(facts, node, _LOSS_CLASSES[new]) if portable and new in _LOSS_CLASSES else None
    return node, renamed(facts, node, new)


def _loss_from_logits(facts: ModuleFacts, loss: Loss) -> tuple[cst.CSTNode, str | None]:
    """The same loss with from_logits=True."""
    node = loss.node
    if isinstance(node, cst.Call):
        if loss.from_logits_node is not None:
            return loss.from_logits_node, "True"
        return node, with_keyword(facts, node, "from_logits", "True")
    keras = facts.alias("keras")
    if isinstance(node, cst.SimpleString):
        text = f"{keras}.losses.{_LOSS_CLASSES[loss.name]}(from_logits=True)" if keras else None
        return node, text
    text = renamed(facts, node, _LOSS_CLASSES[loss.name])
    return node, text + "(from_logits=True)" if text else None


def _act_swap(facts: ModuleFacts, act: Act, new: str) -> tuple[cst.CSTNode, str | None]:
    """Replace an activation by another where it is written: `"softmax"`, `tf.nn.softmax`,
    `layers.Softmax()`, or `tf.nn.softmax(x)` applied in call()."""
    node = act.node
    if isinstance(node, cst.SimpleString):
        return node, string_with(node, new)
    if isinstance(node, cst.Attribute):
        return node, renamed(facts, node, new)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value in ACTIVATION_LAYERS:
            return node, f'{renamed(facts, node.func, "Activation")}("{new}")'
        if node.args and node.args[0].keyword is None and not node.args[0].star:
            return node, f"{renamed(facts, node.func, new)}({code(facts, node.args[0].value)})"
    return node, None


def _output_words(tensor: Tensor, act: str) -> str:
    units = _units(tensor)
    return f"{units}-unit {act} output" if units else f"{act} output"


@rule("CE101", "softmax-single-unit", ERROR, "softmax over a single output unit always outputs 1.0")
def softmax_single_unit(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for a softmax over an axis of size 1: `Dense(1, activation="softmax")`, or a `Dense(1)`
    followed by an `Activation("softmax")` or `Softmax()` layer.

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

    model = keras.Sequential([
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```

    ## Fix safety
    The fix replaces softmax by sigmoid where the activation is written. It is unsafe: it
    changes what the model outputs (from a constant 1.0 to a probability), which is the point,
    but any code that relied on the old output changes too.

    ## References
    - FACTS F4; Keras 3 `keras/src/ops/nn.py::softmax` (the size-1 warning, since 3.1.0)
    """
    for use in facts.keras.softmax_uses.values():
        if use.units == 1:
            fix = proposal(UNSAFE, "Use a sigmoid", _act_swap(facts, Act("softmax", use.act_node), "sigmoid"))
            yield Finding(use.act_node, "softmax over a single unit always outputs 1.0, whatever the input, "
                          "so the prediction never changes; use a sigmoid for one binary output", fix=fix)


@rule("CE102", "softmax-with-binary-crossentropy", WARNING,
      "a multi-unit softmax output trained with binary cross-entropy")
def softmax_with_binary_crossentropy(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for a softmax output with more than one unit whose loss is binary cross-entropy
    (`"binary_crossentropy"`, `keras.losses.binary_crossentropy`, `BinaryCrossentropy()`,
    binary focal cross-entropy).

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
    from tensorflow import keras

    model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
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
    for tensor, act, loss, _out, targets in _outputs(facts):
        if act == "softmax" and loss is not None and loss.family == "bce" and _units(tensor) != 1:
            encodings = {t.encoding for t in targets}
            fix = None
            if encodings == {ONE_HOT}:
                fix = proposal(UNSAFE, "Use categorical_crossentropy", _loss_swap(facts, loss, "categorical_crossentropy"))
            elif encodings == {INTEGER}:
                fix = proposal(UNSAFE, "Use sparse_categorical_crossentropy",
                               _loss_swap(facts, loss, "sparse_categorical_crossentropy"))
            elif encodings == {MULTI_HOT}:
                fix = proposal(UNSAFE, "Use a sigmoid output", _act_swap(facts, tensor.act, "sigmoid"))
            what = ("scores each class as an independent yes/no label" if _units(tensor) != 2 else
                    "equals categorical cross-entropy on Keras 3 torch/JAX/NumPy, Keras <= 2.3 and tf.keras <= 2.3 "
                    "but trains two independent sigmoids on the pre-softmax logits on TensorFlow-backed Keras >= 2.4")
            yield Finding(loss.node, f"{loss.name} on the {_output_words(tensor, act)} ({_where(facts, tensor)}) "
                          f"{what}; for one label per sample use categorical_crossentropy (one-hot targets) or "
                          "sparse_categorical_crossentropy (integer targets), for several labels per sample use a "
                          "sigmoid output", fix=fix)


@rule("CE103", "categorical-crossentropy-on-non-softmax", ERROR,
      "categorical cross-entropy on an output that is not a softmax distribution")
def categorical_crossentropy_on_non_softmax(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for categorical (not sparse) cross-entropy on a single output unit of any activation,
    or on a multi-unit output whose activation is not softmax (sigmoid, relu, tanh, ...). A linear
    output is CE106's business.

    ## Why is this bad?
    Categorical cross-entropy expects a probability distribution over the last axis.
    On one unit the distribution is trivially [1.0]: the loss is constant (about 0) and the model
    cannot learn from it (an error); Keras <= 2.3, tf.keras <= 2.1 and TF1 graph mode refuse
    (n, 1) targets in `fit()` instead, and TensorFlow-backed Keras >= 2.4 reports a loss of 0 while
    its fused gradient still moves the weights. On a sigmoid or relu output the values do not sum
    to 1: the probability path renormalises them by their sum, and TensorFlow-backed Keras >= 2.4
    instead trains the pre-sigmoid logits of a sigmoid as if they were softmax logits; either way
    the predictions are not the class distribution you evaluate (a warning).

    ## Example
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```

    ## Fix safety
    For one output unit the fix switches the loss to binary cross-entropy; otherwise it switches
    the activation to softmax. Both are unsafe: they change what is trained or what the model
    outputs.

    ## References
    - FACTS F2.1, F2.2, F2.3
    """
    for tensor, act, loss, _out, _targets in _outputs(facts):
        if tensor is None or loss is None or loss.family != "cce":
            continue
        if _units(tensor) == 1:
            fix = proposal(UNSAFE, "Use binary_crossentropy", _loss_swap(facts, loss, "binary_crossentropy"))
            yield Finding(loss.node, f"{loss.name} on a single output unit ({_where(facts, tensor)}) is constant "
                          "(about 0): the model cannot learn from it (Keras <= 2.3 and tf.keras <= 2.1 stop in fit() "
                          "instead); use binary_crossentropy with a sigmoid output",
                          fix=fix)
        elif act not in (None, "softmax", "linear") and loss.from_logits is False:
            fix = proposal(UNSAFE, "Use a softmax output", _act_swap(facts, tensor.act, "softmax"))
            how = ("renormalised by their sum (or, on TensorFlow-backed Keras >= 2.4, the pre-sigmoid logits "
                   "are read as softmax logits)" if act == "sigmoid" else "renormalised by their sum")
            yield Finding(tensor.act.node, f"{act} output trained with {loss.name} ({facts.where(loss.node)}), "
                          f"which expects softmax probabilities: the outputs are {how} and the predictions are not a "
                          "class distribution; use a softmax output", Severity.WARNING, fix)


@rule("CE104", "ambiguous-accuracy", WARNING, "a bare 'accuracy' metric that resolves to a misleading metric")
def ambiguous_accuracy(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `metrics=["accuracy"]` (or `"acc"`) where Keras's automatic choice of accuracy
    metric gives a misleading number:

    - a multi-label output (sigmoid over several units, binary cross-entropy), in any version;
    - a softmax output with binary cross-entropy on Keras <= 2.3, tf.keras <= 2.1 or TF1 graph mode
      (`tf.compat.v1.disable_eager_execution()`);
    - a single linear (logit) output trained with binary cross-entropy with `from_logits=True`
      (with `from_logits=False` the loss itself is wrong: CE106, whose fix also names the metric).

    ## Why is this bad?
    Keras replaces the string by a concrete metric. Keras <= 2.3 and tf.keras <= 2.1 pick it from
    the loss (binary cross-entropy gives `binary_accuracy`); tf.keras >= 2.2 and Keras 3 pick it from
    the shapes (one unit gives `BinaryAccuracy`, integer targets `SparseCategoricalAccuracy`,
    otherwise categorical accuracy). So:

    - multi-label: `categorical_accuracy` compares the argmax of the prediction with the *first*
      positive label (tf.keras >= 2.2, Keras 3); older versions and TF1 graph mode average
      element-wise matches, which the many negative labels inflate.
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
    multi-label output the fix uses `BinaryAccuracy()`, graded unsafe because the right metric
    for multi-label work (per-label accuracy, AUC, F1) depends on intent. The fix needs a name
    bound to the keras module; without one there is no fix. There is none either where the
    configured or installed Keras can't run it: `BinaryAccuracy` needs Keras >= 2.3, and Keras
    3.0-3.4 reject `threshold=0.0` (the version matrix shows both).

    ## References
    - FACTS F1.1-F1.6
    """
    legacy = loss_based_accuracy(facts.settings.keras_version, facts.uses_tensorflow, facts.keras.legacy_api)
    for tensor, act, loss, out, targets in _outputs(facts):
        if tensor is None or loss is None or loss.family != "bce":
            continue
        bare = [m for m in out.metrics if getattr(m.value, "value", None) in ACCURACY_STRINGS]
        if not bare:
            continue
        units = _units(tensor)
        multi_hot = any(t.encoding == MULTI_HOT for t in targets)
        keras = facts.alias("keras")
        classes = has_loss_and_metric_classes(facts.settings.keras_version)
        if act == "sigmoid" and ((units or 0) > 1 or multi_hot):
            replacement, safety = f"{keras}.metrics.BinaryAccuracy()" if keras and classes else None, UNSAFE
            message = ("'accuracy' on a multi-label sigmoid output resolves to categorical accuracy in tf.keras "
                       ">= 2.2 and Keras 3 (argmax of the prediction against the first positive label) and to "
                       "element-wise binary accuracy, inflated by the negative labels, in Keras <= 2.3, tf.keras "
                       "<= 2.1 and TF1 graph mode; use keras.metrics.BinaryAccuracy() with a per-sample metric "
                       "such as AUC(multi_label=True)")
        elif act == "softmax" and units != 1 and legacy:
            replacement, safety = "categorical_accuracy", SAFE
            message = ("'accuracy' resolves to binary_accuracy here (Keras <= 2.3, tf.keras <= 2.1 or TF1 graph "
                       f"mode, loss {loss.name}): it scores every class cell, so a useless model reaches (N-1)/N; "
                       "use 'categorical_accuracy'")
        elif act == "linear" and units == 1 and loss.from_logits is True:
            zero = accepts_zero_threshold(facts.settings.keras_version)
            replacement, safety = f"{keras}.metrics.BinaryAccuracy(threshold=0.0)" if keras and zero else None, SAFE
            remedy = ("keras.metrics.BinaryAccuracy(threshold=0.0)" if zero else
                      "keras.metrics.BinaryAccuracy(threshold=0.0) from Keras 3.5 on (3.0-3.4 reject it)" if classes
                      else "a metric function that thresholds the logits at 0")
            message = ("'accuracy' on a single linear (logit) output resolves to binary accuracy, which reads the "
                       "logits as probabilities (threshold 0.5; Keras <= 2.3 rounds them); use " + remedy)
        else:
            continue
        for metric in bare:
            text = string_with(metric.node, replacement) if replacement and "(" not in replacement else replacement
            fix = proposal(safety, f"Use {replacement}", (metric.node, text)) if replacement else None
            yield Finding(metric.node, message, fix=fix)


@rule("CE105", "from-logits-after-activation", ERROR,
      "from_logits=True on an output that already applies softmax or sigmoid")
def from_logits_after_activation(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for a loss constructed with `from_logits=True` on an output whose last activation is
    softmax or sigmoid.

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
    be correct but changes the output, so it is not offered.

    ## References
    - FACTS F3.1
    """
    for tensor, act, loss, _out, _targets in _outputs(facts):
        if act in ("softmax", "sigmoid") and loss is not None and loss.from_logits is True:
            flag = loss.from_logits_node
            fix = proposal(SAFE, "Set from_logits=False", (flag, "False")) if isinstance(flag, cst.Name) else None
            yield Finding(flag or loss.node,
                          f"from_logits=True but the output already applies {act} ({_where(facts, tensor)}): Keras 3 "
                          "on torch/JAX/NumPy, Keras <= 2.3 and tf.keras <= 2.3 apply it twice and train on the wrong "
                          "values, TensorFlow-backed Keras >= 2.4 ignores the flag (with a UserWarning since 2.5); "
                          "use from_logits=False", fix=fix)


@rule("CE106", "probabilities-loss-on-logits", ERROR,
      "a probability-expecting loss on a linear (logit) output")
def probabilities_loss_on_logits(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for binary, categorical or sparse categorical cross-entropy with `from_logits=False`
    (the default of every string loss) on an output layer with no activation.

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
    name bound to the keras module for string losses.

    ## References
    - FACTS F3.2
    """
    for tensor, act, loss, out, _targets in _outputs(facts):
        if act != "linear" or loss is None or loss.from_logits is not False:
            continue
        if loss.family == "bce":
            consequence = "outputs outside [0, 1] are clipped and get no gradient"
            remedy = "keras.losses.BinaryCrossentropy(from_logits=True)"
        elif loss.family in ("cce", "scce") and _units(tensor) != 1:
            consequence = "outputs are renormalised and clipped as if they were probabilities"
            remedy = ("keras.losses.SparseCategoricalCrossentropy(from_logits=True)" if loss.family == "scce"
                      else "keras.losses.CategoricalCrossentropy(from_logits=True)")
        else:
            continue
        classes = has_loss_and_metric_classes(facts.settings.keras_version)
        if not classes:
            remedy = (f"a loss function that calls keras.backend.{loss.name}(y_true, y_pred, from_logits=True) "
                      "(Keras < 2.3 has no loss classes)")
        edits = [_loss_from_logits(facts, loss)]
        keras = facts.alias("keras")
        bare = [m for m in out.metrics if getattr(m.value, "value", None) in ACCURACY_STRINGS]
        if loss.family == "bce" and _units(tensor) == 1 and bare and accepts_zero_threshold(facts.settings.keras_version):
            # With logits, a bare 'accuracy' would threshold them at 0.5 (CE104): name the right metric too.
            remedy += " with keras.metrics.BinaryAccuracy(threshold=0.0) instead of 'accuracy'"
            edits += [(m.node, f"{keras}.metrics.BinaryAccuracy(threshold=0.0)" if keras else None) for m in bare]
        fix = proposal(SAFE, "Pass from_logits=True", *edits) if classes else None
        yield Finding(loss.node, f"{loss.name} expects probabilities but the output layer ({_where(facts, tensor)}) "
                      f"is linear: {consequence}; use {remedy}", fix=fix)


@rule("CE107", "label-encoding-mismatch", ERROR,
      "sparse categorical cross-entropy on one-hot targets, or categorical on integer targets")
def label_encoding_mismatch(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `sparse_categorical_crossentropy` with targets visibly one-hot (`to_categorical`,
    `one_hot`, `LabelBinarizer` with three or more classes, `pd.get_dummies`), and for
    `categorical_crossentropy` with targets visibly integer class ids (`LabelEncoder`, `argmax`,
    integer label arrays, `mnist.load_data()` labels) on a multi-unit output.

    ## Why is this bad?
    The sparse loss expects one integer per sample, the categorical loss one probability row per
    sample. Mixed up, `fit()` stops with a shape error in every Keras version and backend, often
    after the data pipeline has already run for a while.

    ## Example
    ```python
    import keras
    from keras.utils import to_categorical

    y = to_categorical([0, 2, 1, 2])
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit([[0.0], [1.0], [2.0], [3.0]], y)
    ```

    ## Use instead
    ```python
    import keras
    from keras.utils import to_categorical

    y = to_categorical([0, 2, 1, 2])
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit([[0.0], [1.0], [2.0], [3.0]], y)
    ```

    ## Fix safety
    The fix swaps the loss to the one matching the visible target encoding. It is safe: the
    model and its outputs are unchanged, and with these targets the current loss cannot run at
    all.

    ## References
    - FACTS F7 (Keras target formats)
    """
    for tensor, act, loss, _out, targets in _outputs(facts):
        if tensor is None or loss is None:
            continue
        units = _units(tensor)
        for target in targets:
            one_hot = target.encoding == ONE_HOT or (target.encoding == ONE_HOT_OR_BINARY and (units or 0) > 2)
            if loss.family == "scce" and one_hot:
                fix = proposal(SAFE, "Use categorical_crossentropy", _loss_swap(facts, loss, "categorical_crossentropy"))
                yield Finding(loss.node, f"{loss.name} expects integer class ids but the targets are one-hot "
                              f"({shown_by(target)}, {facts.where(target.node)}): fit() fails with a shape error; "
                              "use categorical_crossentropy", fix=fix)
                break
            if loss.family == "cce" and target.encoding == INTEGER and ((units or 0) > 1 or act == "softmax"):
                fix = proposal(SAFE, "Use sparse_categorical_crossentropy",
                               _loss_swap(facts, loss, "sparse_categorical_crossentropy"))
                yield Finding(loss.node, f"{loss.name} expects one-hot targets but the targets are integer class ids "
                              f"({shown_by(target)}, {facts.where(target.node)}): fit() fails with a shape error; "
                              "use sparse_categorical_crossentropy", fix=fix)
                break


@rule("CE108", "multilabel-targets-with-softmax", ERROR,
      "multi-hot targets on a softmax output or a categorical loss")
def multilabel_targets_with_softmax(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for targets that are visibly multi-hot (`MultiLabelBinarizer`, rows with several ones)
    trained through a softmax output or a categorical cross-entropy loss.

    ## Why is this bad?
    Softmax makes the classes compete for one unit of probability: with two true labels the best
    it can do is 0.5 each, so it can never say "both". Categorical cross-entropy on a multi-hot row
    trains exactly that split. Multi-label problems need one independent sigmoid per label and
    binary cross-entropy.

    ## Example
    ```python
    import keras
    from sklearn.preprocessing import MultiLabelBinarizer

    y = MultiLabelBinarizer().fit_transform([["a", "b"], ["b"], ["a", "c"]])
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit([[0.0], [1.0], [2.0]], y)
    ```

    ## Use instead
    ```python
    import keras
    from sklearn.preprocessing import MultiLabelBinarizer

    y = MultiLabelBinarizer().fit_transform([["a", "b"], ["b"], ["a", "c"]])
    model = keras.Sequential([keras.layers.Dense(3, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit([[0.0], [1.0], [2.0]], y)
    ```

    ## Fix safety
    The fix switches the softmax output to sigmoid and a categorical loss to binary cross-
    entropy. It is unsafe: it changes what the model outputs.

    ## References
    - FACTS F6.2 (the same split in PyTorch), F1.6
    """
    for tensor, act, loss, _out, targets in _outputs(facts):
        target = next((t for t in targets if t.encoding == MULTI_HOT), None)
        if target is None or tensor is None:
            continue
        shown = f"{shown_by(target)}, {facts.where(target.node)}"
        categorical = loss is not None and loss.family in ("cce", "scce")
        edits = [_act_swap(facts, tensor.act, "sigmoid")] if act == "softmax" else []
        if categorical:
            edits.append(_loss_swap(facts, loss, "binary_crossentropy"))
        fix = proposal(UNSAFE, "Use a sigmoid output with binary_crossentropy", *edits)
        if act == "softmax":
            yield Finding(tensor.act.node, f"the targets are multi-hot ({shown}) but the output uses softmax, which "
                          "makes the labels compete for one unit of probability; use a sigmoid output with "
                          "binary_crossentropy", fix=fix)
        elif categorical:
            yield Finding(loss.node, f"the targets are multi-hot ({shown}) but {loss.name} treats each row as one "
                          "class distribution; use a sigmoid output with binary_crossentropy", fix=fix)
