"""NumPy, SciPy and pandas: array functions, label conversions and encodings."""

from __future__ import annotations

from .symbols import (
    EXP,
    FLOAT,
    INT,
    LOG,
    SIGMOID,
    SOFTMAX,
    ArrayFunction,
    Conversion,
    Library,
    Member,
    Param,
    Range,
    Sampler,
)

NP = "numpy"
# SciPy's functions take and give NumPy arrays: one library for the analysis.
LIBRARY = Library(NP, roots=(NP, "scipy"), gate=("np.log(", "numpy.log(", "softmax", "expit"), arrays=True)

ARRAY_FUNCTIONS = {
    "scipy.special.softmax": ArrayFunction(SOFTMAX, NP, Param(1, "axis")),
    "scipy.special.expit": ArrayFunction(SIGMOID, NP),
    f"{NP}.log": ArrayFunction(LOG, NP),
    f"{NP}.exp": ArrayFunction(EXP, NP),
}
LOG_SIGMOID = None  # no fix: scipy.special.log_expit is recent
CLIP = Member(NP, "clip")
RANGES = {
    f"{NP}.arange": Range("step"),
    f"{NP}.linspace": Range("count", spacing=Param(2, "num"), default=50),
}
_CHOICE, _MULTINOMIAL = Sampler(Param(3, "p")), Sampler(Param(1, "pvals"))  # `choice(n, p=np.exp(log_p))`
SAMPLERS = {f"{NP}.random.choice": _CHOICE, f"{NP}.random.multinomial": _MULTINOMIAL,
            f"{NP}.argsort": Sampler(Param(0, "a"))}
# Random generators, and what their methods sample from: `np.random.default_rng(0).choice(n, p=p)`.
GENERATORS = frozenset({f"{NP}.random.default_rng", f"{NP}.random.RandomState", f"{NP}.random.Generator"})
GENERATOR_SAMPLERS = {"choice": _CHOICE, "multinomial": _MULTINOMIAL}

ONE_HOT_FUNCTIONS = frozenset({"pandas.get_dummies"})
ARGMAX_FUNCTIONS = frozenset({f"{NP}.argmax"})
CLASS_PICK_FUNCTIONS = {f"{NP}.argmax": Param(1, "axis")}  # np.argmax(probs, axis=1): the class of each row
EYE = frozenset({f"{NP}.eye", f"{NP}.identity"})  # `np.eye(n)[labels]`: one-hot rows
STACKS = frozenset({f"{NP}.stack", f"{NP}.vstack"})  # samples stacked into a batch (as torch.stack)
RANDINT = f"{NP}.random.randint"
RANDINT_SIZE = Param(2, "size")
CONVERSIONS = {
    f"{NP}.array": Conversion(typed=True),
    f"{NP}.asarray": Conversion(typed=True),
    f"{NP}.float32": Conversion(typed=True, dtype=FLOAT),
    f"{NP}.float64": Conversion(labels=False, typed=True, dtype=FLOAT),
    f"{NP}.int64": Conversion(typed=True, dtype=INT),
    f"{NP}.squeeze": Conversion(),
}

# Label arrays written cell by cell: `y = np.zeros((n, k))`, then ones set row by row (facts/rows.py).
ZEROS_FUNCTIONS = frozenset({f"{NP}.zeros"})
SHAPE = Param(0, "shape")
ARANGE_FUNCTIONS = frozenset({f"{NP}.arange", "builtins.range"})  # `y[np.arange(n), labels] = 1`: one per row
# `np.unique(labels, return_inverse=True)`: (classes, [first indices], class ids, [counts]).
UNIQUE = f"{NP}.unique"
UNIQUE_FLAGS = (Param(1, "return_index"), Param(2, "return_inverse"), Param(3, "return_counts"))
FACTORIZE = "pandas.factorize"  # (class ids, classes)
SHOWN = {UNIQUE: "np.unique(return_inverse=True)", FACTORIZE: "pd.factorize"}  # as messages name them
# `series.map({"cat": 0, "dog": 1})`: pandas turning labels into the integers a literal dict gives.
LABEL_MAPPINGS = frozenset({"map", "replace"})
# `series.cat.codes`, `pd.Categorical(labels).codes`: each label's category number, 0 to n-1.
CODES, CATEGORY_ACCESSOR, CATEGORICAL = "codes", "cat", "pandas.Categorical"
