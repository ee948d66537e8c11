"""Keras losses and outputs against the encoding of the targets (CE107, CE108)."""

from __future__ import annotations

from collections.abc import Iterator

from ...facts import ModuleFacts
from ...facts.keras_values import Act
from ...fixes import Replacement, edits
from ...vocab import anchors as a
from ...vocab import keras as k
from ...vocab.symbols import INTEGER, MULTI_HOT, ONE_HOT, ONE_HOT_OR_BINARY, SIGMOID, SOFTMAX
from .. import ERROR, Finding, Message, rule, safe, unsafe
from ..words import shown_by
from .common import act_swap, fails, loss_swap, outputs, units

_TARGETS = {"targets": "the targets ({shown_by})"}
CE107_ONE_HOT = Message(ERROR, "{loss} expects class ids but gets one-hot targets ({targets}): {fails}",
                        safe("Use categorical_crossentropy"), related=_TARGETS)
CE107_INTEGER = Message(ERROR, "{loss} expects one-hot targets but gets class ids ({targets}): {fails}",
                        safe("Use sparse_categorical_crossentropy"), related=_TARGETS)


# targets come from fit() after compile(), or from the loss called in a loop (`loss_fn(y, model(x))`)
CE107_ANCHORS = (a.words(a.COMPILE) & a.words(*a.FIT) | a.keras_loss_call("cce", "scce"), a.keras_loss("cce", "scce"))


@rule("CE107", "label-encoding-mismatch",
      "sparse categorical cross-entropy on one-hot targets, or categorical on integer targets", CE107_ONE_HOT,
      CE107_INTEGER, anchors=CE107_ANCHORS)
def label_encoding_mismatch(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `sparse_categorical_crossentropy` with targets visibly one-hot (`to_categorical`,
    `one_hot`, `LabelBinarizer` with three or more classes, `pd.get_dummies`), and for
    `categorical_crossentropy` with targets visibly integer class ids (`LabelEncoder`, `argmax`,
    integer label arrays, `mnist.load_data()` labels) on a multi-unit output.

    Targets show their encoding through `to_categorical`, `one_hot`, `np.eye(k)[labels]`,
    `pd.get_dummies`, the scikit-learn encoders, `argmax`, literal label arrays, `load_data()` of
    labelled datasets, a Keras `Tokenizer`'s `texts_to_sequences` (one id per label),
    `np.unique(..., return_inverse=True)`, `pd.factorize`, pandas category codes
    (`series.cat.codes`, `pd.Categorical(labels).codes`), a dict of class ids 0..n-1 (a literal
    `{"cat": 0, "dog": 1}` or `{name: i for i, name in enumerate(classes)}`) applied by `.map(...)`
    or looked up in a comprehension (`np.array([label_to_id[l] for l in labels])`), a comprehension
    of one integer per label (`[int(s) for s in fields]`, `[classes.index(n) for n in names]`,
    `[1 if ... else 0 for ...]`) or the same items appended to an empty list in a loop
    (`ids.append(label_to_id[l])` then `np.array(ids)`), literal lists of ids, also repeated
    (`[0] * 50 + [1] * 50 + [2] * 50`),
    `flow_from_directory`/`flow_from_dataframe` by `class_mode` (default `"categorical"`: one-hot;
    `"sparse"`: ids), `ImageDataGenerator().flow(x, y)` by its `y`, `image_dataset_from_directory`
    and its siblings by `label_mode` (default `"int"`), rows set by hand in a zero-filled
    `(samples, classes)` array (one-hot for
    `y[np.arange(n), labels] = 1` or a loop over integer labels, multi-hot for a loop over each
    row's own labels), and through `tf.data`, `TensorDataset` and `DataLoader` batches.

    Each `compile()` is paired with the targets of the `fit()` calls made after it and before the
    next `compile()` of that model, as they are at that point of the program (a re-compile that is
    never fitted pairs with nothing); a loss called outside `compile()` with the targets it is
    given.
    {keras-loss-paths}

    ## Why is this bad?
    The sparse loss expects one integer per sample, the categorical loss one probability row per
    sample. Mixed up, `fit()` stops with a shape error in every Keras version and backend, often
    after the data pipeline has already run for a while; so does the loss called in a training loop.

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
    model.compile(optimizer="adam", loss="categorical_crossentropy")  # to_categorical's one-hot rows
    ```

    ## Fix safety
    The fix swaps the loss to the one matching the visible target encoding. It is safe: the
    model and its outputs are unchanged, and with these targets the current loss cannot run at
    all.

    ## References
    - FACTS F7 (Keras target formats)
    """
    for tensor, act, loss, out, targets in outputs(facts):
        if tensor is None or loss is None:
            continue
        count = units(tensor)
        expected = k.LOSSES[loss.name].targets
        for target in targets:
            one_hot = target.encoding == ONE_HOT or (target.encoding == ONE_HOT_OR_BINARY and (count or 0) > 2)
            if expected == INTEGER and one_hot:
                yield CE107_ONE_HOT.at(facts, loss.node,
                                       edits(loss_swap(facts, loss, k.CATEGORICAL_CROSSENTROPY.name)),
                                       loss=loss.name, shown_by=shown_by(target), targets=target.node,
                                       fails=fails(out))
                break
            if expected == ONE_HOT and target.encoding == INTEGER and ((count or 0) > 1 or act == SOFTMAX):
                yield CE107_INTEGER.at(facts, loss.node,
                                       edits(loss_swap(facts, loss, k.SPARSE_CATEGORICAL_CROSSENTROPY.name)),
                                       loss=loss.name, shown_by=shown_by(target), targets=target.node,
                                       fails=fails(out))
                break


_CE108_FIX = unsafe("Use a sigmoid output with binary_crossentropy")
CE108_SOFTMAX = Message(ERROR, "multi-hot targets ({shown_by}, {targets}) on a softmax output: the labels compete for "
                        "one unit of probability", _CE108_FIX, related={**_TARGETS, "loss_at": "the {loss} loss"})
CE108_LOSS = Message(ERROR, "multi-hot targets ({shown_by}, {targets}) with {loss}: the labels share one unit of "
                     "probability", _CE108_FIX, related=_TARGETS)


CE108_ANCHORS = (a.words(a.COMPILE) & a.words(*a.FIT) | a.keras_loss_call(*a.keras_families()),
                 a.activation(a.SOFTMAX) | a.keras_loss("cce", "scce"))


@rule("CE108", "multilabel-targets-with-softmax", "multi-hot targets on a softmax output or a categorical loss",
      CE108_SOFTMAX, CE108_LOSS, anchors=CE108_ANCHORS)
def multilabel_targets_with_softmax(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for targets that are visibly multi-hot (`MultiLabelBinarizer`, rows with several ones)
    trained through a softmax output or a categorical cross-entropy loss.

    The targets, and how each `compile()` is paired with them, are read as on CE107's page; the loss
    and the output as on CE102's. A bare `'accuracy'` on these targets is CE104's, reported with
    this one, so that fixing one never reveals the other.

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

    # One independent yes/no per label (y and fit unchanged).
    model = keras.Sequential([keras.layers.Dense(3, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```

    ## Fix safety
    The fix switches the softmax output to sigmoid and a categorical loss to binary cross-
    entropy. It is unsafe: it changes what the model outputs.

    ## References
    - FACTS F6.2 (the same split in PyTorch), F1.6
    """
    for tensor, act, loss, _out, targets in outputs(facts):
        target = next((t for t in targets if t.encoding == MULTI_HOT), None)
        if target is None or tensor is None:
            continue
        categorical = loss if loss is not None and loss.family in ("cce", "scce") else None
        softmax = tensor.act if act == SOFTMAX and isinstance(tensor.act, Act) else None
        replacements: list[Replacement] = [act_swap(facts, softmax, SIGMOID)] if softmax is not None else []
        if categorical is not None:
            replacements.append(loss_swap(facts, categorical, k.BINARY_CROSSENTROPY.name))
        fields = {"shown_by": shown_by(target), "targets": target.node}
        if softmax is not None:
            yield CE108_SOFTMAX.at(facts, softmax.node, edits(*replacements), loss=loss.name if loss else None,
                                   loss_at=loss.node if loss else None, **fields)
        elif categorical is not None:
            yield CE108_LOSS.at(facts, categorical.node, edits(*replacements), loss=categorical.name, **fields)
