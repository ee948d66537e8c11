"""Oracle tests for what ce-lint says about JAX and optax (CE201, CE301, CE302), on the real libraries.

CE201: optax's cross-entropies take logits and apply log_softmax themselves, so a jax.nn.softmax
output fed to them is a double softmax, bounded as CrossEntropyLoss's is (F6.1). CE301/CE302: in
float32 a JAX softmax or sigmoid underflows to 0 (from about 87 below the largest logit: JAX
flushes subnormal numbers, as the rule pages say), its log is -inf, and the fused
log_softmax / log_sigmoid stay finite. jax.random.categorical takes -inf logits and never draws
them (a log that only feeds it is not reported).
"""

import math

import pytest

from oracle_support import require

jax = require("jax")
optax = require("optax")
jnp = jax.numpy

pytestmark = [pytest.mark.oracle, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_CE201_optax_cross_entropy_applies_log_softmax_itself():
    logits = jnp.array([[2.0, 1.0, 0.1], [0.3, -1.0, 2.5]])
    labels = jnp.array([0, 2])
    onehot = jax.nn.one_hot(labels, 3)
    expected = -jnp.sum(onehot * jax.nn.log_softmax(logits), axis=-1)
    assert jnp.allclose(optax.softmax_cross_entropy(logits, onehot), expected)
    assert jnp.allclose(optax.softmax_cross_entropy_with_integer_labels(logits, labels), expected)
    assert jnp.allclose(optax.losses.softmax_cross_entropy(logits, onehot), expected)


def test_CE201_optax_on_softmax_probabilities_is_bounded_like_double_softmax():
    confident = jnp.array([[30.0] + [0.0] * 9])  # a perfect, confident prediction over 10 classes
    right = jnp.array([0])
    probs = jax.nn.softmax(confident)
    assert float(optax.softmax_cross_entropy_with_integer_labels(confident, right)[0]) < 1e-6
    bounded = float(optax.softmax_cross_entropy_with_integer_labels(probs, right)[0])
    assert bounded == pytest.approx(math.log(1 + 9 / math.e), abs=1e-4)  # 1.4612: never approaches 0


def test_CE301_CE302_jax_logs_underflow_and_the_fused_ones_do_not():
    x = jnp.array([0.0, -90.0])
    assert float(jnp.log(jax.nn.softmax(x))[1]) == -math.inf  # exp(-90) is subnormal: flushed to 0
    assert float(jax.nn.log_softmax(x)[1]) == pytest.approx(-90.0)
    assert float(jnp.log(jax.nn.softmax(jnp.array([0.0, -80.0])))[1]) == pytest.approx(-80.0, rel=1e-5)
    assert float(jnp.log(jax.nn.sigmoid(jnp.array(-88.0)))) == -math.inf
    assert float(jax.nn.log_sigmoid(jnp.array(-88.0))) == pytest.approx(-88.0)
    grad = jax.grad(lambda z: jnp.log(jax.nn.softmax(z))[1])(x)
    assert bool(jnp.isnan(grad).any())


def test_jax_random_categorical_never_draws_a_minus_inf_logit():
    log_probs = jnp.log(jax.nn.softmax(jnp.array([0.0, -200.0, 1.0])))
    assert float(log_probs[1]) == -math.inf
    draws = jax.random.categorical(jax.random.PRNGKey(0), log_probs, shape=(2000,))
    assert set(map(int, draws)) <= {0, 2}
