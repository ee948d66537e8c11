"""Oracle tests for the numerics rules CE301-CE303 (hand-written cross-entropy).

RULES.md CE3xx claims: log(softmax(x)) and log(sigmoid(x)) underflow to -inf where the fused
log_softmax / logsigmoid stay finite, and an unclipped hand-written cross-entropy gives
inf/NaN once p reaches 0 or 1. FACTS.md has no dedicated section; the float32 limits are
the same as in its section 0 (epsilon arithmetic). Shown in torch, NumPy and ``keras.ops``
(Keras 3, torch backend).

Not run here: ``tf.math.log(tf.nn.softmax(x))`` / ``tf.math.log_sigmoid`` (no TensorFlow on
this machine). IEEE float32 arithmetic is the same there: ``exp(-200)`` underflows to 0 in
float32 in every framework.
"""

import math

import numpy as np
import pytest

from oracle_support import require, require_keras_torch

torch = require("torch")
F = torch.nn.functional

pytestmark = [pytest.mark.oracle, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def kops():
    return require_keras_torch().ops


def _np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# --------------------------------------------------------------------------------------------
# CE301 log-of-softmax
# --------------------------------------------------------------------------------------------


def test_CE301_torch_log_of_softmax_underflows_to_minus_inf_and_nan_gradient():
    x = torch.tensor([[0.0, -200.0]], requires_grad=True)
    bad = torch.log(F.softmax(x, dim=1))
    assert bad[0, 0].item() == 0.0 and bad[0, 1].item() == -math.inf
    bad.sum().backward()
    assert torch.isnan(x.grad).all()
    x2 = x.detach().clone().requires_grad_(True)
    good = F.log_softmax(x2, dim=1)
    assert good.tolist() == [[0.0, -200.0]]
    good.sum().backward()
    assert torch.isfinite(x2.grad).all()
    # as a loss: target = the underflowed class -> inf vs the true 200
    t = torch.tensor([1])
    assert F.nll_loss(torch.log(F.softmax(x.detach(), 1)), t).item() == math.inf
    assert F.nll_loss(F.log_softmax(x.detach(), 1), t).item() == pytest.approx(200.0)


def test_CE301_numpy_log_of_softmax_underflows_float32():
    x = np.array([[0.0, -200.0]], dtype=np.float32)
    with np.errstate(divide="ignore"):
        bad = np.log(_np_softmax(x))
    assert bad[0, 1] == -np.inf
    good = x - x.max(-1, keepdims=True) - np.log(np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True))
    assert good[0, 1] == pytest.approx(-200.0)
    with pytest.warns(RuntimeWarning, match="divide by zero encountered in log"):
        np.log(_np_softmax(x))


def test_CE301_keras_ops_log_of_softmax_underflows(kops):
    x = np.array([[0.0, -200.0]], dtype="float32")
    bad = kops.convert_to_numpy(kops.log(kops.softmax(x)))
    good = kops.convert_to_numpy(kops.log_softmax(x))
    assert bad[0, 1] == -np.inf
    assert good[0, 1] == pytest.approx(-200.0)


# --------------------------------------------------------------------------------------------
# CE302 log-of-sigmoid
# --------------------------------------------------------------------------------------------


def test_CE302_torch_log_sigmoid_and_log_one_minus_sigmoid_underflow():
    z = torch.tensor([-200.0, 40.0])
    assert torch.log(torch.sigmoid(z))[0].item() == -math.inf
    assert F.logsigmoid(z)[0].item() == pytest.approx(-200.0)
    assert torch.sigmoid(torch.tensor(40.0)).item() == 1.0  # float32 saturates
    assert torch.log(1 - torch.sigmoid(z))[1].item() == -math.inf
    assert F.logsigmoid(-z)[1].item() == pytest.approx(-40.0)
    zz = torch.tensor([-200.0], requires_grad=True)
    torch.log(torch.sigmoid(zz)).sum().backward()
    assert math.isnan(zz.grad.item())  # (1/s) * s(1-s) = inf * 0
    z40 = torch.tensor([40.0], requires_grad=True)
    torch.log(1 - torch.sigmoid(z40)).sum().backward()
    assert math.isnan(z40.grad.item())
    zz2 = torch.tensor([-200.0], requires_grad=True)
    F.logsigmoid(zz2).sum().backward()
    assert zz2.grad.item() == pytest.approx(1.0)


def test_CE302_numpy_and_keras_ops_log_sigmoid(kops):
    z = np.array([-200.0, 40.0], dtype=np.float32)
    with np.errstate(over="ignore", divide="ignore"):
        s = 1.0 / (1.0 + np.exp(-z))
        assert np.log(s)[0] == -np.inf
        assert np.log(1 - s)[1] == -np.inf
    assert kops.convert_to_numpy(kops.log(kops.sigmoid(z)))[0] == -np.inf
    assert kops.convert_to_numpy(kops.log(1 - kops.sigmoid(z)))[1] == -np.inf
    assert kops.convert_to_numpy(kops.log_sigmoid(z))[0] == pytest.approx(-200.0)
    assert kops.convert_to_numpy(kops.log_sigmoid(-z))[1] == pytest.approx(-40.0)


# --------------------------------------------------------------------------------------------
# CE303 unclipped-log-in-cross-entropy
# --------------------------------------------------------------------------------------------


def test_CE303_torch_unclipped_handwritten_bce_inf_and_nan():
    z = torch.tensor([40.0, -120.0, 40.0])
    p = torch.sigmoid(z)  # saturates to exactly 1, 0, 1 in float32
    assert p.tolist() == [1.0, 0.0, 1.0]
    y_wrong = torch.tensor([0.0, 1.0, 1.0])
    loss = -torch.mean(y_wrong * torch.log(p) + (1 - y_wrong) * torch.log(1 - p))
    assert math.isnan(loss.item())  # y=1,p=1: (1-y)*log(0) = 0*-inf = NaN
    y_neg = torch.tensor([0.0, 1.0])
    loss_inf = -torch.mean(y_neg * torch.log(p[:2]) + (1 - y_neg) * torch.log(1 - p[:2]))
    assert loss_inf.item() == math.inf
    eps = 1e-7
    pc = torch.clamp(p, eps, 1 - eps)
    fixed = -torch.mean(y_wrong * torch.log(pc) + (1 - y_wrong) * torch.log(1 - pc))
    assert math.isfinite(fixed.item())
    assert fixed.item() == pytest.approx((15.9424 + 16.1181 + 1.19e-7) / 3, rel=1e-3)


def test_CE303_categorical_sum_y_log_p_nan_numpy_and_keras_ops(kops):
    y = np.array([[0.0, 1.0, 0.0]], dtype=np.float32)
    p = np.array([[0.0, 1.0, 0.0]], dtype=np.float32)  # perfect but saturated prediction
    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.isnan(-np.sum(y * np.log(p)))
        clipped = -np.sum(y * np.log(np.clip(p, 1e-7, 1 - 1e-7)))
    assert clipped == pytest.approx(1.19e-7, rel=1e-2)
    yt, pt = kops.convert_to_tensor(y), kops.convert_to_tensor(p)
    bad = kops.convert_to_numpy(-kops.sum(yt * kops.log(pt)))
    good = kops.convert_to_numpy(-kops.sum(yt * kops.log(kops.clip(pt, 1e-7, 1 - 1e-7))))
    assert np.isnan(bad)
    assert np.isfinite(good)


# --------------------------------------------------------------------------------------------
# What the analysis now follows: constants, sampling sinks, epsilons float32 rounds away
# --------------------------------------------------------------------------------------------


def test_constants_the_analysis_bounds_stay_finite():
    """A softmax of literal logits and a sigmoid of a literal range are away from 0: their logs are finite."""
    scores = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]])
    assert torch.isfinite(torch.log(torch.softmax(scores, dim=1))).all()
    xs = np.arange(-6.01, 6.01, 0.01).astype(np.float32)
    with np.errstate(all="raise"):
        s = 1 / (1 + np.exp(-xs))
        assert np.isfinite(np.log(s)).all() and np.isfinite(np.log(1 - s)).all()
    # and the bounds the analysis keeps (bounds.TINY, bounds.ROUNDING) are on the safe side of float32
    assert np.float32(1e-30) > 0 and np.finfo(np.float32).eps == 2.0 ** -23
    # a spread of 123 is too wide: exp(-123) underflows in float32, so the fixture expects CE301 there
    assert torch.log(torch.softmax(torch.tensor([0.0, -120.0, 3.0]), dim=0))[1].item() == -math.inf


def test_sampling_accepts_minus_inf_but_log_prob_gives_nan_gradients():
    """Categorical(logits=log(softmax(x))) samples fine with an underflowed class (-inf); a gradient
    through its log_prob is NaN. So a log that only reaches .sample() is harmless, one that reaches
    log_prob is not (CE301 stays)."""
    torch.manual_seed(0)
    x = torch.tensor([[0.0, -200.0, 1.0]], requires_grad=True)
    log_probs = torch.log(F.softmax(x, dim=-1))
    assert log_probs[0, 1].item() == -math.inf
    dist = torch.distributions.Categorical(logits=log_probs)
    samples = dist.sample((1000,))
    assert set(samples.flatten().tolist()) <= {0, 2}
    assert torch.multinomial(log_probs.exp(), 100, replacement=True).flatten().tolist().count(1) == 0
    dist.log_prob(torch.tensor([0])).sum().backward()
    assert torch.isnan(x.grad).any()
    x2 = x.detach().clone().requires_grad_(True)
    torch.distributions.Categorical(logits=F.log_softmax(x2, dim=-1)).log_prob(torch.tensor([0])).sum().backward()
    assert torch.isfinite(x2.grad).all()


def test_an_epsilon_added_to_one_is_rounded_away_in_float32():
    """`eps + 1 - p` with eps = 1e-10 is 1 - p in float32 (torch's default dtype): log(0) at p = 1."""
    p = torch.tensor([1.0])
    assert (1e-10 + 1 - p).item() == 0.0
    assert torch.log(1e-10 + 1 - p).item() == -math.inf
    assert torch.log(1 - p + 1e-10).item() == pytest.approx(math.log(1e-10), rel=1e-6)
    assert np.float32(1) + np.float32(1e-8) == np.float32(1)  # below 2**-24: rounded away too
    assert np.float32(1) + np.float32(1e-3) != np.float32(1)
