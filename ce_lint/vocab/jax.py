"""JAX: jax.nn activations, jax.numpy logs and clips, jax.random sampling."""

from __future__ import annotations

from .symbols import EXP, LOG, LOG_SOFTMAX, SIGMOID, SOFTMAX, ArrayFunction, Library, Member, Param, Range, Sampler

JAX = "jax"
_NN = f"{JAX}.nn"
_NP = f"{JAX}.numpy"
LIBRARY = Library(JAX, roots=(JAX,), gate=(JAX,), arrays=True)

_AXIS = Param(1, "axis")
ARRAY_FUNCTIONS = {
    f"{_NN}.softmax": ArrayFunction(SOFTMAX, JAX, _AXIS),
    f"{_NN}.log_softmax": ArrayFunction(LOG_SOFTMAX, JAX, _AXIS),
    f"{_NN}.sigmoid": ArrayFunction(SIGMOID, JAX),
    f"{JAX}.scipy.special.expit": ArrayFunction(SIGMOID, JAX),
    f"{_NP}.log": ArrayFunction(LOG, JAX),
    f"{_NP}.exp": ArrayFunction(EXP, JAX),
}
LOG_SIGMOID = Member(_NN, "log_sigmoid")
CLIP = Member(_NP, "clip")

RANGES = {
    f"{_NP}.arange": Range("step"),
    f"{_NP}.linspace": Range("count", spacing=Param(2, "num"), default=50),
}
SAMPLERS = {f"{JAX}.random.categorical": Sampler(Param(1, "logits"))}
