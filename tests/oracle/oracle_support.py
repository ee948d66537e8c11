"""Helpers shared by the oracle test modules (not a test module itself)."""

import importlib
import os
import warnings

import pytest


def require(modname, minversion=None):
    """Import a dependency of the oracle tests.

    Locally a missing module skips the calling test module (``pytest.importorskip``).
    With the ``CI`` environment variable set, it fails instead: CI must never report
    green because the frameworks were not installed.
    """
    if os.environ.get("CI"):
        try:
            mod = importlib.import_module(modname)
        except ImportError as exc:  # pragma: no cover - only in a broken CI
            pytest.fail(
                f"oracle dependency {modname!r} is missing in CI ({exc}); "
                "install torch==2.13.0 first, then -r tests/oracle/requirements.txt",
                pytrace=False,
            )
        if minversion is not None:
            return pytest.importorskip(modname, minversion=minversion)
        return mod
    return pytest.importorskip(modname, minversion=minversion)


def require_keras_torch():
    """Import keras and check it really runs on the torch backend."""
    require("torch")
    keras = require("keras")
    backend = keras.backend.backend()
    if backend != "torch":  # keras was imported before conftest could set it
        pytest.fail(f"Keras backend is {backend!r}, oracle tests need 'torch'", pytrace=False)
    return keras


class Recorder:
    """Record warnings inside a block; ``texts(cat)`` gives the messages of one category."""

    def __enter__(self):
        self._cm = warnings.catch_warnings(record=True)
        self.records = self._cm.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)

    def texts(self, category=Warning):
        return [str(w.message) for w in self.records if issubclass(w.category, category)]

    def matching(self, needle, category=Warning):
        return [t for t in self.texts(category) if needle in t]


def resolved_metrics(model):
    """Class names of the metric objects Keras 3 resolved from ``compile(metrics=...)``.

    Keras 3 has no ``model.compiled_metrics``; ``model.metrics`` holds the loss tracker and a
    ``CompileMetrics`` container whose ``.metrics`` are the resolved objects. They exist only
    after the first fit/evaluate step (``CompileMetrics.build`` sees the first batch).
    """
    out = []
    for m in model.metrics:
        if type(m).__name__ == "CompileMetrics":
            out.extend((type(x).__name__, x.name) for x in m.metrics)
    return out
