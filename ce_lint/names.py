"""Canonical names of framework symbols: every spelling of a symbol maps to one name here.

Qualified names come from resolving imports (`tf.keras.layers.Dense` -> `tensorflow.keras.layers.Dense`);
`canonical()` folds the Keras spellings onto `keras.*`, and the tables say what a name means.
"""

from __future__ import annotations

import functools

# Longest first: each root is replaced by "keras".
_KERAS_ROOTS = (
    "tensorflow.python.keras",
    "tensorflow._api.v2.keras",
    "tensorflow.compat.v2.keras",
    "tensorflow.compat.v1.keras",
    "keras._tf_keras.keras",
    "tensorflow.keras",
    "tf_keras.src",
    "tf_keras",
    "keras.src",
    "keras.api",
    "keras",
)

# Sub-packages that group Keras symbols; deeper paths (keras.layers.core.dense.Dense) fold onto them.
_KERAS_GROUPS = ("layers", "losses", "metrics", "activations", "models", "utils", "ops", "backend", "datasets", "engine")


# Lightning's spellings of the same classes.
_LIGHTNING_ROOTS = ("pytorch_lightning", "lightning.pytorch", "lightning")


@functools.lru_cache(maxsize=8192)  # pure, and called for every name the analysis meets
def canonical(qname: str) -> str:
    for root in _KERAS_ROOTS:
        if qname == root or qname.startswith(root + "."):
            return "keras" + qname[len(root):]
    if qname.startswith("torch.nn.modules."):  # torch.nn.modules.loss.BCELoss -> torch.nn.BCELoss
        return "torch.nn." + qname.rsplit(".", 1)[-1]
    for root in _LIGHTNING_ROOTS:
        if qname.startswith(root + "."):
            return "lightning." + qname.rsplit(".", 1)[-1]
    return qname


@functools.lru_cache(maxsize=8192)
def keras_member(qname: str) -> tuple[str, str] | None:
    """`keras.layers.core.Dense` -> ("layers", "Dense"); `keras.Sequential` -> ("", "Sequential")."""
    parts = canonical(qname).split(".")
    if parts[0] != "keras" or len(parts) < 2:
        return None
    for part in parts[1:-1]:
        if part in _KERAS_GROUPS:
            return part, parts[-1]
    return ("", parts[-1]) if len(parts) == 2 else None


# Activation names as Keras spells them in `activation=`.
ACTIVATIONS = frozenset(
    "softmax sigmoid relu tanh elu selu softplus softsign swish silu gelu linear exponential "
    "hard_sigmoid hard_silu hard_swish log_softmax leaky_relu relu6 mish log_sigmoid".split()
)
NORMALISING = frozenset({"softmax", "sigmoid"})

# Activation functions outside Keras that are commonly passed as `activation=` or applied in `call()`.
_TF_ACTIVATION_MODULES = ("tensorflow.nn.", "tensorflow.math.", "tensorflow.")


def activation_of(qname: str) -> str | None:
    """The activation a function name stands for, e.g. `tensorflow.nn.softmax` -> "softmax"."""
    member = keras_member(qname)
    if member is not None:
        group, name = member
        if group in ("activations", "backend", "ops") and name in ACTIVATIONS:
            return name
        return None
    for prefix in _TF_ACTIVATION_MODULES:
        if qname.startswith(prefix) and qname[len(prefix):] in ACTIVATIONS:
            return qname[len(prefix):]
    return None


# Keras activation layers (class name -> activation they apply).
ACTIVATION_LAYERS = {"Softmax": "softmax", "ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "PReLU": "prelu"}

# Layers that leave the last axis and the activation of their input as they are.
PASS_THROUGH_LAYERS = frozenset(
    "Dropout GaussianNoise GaussianDropout AlphaDropout ActivityRegularization Masking Identity".split()
)

# Layers whose first argument is the size of the last axis of their output (channels last).
UNIT_LAYERS = {"Dense": "units", "Conv1D": "filters", "Conv2D": "filters", "Conv3D": "filters",
               "Convolution1D": "filters", "Convolution2D": "filters", "Convolution3D": "filters",
               "Conv2DTranspose": "filters", "Conv1DTranspose": "filters", "Conv3DTranspose": "filters",
               "SeparableConv2D": "filters", "SeparableConv1D": "filters", "DepthwiseConv2D": None}

# Keras losses: canonical snake-case name -> family. Families: bce, cce, scce, regression, other.
LOSS_FAMILIES = {
    "binary_crossentropy": "bce",
    "binary_focal_crossentropy": "bce",
    "categorical_crossentropy": "cce",
    "categorical_focal_crossentropy": "cce",
    "sparse_categorical_crossentropy": "scce",
    "mean_squared_error": "regression",
    "mean_absolute_error": "regression",
    "mean_absolute_percentage_error": "regression",
    "mean_squared_logarithmic_error": "regression",
    "huber": "regression",
    "log_cosh": "regression",
    "hinge": "other",
    "squared_hinge": "other",
    "categorical_hinge": "other",
    "kl_divergence": "other",
    "poisson": "other",
    "cosine_similarity": "other",
}
_LOSS_ALIASES = {
    "bce": "binary_crossentropy",
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "huber_loss": "huber",
    "logcosh": "log_cosh",
    "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    "BinaryCrossentropy": "binary_crossentropy",
    "BinaryFocalCrossentropy": "binary_focal_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "CategoricalFocalCrossentropy": "categorical_focal_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "MeanSquaredError": "mean_squared_error",
    "MeanAbsoluteError": "mean_absolute_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error",
    "Huber": "huber",
    "LogCosh": "log_cosh",
    "Hinge": "hinge",
    "SquaredHinge": "squared_hinge",
    "CategoricalHinge": "categorical_hinge",
    "KLDivergence": "kl_divergence",
    "Poisson": "poisson",
    "CosineSimilarity": "cosine_similarity",
}
# Loss classes whose constructor takes `from_logits` as its first positional argument.
FROM_LOGITS_FIRST = frozenset({"binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"})
LOSS_CLASSES = frozenset(k for k in _LOSS_ALIASES if k[0].isupper())


def loss_name(name: str) -> str | None:
    """Canonical Keras loss name for a string or symbol name, or None if it is not a known loss."""
    name = _LOSS_ALIASES.get(name, name)
    return name if name in LOSS_FAMILIES else None


ACCURACY_STRINGS = frozenset({"accuracy", "acc"})


def star_member(name: str) -> str | None:
    """The Keras symbol a name from `from keras.layers import *` (or another Keras module) stands for."""
    if name in UNIT_LAYERS or name in ACTIVATION_LAYERS or name in PASS_THROUGH_LAYERS or name in (
            "Activation", "Input", "InputLayer", "Flatten", "Dropout"):
        return "keras.layers." + name
    if name in ("Sequential", "Model"):
        return "keras.models." + name
    if loss_name(name):
        return "keras.losses." + name
    return None
