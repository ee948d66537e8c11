"""Python itself: the builtins and the math module, as a hand-written cross-entropy uses them
(`-sum(t * math.log(q) for t, q in zip(y, p))`, `max(q, eps)`)."""

from __future__ import annotations

from .symbols import EXP, LOG, ArrayFunction, Library, Param, Sampler

PY = "python"
BUILTINS = "builtins"  # the module the evaluator resolves builtin names to
MATH = "math"
ZIP = f"{BUILTINS}.zip"  # a comprehension over zip(a, b) binds an entry of each
DICT = f"{BUILTINS}.dict"
ENUMERATE = f"{BUILTINS}.enumerate"
LEN = f"{BUILTINS}.len"
INT = f"{BUILTINS}.int"
INDEX = "index"  # `classes.index(name)`: a list's (or a string's) position of an item, an int
SETATTR = f"{BUILTINS}.setattr"
MAPPINGS = frozenset({DICT, "collections.OrderedDict"})  # calls that build a dict
# An array library for the numerics: `sum(...)` is a reduction by its name, as `np.sum` is.
LIBRARY = Library(PY, roots=(BUILTINS, MATH), gate=(f"{MATH}.log(", f"from {MATH} import"), arrays=True)

ARRAY_FUNCTIONS = {
    f"{MATH}.log": ArrayFunction(LOG, PY),
    f"{MATH}.exp": ArrayFunction(EXP, PY),
}
LOG_SIGMOID = None  # math has none
# `max(q, eps)`, `min(q, 1 - eps)`: a clip when one argument is an epsilon (or 1 - epsilon).
CLIPS_WITH_EPSILON = frozenset({f"{BUILTINS}.max", f"{BUILTINS}.min"})
SAMPLERS = {"random.choices": Sampler(Param(1, "weights"))}  # `random.choices(ids, weights=probs)`
