"""Which Keras the analysed code runs on, as far as it changes a rule's verdict or fix.

How a bare 'accuracy' metric resolves (FACTS F1.1-F1.5, docs/version-matrix.md): Keras <= 2.3,
tf.keras in TF <= 2.1 and TF1 graph mode pick the metric from the loss; every later version from
the shapes of targets and outputs. Keras-1 argument names (`output_dim`, `nb_epoch`, ...) run only
on Keras <= 2.3, tf.keras <= 2.1 or in TF1 graph mode, and Keras 3 refuses to train with eager
execution disabled: code with either marker runs only where 'accuracy' resolves from the loss.
"""

from __future__ import annotations

import functools
import os
import re
import sys


def _parse(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


@functools.cache
def installed(package: str) -> tuple[int, ...] | None:
    """The version of a distribution installed in this environment, read from its metadata (never
    imported); None if it isn't installed or its metadata has no usable version."""
    from importlib import metadata

    for distribution in metadata.distributions(name=package, path=_environment_path()):
        version = distribution.version
        return _parse(version) or None if isinstance(version, str) else None
    return None


def metadata_stamp(packages: tuple[str, ...]) -> list[object]:
    """What `installed(p)` reads for these packages, as names and file times, found without importing
    importlib.metadata (a tenth of a cached run): each place on the path that may hold one of their
    distributions (a `*.dist-info` or `*.egg-info` of that name, an egg, a zip), with the time and size
    of its metadata. Whatever changes what `installed` returns changes this too."""
    wanted = {_normal(p) for p in packages}
    stamp: list[object] = []
    for entry in _environment_path():
        entry = entry or "."
        try:
            children = os.listdir(entry) if not entry.lower().endswith(".egg") else None
        except NotADirectoryError:  # a zip on the path: any change to it counts
            children = None
        except OSError:
            continue
        if children is None:
            stamp.append([entry, _stat(entry), _stat(os.path.join(entry, "EGG-INFO", "PKG-INFO"))])
            continue
        for child in sorted(children):
            low = child.lower()  # `Keras-3.4.1.dist-info`: the name is what comes before the first "-"
            name = low.rpartition(".")[0].partition("-")[0]
            if low.endswith((".dist-info", ".egg-info")) and _normal(name) in wanted:
                where = os.path.join(entry, child)
                stamp.append([entry, child, _stat(os.path.join(where, "METADATA")),
                              _stat(os.path.join(where, "PKG-INFO")), _stat(where)])
    return stamp


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _stat(path: str) -> list[int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return [status.st_mtime_ns, status.st_size]


def _environment_path() -> list[str]:
    """sys.path without the entry Python adds for the current folder (`python -m`, `python -c`): a
    stray `*.dist-info` where ce-lint happens to run is not what the checked code runs on."""
    first = sys.path[0] if sys.path else None
    if first is not None and (first == "" or os.path.abspath(first) == os.getcwd()):
        return sys.path[1:]
    return list(sys.path)


def configured(keras_version: str | None) -> tuple[bool, tuple[int, ...]] | None:
    """keras-version as (tf.keras?, version), or None when not configured."""
    if not keras_version:
        return None
    text = keras_version.strip().lower()
    return (True, _parse(text[3:])) if text.startswith("tf-") else (False, _parse(text))


def loss_based_accuracy(keras_version: str | None, uses_tensorflow: bool, legacy_api: bool) -> bool:
    """Whether 'accuracy' resolves from the loss (binary_crossentropy -> binary_accuracy)."""
    if legacy_api:  # such code runs only where 'accuracy' resolves from the loss, whatever keras-version says
        return True
    target = configured(keras_version)
    if target is not None:
        tf_keras, version = target
        return version < ((2, 2) if tf_keras else (2, 4))
    keras = installed("keras")
    tensorflow = installed("tensorflow") or installed("tensorflow-cpu")
    if uses_tensorflow and tensorflow is not None and tensorflow < (2, 2):
        return True
    if keras is not None and keras < (2, 4):
        return True
    return False


def keras_target(keras_version: str | None) -> tuple[int, ...] | None:
    """The standalone Keras version the fixes must run on: keras-version, else the installed
    `keras` distribution; None when neither says (then: any current Keras)."""
    target = configured(keras_version)
    if target is not None:
        return None if target[0] else target[1]
    return installed("keras")


def has_loss_and_metric_classes(keras_version: str | None) -> bool:
    """`keras.losses.BinaryCrossentropy(from_logits=...)`, `keras.metrics.BinaryAccuracy`: Keras >= 2.3."""
    version = keras_target(keras_version)
    return version is None or version >= (2, 3)


def accepts_zero_threshold(keras_version: str | None) -> bool:
    """`BinaryAccuracy(threshold=0.0)`: Keras 3.0-3.4 reject it (they require 0 < threshold < 1)."""
    version = keras_target(keras_version)
    minor = version[:2] if version and len(version) >= 2 else None  # "3" alone: any Keras 3, the current one
    return has_loss_and_metric_classes(keras_version) and not (minor and (3, 0) <= minor < (3, 5))
