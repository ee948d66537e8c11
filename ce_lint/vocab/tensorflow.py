"""TensorFlow (outside tf.keras, which is Keras: keras.py): its array functions, activations, label
conversions, tf.data, and the switches to TF1 graph mode."""

from __future__ import annotations

from .symbols import EXP, LOG, SIGMOID, SOFTMAX, ArrayFunction, Conversion, Library, Member, Param, Range, Sampler

TF = "tensorflow"
LIBRARY = Library(TF, roots=(TF,), gate=(TF,), arrays=True)

_AXIS = Param(1, "axis")
ARRAY_FUNCTIONS = {
    f"{TF}.nn.softmax": ArrayFunction(SOFTMAX, TF, _AXIS),
    f"{TF}.math.softmax": ArrayFunction(SOFTMAX, TF, _AXIS),
    f"{TF}.sigmoid": ArrayFunction(SIGMOID, TF),
    f"{TF}.nn.sigmoid": ArrayFunction(SIGMOID, TF),
    f"{TF}.math.sigmoid": ArrayFunction(SIGMOID, TF),
    f"{TF}.math.log": ArrayFunction(LOG, TF),
    f"{TF}.log": ArrayFunction(LOG, TF),
    f"{TF}.exp": ArrayFunction(EXP, TF),
    f"{TF}.math.exp": ArrayFunction(EXP, TF),
}
LOG_SIGMOID = Member(TF, "math.log_sigmoid")
CLIP = Member(TF, "clip_by_value")
RANGES = {
    f"{TF}.range": Range("step", stop=Param(1, "limit"), spacing=Param(2, "delta")),
    f"{TF}.linspace": Range("count", spacing=Param(2, "num"), default=None),
}
SAMPLERS = {name: Sampler(Param(0, "logits")) for name in (f"{TF}.random.categorical",
                                                           f"{TF}.random.stateless_categorical")}
_TFP = "tensorflow_probability.distributions"
SAMPLERS |= {f"{_TFP}.{name}": Sampler(Param(None, "logits"), distribution=True, probs=Param(None, "probs"))
             for name in ("Categorical", "OneHotCategorical", "Multinomial")}
SAMPLERS |= {f"{TF}.math.top_k": Sampler(Param(0, "input"), pair=True), f"{TF}.argsort": Sampler(Param(0, "values"))}

# Modules whose functions Keras takes as `activation=` (tf.nn.softmax), by activation name.
ACTIVATION_MODULES = (f"{TF}.nn.", f"{TF}.math.", f"{TF}.")

# Calls that put the module in TF1 graph mode, where 'accuracy' resolves as in old Keras.
LEGACY_MODE = (f"{TF}.compat.v1.disable_eager_execution", f"{TF}.compat.v1.disable_v2_behavior")

ONE_HOT_FUNCTIONS = frozenset({f"{TF}.one_hot"})
ARGMAX_FUNCTIONS = frozenset({f"{TF}.argmax", f"{TF}.math.argmax"})
CONVERSIONS = {
    f"{TF}.constant": Conversion(typed=True),
    f"{TF}.convert_to_tensor": Conversion(typed=True),
    f"{TF}.cast": Conversion(typed=True, dtype_arg=Param(1, "dtype")),
}

# Functions that give a tensor's values unchanged in another dtype or shape (a Lambda's cast).
SAME_VALUES = frozenset(f"{TF}.{name}" for name in ("cast", "identity", "reshape", "squeeze", "expand_dims"))

# tf.data: `Dataset.from_tensor_slices((x, y))` and the methods that keep its elements.
FROM_TENSOR_SLICES = "Dataset.from_tensor_slices"
DATASET_METHODS = frozenset({"batch", "shuffle", "prefetch", "cache", "repeat", "take", "skip", "unbatch"})
DATASET_MAP = "map"  # `map(lambda x, y: (f(x), y))`: the targets are what the function returns of them
