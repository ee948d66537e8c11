"""Oracle tests for the Keras rules CE101-CE108 on Keras 3 (torch backend).

Every test runs Keras 3.15.1 with ``KERAS_BACKEND=torch`` (set in conftest.py) and asserts
the numbers of /work/shared/FACTS.md. Most models are a single ``Dense(n, use_bias=False,
kernel_initializer="identity")`` so that the model output is exactly ``activation(x)`` and
the inputs ``x`` are the logits ``z`` of FACTS.md: ``z=[[2,0,-1],[.5,1.5,-.5]]``, one-hot
targets ``[[1,0,0],[0,1,0]]``.

The other versions and backends (Keras 1.2-2.3 and tf.keras 1.15-2.15 on TensorFlow, tf-keras,
Keras 3 on TensorFlow, JAX and NumPy, TF1 graph mode) run in the version matrix,
``python tests/oracle_matrix/run.py`` (its own command, too heavy for every CI run); what it
observed is docs/version-matrix.md, checked against the messages by tests/test_version_matrix.py.
Run nowhere here: GPU-only outcomes (TF returns NaN for out-of-range sparse labels on GPU, CE107:
TF ``nn_ops.py`` sparse_softmax_cross_entropy_with_logits docstring).
"""

import math

import numpy as np
import pytest

from oracle_support import Recorder, require_keras_torch, resolved_metrics

keras = require_keras_torch()
torch = pytest.importorskip("torch")  # already required by require_keras_torch

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

EPS = 1e-7
# float32: 1-eps rounds to 0.99999988 -> -log(1-(1-eps)) = 15.9424, -log(eps) = 16.1181
CAP_Y0 = -math.log(1.0 - float(np.float32(1.0 - EPS)))
CAP_Y1 = -math.log(EPS)

Z = np.array([[2.0, 0.0, -1.0], [0.5, 1.5, -0.5]], dtype="float32")
Y = np.array([[1, 0, 0], [0, 1, 0]], dtype="float32")


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _cce(y, p):
    return float(np.mean(-np.sum(y * np.log(p), axis=-1)))


def _bce(y, p):
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def identity_model(activation, n):
    """Model whose output is activation(x): the inputs are the logits."""
    return keras.Sequential(
        [
            keras.Input((n,)),
            keras.layers.Dense(
                n, activation=activation, use_bias=False, kernel_initializer="identity"
            ),
        ]
    )


def evaluate(activation, loss, z=Z, y=Y, metrics=None):
    model = identity_model(activation, z.shape[-1])
    model.compile(optimizer="sgd", loss=loss, metrics=metrics)
    with Recorder() as rec:
        result = model.evaluate(z, y, verbose=0, return_dict=True, batch_size=len(z))
    return result, rec, model


# --------------------------------------------------------------------------------------------
# CE101 softmax-single-unit (F4)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["activation_kwarg", "activation_layer"])
def test_CE101_softmax_over_one_unit_is_constant_one(spelling):
    x = np.random.RandomState(0).randn(32, 5).astype("float32") * 10
    with Recorder() as build_rec:
        if spelling == "activation_kwarg":
            layers = [keras.layers.Dense(1, activation="softmax")]
        else:
            layers = [keras.layers.Dense(1), keras.layers.Activation("softmax")]
        model = keras.Sequential([keras.Input((5,))] + layers)
    with Recorder() as rec:
        pred = model.predict(x, verbose=0)
    assert pred.shape == (32, 1)
    assert np.all(pred == 1.0)
    # Keras >=3.1 warns (keras/src/ops/nn.py::softmax), F4 -- on the torch backend only at the
    # first eager call, not when the model is built (Dense/Activation define
    # compute_output_shape, so the symbolic build never runs ops.softmax).
    assert not build_rec.matching("This axis has size 1")
    warned = rec.matching("This axis has size 1", UserWarning)
    assert warned, rec.texts()
    assert "of a tensor of shape torch.Size([32, 1])" in warned[0]
    assert "will always return the value 1" in warned[0]
    assert "Did you mean to use a sigmoid instead?" in warned[0]


def test_CE101_symbolic_ops_softmax_on_size_one_axis_warns():
    with Recorder() as rec:
        keras.ops.softmax(keras.KerasTensor((None, 1)))
    warned = rec.matching("This axis has size 1", UserWarning)
    assert warned and "of a tensor of shape (None, 1)" in warned[0]


def test_CE101_softmax_single_unit_bce_loss_constant_kernel_frozen_accuracy_is_positive_rate():
    rs = np.random.RandomState(0)
    x = rs.randn(16, 3).astype("float32")
    y = np.array([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0], dtype="float32")[:, None]
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="binary_crossentropy", metrics=["accuracy"])
    k0 = keras.ops.convert_to_numpy(model.layers[0].kernel).copy()
    with Recorder():
        hist = model.fit(x, y, epochs=3, batch_size=16, verbose=0, shuffle=False)
    k1 = keras.ops.convert_to_numpy(model.layers[0].kernel)
    frac_neg = float(np.mean(y == 0))  # 11/16
    # loss = 15.94 x fraction of negatives, identical every epoch (F4: 7.9712 for 1/2 negatives)
    assert hist.history["loss"][0] == pytest.approx(CAP_Y0 * frac_neg, rel=1e-4)
    assert hist.history["loss"][0] == pytest.approx(10.9604, abs=1e-3)
    assert len(set(hist.history["loss"])) == 1
    assert np.array_equal(k0, k1)  # kernel change exactly 0 (zero gradient)
    assert resolved_metrics(model) == [("BinaryAccuracy", "accuracy")]
    assert hist.history["accuracy"] == [pytest.approx(float(np.mean(y == 1)))] * 3  # 0.3125


def test_CE101_torch_linear_one_unit_softmax_is_one_and_gradient_zero():
    torch.manual_seed(0)
    lin = torch.nn.Linear(4, 1)
    out = torch.softmax(lin(torch.randn(8, 4) * 5), dim=1)
    assert torch.all(out == 1.0)
    out.sum().backward()
    assert torch.all(lin.weight.grad == 0) and torch.all(lin.bias.grad == 0)


def test_CE101_control_dense1_sigmoid_is_not_constant_and_does_not_warn():
    x = np.random.RandomState(0).randn(32, 5).astype("float32")
    with Recorder() as rec:
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1, activation="sigmoid")])
        pred = model.predict(x, verbose=0)
    assert pred.std() > 0.01
    assert not rec.matching("This axis has size 1")


# --------------------------------------------------------------------------------------------
# CE102 softmax-with-binary-crossentropy (F5, F2.2)
# --------------------------------------------------------------------------------------------


def test_CE102_softmax_bce_optimises_mean_bce_of_coupled_softmax_probs():
    result, rec, model = evaluate("softmax", "binary_crossentropy", metrics=["accuracy"])
    p = _softmax(Z)
    assert result["loss"] == pytest.approx(0.1861, abs=1e-4)  # F5 / F2.2 torch column
    assert result["loss"] == pytest.approx(_bce(Y, p), rel=1e-5)  # mean_j BCE(y_j, softmax(z)_j)
    assert _cce(Y, p) == pytest.approx(0.2887, abs=1e-4)  # what CCE would report
    assert not rec.matching("logits")  # no warning of any kind about the pairing
    # Keras 3: 'accuracy' is CategoricalAccuracy here, not the inflated binary_accuracy (F1.4)
    assert resolved_metrics(model) == [("CategoricalAccuracy", "accuracy")]


def test_CE102_two_unit_softmax_bce_equals_cce_on_torch_backend():
    # With N=2 and one-hot targets the two BCE terms on coupled probabilities are equal,
    # so their mean is exactly the categorical cross-entropy (torch/jax/numpy backends).
    z = np.array([[1.0, -0.5], [0.2, 0.9], [-2.0, 1.0]], dtype="float32")
    y = np.array([[1, 0], [0, 1], [1, 0]], dtype="float32")
    bce, _, _ = evaluate("softmax", "binary_crossentropy", z=z, y=y)
    cce, _, _ = evaluate("softmax", "categorical_crossentropy", z=z, y=y)
    assert bce["loss"] == pytest.approx(cce["loss"], rel=1e-5)
    assert cce["loss"] == pytest.approx(_cce(y, _softmax(z)), rel=1e-5)


# --------------------------------------------------------------------------------------------
# CE103 categorical-crossentropy-on-non-softmax (F2.1, F2.3)
# --------------------------------------------------------------------------------------------


def test_CE103_single_unit_cce_loss_is_near_zero_gradient_exactly_zero_and_warns():
    x = np.array([[0.3], [-1.2], [2.0], [0.1]], dtype="float32")
    y = np.array([[1], [0], [1], [0]], dtype="float32")
    result, rec, _ = evaluate("sigmoid", "categorical_crossentropy", z=x, y=y)
    # per-sample loss -y*log(1-eps) = 1.19e-7*y; mean 5.96e-8 (F2.3)
    assert result["loss"] == pytest.approx(-math.log(float(np.float32(1 - EPS))) * 0.5, rel=1e-3)
    assert result["loss"] == pytest.approx(5.96e-8, rel=1e-3)
    msgs = rec.matching("expected y_pred.shape to be (batch_size, num_classes) with num_classes > 1")
    assert msgs and "Consider using 'binary_crossentropy' if you only have 2 classes" in msgs[0]
    assert any(w.category is SyntaxWarning for w in rec.records)

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="categorical_crossentropy")
    xs = np.random.RandomState(0).randn(8, 3).astype("float32")
    ys = np.array([1, 0, 1, 1, 0, 0, 1, 0], dtype="float32")[:, None]
    k0 = keras.ops.convert_to_numpy(model.layers[0].kernel).copy()
    b0 = keras.ops.convert_to_numpy(model.layers[0].bias).copy()
    with Recorder():
        hist = model.fit(xs, ys, epochs=2, batch_size=8, verbose=0, shuffle=False)
    assert np.array_equal(k0, keras.ops.convert_to_numpy(model.layers[0].kernel))
    assert np.array_equal(b0, keras.ops.convert_to_numpy(model.layers[0].bias))
    assert hist.history["loss"][0] < 1e-6 and hist.history["loss"][0] == hist.history["loss"][1]


def test_CE103_sigmoid_multi_unit_cce_trains_on_renormalised_sigmoids():
    result, rec, _ = evaluate("sigmoid", "categorical_crossentropy")
    s = _sigmoid(Z)
    assert result["loss"] == pytest.approx(0.7132, abs=1e-4)  # F2.1/F2.2 torch column
    assert result["loss"] == pytest.approx(_cce(Y, s / s.sum(-1, keepdims=True)), rel=1e-5)
    assert _cce(Y, _softmax(Z)) == pytest.approx(0.2887, abs=1e-4)
    assert not rec.texts(UserWarning) and not rec.texts(SyntaxWarning)


def test_CE103_relu_output_cce_is_renormalised_silently():
    result, rec, _ = evaluate("relu", "categorical_crossentropy")
    r = np.maximum(Z, 0)
    p = np.clip(r / r.sum(-1, keepdims=True), EPS, 1 - EPS)
    assert result["loss"] == pytest.approx(_cce(Y, p), rel=1e-4)
    assert result["loss"] == pytest.approx(0.1438, abs=1e-4)
    assert not rec.texts(UserWarning) and not rec.texts(SyntaxWarning)


def test_CE103_sigmoid_multi_unit_sparse_cce_trains_on_renormalised_sigmoids():
    ids = np.argmax(Y, axis=-1)  # the same targets as class ids
    result, rec, _ = evaluate("sigmoid", "sparse_categorical_crossentropy", y=ids)
    s = _sigmoid(Z)
    assert result["loss"] == pytest.approx(_cce(Y, s / s.sum(-1, keepdims=True)), rel=1e-5)
    assert result["loss"] == pytest.approx(0.7132, abs=1e-4)  # what the categorical loss gives (F2.1)
    assert not rec.texts(UserWarning) and not rec.texts(SyntaxWarning)


def test_CE103_relu_output_sparse_cce_is_renormalised_then_clipped_silently():
    result, rec, _ = evaluate("relu", "sparse_categorical_crossentropy", y=np.argmax(Y, axis=-1))
    r = np.maximum(Z, 0)
    p = np.clip(r / r.sum(-1, keepdims=True), EPS, 1 - EPS)  # torch backend: renormalise, then clip (F3.2)
    assert result["loss"] == pytest.approx(_cce(Y, p), rel=1e-4)
    assert not rec.texts(UserWarning) and not rec.texts(SyntaxWarning)


def test_CE103_single_unit_sparse_cce_takes_only_label_zero():
    x = _X4[:, :1]
    zeros, _, _ = evaluate("sigmoid", "sparse_categorical_crossentropy", z=x, y=np.zeros(8, dtype="int64"))
    assert zeros["loss"] == pytest.approx(0.0, abs=1e-6)  # softmax over one unit: log(1), nothing to learn
    with pytest.raises(IndexError, match="Target 1 is out of bounds"):
        evaluate("sigmoid", "sparse_categorical_crossentropy", z=x, y=_BIN.astype("int64"))


# --------------------------------------------------------------------------------------------
# CE104 ambiguous-accuracy (F1.4, F1.6)
# --------------------------------------------------------------------------------------------

_RS = np.random.RandomState(0)
_X4 = _RS.randn(8, 4).astype("float32")
_INT = np.array([0, 1, 2, 3, 0, 1, 2, 3])
_ONEHOT = np.eye(4, dtype="float32")[_INT]
_MULTIHOT = (np.random.RandomState(1).rand(8, 4) > 0.5).astype("float32")
_BIN = np.array([0, 1, 1, 0, 1, 0, 0, 1], dtype="float32")


@pytest.mark.parametrize(
    "activation,n,loss,y,metric,expected",
    [
        ("softmax", 4, "binary_crossentropy", _ONEHOT, "accuracy", "CategoricalAccuracy"),
        ("softmax", 4, "categorical_crossentropy", _ONEHOT, "accuracy", "CategoricalAccuracy"),
        ("sigmoid", 4, "binary_crossentropy", _MULTIHOT, "accuracy", "CategoricalAccuracy"),
        ("softmax", 4, "sparse_categorical_crossentropy", _INT, "accuracy", "SparseCategoricalAccuracy"),
        ("softmax", 4, "sparse_categorical_crossentropy", _INT[:, None], "accuracy", "SparseCategoricalAccuracy"),
        ("sigmoid", 1, "binary_crossentropy", _BIN[:, None], "accuracy", "BinaryAccuracy"),
        ("sigmoid", 1, "binary_crossentropy", _BIN, "accuracy", "BinaryAccuracy"),
        ("sigmoid", 4, "binary_crossentropy", _MULTIHOT, "acc", "CategoricalAccuracy"),
        ("softmax", 4, "binary_crossentropy", _ONEHOT, "ACC", "CategoricalAccuracy"),
        # multi-hot targets whatever the output (CE104 with CE108): the argmax against the first positive label
        ("softmax", 4, "categorical_crossentropy", _MULTIHOT, "accuracy", "CategoricalAccuracy"),
        ("softmax", 4, "binary_crossentropy", _MULTIHOT, "accuracy", "CategoricalAccuracy"),
        (None, 4, keras.losses.CategoricalCrossentropy(from_logits=True), _MULTIHOT, "accuracy",
         "CategoricalAccuracy"),
        # one-hot targets on sigmoids (not multi-label): categorical accuracy is the right number
        ("sigmoid", 4, "binary_crossentropy", _ONEHOT, "accuracy", "CategoricalAccuracy"),
    ],
)
def test_CE104_keras3_resolves_accuracy_from_shapes_only(activation, n, loss, y, metric, expected):
    x = _X4 if n == 4 else _X4[:, :1]
    _, _, model = evaluate(activation, loss, z=x, y=y, metrics=[metric])
    assert resolved_metrics(model) == [(expected, metric)]


def test_CE104a_multilabel_accuracy_is_argmax_vs_first_positive_label():
    y = np.array([[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]], dtype="float32")
    # argmax of the predictions: 0, 2, 1, 2 -- every one of them is a true label
    z = np.array(
        [[3, -3, -3, 2], [-3, 2, 3, -3], [2, 3, -3, -3], [-3, -3, 3, 2]], dtype="float32"
    )
    result, _, model = evaluate("sigmoid", "binary_crossentropy", z=z, y=y, metrics=["accuracy"])
    assert resolved_metrics(model) == [("CategoricalAccuracy", "accuracy")]
    per_sample = keras.ops.convert_to_numpy(keras.metrics.categorical_accuracy(y, _sigmoid(z)))
    assert per_sample.tolist() == [1.0, 0.0, 0.0, 1.0]  # F1.6 demo case (c)
    assert result["accuracy"] == pytest.approx(0.5)
    top1_in_true_set = float(np.mean(y[np.arange(4), z.argmax(-1)] == 1))
    assert top1_in_true_set == 1.0


def test_CE104b_binary_accuracy_inflates_to_n_minus_1_over_n():
    n = 10
    y = np.eye(n, dtype="float32")[np.arange(20) % n]
    uniform = np.full_like(y, 1.0 / n)
    wrong = np.eye(n, dtype="float32")[(np.arange(20) + 1) % n]
    ba = keras.metrics.BinaryAccuracy()
    ba.update_state(y, uniform)
    assert float(ba.result()) == pytest.approx(0.90)  # (N-1)/N
    ba.reset_state()
    ba.update_state(y, wrong)
    assert float(ba.result()) == pytest.approx(0.80)  # always-wrong confident predictor
    ca = keras.metrics.CategoricalAccuracy()
    ca.update_state(y, wrong)
    assert float(ca.result()) == 0.0
    # Keras 3 picks CategoricalAccuracy for softmax+BCE, so the inflation does not occur here
    result, _, model = evaluate(
        "softmax", "binary_crossentropy", z=np.log(wrong + 1e-3), y=y, metrics=["accuracy"]
    )
    assert resolved_metrics(model) == [("CategoricalAccuracy", "accuracy")]
    assert result["accuracy"] == 0.0


def test_CE104c_binary_accuracy_thresholds_logits_at_half():
    z = np.array([[0.3], [2.0], [-1.0], [-2.0]], dtype="float32")
    y = np.array([[1], [1], [0], [0]], dtype="float32")
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    result, _, model = evaluate(None, loss, z=z, y=y, metrics=["accuracy"])
    assert resolved_metrics(model) == [("BinaryAccuracy", "accuracy")]
    assert result["accuracy"] == pytest.approx(0.75)  # logit 0.3 < 0.5 counted as negative
    fixed, _, _ = evaluate(None, loss, z=z, y=y, metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
    assert fixed["binary_accuracy"] == pytest.approx(1.0)
    on_probs, _, _ = evaluate("sigmoid", "binary_crossentropy", z=z, y=y, metrics=["accuracy"])
    assert on_probs["accuracy"] == pytest.approx(1.0)


def test_CE104_crossentropy_is_not_a_metric_in_keras3():
    model = identity_model("softmax", 4)
    with pytest.raises(ValueError, match="Could not interpret metric identifier: crossentropy"):
        model.compile(loss="categorical_crossentropy", metrics=["crossentropy"])
        model.evaluate(_X4, _ONEHOT, verbose=0)


# --------------------------------------------------------------------------------------------
# CE105 from-logits-after-activation (F3.1)
# --------------------------------------------------------------------------------------------


def test_CE105_cce_from_logits_on_softmax_output_double_softmax_silently():
    result, rec, _ = evaluate("softmax", keras.losses.CategoricalCrossentropy(from_logits=True))
    assert result["loss"] == pytest.approx(0.7275, abs=1e-4)
    assert result["loss"] == pytest.approx(_cce(Y, _softmax(_softmax(Z))), rel=1e-5)
    correct, _, _ = evaluate(None, keras.losses.CategoricalCrossentropy(from_logits=True))
    assert correct["loss"] == pytest.approx(0.2887, abs=1e-4)
    # torch backend: no "does not represent logits" warning (only the TF backend has it)
    assert not rec.matching("does not represent logits")
    assert not rec.texts(UserWarning)


def test_CE105_bce_from_logits_on_sigmoid_output_double_sigmoid_silently():
    result, rec, _ = evaluate("sigmoid", keras.losses.BinaryCrossentropy(from_logits=True))
    assert result["loss"] == pytest.approx(0.7458, abs=1e-4)
    assert result["loss"] == pytest.approx(_bce(Y, _sigmoid(_sigmoid(Z))), rel=1e-5)
    correct, _, _ = evaluate("sigmoid", keras.losses.BinaryCrossentropy(from_logits=False))
    assert correct["loss"] == pytest.approx(0.4638, abs=1e-4)
    assert not rec.matching("does not represent logits")


def test_CE105_loss_object_called_in_a_training_loop_applies_the_softmax_twice():
    """The same loss outside compile() (a GradientTape loop, a train_step, a GAN): `loss(y, model(x))`."""
    model = identity_model("softmax", 3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        wrong = float(keras.ops.convert_to_numpy(loss_fn(np.array([0, 1]), model(Z))))
    assert wrong == pytest.approx(_cce(Y, _softmax(_softmax(Z))), rel=1e-5)  # 0.7275, as through compile()
    assert not rec.matching("does not represent logits")
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    discriminator = identity_model("sigmoid", 3)
    doubled = float(keras.ops.convert_to_numpy(bce(Y, discriminator(Z))))
    assert doubled == pytest.approx(_bce(Y, _sigmoid(_sigmoid(Z))), rel=1e-5)


def test_CE107_sparse_loss_called_in_a_training_loop_on_one_hot_targets_raises():
    model = identity_model("softmax", 4)
    with pytest.raises(ValueError, match="must have the same shape up until the last dimension"):
        keras.losses.SparseCategoricalCrossentropy()(_ONEHOT, model(_X4))


def test_CE105_sparse_cce_from_logits_on_softmax_output_and_safe_fix():
    yi = np.array([0, 1])
    wrong, rec, _ = evaluate(
        "softmax", keras.losses.SparseCategoricalCrossentropy(from_logits=True), y=yi
    )
    assert wrong["loss"] == pytest.approx(0.7275, abs=1e-4)
    assert not rec.matching("does not represent logits")
    # safe fix: from_logits=False on the same (unchanged) softmax output gives the correct CE
    fixed, _, _ = evaluate("softmax", keras.losses.SparseCategoricalCrossentropy(from_logits=False), y=yi)
    assert fixed["loss"] == pytest.approx(0.2887, abs=1e-4)


# --------------------------------------------------------------------------------------------
# CE106 probabilities-loss-on-logits (F3.2)
# --------------------------------------------------------------------------------------------


def test_CE106_bce_on_linear_output_is_capped_and_gradient_vanishes():
    z = torch.tensor([[-3.0, 3.0, 0.4, 0.6]], requires_grad=True)
    y = torch.tensor([[1.0, 0.0, 1.0, 0.0]])
    with Recorder() as rec:
        per_elem = keras.losses.binary_crossentropy(y[..., None], z[..., None])
    per_elem = per_elem[0]
    vals = per_elem.detach()
    assert float(vals[0]) == pytest.approx(CAP_Y1, rel=1e-4)  # 16.12: y=1, p<=0
    assert float(vals[0]) == pytest.approx(16.118, abs=1e-3)
    assert float(vals[1]) == pytest.approx(CAP_Y0, rel=1e-4)  # 15.94: y=0, p>=1
    assert float(vals[1]) == pytest.approx(15.942, abs=1e-3)
    per_elem.sum().backward()
    g = z.grad[0]
    assert g[0] == 0 and g[1] == 0  # clipped entries: zero gradient, however wrong
    assert g[2] != 0 and g[3] != 0  # only logits inside (0,1) learn
    assert not rec.texts(UserWarning)
    # whole-model numbers: probability loss on logits vs the correct from_logits=True loss
    wrong, rec2, _ = evaluate(None, "binary_crossentropy")
    right, _, _ = evaluate(None, keras.losses.BinaryCrossentropy(from_logits=True))
    assert right["loss"] == pytest.approx(0.4638, abs=1e-4)
    zc = np.clip(Z, EPS, 1 - EPS)
    assert wrong["loss"] == pytest.approx(_bce(Y, zc), rel=1e-3)
    assert wrong["loss"] == pytest.approx(0.1155, abs=1e-3)
    assert not rec2.texts(UserWarning)  # no framework warns about this direction


def test_CE106_cce_on_linear_output_renormalises_by_sum_and_nans_at_zero_sum():
    z = np.array([[2.0, 1.0, -0.5], [0.5, 1.5, 0.5]], dtype="float32")
    y = np.array([[0, 1, 0], [0, 0, 1]], dtype="float32")
    wrong, rec, _ = evaluate(None, "categorical_crossentropy", z=z, y=y)
    expected = _cce(y, np.clip(z / z.sum(-1, keepdims=True), EPS, 1 - EPS))
    assert wrong["loss"] == pytest.approx(expected, rel=1e-4)
    right, _, _ = evaluate(None, keras.losses.CategoricalCrossentropy(from_logits=True), z=z, y=y)
    assert right["loss"] == pytest.approx(_cce(y, _softmax(z)), rel=1e-5)
    assert wrong["loss"] == pytest.approx(1.2629, abs=1e-4)  # wrong objective ...
    assert right["loss"] == pytest.approx(1.4615, abs=1e-4)  # ... vs the correct CE
    assert not rec.texts(UserWarning)
    zero_sum = keras.losses.categorical_crossentropy(
        torch.tensor([[1.0, 0.0, 0.0]]), torch.tensor([[1.0, -1.0, 0.0]])
    )
    assert torch.isnan(zero_sum).all()


# --------------------------------------------------------------------------------------------
# CE107 label-encoding-mismatch (F7 "Keras target formats", torch column)
# --------------------------------------------------------------------------------------------


def test_CE107_sparse_cce_with_one_hot_targets_raises_value_error():
    with pytest.raises(ValueError, match="must have the same shape up until the last dimension"):
        evaluate("softmax", "sparse_categorical_crossentropy", z=_X4, y=_ONEHOT)


@pytest.mark.parametrize("targets", [_INT, _INT[:, None]], ids=["(n,)", "(n,1)"])
def test_CE107_cce_with_integer_targets_raises_value_error(targets):
    with pytest.raises(ValueError, match="`target` and `output` must have the same shape"):
        evaluate("softmax", "categorical_crossentropy", z=_X4, y=targets)


def test_CE107_single_sigmoid_unit_with_sparse_cce_index_error():
    with pytest.raises(IndexError, match="Target 1 is out of bounds"):
        evaluate("sigmoid", "sparse_categorical_crossentropy", z=_X4[:, :1], y=_BIN.astype("int64"))


def test_CE107_single_sigmoid_unit_bce_with_class_ids_runtime_error():
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        evaluate("sigmoid", "binary_crossentropy", z=_X4[:, :1], y=_INT[:, None].astype("float32"))


def test_CE107_control_matching_losses_run():
    a, _, _ = evaluate("softmax", "sparse_categorical_crossentropy", z=_X4, y=_INT)
    b, _, _ = evaluate("softmax", "categorical_crossentropy", z=_X4, y=_ONEHOT)
    assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)


# --------------------------------------------------------------------------------------------
# CE108 multilabel-targets-with-softmax (F6.2 analogue in Keras, F1.4)
# --------------------------------------------------------------------------------------------


def test_CE108_multihot_targets_on_softmax_cce_converge_to_split_mass_not_multilabel():
    y = torch.tensor([[1.0, 0.0, 0.0, 1.0]])
    z = torch.zeros(1, 4, requires_grad=True)
    opt = torch.optim.SGD([z], lr=10.0)
    for _ in range(2000):
        opt.zero_grad()
        loss = keras.losses.categorical_crossentropy(y, keras.activations.softmax(z)).mean()
        loss.backward()
        opt.step()
    p = torch.softmax(z.detach(), dim=-1)[0]
    loss = loss.detach()
    assert float(loss) == pytest.approx(2 * math.log(2), abs=1e-3)  # 1.386: the minimum, never 0
    assert float(loss) >= 2 * math.log(2) - 1e-6
    assert p[0].item() == pytest.approx(0.5, abs=1e-3) and p[3].item() == pytest.approx(0.5, abs=1e-3)
    assert (p > 0.5).sum().item() == 0  # no label ever crosses a 0.5 threshold


def test_CE108_multihot_softmax_model_is_silent_and_reports_categorical_accuracy():
    y = np.array([[1, 0, 0, 1], [0, 1, 1, 0]], dtype="float32")
    z = np.array([[5.0, -5.0, -5.0, 5.0], [-5.0, 5.0, 5.0, -5.0]], dtype="float32")  # best possible
    result, rec, model = evaluate("softmax", "categorical_crossentropy", z=z, y=y, metrics=["accuracy"])
    assert result["loss"] == pytest.approx(2 * math.log(2), abs=1e-3)
    assert resolved_metrics(model) == [("CategoricalAccuracy", "accuracy")]
    assert not rec.texts(UserWarning)
    # the correct set-up (sigmoid + BCE) can drive the same targets to ~0 loss
    good, _, _ = evaluate("sigmoid", "binary_crossentropy", z=z * 3, y=y)
    assert good["loss"] < 1e-5
