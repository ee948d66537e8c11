"""JAX and optax: jax.nn activations, jax.numpy logs and clips, jax.random sampling, optax's
cross-entropy on logits. Its arrays are followed to the losses that consume them, as torch's are."""

from __future__ import annotations

from .symbols import (
    CROSS_ENTROPY,
    EXP,
    LOG,
    LOG_SOFTMAX,
    SIGMOID,
    SOFTMAX,
    ArrayFunction,
    Library,
    Member,
    Param,
    Range,
    Sampler,
    Spelling,
    TensorLoss,
)

JAX = "jax"
_NN = f"{JAX}.nn"
_NP = f"{JAX}.numpy"
OPTAX = "optax"
LIBRARY = Library(JAX, roots=(JAX, OPTAX), gate=(JAX, OPTAX), arrays=True, traced=True,
                  spellings=(Spelling(f"{OPTAX}.losses", OPTAX, last_only=True, alone=False),))

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
SAMPLERS = {f"{JAX}.random.categorical": Sampler(Param(1, "logits")),
            f"{JAX}.random.choice": Sampler(Param(4, "p")),  # `choice(key, n, p=jnp.exp(log_p))`
            f"{_NP}.argmax": Sampler(Param(0, "a"))}

# optax's cross-entropies take logits and apply log_softmax themselves (optax/losses/_classification.py).
_LOGITS, _LABELS = Param(0, "logits"), Param(1, "labels")
LOSS_FUNCTIONS = {f"{OPTAX}.{name}": TensorLoss(CROSS_ENTROPY, "logits", JAX, f"{OPTAX}.{name}", None, name,
                                                _LOGITS, _LABELS)
                  for name in ("softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels")}
