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
SAMPLERS = {f"{NP}.random.choice": Sampler(Param(None, "p"))}  # `choice(n, p=np.exp(log_p))`

ONE_HOT_FUNCTIONS = frozenset({"pandas.get_dummies"})
ARGMAX_FUNCTIONS = frozenset({f"{NP}.argmax"})
EYE = frozenset({f"{NP}.eye", f"{NP}.identity"})  # `np.eye(n)[labels]`: one-hot rows
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
