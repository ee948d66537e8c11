"""Keras experiments (rules CE101-CE108), one code path for Keras 1.2 up to Keras 3 (keras_api.py).

Most models are one `Dense(n, use_bias=False)` whose kernel is set to the identity, so the output
is exactly activation(x) and the inputs are the logits; the losses and metrics a cell reports are
then compared with the candidate formulas computed here in NumPy, which tells what the framework
really computed (on the probabilities, or on the pre-activation logits it kept aside). Runs on
Python 3.7 too.
"""

import numpy as np

from keras_api import EPS, Api, accuracy_is, bce, cce, closest, metric_key, sigmoid, softmax, stage_error_text
from watch import Stage

Z = np.array([[2.0, 0.0, -1.0], [0.5, 1.5, -0.5]], dtype="float32")
Y = np.array([[1, 0, 0], [0, 1, 0]], dtype="float32")


def experiments(spec):
    api = Api(spec)

    def evaluate_case(act, n, loss, x, y, metrics=None, candidates=None, predictions=None):
        obs = {}
        with Stage() as build:
            model = api.model(act, n)
            metrics = metrics() if callable(metrics) else metrics  # built after clear_session (TF1 graphs)
            api.compile(model, loss, metrics)
        obs["build"] = build.record()
        with Stage() as run:
            values = api.evaluate(model, x, y)
            obs["loss"] = values["loss"]
            key = metric_key(values)
            if key:
                obs["metric_value"] = values[key]
                obs["metric_name"] = key
        obs["evaluate"] = run.record()
        if candidates:
            obs["candidates"] = candidates
            obs["matches"] = closest(obs.get("loss"), candidates)
        if metrics:
            obs["resolved"] = api.resolved(model)
            if predictions is not None and "metric_value" in obs:
                obs["accuracy_is"], obs["accuracy_candidates"] = accuracy_is(obs["metric_value"], y, predictions)
        return obs

    def softmax1_bce():
        """CE101: Dense(1, softmax) + binary_crossentropy, trained with SGD."""
        rs = np.random.RandomState(0)
        x = (rs.randn(16, 3) * 3).astype("float32")
        y = np.array([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0], dtype="float32")[:, None]
        kernel = np.random.RandomState(1).randn(3, 1)
        obs = {"positive_rate": float(y.mean())}
        with Stage() as build:
            model = api.model("softmax", 3, units=1, kernel=kernel)
            api.compile(model, "binary_crossentropy", ["accuracy"], lr=1.0)
        obs["build"] = build.record()
        with Stage() as pred:
            p = model.predict(x, batch_size=16, verbose=0)
            obs["outputs"] = sorted(set(float(v) for v in np.ravel(p)))[:4]
        obs["predict"] = pred.record()
        k0 = api.kernel(model)
        with Stage() as fit:
            hist = api.fit(model, x, y, epochs=3)
            obs["losses"] = hist["loss"]
            key = metric_key(hist)
            obs["accuracy"] = hist.get(key) if key else None
        obs["fit"] = fit.record()
        obs["kernel_change"] = float(np.abs(api.kernel(model) - k0).max())
        obs["resolved"] = api.resolved(model)
        with Stage() as after:
            p = model.predict(x, batch_size=16, verbose=0)
            obs["outputs_after_fit"] = sorted(set(float(v) for v in np.ravel(p)))[:4]
        obs["predict_after_fit"] = after.record()
        return obs

    def softmax_bce():
        """CE102: 3-unit softmax + binary_crossentropy on the logits Z."""
        p = softmax(Z)
        return evaluate_case("softmax", 3, "binary_crossentropy", Z, Y, candidates={
            "BCE on the softmax probabilities": bce(Y, p),
            "sigmoid BCE on the pre-softmax logits": bce(Y, sigmoid(Z)),
            "categorical CE": cce(Y, p)})

    def softmax2_bce_vs_cce():
        """CE102 with two units: does BCE equal categorical cross-entropy?"""
        z = np.array([[1.0, -0.5], [0.2, 0.9], [-2.0, 1.0]], dtype="float32")
        y = np.array([[1, 0], [0, 1], [1, 0]], dtype="float32")
        b = evaluate_case("softmax", 2, "binary_crossentropy", z, y)
        c = evaluate_case("softmax", 2, "categorical_crossentropy", z, y)
        return {"bce": b.get("loss"), "cce": c.get("loss"), "bce_run": b, "cce_run": c,
                "equal": isinstance(b.get("loss"), float) and abs(b["loss"] - c.get("loss", 1e9)) < 1e-5}

    def sigmoid1_cce():
        """CE103: one sigmoid unit + categorical_crossentropy, (n, 1) targets."""
        x = np.array([[0.3], [-1.2], [2.0], [0.1]], dtype="float32")
        y = np.array([[1], [0], [1], [0]], dtype="float32")
        obs = evaluate_case("sigmoid", 1, "categorical_crossentropy", x, y)
        with Stage() as build:
            model = api.model("sigmoid", 1, kernel=np.array([[0.7]]))
            api.compile(model, "categorical_crossentropy", lr=1.0)
        k0 = api.kernel(model)
        with Stage() as fit:
            obs["fit_losses"] = api.fit(model, x, y, epochs=2)["loss"]
        obs["fit_build"], obs["fit"] = build.record(), fit.record()
        obs["kernel_change"] = float(np.abs(api.kernel(model) - k0).max())
        return obs

    def sigmoid_cce():
        """CE103: 3-unit sigmoid + categorical_crossentropy on Z."""
        s = sigmoid(Z)
        return evaluate_case("sigmoid", 3, "categorical_crossentropy", Z, Y, candidates={
            "CE of the sigmoids renormalised by their sum": cce(Y, s / s.sum(-1, keepdims=True)),
            "softmax CE of the pre-sigmoid logits": cce(Y, softmax(Z))})

    def relu_cce():
        """CE103: 3-unit relu + categorical_crossentropy on Z."""
        r = np.maximum(Z, 0)
        return evaluate_case("relu", 3, "categorical_crossentropy", Z, Y, candidates={
            "CE of the outputs renormalised by their sum": cce(Y, np.clip(r / r.sum(-1, keepdims=True), EPS, 1 - EPS)),
            "softmax CE of the pre-relu values": cce(Y, softmax(Z))})

    # 'accuracy' probes: predictions designed so that every accuracy formula gives another number.
    z4 = np.array([[6, -6, -6, -6], [-6, 6, -6, -6], [-6, -6, -6, 6], [6, -6, -6, -6]], dtype="float32")
    y4 = np.eye(4, dtype="float32")[[0, 1, 2, 3]]

    def acc_softmax_bce():
        """CE104 (b), CE102: 4-unit softmax + BCE, one-hot targets, half the samples right."""
        return evaluate_case("softmax", 4, "binary_crossentropy", z4, y4, ["accuracy"], predictions=softmax(z4))

    def acc_softmax_cce():
        """Control: 4-unit softmax + categorical CE."""
        return evaluate_case("softmax", 4, "categorical_crossentropy", z4, y4, ["accuracy"], predictions=softmax(z4))

    def acc_sigmoid_multihot():
        """CE104 (a): 4-unit sigmoid + BCE, multi-hot targets, every prediction right per label."""
        y = np.array([[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]], dtype="float32")
        z = np.array([[3, -3, -3, 2], [-3, 2, 3, -3], [2, 3, -3, -3], [-3, -3, 3, 2]], dtype="float32")
        return evaluate_case("sigmoid", 4, "binary_crossentropy", z, y, ["accuracy"], predictions=sigmoid(z))

    def acc_logit():
        """CE104 (c): one linear unit + BCE(from_logits=True), 'accuracy'."""
        z = np.array([[0.3], [2.0], [-1.0], [-2.0]], dtype="float32")
        y = np.array([[1], [1], [0], [0]], dtype="float32")
        obs = evaluate_case(None, 1, api.loss("bce", True), z, y, ["accuracy"], predictions=z)
        obs["threshold_0_5_on_logits"] = float(np.mean((z > 0.5) == (y > 0.5)))
        obs["threshold_0_on_logits"] = float(np.mean((z > 0) == (y > 0.5)))
        return obs

    def acc_uniform10():
        """CE104 (b): a useless 10-class model (uniform softmax) + BCE + 'accuracy'."""
        y = np.eye(10, dtype="float32")[np.arange(20) % 10]
        z = np.zeros((20, 10), dtype="float32")
        return evaluate_case("softmax", 10, "binary_crossentropy", z, y, ["accuracy"], predictions=softmax(z))

    def acc_sparse():
        """Control: 4-unit softmax + sparse CE, integer targets."""
        y = np.array([0, 1, 2, 3], dtype="float32")
        obs = evaluate_case("softmax", 4, "sparse_categorical_crossentropy", z4, y, ["accuracy"])
        right = float(np.mean(np.argmax(z4, -1) == y))
        obs["accuracy_is"] = ["sparse_categorical_accuracy"] if obs.get("metric_value") == right else []
        return obs

    def from_logits(family, act):
        def run():
            if family == "bce":
                p = sigmoid(Z)
                cands = {"double sigmoid": bce(Y, sigmoid(p)), "corrected (pre-sigmoid logits)": bce(Y, p)}
                y = Y
            else:
                p = softmax(Z)
                cands = {"double softmax": cce(Y, softmax(p)), "corrected (pre-softmax logits)": cce(Y, p)}
                y = Y if family == "cce" else np.array([0, 1], dtype="float32")
            return evaluate_case(act, 3, api.loss(family, True), Z, y, candidates=cands)
        run.__doc__ = "CE105: %s(from_logits=True) on a %s output" % (family, act)
        return run

    def linear_bce():
        """CE106: linear output + binary_crossentropy: capped values, zero gradients outside [0, 1]."""
        obs = {}
        one = {}
        for label, x, y in (("y=1, logit -3", [[-3.0]], [[1.0]]), ("y=0, logit 3", [[3.0]], [[0.0]])):
            one[label] = evaluate_case(None, 1, "binary_crossentropy", np.array(x, "float32"),
                                       np.array(y, "float32")).get("loss")
        obs["capped_loss"] = one
        x = np.array([[-3.0, 3.0, 0.4, 0.6]], dtype="float32")
        y = np.array([[1, 0, 1, 0]], dtype="float32")
        with Stage() as build:
            model = api.model(None, 4)
            api.compile(model, "binary_crossentropy", lr=1.0)
        k0 = api.kernel(model)
        with Stage() as fit:
            obs["fit_loss"] = api.fit(model, x, y)["loss"]
        obs["build"], obs["fit"] = build.record(), fit.record()
        if fit.error is None:
            obs["zero_gradient"] = [bool(v) for v in np.all(api.kernel(model) == k0, axis=0)]
        obs["evaluate_z"] = evaluate_case(None, 3, "binary_crossentropy", Z, Y, candidates={
            "BCE of the clipped logits": bce(Y, np.clip(Z, EPS, 1 - EPS)),
            "correct (from_logits=True)": bce(Y, sigmoid(Z))})
        return obs

    def linear_cce():
        """CE106: linear output + categorical_crossentropy: renormalised by the sum, NaN at sum 0."""
        z = np.array([[2.0, 1.0, -0.5], [0.5, 1.5, 0.5]], dtype="float32")
        y = np.array([[0, 1, 0], [0, 0, 1]], dtype="float32")
        obs = evaluate_case(None, 3, "categorical_crossentropy", z, y, candidates={
            "CE of the outputs renormalised by their sum, clipped": cce(y, np.clip(z / z.sum(-1, keepdims=True), EPS,
                                                                                  1 - EPS)),
            "correct (from_logits=True)": cce(y, softmax(z))})
        zero = evaluate_case(None, 3, "categorical_crossentropy", np.array([[1.0, -1.0, 0.0]], "float32"),
                             np.array([[1, 0, 0]], "float32"))
        obs["zero_sum_loss"] = zero.get("loss")
        return obs

    def linear_scce():
        """CE106: linear output + sparse_categorical_crossentropy."""
        y = np.array([0, 1], dtype="float32")
        r = Z / Z.sum(-1, keepdims=True)
        return evaluate_case(None, 3, "sparse_categorical_crossentropy", Z, y, candidates={
            "renormalised then clipped": cce(Y, np.clip(r, EPS, 1 - EPS)),
            "clipped then renormalised": cce(Y, np.clip(Z, EPS, 1 - EPS) / np.clip(Z, EPS, 1 - EPS).sum(-1, keepdims=True)),
            "correct (from_logits=True)": cce(Y, softmax(Z))})

    x8 = np.random.RandomState(0).randn(8, 4).astype("float32")
    ints = np.array([0, 1, 2, 3, 0, 1, 2, 3])

    def target_case(loss, y):
        def run():
            obs = {}
            with Stage() as build:
                model = api.model("softmax", 4)
                api.compile(model, loss)
            obs["build"] = build.record()
            with Stage() as fit:
                obs["loss"] = api.fit(model, x8, y)["loss"] if api.training else api.evaluate(model, x8, y)["loss"]
            obs["fit"] = fit.record()
            return obs
        run.__doc__ = "CE107: %s with targets of shape %s" % (loss, y.shape)
        return run

    def multihot_softmax():
        """CE108: multi-hot targets, 4-unit softmax + categorical CE at its best logits."""
        y = np.array([[1, 0, 0, 1], [0, 1, 1, 0]], dtype="float32")
        z = np.array([[5.0, -5.0, -5.0, 5.0], [-5.0, 5.0, 5.0, -5.0]], dtype="float32")
        obs = evaluate_case("softmax", 4, "categorical_crossentropy", z, y, ["accuracy"], predictions=softmax(z))
        obs["floor"] = float(2 * np.log(2))
        obs["sigmoid_bce"] = evaluate_case("sigmoid", 4, "binary_crossentropy", z * 3, y).get("loss")
        return obs

    def keras1_kwargs():
        """Version selection: which Keras-1 argument names (ce-lint's Keras-1 markers) are accepted?"""
        layers = api.keras.layers
        image = {"input_shape": (5, 5, 1)}
        kernel = (3, 3) if api.k1 else ((3, 3),)  # Keras 1: nb_row, nb_col; later: kernel_size
        cases = [("Dense(output_dim=)", lambda: layers.Dense(output_dim=2, input_dim=3)),
                 ("Dense(init=)", lambda: layers.Dense(2, input_dim=3, init="uniform")),
                 ("Conv2D(nb_filter=, nb_row=, nb_col=)", lambda: layers.Conv2D(nb_filter=4, nb_row=3, nb_col=3, **image)),
                 ("Conv2D(border_mode=)", lambda: layers.Conv2D(4, *kernel, border_mode="same", **image)),
                 ("Conv2D(subsample=)", lambda: layers.Conv2D(4, *kernel, subsample=(1, 1), **image))]
        obs = {}
        for label, make in cases:
            with Stage() as stage:
                api.fresh()
                api.Sequential([make()])
            obs[label] = stage.record()
        with Stage() as fit:
            model = api.model(None, 3)
            api.compile(model, "mse")
            model.fit(np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32"), nb_epoch=1, verbose=0)
        obs["fit(nb_epoch=)"] = fit.record()
        return obs

    def fix_spellings():
        """Do the spellings ce-lint's fixes write exist here, and do they give the right number?"""
        losses, metrics = getattr(api.keras, "losses", None), getattr(api.keras, "metrics", None)
        obs = {"loss classes": [name for name in ("BinaryCrossentropy", "CategoricalCrossentropy",
                                                  "SparseCategoricalCrossentropy") if hasattr(losses, name)],
               "BinaryAccuracy class": hasattr(metrics, "BinaryAccuracy")}
        z = np.array([[0.3], [2.0], [-1.0], [-2.0]], dtype="float32")
        y = np.array([[1], [1], [0], [0]], dtype="float32")
        if obs["BinaryAccuracy class"] and obs["loss classes"]:
            with Stage() as make:  # Keras 3.0-3.4 refuse the value itself
                api.keras.metrics.BinaryAccuracy(threshold=0.0)
            if make.error:
                obs["BinaryAccuracy(threshold=0.0) on logits"] = make.error
            else:
                run = evaluate_case(None, 1, api.loss("bce", True), z, y,
                                    lambda: [api.keras.metrics.BinaryAccuracy(threshold=0.0)])
                obs["BinaryAccuracy(threshold=0.0) on logits"] = run.get("metric_value", stage_error_text(run))
        run = evaluate_case("softmax", 4, "binary_crossentropy", z4, y4, ["categorical_accuracy"])
        obs["'categorical_accuracy' (right: 0.5)"] = run.get("metric_value", stage_error_text(run))
        return obs

    def keras_api():
        """Which Keras the probes ran."""
        return {"version": api.version, "backend": api.K.backend(), "keras3": api.k3}

    out = [("softmax1_bce", softmax1_bce), ("softmax_bce", softmax_bce), ("softmax2_bce_vs_cce", softmax2_bce_vs_cce),
           ("sigmoid1_cce", sigmoid1_cce), ("sigmoid_cce", sigmoid_cce), ("relu_cce", relu_cce),
           ("acc_softmax_bce", acc_softmax_bce), ("acc_softmax_cce", acc_softmax_cce),
           ("acc_sigmoid_multihot", acc_sigmoid_multihot), ("acc_logit", acc_logit),
           ("acc_uniform10", acc_uniform10), ("acc_sparse", acc_sparse),
           ("cce_logits_softmax", from_logits("cce", "softmax")), ("bce_logits_sigmoid", from_logits("bce", "sigmoid")),
           ("scce_logits_softmax", from_logits("scce", "softmax")),
           ("linear_bce", linear_bce), ("linear_cce", linear_cce), ("linear_scce", linear_scce),
           ("scce_onehot", target_case("sparse_categorical_crossentropy", np.eye(4, dtype="float32")[ints])),
           ("cce_int", target_case("categorical_crossentropy", ints.astype("float32"))),
           ("cce_int_column", target_case("categorical_crossentropy", ints[:, None].astype("float32"))),
           ("multihot_softmax", multihot_softmax), ("keras1_kwargs", keras1_kwargs),
           ("fix_spellings", fix_spellings), ("keras_api", keras_api)]
    return out
