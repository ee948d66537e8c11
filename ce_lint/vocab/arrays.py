"""Member names that array libraries share (NumPy, PyTorch, TensorFlow, keras.ops, pandas): the
methods that keep what a value is, casts, clips, reductions and dtype names. No qualified names
here: these are matched by name, on values of any of those libraries."""

from __future__ import annotations

# Methods that move or copy an array and keep its values.
MOVES = frozenset({"to", "cpu", "cuda", "detach", "clone", "type"})
CASTS_TO_FLOAT = frozenset({"float", "double", "half", "bfloat16"})
CASTS_TO_INT = frozenset({"long", "int", "short"})
CASTS = frozenset({"astype", "to", "type"})  # to the dtype given as their argument
RESHAPES = frozenset({"view", "reshape", "permute", "transpose", "flatten", "squeeze", "unsqueeze"})

# After these a tensor's last operation and its class axis are still known (PyTorch).
KEEP_SHAPE = MOVES | {"contiguous", "float", "double", "half"}
# After these the values keep their meaning: a probability is still one.
KEEP_VALUES = KEEP_SHAPE | {"numpy", "astype", "copy", "squeeze", "unsqueeze", "view", "reshape", "flatten", "ravel"}
# After these labels keep their encoding; integer class ids keep it through reshapes too.
KEEP_LABELS = MOVES | {"float", "double", "long", "int", "astype", "copy", "numpy", "to_numpy", "toarray", "todense"}
KEEP_INTEGER_LABELS = frozenset({"reshape", "flatten", "ravel", "squeeze", "view"})
LABEL_VIEWS = frozenset({"values", "data"})  # attributes that give the same labels (pandas, torch)
TENSOR_VIEWS = frozenset({"data"})  # attributes that give the same tensor (output.data.max(1))

ARGMAX = "argmax"
SUM = "sum"
REDUCTIONS = frozenset({"sum", "mean", "nansum", "nanmean", "reduce_sum", "reduce_mean", "average"})
CLIPS = frozenset({"clip", "clamp", "clip_by_value", "maximum", "clamp_min", "clip_", "clamp_", "clamp_min_",
                   "nan_to_num", "fmax", "minimum", "clamp_max", "clamp_max_", "fmin"})
EXTREMA = frozenset({"max", "min", "amax", "amin"})  # reductions that keep a value within its bounds
MULTIPLIES = frozenset({"multiply", "mul"})  # `np.multiply(y, np.log(p))`, `y.mul(p.log())`: `y * log(p)`
PRODUCTS = frozenset({"dot", "matmul", "mm", "inner", "vdot", "tensordot"})  # products that sum: `np.dot(y, np.log(p))`
EINSUM = "einsum"  # a product that sums over its operands: `np.einsum("ij,ij->i", y, np.log(p))`
NEGATIONS = frozenset({"neg", "negative"})  # `x.neg()`, `np.negative(x)`: `-x`
RANGE, ARANGE = "range", "arange"  # `p[range(len(y)), y]`, `p[np.arange(n), y]`: each row's target entry
GATHERS = frozenset({"gather", "take_along_dim", "take_along_axis"})  # one entry per row: the target class's
TRANSPOSES = frozenset({"T", "mT", "t", "transpose"})  # attributes and methods that only move entries
SAMPLE = frozenset({"sample", "sample_n"})  # what a distribution draws with

# dtype spellings: `torch.float32`, `np.int64`, `float`, "float32", `torch.FloatTensor`...
FLOAT_DTYPES = frozenset({"float", "float16", "float32", "float64", "double", "half", "bfloat16", "FloatTensor",
                          "DoubleTensor", "HalfTensor", "float_"})
FULL_PRECISION = frozenset({"float32", "float64", "float", "double", "float_", "FloatTensor", "DoubleTensor"})
INT_DTYPES = frozenset({"int", "int8", "int16", "int32", "int64", "long", "LongTensor", "IntTensor", "int_",
                        "uint8", "short", "ShortTensor"})
