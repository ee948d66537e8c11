"""Hand-written cross-entropy numerics (rules CE301-CE303), in every array library of the cell:
where float32 softmax and sigmoid underflow, and what log() of the result gives."""

import numpy as np

from watch import Stage


def _libraries(spec):
    """name -> (softmax, sigmoid, log, to_numpy) for each library importable in the cell."""
    libs = {}

    def np_softmax(x):
        e = np.exp(x - x.max())
        return e / e.sum()
    libs["numpy"] = (np_softmax, lambda x: 1 / (1 + np.exp(-x)), np.log, np.asarray)
    if "torch" in spec["groups"]:
        import torch
        t = torch.tensor
        libs["torch"] = (lambda x: torch.softmax(t(x), 0), lambda x: torch.sigmoid(t(x)), torch.log,
                         lambda v: v.numpy())
    if spec["backend"] == "jax":
        import jax
        import jax.numpy as jnp
        libs["jax"] = (lambda x: jax.nn.softmax(jnp.asarray(x)), lambda x: jax.nn.sigmoid(jnp.asarray(x)), jnp.log,
                       np.asarray)
    if spec["backend"] == "tensorflow" and not spec.get("graph"):
        import tensorflow as tf
        libs["tensorflow"] = (lambda x: tf.nn.softmax(tf.constant(x)), lambda x: tf.sigmoid(tf.constant(x)),
                              tf.math.log, lambda v: v.numpy())
    return libs


def _first(xs, test):
    for x in xs:
        if test(x):
            return round(float(x), 1)
    return None


def experiments(spec):
    def underflow():
        """Where float32 underflows to exactly 0 (scanning in steps of 0.1), and log() of it."""
        out = {}
        for name, (softmax, sigmoid, log, arr) in _libraries(spec).items():
            with Stage() as s:
                gaps = np.arange(80.0, 120.0, 0.1)
                xs = -gaps
                row = {
                    "softmax gap where a probability is 0": _first(
                        gaps, lambda g: arr(softmax(np.array([0.0, -g], "float32")))[1] == 0),
                    "float16 softmax gap where a probability is 0": _first(
                        np.arange(5.0, 30.0, 0.1), lambda g: float(arr(softmax(np.array([0.0, -g], "float16")))[1]) == 0)
                    if name in ("numpy", "torch") else None,
                    "sigmoid(x) == 0 from x": _first(xs, lambda x: arr(sigmoid(np.array([x], "float32")))[0] == 0),
                    "1 - sigmoid(x) == 0 from x": _first(
                        np.arange(10.0, 30.0, 0.1), lambda x: 1 - arr(sigmoid(np.array([x], "float32")))[0] == 0),
                    "log(softmax) at gap 120": float(arr(log(softmax(np.array([0.0, -120.0], "float32"))))[1]),
                    "log(0)": float(arr(log(np.zeros(1, "float32") if name == "numpy" else sigmoid(
                        np.array([-200.0], "float32"))))[0]),
                }
            row.update(s.record())
            out[name] = row
        return out

    return [("underflow", underflow)]
