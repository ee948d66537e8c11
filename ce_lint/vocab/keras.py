"""Keras, however it is spelled (keras, tf.keras, tensorflow.keras, tf_keras, keras.src): layers,
models, losses, activations and metrics as the analysis knows them.

Qualified names are canonical here: `names.canonical` folds every spelling onto `keras.`, and
`member()` deeper paths (`keras.layers.core.dense.Dense`) onto their group (`layers`, `Dense`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .symbols import (
    EXP,
    INTEGER,
    LOG,
    ONE_HOT,
    SIGMOID,
    SOFTMAX,
    ArrayFunction,
    Encoding,
    Library,
    Member,
    Param,
    Spelling,
)

KERAS = "keras"

# The package's spellings, longest first: each is replaced by "keras".
_ROOTS = ("tensorflow.python.keras", "tensorflow._api.v2.keras", "tensorflow.compat.v2.keras",
          "tensorflow.compat.v1.keras", "keras._tf_keras.keras", "tensorflow.keras", "tf_keras.src", "tf_keras",
          "keras.src", "keras.api", KERAS)

# Words without which a file can't use Keras: its name, its loss and activation strings.
LIBRARY = Library("keras", roots=(KERAS,), gate=(KERAS, "crossentropy", "softmax", "sigmoid"), arrays=True,
                  spellings=tuple(Spelling(root, KERAS) for root in _ROOTS))

# Sub-packages that group Keras symbols; deeper paths (keras.layers.core.dense.Dense) fold onto them.
GROUPS = ("layers", "losses", "metrics", "activations", "models", "utils", "ops", "backend", "datasets", "engine")


@functools.lru_cache(maxsize=8192)
def member(qname: str) -> tuple[str, str] | None:
    """A canonical name's (group, name): `keras.layers.core.Dense` -> ("layers", "Dense"),
    `keras.Sequential` -> ("", "Sequential")."""
    parts = qname.split(".")
    if parts[0] != KERAS or len(parts) < 2:
        return None
    for part in parts[1:-1]:
        if part in GROUPS:
            return part, parts[-1]
    return ("", parts[-1]) if len(parts) == 2 else None


# -- activations ---------------------------------------------------------------------------------

# Activation names as Keras spells them in `activation=`.
ACTIVATIONS = frozenset(
    "softmax sigmoid relu tanh elu selu softplus softsign swish silu gelu linear exponential "
    "hard_sigmoid hard_silu hard_swish log_softmax leaky_relu relu6 mish log_sigmoid".split()
)
LINEAR = "linear"
ACTIVATION_GROUPS = ("activations", "ops", "backend")  # where activation functions live
ACTIVATION_INPUT = Param(0, "x")
ACTIVATION_AXIS = Param(1, "axis")
LAST_AXIS = -1

_OPS = f"{KERAS}.ops"
_BACKEND = f"{KERAS}.backend"  # Keras 2's `K.log`, `K.exp` (Keras 3 dropped them): no log_softmax to fix with
ARRAY_FUNCTIONS = {
    f"{_OPS}.softmax": ArrayFunction(SOFTMAX, LIBRARY.name, ACTIVATION_AXIS),
    f"{_OPS}.sigmoid": ArrayFunction(SIGMOID, LIBRARY.name),
    f"{_OPS}.log": ArrayFunction(LOG, LIBRARY.name),
    f"{_OPS}.exp": ArrayFunction(EXP, LIBRARY.name),
    f"{_BACKEND}.log": ArrayFunction(LOG, LIBRARY.name),
    f"{_BACKEND}.exp": ArrayFunction(EXP, LIBRARY.name),
}
LOG_SIGMOID = Member(_OPS, "log_sigmoid")
CLIP = Member(_OPS, "clip")

# -- layers and models ---------------------------------------------------------------------------

# Activation layers (class name -> activation they apply).
ACTIVATION_LAYERS = {"Softmax": "softmax", "ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "PReLU": "prelu"}
SOFTMAX_LAYER = "Softmax"
SOFTMAX_LAYER_AXIS = Param(0, "axis")
ACTIVATION = "Activation"
# Layers that leave the last axis and the activation of their input as they are.
PASS_THROUGH_LAYERS = frozenset(
    "Dropout GaussianNoise GaussianDropout AlphaDropout ActivityRegularization Masking Identity".split()
)
# Layers that give their input's values in another shape: what their input's activation made stays.
RESHAPING_LAYERS = frozenset({"Flatten", "Reshape"})
LAMBDA = "Lambda"  # what it does is what its function does to its input
LAMBDA_FUNCTION = Param(0, "function")
# Functions that give a tensor's values unchanged in another dtype or shape (a Lambda's cast).
SAME_VALUES = frozenset({(group, name) for group in ("ops", "backend")
                         for name in ("cast", "reshape", "squeeze", "expand_dims", "identity")})
INPUT = "Input"
INPUT_LAYER = "InputLayer"
TIME_DISTRIBUTED = "TimeDistributed"
# Layers whose first argument is the size of the last axis of their output (channels last).
DENSE = "Dense"
UNIT_LAYERS = {DENSE: "units", "Conv1D": "filters", "Conv2D": "filters", "Conv3D": "filters",
               "Convolution1D": "filters", "Convolution2D": "filters", "Convolution3D": "filters",
               "Conv2DTranspose": "filters", "Conv1DTranspose": "filters", "Conv3DTranspose": "filters",
               "SeparableConv2D": "filters", "SeparableConv1D": "filters", "DepthwiseConv2D": None}
DENSE_ACTIVATION = Param(1, "activation")
LAYER_ACTIVATION = Param(None, "activation")
CHANNELS_FIRST = "channels_first"
SET_IMAGE_DATA_FORMAT = ("backend", "set_image_data_format")
# Keras 1 argument names: their module targets the old resolution of 'accuracy'.
KERAS1_EPOCHS = "nb_epoch"  # fit()'s epochs=
KERAS1_KWARGS = frozenset({"nb_filter", "border_mode", "nb_row", "nb_col", "output_dim", "init", "subsample",
                           KERAS1_EPOCHS})

MODEL = "Model"
SEQUENTIAL = "Sequential"
MODELS = frozenset({MODEL, "Functional", SEQUENTIAL})
MODEL_GROUPS = ("", "models", "engine")
SEQUENTIAL_CLASS = f"{KERAS}.{SEQUENTIAL}"
MODEL_CLASS = f"{KERAS}.{MODEL}"
ADD, POP, COMPILE = "add", "pop", "compile"
FIT_GENERATOR = "fit_generator"  # Keras 2: fit_generator(generator, steps_per_epoch, ...)
FIT = frozenset({"fit", "train_on_batch", FIT_GENERATOR})
APPLY = frozenset({"__call__", "call"})
CALL = "call"  # what a subclassed model computes

_STAR_LAYERS = frozenset({ACTIVATION, INPUT, INPUT_LAYER, "Flatten", "Dropout"})
# How a snippet without imports reaches layers (facts/snippets.py): `layers.Dense`, `tf.keras.layers.Dense`.
SNIPPET_LAYER_PATHS = frozenset({"layers", f"{KERAS}.layers", f"tf.{KERAS}.layers"})
SNIPPET_MODEL_PATHS = frozenset({KERAS, f"tf.{KERAS}", f"{KERAS}.models", f"tf.{KERAS}.models"})  # keras.Sequential


def star_member(name: str) -> str | None:
    """The Keras symbol a name from `from keras.layers import *` (or another Keras module) stands for."""
    if name in UNIT_LAYERS or name in ACTIVATION_LAYERS or name in PASS_THROUGH_LAYERS or name in _STAR_LAYERS:
        return f"{KERAS}.layers.{name}"
    if name in (SEQUENTIAL, MODEL):
        return f"{KERAS}.models.{name}"
    if loss_name(name):
        return f"{LOSSES_MODULE}.{name}"
    return None


# -- losses --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KerasLoss:
    name: str  # canonical snake-case name, as compile() takes it
    family: str  # "bce" | "cce" | "scce" | "regression" | "other"
    cls: str | None = None  # its class, where a fix may construct it
    from_logits: Param | None = None  # where its class takes `from_logits`
    targets: Encoding | None = None  # the encoding its targets must have, where it has one


_FROM_LOGITS_FIRST = Param(0, "from_logits")
_FROM_LOGITS_KEYWORD = Param(None, "from_logits")
LOSSES = {loss.name: loss for loss in (
    KerasLoss("binary_crossentropy", "bce", "BinaryCrossentropy", _FROM_LOGITS_FIRST),
    KerasLoss("binary_focal_crossentropy", "bce", "BinaryFocalCrossentropy", _FROM_LOGITS_KEYWORD),
    KerasLoss("categorical_crossentropy", "cce", "CategoricalCrossentropy", _FROM_LOGITS_FIRST, ONE_HOT),
    KerasLoss("categorical_focal_crossentropy", "cce", "CategoricalFocalCrossentropy", _FROM_LOGITS_KEYWORD,
              ONE_HOT),
    KerasLoss("sparse_categorical_crossentropy", "scce", "SparseCategoricalCrossentropy", _FROM_LOGITS_FIRST,
              INTEGER),
    *(KerasLoss(name, "regression") for name in ("mean_squared_error", "mean_absolute_error",
                                                 "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
                                                 "huber", "log_cosh")),
    *(KerasLoss(name, "other") for name in ("hinge", "squared_hinge", "categorical_hinge", "kl_divergence",
                                            "poisson", "cosine_similarity")),
)}
BINARY_CROSSENTROPY, CATEGORICAL_CROSSENTROPY, SPARSE_CATEGORICAL_CROSSENTROPY = (
    LOSSES["binary_crossentropy"], LOSSES["categorical_crossentropy"], LOSSES["sparse_categorical_crossentropy"])
_ALIASES = {
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
LOSS_CLASSES = frozenset(k for k in _ALIASES if k[0].isupper())
# Keywords every cross-entropy class takes, so a fix may keep them when it swaps the class.
PORTABLE_LOSS_KEYWORDS = frozenset({"from_logits", "reduction", "name"})
# A loss object called outside compile(): `loss(y_true, y_pred)`.
LOSS_CALL = (Param(0, "y_true"), Param(1, "y_pred"))
# Loss functions called on tensors: `keras.losses.binary_crossentropy(y_true, y_pred, from_logits)`, and the
# backend's and ops' `(target, output, from_logits)`.
LOSS_FUNCTION_ARGS = {"losses": LOSS_CALL, "backend": (Param(0, "target"), Param(1, "output")),
                      "ops": (Param(0, "target"), Param(1, "output"))}
LOSS_FUNCTION_FROM_LOGITS = Param(2, "from_logits")
# Arguments of a loss function call that a fix swapping the function may keep.
PORTABLE_LOSS_ARGUMENTS = frozenset({"y_true", "y_pred", "target", "output", "from_logits"})


def loss_aliases() -> frozenset[str]:
    """Every other name of a loss: "bce", "BinaryCrossentropy"..."""
    return frozenset(_ALIASES)


def loss_name(name: str) -> str | None:
    """Canonical Keras loss name for a string or symbol name, or None if it is not a known loss."""
    name = _ALIASES.get(name, name)
    return name if name in LOSSES else None


# -- metrics, targets, data ----------------------------------------------------------------------

LOSSES_MODULE = f"{KERAS}.losses"
METRICS_MODULE = f"{KERAS}.metrics"
ACCURACY_STRINGS = frozenset({"accuracy", "acc"})
CATEGORICAL_ACCURACY = "categorical_accuracy"
BINARY_ACCURACY = Member(METRICS_MODULE, "BinaryAccuracy")
TO_CATEGORICAL = ("utils", "to_categorical")
ONE_HOT_MEMBERS = frozenset({("ops", "one_hot"), ("backend", "one_hot")})
ARGMAX_MEMBERS = frozenset({("ops", "argmax"), ("backend", "argmax")})
DATASETS = "datasets"
LOAD_DATA = "load_data"
LABELLED_DATASETS = frozenset({"mnist", "fashion_mnist", "cifar10", "cifar100", "reuters"})  # their labels: class ids
# `Tokenizer.texts_to_sequences(labels)`: one integer id per word, so class ids for one-word labels.
TEXTS_TO_SEQUENCES = "texts_to_sequences"
TOKENIZER = ".Tokenizer"  # keras.preprocessing.text.Tokenizer, however deep
# `image_dataset_from_directory(...)` and its siblings: batches of (x, labels) encoded as `label_mode` says.
DIRECTORY_DATASETS = frozenset({"image_dataset_from_directory", "text_dataset_from_directory",
                                "audio_dataset_from_directory"})
LABEL_MODE = Param(None, "label_mode")
LABELS = Param(None, "labels")
LABEL_MODES: dict[str | None, Encoding] = {"int": INTEGER, "categorical": ONE_HOT}
DEFAULT_LABEL_MODE = "int"
# `ImageDataGenerator().flow_from_directory(...)`: batches of (x, labels) encoded as `class_mode` says.
FLOW_FROM_DIRECTORY = "flow_from_directory"
FLOW_FROM_DATAFRAME = "flow_from_dataframe"
FLOW_POSITIONS = {FLOW_FROM_DIRECTORY: 4, FLOW_FROM_DATAFRAME: 8}  # positional arguments before class_mode
# `ImageDataGenerator().flow(x, y)`: (x, y) batches of the labels it is given.
FLOW, FLOW_Y, IMAGE_DATA_GENERATOR = "flow", Param(1, "y"), ".ImageDataGenerator"
FLOW_Y_COLUMN = Param(3, "y_col")  # of flow_from_dataframe: a list of columns makes multi-label rows
CLASS_MODE = Param(None, "class_mode")
CLASS_MODES: dict[str | None, Encoding] = {"categorical": ONE_HOT, "sparse": INTEGER}
DEFAULT_CLASS_MODE = "categorical"


def is_keras(qname: str) -> bool:
    """A canonical name inside Keras, at any depth (`keras.preprocessing.image.ImageDataGenerator`)."""
    return qname.startswith(KERAS + ".")


def spelled(keras: str, what: Member) -> str:
    """A Keras member spelled from the name the module binds to keras: `keras.metrics.BinaryAccuracy`."""
    return f"{keras}{what.module[len(KERAS):]}.{what.name}"

