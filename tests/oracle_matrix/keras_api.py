"""The Keras a cell runs, behind one interface from Keras 1.2 to Keras 3 (layer, loss, optimizer
and fit spellings differ), and the NumPy formulas the observed numbers are compared with.
Runs on Python 3.7 too."""

import numpy as np

EPS = 1e-7


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def bce(y, p):
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def cce(y, p):
    return float(np.mean(-np.sum(y * np.log(p), axis=-1)))


def closest(value, candidates, tol=2e-3):
    """Names of the candidate formulas the observed value equals (relative tolerance)."""
    if not isinstance(value, float) or value != value:
        return []
    return [name for name, c in candidates.items() if abs(value - c) <= tol * max(1.0, abs(c))]


class Api:
    def __init__(self, spec):
        self.spec = spec
        if spec["api"] == "tf.keras":
            from tensorflow import keras
        elif spec["api"] == "tf_keras":
            import tf_keras as keras
        else:
            import keras
            import keras.layers
            import keras.models
            import keras.optimizers
        self.keras = keras
        self.Sequential = getattr(keras, "Sequential", None) or keras.models.Sequential  # Keras 1: models only
        self.K = keras.backend
        self.k3 = hasattr(keras, "ops")  # Keras 3 (tf.keras 2.15 has no __version__ of its own)
        self.version = getattr(keras, "__version__", None) or getattr(keras.backend, "__version__", None)
        self.training = spec["backend"] != "numpy"
        self.k1 = str(self.version).startswith("1.")  # Keras 1: output_dim, bias=, nb_epoch, (output, target)

    def fresh(self):
        if not self.k3 or self.spec["backend"] == "tensorflow":
            self.K.clear_session()

    def model(self, act, n, units=None, kernel=None):
        self.fresh()
        layers = self.keras.layers
        units = units or n
        if self.k3:
            stack = [self.keras.Input((n,)), layers.Dense(units, activation=act, use_bias=False)]
        elif self.k1:
            stack = [layers.Dense(units, activation=act or "linear", bias=False, input_shape=(n,))]
        else:
            stack = [layers.Dense(units, activation=act, use_bias=False, input_shape=(n,))]
        model = self.Sequential(stack)
        w = np.eye(n, units, dtype="float32") if kernel is None else kernel.astype("float32")
        model.layers[-1].set_weights([w])
        return model

    def loss(self, family, from_logits=None):
        """A string loss when from_logits is None, else the loss class (or, in Keras 2.2 which has
        no loss classes, the backend function) with that from_logits."""
        names = {"bce": "binary_crossentropy", "cce": "categorical_crossentropy",
                 "scce": "sparse_categorical_crossentropy"}
        if from_logits is None:
            return names[family]
        classes = {"bce": "BinaryCrossentropy", "cce": "CategoricalCrossentropy",
                   "scce": "SparseCategoricalCrossentropy"}
        cls = getattr(getattr(self.keras, "losses", None), classes[family], None)
        if cls is not None:
            return cls(from_logits=from_logits)
        K = self.K
        fn = getattr(K, names[family])
        args = (lambda y, p: (p, y)) if self.k1 else (lambda y, p: (y, p))
        if family == "bce":
            return lambda y, p: K.mean(fn(*args(y, p), from_logits=from_logits), axis=-1)
        return lambda y, p: fn(*args(y, p), from_logits=from_logits)

    def sgd(self, lr):
        legacy = getattr(self.keras.optimizers, "legacy", None)
        if self.spec["graph"] and legacy is not None and not self.k3:  # TF >= 2.11's optimizers need eager execution
            return legacy.SGD(learning_rate=lr)
        try:
            return self.keras.optimizers.SGD(learning_rate=lr)
        except TypeError:
            return self.keras.optimizers.SGD(lr=lr)

    def compile(self, model, loss, metrics=None, lr=0.1):
        model.compile(optimizer=self.sgd(lr), loss=loss, metrics=metrics)

    def evaluate(self, model, x, y):
        try:
            out = model.evaluate(x, y, batch_size=len(x), verbose=0, return_dict=True)
        except TypeError:  # no return_dict before TF 2.2 / in Keras 2.x
            out = model.evaluate(x, y, batch_size=len(x), verbose=0)
            out = dict(zip(model.metrics_names, out if isinstance(out, list) else [out]))
        return {k: float(v) for k, v in out.items()}

    def fit(self, model, x, y, epochs=1):
        count = {"nb_epoch" if self.k1 else "epochs": epochs}
        hist = model.fit(x, y, batch_size=len(x), verbose=0, shuffle=False, **count)
        return {k: [float(v) for v in vals] for k, vals in hist.history.items()}

    def kernel(self, model):
        return np.array(model.layers[-1].get_weights()[0])

    def resolved(self, model):
        """Names of the metric functions/classes the framework built for compile(metrics=...), where
        it keeps them as objects (not Keras 2.2: there the value tells, see accuracy_is)."""
        found = []

        def visit(obj, depth):
            if isinstance(obj, str) or depth > 3:
                return
            fn = getattr(obj, "_fn", None)
            if fn is not None:
                found.append(getattr(fn, "__name__", type(fn).__name__))
                return
            kind = type(obj).__name__
            if kind in ("CompileMetrics", "MetricsContainer"):
                for sub in getattr(obj, "metrics", []) or []:
                    visit(sub, depth + 1)
            elif kind not in ("Mean", "Metric", "LossesContainer", "function"):
                found.append(kind)

        try:
            for obj in list(getattr(model, "metrics", []) or []):
                visit(obj, 0)
        except Exception:
            pass
        return found


def stage_error_text(obs):
    for stage in ("build", "evaluate"):
        err = (obs.get(stage) or {}).get("error")
        if err:
            return err
    return None


def metric_key(values):
    keys = [k for k in values if k != "loss"]
    return keys[0] if keys else None


def accuracy_is(value, y, p, extra=None):
    """Which accuracy formulas give the observed value on predictions p."""
    cands = {"binary_accuracy": float(np.mean((p > 0.5) == (y > 0.5))),
             "binary_accuracy (rounded outputs)": float(np.mean(np.round(p) == y))}
    if y.ndim == p.ndim and y.shape[-1] == p.shape[-1] and p.shape[-1] > 1:
        cands["categorical_accuracy"] = float(np.mean(np.argmax(y, -1) == np.argmax(p, -1)))
    cands.update(extra or {})
    return [name for name, c in cands.items() if isinstance(value, float) and abs(value - c) < 1e-5], cands
