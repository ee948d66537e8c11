"""Canonical names of framework symbols: every spelling of a symbol maps to one name.

Qualified names come from resolving imports (`tf.keras.layers.Dense` -> `tensorflow.keras.layers.Dense`);
`canonical()` folds the spellings each library of the vocabulary declares (`tensorflow.keras.` ->
`keras.`, `torch.nn.modules.loss.BCELoss` -> `torch.nn.BCELoss`).
"""

from __future__ import annotations

import functools

from .vocab import SPELLINGS
from .vocab import keras as k
from .vocab import tensorflow as tf


@functools.lru_cache(maxsize=8192)  # pure, and called for every name the analysis meets
def canonical(qname: str) -> str:
    for spelling in SPELLINGS:
        prefix = spelling.prefix
        if (spelling.alone and qname == prefix) or qname.startswith(prefix + "."):
            if spelling.last_only:
                return f"{spelling.canonical}.{qname.rsplit('.', 1)[-1]}"
            return spelling.canonical + qname[len(prefix):]
    return qname


def keras_member(qname: str) -> tuple[str, str] | None:
    """`keras.layers.core.Dense` -> ("layers", "Dense"); `keras.Sequential` -> ("", "Sequential")."""
    return k.member(canonical(qname))


def activation_of(qname: str) -> str | None:
    """The activation a function name stands for, e.g. `tensorflow.nn.softmax` -> "softmax"."""
    member = keras_member(qname)
    if member is not None:
        group, name = member
        return name if group in k.ACTIVATION_GROUPS and name in k.ACTIVATIONS else None
    for prefix in tf.ACTIVATION_MODULES:
        if qname.startswith(prefix) and qname[len(prefix):] in k.ACTIVATIONS:
            return qname[len(prefix):]
    return None
