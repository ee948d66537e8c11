"""Oracle tests for the PyTorch rules CE201-CE209 and CE901 (torch 2.13.0+cpu).

Each test reproduces the consequence FACTS.md section 6 states, with its numbers.

Not run here (CPU-only machine, one torch version); the FACTS.md section and source named
below stand for them:

* BCELoss on CUDA: out-of-range input is a device-side assert, not a RuntimeError (CE203):
  F6.5 -- ``aten/src/ATen/native/cuda/Loss.cu``; F8 "CUDA-specific outcomes ... not run".
* BCELoss refusal under *CUDA* autocast (CE209): the real ``torch.autocast("cuda")`` region
  needs a GPU. The test below calls the very kernel that ``AutocastCUDA`` dispatches to
  (``aten/src/ATen/autocast_mode.cpp``, registered in the CPU wheel too) through
  ``OpOverload.redispatch``; FACTS.md has no autocast section (RULES.md CE209 cites F6.5).
* BCELoss target-range check absent in torch 2.0 (issue #99151, PR #97814): F6.5, F8 --
  only 2.13.0 is installed.
* Lightning ``precision="16-mixed"`` (CE209 trigger): Lightning is not installed; it uses
  ``torch.autocast`` underneath, covered by the autocast tests.
"""

import math
import warnings

import pytest

from oracle_support import Recorder, require

torch = require("torch")
nn = torch.nn
F = torch.nn.functional

pytestmark = pytest.mark.oracle


def _ce_and_grad(z, target, through_softmax):
    z = z.clone().requires_grad_(True)
    inp = torch.softmax(z, dim=1) if through_softmax else z
    loss = F.cross_entropy(inp, target)
    loss.backward()
    return loss.item(), z.grad.norm().item()


# --------------------------------------------------------------------------------------------
# CE201 softmax-before-cross-entropy (F6.1)
# --------------------------------------------------------------------------------------------

# margin, CE(logits), |grad|, CE(softmax), |grad|   -- FACTS.md F6.1 table (N=10, target 0)
F61_TABLE = [
    (0.0, 2.3026, 9.5e-1, 2.3026, 9.5e-2),
    (5.0, 0.0589, 6.0e-2, 1.5103, 4.9e-2),
    (20.0, 0.0000, 6.2e-9, 1.4612, 5.3e-9),
    (-20.0, 22.197, 1.05, 2.4031, 2.5e-9),
]


@pytest.mark.parametrize("margin,ce_l,g_l,ce_s,g_s", F61_TABLE)
def test_CE201_softmax_into_cross_entropy_bounded_loss_vanishing_gradient(margin, ce_l, g_l, ce_s, g_s):
    z = torch.zeros(1, 10)
    z[0, 0] = margin
    t = torch.tensor([0])
    with Recorder() as rec:
        loss_l, grad_l = _ce_and_grad(z, t, through_softmax=False)
        loss_s, grad_s = _ce_and_grad(z, t, through_softmax=True)
    assert loss_l == pytest.approx(ce_l, abs=5e-4)  # FACTS rounds 22.197 to 3 decimals
    assert loss_s == pytest.approx(ce_s, abs=1e-4)
    assert grad_l == pytest.approx(g_l, rel=0.05)
    assert grad_s == pytest.approx(g_s, rel=0.05)
    assert not rec.texts()  # no warning
    if margin == -20.0:  # confidently wrong: correct loss pushes hard, double softmax does not
        assert grad_l > 1.0 and grad_s < 1e-8


def test_CE201_double_softmax_loss_bounded_in_log_formula_interval():
    n = 10
    lo, hi = math.log(1 + (n - 1) / math.e), math.log(1 + (n - 1) * math.e)
    assert (lo, hi) == (pytest.approx(1.4612, abs=1e-4), pytest.approx(3.2373, abs=1e-4))
    torch.manual_seed(0)
    z = torch.randn(4096, n) * 30
    t = torch.randint(0, n, (4096,))
    per = F.cross_entropy(torch.softmax(z, 1), t, reduction="none")
    assert per.min().item() >= lo - 1e-5 and per.max().item() <= hi + 1e-5
    assert per.min().item() == pytest.approx(lo, abs=1e-3)  # reached by confident right answers
    assert F.cross_entropy(z, t, reduction="none").max().item() > 50  # the real loss is unbounded


def test_CE201_control_soft_targets_and_inference_softmax_are_fine():
    z = torch.tensor([[2.0, 0.0, -1.0]])
    soft = torch.tensor([[0.7, 0.2, 0.1]])  # mixup-style probabilities summing to 1
    assert F.cross_entropy(z, soft).item() == pytest.approx(
        -(soft * F.log_softmax(z, 1)).sum().item(), rel=1e-6
    )


# --------------------------------------------------------------------------------------------
# CE202 nll-loss-without-log-softmax (F6.4)
# --------------------------------------------------------------------------------------------


def test_CE202_nll_on_softmax_is_minus_probability_in_minus_one_to_zero():
    torch.manual_seed(0)
    z = torch.randn(64, 5) * 3
    t = torch.randint(0, 5, (64,))
    p = torch.softmax(z, 1)
    with Recorder() as rec:
        per = F.nll_loss(p, t, reduction="none")
    assert torch.allclose(per, -p[torch.arange(64), t])
    assert per.max().item() <= 0.0 and per.min().item() >= -1.0  # negative loss
    assert nn.NLLLoss()(p, t).item() < 0
    assert not rec.texts()
    correct = F.nll_loss(F.log_softmax(z, 1), t)
    assert correct.item() == pytest.approx(F.cross_entropy(z, t).item(), rel=1e-6)


def test_CE202_nll_on_raw_logits_is_unbounded_below_and_diverges():
    z = torch.zeros(1, 3, requires_grad=True)
    t = torch.tensor([0])
    opt = torch.optim.SGD([z], lr=1.0)
    losses = []
    with Recorder() as rec:
        for _ in range(100):
            opt.zero_grad()
            loss = nn.NLLLoss()(z, t)  # = -z_y
            losses.append(loss.item())
            loss.backward()
            opt.step()
    assert losses[0] == 0.0
    assert losses[-1] == pytest.approx(-99.0)  # F6.4: "100 SGD steps: -99.0, diverging"
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert not rec.texts()


# --------------------------------------------------------------------------------------------
# CE203 bce-loss-on-logits (F6.5)
# --------------------------------------------------------------------------------------------


def test_CE203_bce_loss_on_raw_logits_raises_once_a_value_leaves_unit_interval():
    lin = nn.Linear(3, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.2, 0.1, 0.1]]))
        lin.bias.fill_(0.5)
    y = torch.tensor([[1.0], [0.0]])
    inside = lin(torch.tensor([[0.5, 0.5, 0.5], [-1.0, 0.0, 0.0]]))  # 0.70, 0.30
    assert nn.BCELoss()(inside, y).item() > 0  # silent while logits happen to be in [0,1]
    outside = lin(torch.tensor([[10.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]))  # 2.50, 0.30
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        nn.BCELoss()(outside, y)
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(torch.tensor([-0.1]), torch.tensor([0.0]))
    # the fix: same logits into BCEWithLogitsLoss
    assert nn.BCEWithLogitsLoss()(outside, y).item() > 0


def test_CE203_bce_loss_target_range_checked_in_2_13():
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        nn.BCELoss()(torch.tensor([0.5]), torch.tensor([2.0]))


def test_CE203_bce_loss_shape_mismatch_value_error():
    msg = (
        r"Using a target size \(torch.Size\(\[2\]\)\) that is different to the input size "
        r"\(torch.Size\(\[2, 1\]\)\) is deprecated. Please ensure they have the same size."
    )
    with pytest.raises(ValueError, match=msg):
        nn.BCELoss()(torch.tensor([[0.2], [0.7]]), torch.tensor([0.0, 1.0]))


# --------------------------------------------------------------------------------------------
# CE204 sigmoid-before-bce-with-logits (F6.6)
# --------------------------------------------------------------------------------------------


def test_CE204_bce_with_logits_on_sigmoid_output_is_bounded():
    z = torch.linspace(-60, 60, 2001)
    s = torch.sigmoid(z)
    with Recorder() as rec:
        l1 = F.binary_cross_entropy_with_logits(s, torch.ones_like(s), reduction="none")
        l0 = F.binary_cross_entropy_with_logits(s, torch.zeros_like(s), reduction="none")
    assert torch.sigmoid(s).min().item() >= 0.5 and torch.sigmoid(s).max().item() <= 0.7311
    assert l1.min().item() == pytest.approx(0.3133, abs=1e-4)
    assert l1.max().item() == pytest.approx(0.6931, abs=1e-4)
    assert l0.min().item() == pytest.approx(0.6931, abs=1e-4)
    assert l0.max().item() == pytest.approx(1.3133, abs=1e-4)
    assert not rec.texts()


@pytest.mark.parametrize("z0,y0", [(20.0, 0.0), (-20.0, 1.0)])
def test_CE204_double_sigmoid_gradient_vanishes_at_confident_mistakes(z0, y0):
    z = torch.tensor([z0], requires_grad=True)
    F.binary_cross_entropy_with_logits(torch.sigmoid(z), torch.tensor([y0])).backward()
    wrong = abs(z.grad.item())
    z2 = torch.tensor([z0], requires_grad=True)
    F.binary_cross_entropy_with_logits(z2, torch.tensor([y0])).backward()
    right = abs(z2.grad.item())
    assert wrong < 1e-8  # ~1e-9 or exactly 0
    assert right == pytest.approx(1.0, abs=1e-6)


def test_CE204_bce_with_logits_targets_not_range_checked_and_int_target_error():
    loss = nn.BCEWithLogitsLoss()(torch.tensor([0.5]), torch.tensor([2.0]))
    assert loss.item() == pytest.approx(-0.0259, abs=1e-4)  # negative loss, no error
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        nn.BCEWithLogitsLoss()(torch.tensor([0.5]), torch.tensor([1]))


# --------------------------------------------------------------------------------------------
# CE205 softmax-implicit-dim (F6.7)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda x: F.softmax(x), "softmax"),
        (lambda x: F.log_softmax(x), "log_softmax"),
        (lambda x: F.softmin(x), "softmin"),
        (lambda x: nn.Softmax()(x), "softmax"),
        (lambda x: nn.LogSoftmax()(x), "log_softmax"),
    ],
    ids=["F.softmax", "F.log_softmax", "F.softmin", "nn.Softmax()", "nn.LogSoftmax()"],
)
def test_CE205_implicit_dim_warns(call, name):
    with pytest.warns(UserWarning) as rec:
        call(torch.randn(2, 3))
    expected = (
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument."
    )
    assert expected in [str(w.message) for w in rec]


@pytest.mark.parametrize("ndim,implicit_dim", [(1, 0), (2, 1), (3, 0), (4, 1)])
def test_CE205_implicit_dim_is_0_for_1d_and_3d_1_for_2d_and_4d(ndim, implicit_dim):
    x = torch.randn(*[2, 3, 4, 5][:ndim])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.softmax(x)
    assert torch.allclose(out, F.softmax(x, dim=implicit_dim))


def test_CE205_3d_batch_seq_classes_normalised_over_batch_axis():
    x = torch.randn(4, 7, 5)  # (batch, seq, classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.softmax(x)
    assert torch.allclose(out.sum(0), torch.ones(7, 5))  # sums to 1 over the batch
    assert not torch.allclose(out.sum(-1), torch.ones(4, 7))  # not over the classes


def test_CE205_dim0_on_batch_first_normalises_columns_and_torch_softmax_needs_dim():
    x = torch.randn(8, 3)
    out = F.softmax(x, dim=0)
    assert torch.allclose(out.sum(0), torch.ones(3))
    assert not torch.allclose(out.sum(1), torch.ones(8))
    with pytest.raises(TypeError, match=r'softmax\(\) missing 1 required positional arguments: "dim"'):
        torch.softmax(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.softmax(torch.randn(5), dim=0)  # control: explicit dim -> no warning


# --------------------------------------------------------------------------------------------
# CE206 multilabel-with-softmax-or-cross-entropy (F6.2)
# --------------------------------------------------------------------------------------------


def test_CE206_multihot_cross_entropy_trains_split_mass_min_2log2():
    y = torch.tensor([[1.0, 0.0, 0.0, 1.0]])
    z0 = torch.tensor([[0.5, -0.3, 1.2, 0.1]])
    with Recorder() as rec:
        loss0 = F.cross_entropy(z0, y)
    ls = F.log_softmax(z0, 1)[0]
    assert loss0.item() == pytest.approx(-(ls[0] + ls[3]).item(), rel=1e-6)  # no sum-to-1 check
    assert not rec.texts()
    z = torch.zeros(1, 4, requires_grad=True)
    opt = torch.optim.SGD([z], lr=10.0)
    for _ in range(2000):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(z, y)
        loss.backward()
        opt.step()
    p = torch.softmax(z.detach(), 1)[0]
    assert loss.item() == pytest.approx(2 * math.log(2), abs=1e-3)  # 1.386, never 0
    assert p[0].item() == pytest.approx(0.5, abs=1e-3) and p[3].item() == pytest.approx(0.5, abs=1e-3)
    assert (torch.sigmoid(z.detach()) > 0.5).sum().item() == 2  # only the logits, not probs, separate


def test_CE206_softmax_into_bce_cannot_predict_two_labels():
    y = torch.tensor([[1.0, 0.0, 0.0, 1.0]])
    z = torch.zeros(1, 4, requires_grad=True)
    opt = torch.optim.SGD([z], lr=10.0)
    for _ in range(2000):
        opt.zero_grad()
        loss = nn.BCELoss()(torch.softmax(z, 1), y)
        loss.backward()
        opt.step()
    p = torch.softmax(z.detach(), 1)[0]
    assert loss.item() > 0.34  # floor 2*log(2)/4 = 0.3466 (two positives share mass 1)
    assert (p > 0.5).sum().item() == 0
    z2 = torch.zeros(1, 4, requires_grad=True)  # control: logits + BCEWithLogits
    opt = torch.optim.SGD([z2], lr=10.0)
    for _ in range(200):
        opt.zero_grad()
        loss2 = nn.BCEWithLogitsLoss()(z2, y)
        loss2.backward()
        opt.step()
    assert loss2.item() < 0.01 and (torch.sigmoid(z2) > 0.5).sum().item() == 2


def test_CE206_cross_entropy_target_dtype_and_shape_errors():
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Float"):
        F.cross_entropy(torch.randn(2, 3), torch.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected, multi-target not supported"):
        F.cross_entropy(torch.randn(2, 3), torch.tensor([[0.0], [1.0]]))


# --------------------------------------------------------------------------------------------
# CE207 cross-entropy-single-logit (F6.3)
# --------------------------------------------------------------------------------------------


def test_CE207_single_logit_cross_entropy_zero_loss_zero_grad_or_index_error():
    torch.manual_seed(0)
    lin = nn.Linear(4, 1)
    x = torch.randn(6, 4)
    loss = nn.CrossEntropyLoss()(lin(x), torch.zeros(6, dtype=torch.long))
    loss.backward()
    assert loss.item() == 0.0
    assert torch.all(lin.weight.grad == 0) and torch.all(lin.bias.grad == 0)
    with pytest.raises(IndexError, match="Target 1 is out of bounds."):
        nn.CrossEntropyLoss()(lin(x), torch.tensor([0, 1, 0, 1, 0, 1]))
    lin.zero_grad()
    yf = torch.tensor([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0]])
    loss_f = nn.CrossEntropyLoss()(lin(x), yf)  # float (N,1) -> probability targets
    loss_f.backward()
    assert loss_f.item() == 0.0 and math.copysign(1.0, loss_f.item()) == -1.0  # -0.0
    assert torch.all(lin.weight.grad == 0) and torch.all(lin.bias.grad == 0)


# --------------------------------------------------------------------------------------------
# CE208 elementwise-multilabel-accuracy (RULES.md CE208; F1.6 same arithmetic)
# --------------------------------------------------------------------------------------------


def test_CE208_elementwise_multilabel_accuracy_inflated_by_negatives():
    torch.manual_seed(0)
    n, c = 100, 10
    y = torch.zeros(n, c)
    y[torch.arange(n), torch.randint(0, c, (n,))] = 1.0
    y[torch.arange(n), torch.randint(0, c, (n,))] = 1.0  # 1-2 positives per row
    pred = torch.zeros(n, c)  # useless model: predicts no label at all
    elementwise = (pred.round() == y).float().mean().item()
    elementwise2 = ((pred > 0.5).eq(y).sum() / y.numel()).item()
    exact_match = (pred.round() == y).all(dim=1).float().mean().item()
    assert elementwise == elementwise2
    assert elementwise == pytest.approx(1 - y.sum().item() / y.numel())
    assert elementwise >= 0.8  # looks good ...
    assert exact_match == 0.0  # ... for a model that never predicts a label


# --------------------------------------------------------------------------------------------
# CE209 bce-loss-under-autocast
# --------------------------------------------------------------------------------------------

AUTOCAST_MSG = "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast"


def _redispatch(opname, key, *args):
    op = getattr(torch.ops.aten, opname).default
    return op.redispatch(torch._C.DispatchKeySet(getattr(torch._C.DispatchKey, key)), *args)


@pytest.mark.parametrize("key", ["AutocastCUDA", "AutocastXPU"])
def test_CE209_bce_loss_refused_by_gpu_autocast_kernel(key):
    # The kernel a torch.autocast("cuda") region dispatches BCELoss to (CPU-only machine: called
    # directly). It raises before computing anything.
    p, y = torch.tensor([0.5]), torch.tensor([1.0])
    with pytest.raises(RuntimeError, match=AUTOCAST_MSG) as exc:
        _redispatch("binary_cross_entropy", key, p, y)
    assert "combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits" in str(exc.value)
    assert torch._C._dispatch_has_kernel_for_dispatch_key("aten::binary_cross_entropy", key)
    # BCEWithLogits is safe under the same autocast key
    out = _redispatch("binary_cross_entropy_with_logits", key, torch.tensor([0.0]), y, None, None, 1)
    assert out.item() == pytest.approx(math.log(2), rel=1e-6)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_CE209_cpu_autocast_does_not_refuse_bce_loss(dtype):
    # Nuance to RULES.md CE209 "PyTorch refuses BCELoss under autocast": only GPU autocast
    # (CUDA/XPU) refuses it; torch.autocast("cpu") runs BCELoss in float32.
    torch.manual_seed(0)
    lin = nn.Linear(3, 1)
    x, y = torch.randn(4, 3), torch.tensor([[1.0], [0.0], [1.0], [0.0]])
    with torch.autocast("cpu", dtype=dtype):
        h = lin(x)
        loss = nn.BCELoss()(torch.sigmoid(h), y)
    assert h.dtype == dtype  # autocast is really active
    assert loss.dtype == torch.float32 and torch.isfinite(loss)


# --------------------------------------------------------------------------------------------
# CE901 prefer-bce-with-logits (F6.5)
# --------------------------------------------------------------------------------------------


def test_CE901_sigmoid_bce_loss_clamps_log_at_minus_100():
    z = torch.tensor([40.0, -120.0], requires_grad=True)
    y = torch.tensor([0.0, 1.0])
    with Recorder() as rec:
        bce = F.binary_cross_entropy(torch.sigmoid(z), y, reduction="none")
    bce.sum().backward()
    assert bce.tolist() == [100.0, 100.0]  # clamped
    assert z.grad.abs().max().item() == 0.0  # saturated sigmoid: no gradient at all
    z2 = z.detach().clone().requires_grad_(True)
    ref = F.binary_cross_entropy_with_logits(z2, y, reduction="none")
    ref.sum().backward()
    assert ref.tolist() == [40.0, 120.0]
    assert z2.grad.tolist() == [1.0, -1.0]
    assert not rec.texts()
    p = torch.tensor([0.0], requires_grad=True)
    l0 = F.binary_cross_entropy(p, torch.tensor([1.0]))
    l0.backward()
    assert l0.item() == 100.0 and p.grad.item() == pytest.approx(-1e12)


def test_CE901_sigmoid_bce_loss_works_in_full_precision():
    z = torch.tensor([-1.0, 0.5, 2.0])
    y = torch.tensor([0.0, 1.0, 1.0])
    assert F.binary_cross_entropy(torch.sigmoid(z), y).item() == pytest.approx(
        F.binary_cross_entropy_with_logits(z, y).item(), rel=1e-6
    )
