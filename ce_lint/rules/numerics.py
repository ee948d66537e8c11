"""Numerical stability of hand-written cross-entropy (CE3xx): logs of probabilities."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from .. import vocab
from ..facts import ModuleFacts
from ..facts.numeric_syntax import is_one
from ..facts.tags import LogUse, Numeric
from ..fixes import Replacement, code, edits, parenthesised, renamed
from ..vocab import anchors as a
from ..vocab import jax, keras, numpy
from ..vocab.symbols import LOG_SOFTMAX
from ..vocab.torch import CLAMP
from . import WARNING, Finding, Message, rule, safe, unsafe

EPS = "1e-7"


def _first_logs(facts: ModuleFacts, kinds: tuple[str, ...]) -> Iterator[tuple[LogUse, Numeric]]:
    """The first evaluation of each log call whose argument is of one of these kinds, with that argument."""
    seen: set[cst.CSTNode] = set()
    for use in facts.numerics.logs:
        if use.prob is not None and use.prob.kind in kinds and use.node not in seen:
            seen.add(use.node)
            yield use, use.prob


def _log_name(use: LogUse) -> str:
    return ".log()" if use.method else "log"


CE301 = Message(WARNING, "`{log}` of a softmax: a probability that underflows to 0 gives -inf and NaN gradients",
                safe("Use log_softmax"), related={"probabilities": "the softmax"})


CE301_ANCHORS = (a.activation(a.LOG), a.activation(a.SOFTMAX) | a.hand_written_softmax())


@rule("CE301", "log-of-softmax", "log taken of softmax probabilities instead of log_softmax", CE301,
      anchors=CE301_ANCHORS)
def log_of_softmax(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for a log taken of softmax probabilities: `torch.log(F.softmax(x, dim=1))`,
    `x.softmax(1).log()`, `tf.math.log(tf.nn.softmax(x))`, `keras.ops.log(keras.ops.softmax(x))`,
    `jnp.log(jax.nn.softmax(x))`, `np.log(scipy.special.softmax(x, axis=1))`, and `np.log` of a
    hand-written NumPy softmax (`np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)`).

    It stays silent where the softmax can't underflow: a softmax of constants whose spread it can
    bound (literal arrays such as `np.array([2.0, 1.0, 0.1])` or `torch.tensor([...])`,
    `arange`/`linspace` of literal bounds, and arithmetic on them). And it follows where the log
    goes: a log that only feeds sampling or greedy decoding is not reported, as -inf is a valid
    log-probability to sample from and no gradient flows back through a sample or an index:

    - samplers: `Categorical(logits=log_p)`, `OneHotCategorical` or `Multinomial` (also
      `probs=log_p.exp()`, and `tfp.distributions`') used only for `.sample()`, `tf.random.categorical`,
      `jax.random.categorical`, `jax.random.choice(key, n, p=...)`, `torch.multinomial` and
      `.multinomial(1)`, `np.random.choice(n, p=...)`, `np.random.multinomial`, the same methods
      of a `np.random.default_rng()` generator, `random.choices(ids, weights=...)`;
    - greedy decoding: `argmax` and `argsort` (methods, `torch`/`np`/`tf`/`jnp` functions), the
      indices of `topk`, `sort`, `tf.math.top_k` and of PyTorch's `max`/`min` over a dim (`[1]`,
      `.indices`, or `_, ids = ...`);
    - on the way: `exp`, arithmetic (a temperature, Gumbel noise, beam scores added), slices,
      `.cpu().numpy()`, `.data` and other moves, sums, `softmax` again, `p = p / p.sum()`,
      `e / np.sum(e)`, `lp - torch.logsumexp(lp, -1, keepdim=True)`, `masked_fill` and clamps,
      `torch.where(mask, lp, fill)`, the `.values` of `topk`; a size (`len`, `.shape`,
      `torch.rand_like`), a comparison (`lp < kth`, a mask) and a change in place (`lp[mask] =
      -inf`, `lp.masked_fill_(...)`, `lp.div_(t)`) are no use of the values.

    Nor is a log that a function assigns to a local name it never reads (`logp = torch.log(probs)`
    beside `torch.multinomial(probs, 1)`). The log is followed into the module's own top-level
    functions: `draw(log_p)` where `draw` only samples its parameter, and `return
    torch.log(softmax(x))` from a function every call of which in the module is only sampled
    (a function imported by another module is not seen). A name rebound on the way is followed
    from where it is bound (`preds = np.log(preds) / t; e = np.exp(preds); preds = e / np.sum(e)`
    then `np.random.multinomial(1, preds, 1)`), except in a loop. A printed log or entropy is
    reported: it shows -inf or NaN.

    A log that reaches anything else (a loss, a distribution's `log_prob`, `F.gumbel_softmax`,
    whose gradient is NaN at -inf, the values of `topk`, a return, an unknown call) is reported.

    ## Why is this bad?
    In float32 a softmax probability underflows to exactly 0 once its logit is about 104 below
    the largest one in NumPy and PyTorch (about 87 in TensorFlow and JAX, which flush subnormal
    numbers to zero; about 17 in float16). Its log is then `-inf`, the loss is `inf`, and the
    gradient is NaN (`torch.log(torch.softmax(torch.tensor([0., 120.]), 0))` gives `-inf` and a
    NaN gradient), which then spreads into every weight. `log_softmax` computes the same values
    as `x - logsumexp(x)`, which never underflows, and is also cheaper.

    ## Example
    ```python
    import torch
    import torch.nn.functional as F


    def nll(logits, target):
        log_probs = torch.log(F.softmax(logits, dim=1))
        return F.nll_loss(log_probs, target)
    ```

    ## Use instead
    ```python
    import torch
    import torch.nn.functional as F


    def nll(logits, target):
        log_probs = F.log_softmax(logits, dim=1)
        return F.nll_loss(log_probs, target)
    ```

    ## Fix safety
    Safe, and only offered when the softmax call is written inside the log: it becomes the same
    framework's `log_softmax` over the same axis (`F.log_softmax`, `torch.log_softmax`,
    `x.log_softmax(dim)`, `tf.nn.log_softmax`, `keras.ops.log_softmax`,
    `scipy.special.log_softmax`). The values are the same wherever the old code was finite.
    A hand-written NumPy softmax gets no fix.

    ## References
    - [torch.nn.functional.log_softmax](https://pytorch.org/docs/stable/generated/torch.nn.functional.log_softmax.html)
    - [tf.nn.log_softmax](https://www.tensorflow.org/api_docs/python/tf/nn/log_softmax)
    - [scipy.special.log_softmax](https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.log_softmax.html)
    """
    from ..facts.consumers import Consumers  # here: its visitor class needs libcst loaded

    consumers: Consumers | None = None  # built at the first log of a softmax: it walks the module
    for use, prob in _first_logs(facts, ("softmax",)):
        consumers = consumers or Consumers(facts.module, facts.numerics.samplings)
        if consumers.only_sampled(use.node):
            continue  # -inf is a valid log-probability to sample from, and no gradient comes back
        fix = None
        if prob.fixable and use.arg is prob.node and prob.node is not None:  # `log(softmax(x))`
            fix = edits((use.node, renamed(facts, prob.node, LOG_SOFTMAX)))
        yield CE301.at(facts, use.node, fix, log=_log_name(use), probabilities=prob.node)


def _logsigmoid(facts: ModuleFacts, lib: str) -> str | None:
    """The spelling of the log-sigmoid function of a library, with a name the module already imports."""
    function = vocab.LOG_SIGMOIDS.get(lib)
    module = facts.alias(function.module) if function is not None else None
    return f"{module}.{function.name}" if function is not None and module else None


_CE302 = "`{log}` of {what}: a probability that rounds to 0 gives -inf and NaN gradients"
_SIGMOID = {"probabilities": "the sigmoid"}
CE302 = Message(WARNING, _CE302.format(log="{log}", what="a sigmoid"), safe("Use {function}"), "Use logsigmoid(x)",
                _SIGMOID)
CE302_COMPLEMENT = Message(WARNING, _CE302.format(log="{log}", what="1 - sigmoid"), safe("Use {function}"),
                           "Use logsigmoid(-x)", _SIGMOID)


CE302_ANCHORS = (a.activation(a.LOG), a.activation(a.SIGMOID))  # only a library's sigmoid is known as one


@rule("CE302", "log-of-sigmoid", "log taken of sigmoid probabilities instead of logsigmoid", CE302, CE302_COMPLEMENT,
      anchors=CE302_ANCHORS)
def log_of_sigmoid(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `log(sigmoid(x))` and `log(1 - sigmoid(x))` in PyTorch (`torch.sigmoid`,
    `F.sigmoid`, `x.sigmoid()`, `torch.log`, `x.log()`), TensorFlow (`tf.sigmoid`,
    `tf.nn.sigmoid`, `tf.math.sigmoid`, `tf.math.log`), `keras.ops`, JAX (`jax.nn.sigmoid`,
    `jnp.log`) and SciPy (`np.log(scipy.special.expit(x))`). A sigmoid of constants that stays
    away from 0 and 1 in float32 (a lookup table over `np.arange(-6.01, 6.01, 0.01)`, a literal
    array) is not reported.

    ## Why is this bad?
    In float32, `sigmoid(x)` is exactly 0 below about x = -88.7 (-87.4 in TensorFlow and JAX),
    and `1 - sigmoid(x)` is exactly 0 from about x = 17. The log is then `-inf`, and the gradient NaN
    (`torch.log(torch.sigmoid(torch.tensor(-120.)))` is `-inf` with gradient `nan`).
    `logsigmoid(x)` (`F.logsigmoid`, `tf.math.log_sigmoid`, `keras.ops.log_sigmoid`) computes
    `log(sigmoid(x))` as `-softplus(-x)`, which stays finite, and `log(1 - sigmoid(x))` equals
    `logsigmoid(-x)`. For a binary cross-entropy, a loss that takes logits
    (`BCEWithLogitsLoss`, `tf.nn.sigmoid_cross_entropy_with_logits`) does all of it.

    ## Example
    ```python
    import torch
    import torch.nn.functional as F


    def bce(z, y):
        return -(y * torch.log(torch.sigmoid(z)) + (1 - y) * torch.log(1 - torch.sigmoid(z))).mean()
    ```

    ## Use instead
    ```python
    import torch
    import torch.nn.functional as F


    def bce(z, y):
        return -(y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z)).mean()
    ```

    ## Fix safety
    Safe, and only offered when the sigmoid call is written inside the log and the module
    already imports a name for the replacement's module (`F` for `torch.nn.functional`, `tf`,
    `keras.ops`): `log(sigmoid(x))` becomes `logsigmoid(x)` and `log(1 - sigmoid(x))` becomes
    `logsigmoid(-x)`. The values are the same wherever the old code was finite.

    ## References
    - [torch.nn.functional.logsigmoid](https://pytorch.org/docs/stable/generated/torch.nn.functional.logsigmoid.html)
    - [tf.math.log_sigmoid](https://www.tensorflow.org/api_docs/python/tf/math/log_sigmoid)
    - [keras.ops.log_sigmoid](https://keras.io/api/ops/nn/#log_sigmoid-function)
    """
    for use, prob in _first_logs(facts, ("sigmoid", "one_minus_sigmoid")):
        complement = prob.kind == "one_minus_sigmoid"
        sigmoid = prob.source if complement and isinstance(prob.source, Numeric) else prob
        function = _logsigmoid(facts, sigmoid.lib)
        operand = sigmoid.operand
        nested = use.arg is prob.node and (not complement or prob.operand is sigmoid.node)
        fix = None
        if function and operand is not None and sigmoid.fixable and nested:
            argument = f"-{parenthesised(facts, operand)}" if complement else code(facts, operand)
            fix = edits((use.node, f"{function}({argument})"))
        message = CE302_COMPLEMENT if complement else CE302
        yield message.at(facts, use.node, fix, log=_log_name(use), function=(function or "").rsplit(".", 1)[-1],
                         probabilities=sigmoid.node)


# np.log -> np.clip, keras.ops.log -> keras.ops.clip, K.log -> K.clip, jnp.log -> jnp.clip
_REUSE_QUALIFIER = (numpy.LIBRARY.name, keras.LIBRARY.name, jax.LIBRARY.name)


def _clipped(facts: ModuleFacts, use: LogUse) -> Replacement | None:
    """Wrap the probability of one log in the same library's clip: `np.log(p)` -> `np.log(np.clip(p, ...))`,
    `np.log(1 - p)` -> `np.log(1 - np.clip(p, ...))`, `p.log()` -> `p.clamp(...).log()`."""
    p = use.arg
    if p is None:
        return None
    if isinstance(p, cst.BinaryOperation) and isinstance(p.operator, cst.Subtract) and (
            is_one(p.left) or (use.prob is not None and use.prob.absorbed)):
        p = p.right  # 1 - p, eps + 1 - p
    if use.method:
        return p, f"{parenthesised(facts, p)}.{CLAMP}({EPS}, 1 - {EPS})"
    clip = vocab.CLIPS.get(use.lib)
    if clip is None:  # math.log: Python has no clip to wrap p in
        return p, None
    lib = None
    func = use.node.func
    if use.lib in _REUSE_QUALIFIER and isinstance(func, cst.Attribute):
        lib = code(facts, func.value)
    if lib is None:
        lib = facts.alias(clip.module)
    if lib is None:
        return p, None
    return p, f"{lib}.{clip.name}({code(facts, p)}, {EPS}, 1 - {EPS})"


_CLIP = unsafe("Clip the probability to [1e-7, 1 - 1e-7]")
CE303 = Message(WARNING, "hand-written cross-entropy takes the log of an unclipped probability: log(0) gives -inf "
                "and NaN gradients", _CLIP, "Clip the probability to [eps, 1 - eps], or work on logits")
CE303_ROUNDED = Message(WARNING, "hand-written cross-entropy offsets `1 - p` by an epsilon ({eps}) that float32 rounds "
                        "away: log(0) gives -inf when p is 1", _CLIP,
                        "Add the epsilon after the subtraction (`1 - p + eps`), or clip p")


CE303_ANCHORS = (a.activation(a.LOG), a.words("*"), a.negation(), a.summation())  # -mean(y * log(p)), -(y @ log(p))


@rule("CE303", "unclipped-log-in-cross-entropy", "hand-written cross-entropy takes the log of an unclipped probability",
      CE303, CE303_ROUNDED, anchors=CE303_ANCHORS)
def unclipped_log_in_cross_entropy(facts: ModuleFacts) -> Iterator[Finding]:
    """
    ## What it does
    Checks for a hand-written cross-entropy, a sum or mean of `y * log(p)` terms with a minus
    sign, whose `p` is neither clipped nor offset by an epsilon anywhere on its way to the log.
    The spellings it follows:

    - products with the targets: `-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))`,
      `-torch.sum(y * torch.log(p))`, `np.sum(-np.log(p) * y)`, `np.multiply(y, np.log(p))`,
      `-np.dot(y, np.log(p))`, `-(y @ np.log(p).T)`, `torch.matmul`, `einsum`, negated with `-`,
      `.neg()` or a negative factor (`-1 / m * np.sum(...)`, `np.mean(...) * -1`), reduced by a
      sum, a mean or `np.average`;
    - the target's entry picked out: `-torch.log(p[range(len(y)), y]).mean()`,
      `torch.gather`/`.gather`, `take_along_dim`, `np.take_along_axis`;
    - sums over comprehensions and generators: `-sum(t * math.log(q) for t, q in zip(y, p))`,
      where the loop runs over the inputs themselves (`p`, `zip(y, p)`): an entry of a list
      made elsewhere is not taken for an unclipped input;
    - NumPy, PyTorch, TensorFlow (`tf.math.log`), Keras (`keras.ops.log`, Keras 2's `K.log` in
      a custom loss), JAX (`jnp.log`) and Python's `math.log`; the probability may come from a
      hand-written sigmoid (`1 / (1 + np.exp(-z))`) defined elsewhere, in a notebook's earlier cell.

    Clips are `clip`, `clamp`, `clip_by_value`, `maximum`/`minimum`, `clamp_min`/`clamp_max`,
    and `max(q, eps)`/`min(q, 1 - eps)` (also inside a comprehension); offsets are `p + 1e-7`,
    `p + eps`. It is silent on an entropy (`p * log(p)`, `(-p) * p.log()`, `p * log_p` after
    `log_p = log(p)`), which weighs a distribution by itself, not by targets; on a log scaled by
    a constant (`-2 * np.log(p_values)`); and on probabilities built only from literals that
    stay away from 0 (`p = np.array([0.7, 0.2, 0.1])`, a softmax of literal logits). An offset
    that float32 rounds away is no offset: `eps + 1 - p` with `eps = 1e-10` is `1 - p` there,
    and the message says so.

    ## Why is this bad?
    A model's probability can be exactly 0 or 1 in floating point (a saturated sigmoid or
    softmax, a confident prediction). `log(0)` is `-inf`: the loss becomes `inf` or NaN (`0 *
    -inf` is NaN even where `y` is 0) and its gradient is NaN, which then spreads into every
    weight. The built-in losses clip for you (Keras clips to `[1e-7, 1 - 1e-7]`, PyTorch's
    `BCELoss` clamps each log at -100); a hand-written one has to do it itself, or better, work
    on logits (`log_softmax`, `BCEWithLogitsLoss`).

    ## Example
    ```python
    import numpy as np


    def binary_cross_entropy(y, p):
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    ```

    ## Use instead
    ```python
    import numpy as np


    def binary_cross_entropy(y, p, eps=1e-7):
        p = np.clip(p, eps, 1 - eps)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    ```

    ## Fix safety
    Unsafe: it wraps each `p` in the same library's clip to `[1e-7, 1 - 1e-7]`
    (`np.clip`, `torch.clamp`, `tf.clip_by_value`, `keras.ops.clip`, `K.clip`, `jnp.clip`),
    which changes the loss slightly and zeroes the gradient of the clipped entries. `1 - 1e-7`
    is 1 in float16: use a larger epsilon there. Python's `math.log` gets no fix.

    ## References
    - [numpy.clip](https://numpy.org/doc/stable/reference/generated/numpy.clip.html)
    - [torch.clamp](https://pytorch.org/docs/stable/generated/torch.clamp.html)
    - [torch.nn.BCELoss](https://pytorch.org/docs/stable/generated/torch.nn.BCELoss.html)
    """
    found: dict[cst.CSTNode, list[LogUse]] = {}
    for ce in facts.numerics.cross_entropies:
        unclipped = [use for use in ce.logs if use.prob is None or use.prob.kind == "complement"]
        if ce.reduced and ce.negated and unclipped:
            found.setdefault(unclipped[0].node, unclipped)
    for first, unclipped in found.items():
        fix = edits(*(_clipped(facts, use) for use in unclipped))
        rounded = [use.prob.absorbed for use in unclipped if use.prob is not None and use.prob.absorbed]
        if rounded:
            yield CE303_ROUNDED.at(facts, first, fix, eps=f"{rounded[0]:g}")
        else:
            yield CE303.at(facts, first, fix)
