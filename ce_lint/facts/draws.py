"""Calls that draw samples from log-probabilities (or probabilities) or pick indices from them:
`Categorical(logits=lp)`, `tf.random.categorical(lp, 1)`, `np.random.choice(n, p=np.exp(lp))`,
`rng.choice(n, p=p)` on a NumPy generator, `torch.argmax(lp, -1)`, `lp.max(dim=-1)` (a pair of
values and indices), `p.multinomial(1)`. There -inf is a valid log-probability and no gradient
flows back; consumers.py follows a log to them."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .. import vocab
from ..vocab import numpy, torch
from ..vocab.symbols import Sampler
from .plugin import Args
from .values import Ext, Instance, Value


@dataclass
class Sampling:
    """A call that draws from the value written at `logits`."""

    call: cst.Call
    logits: cst.CSTNode  # the argument given the log-probabilities (a method's receiver)
    distribution: bool = False  # a distribution object, which samples only through `.sample()`
    pair: bool = False  # (values, indices): only the indices are drawn


def function_draw(qname: str, call: cst.Call, args: Args) -> Sampling | None:
    if qname in vocab.ARGMAX_FUNCTIONS:
        _, node = args.get_with_node(0, None)
        return Sampling(call, node) if node is not None else None
    sampler = vocab.SAMPLERS.get(qname)
    return _drawn(sampler, call, args, None) if sampler is not None else None


def method_draw(obj: Value, lib: str, name: str, call: cst.Call, args: Args) -> Sampling | None:
    """`rng.choice(n, p=p)` on a NumPy generator, `t.multinomial(1)` or `t.topk(k)` on a torch tensor."""
    if isinstance(obj, Instance) and isinstance(obj.cls, Ext) and obj.cls.qname in numpy.GENERATORS:
        sampler = numpy.GENERATOR_SAMPLERS.get(name)
        return _drawn(sampler, call, args, None) if sampler is not None else None
    sampler = torch.TENSOR_SAMPLERS.get(name)
    if sampler is None or not isinstance(call.func, cst.Attribute) or (
            lib != torch.LIBRARY.name and name not in torch.UNIQUE_METHODS):
        return None
    return _drawn(sampler, call, args, call.func.value)


def _drawn(sampler: Sampler, call: cst.Call, args: Args, receiver: cst.CSTNode | None) -> Sampling | None:
    if sampler.needs is not None and not args.has(sampler.needs.index, sampler.needs.name):
        return None
    node = receiver
    if node is None:
        _, node = args.get_with_node(sampler.logits.index, sampler.logits.name)
    if node is None and sampler.probs is not None:
        _, node = args.get_with_node(sampler.probs.index, sampler.probs.name)
    return Sampling(call, node, sampler.distribution, sampler.pair) if node is not None else None
