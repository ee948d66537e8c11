"""Which Keras the analysed code runs on, as far as it changes a rule's verdict.

Only one thing depends on it today: how a bare 'accuracy' metric resolves (FACTS F1.1-F1.5).
Keras <= 2.3, tf.keras in TF <= 2.1 and TF1 graph mode pick the metric from the loss; every
later version from the shapes of targets and outputs.
"""

from __future__ import annotations

import functools
import re
from importlib import metadata


def _parse(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


@functools.lru_cache(maxsize=None)
def installed(package: str) -> tuple[int, ...] | None:
    """An installed distribution's version, read from its metadata (never imported)."""
    try:
        return _parse(metadata.version(package))
    except metadata.PackageNotFoundError:
        return None


def loss_based_accuracy(keras_version: str | None, uses_tensorflow: bool, legacy_api: bool) -> bool:
    """Whether 'accuracy' resolves from the loss (binary_crossentropy -> binary_accuracy)."""
    if legacy_api:
        return True
    if keras_version:
        text = keras_version.strip().lower()
        if text.startswith("tf-"):
            return _parse(text[3:]) < (2, 2)
        return _parse(text) < (2, 4)
    keras = installed("keras")
    tensorflow = installed("tensorflow") or installed("tensorflow-cpu")
    if uses_tensorflow and tensorflow is not None and tensorflow < (2, 2):
        return True
    if keras is not None and keras < (2, 4):
        return True
    return False
