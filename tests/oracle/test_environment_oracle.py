"""The oracle numbers are version-specific (FACTS.md section 0): check that the installed
frameworks are the pinned ones in tests/oracle/requirements.txt and Keras runs on torch."""

import os
import re

import pytest

from oracle_support import require, require_keras_torch

pytestmark = pytest.mark.oracle

HERE = os.path.dirname(os.path.abspath(__file__))


def _pins():
    pins = {}
    with open(os.path.join(HERE, "requirements.txt")) as fh:
        for line in fh:
            m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", line.strip())
            if m:
                pins[m.group(1).lower()] = m.group(2)
    return pins


def test_requirements_pin_torch_first():
    with open(os.path.join(HERE, "requirements.txt")) as fh:
        reqs = [ln.strip() for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    assert reqs[0] == "torch==2.13.0"


@pytest.mark.parametrize("module", ["torch", "keras", "torchmetrics", "transformers", "numpy", "jax", "optax"])
def test_installed_versions_match_pins(module):
    mod = require(module)
    pinned = _pins()[module]
    assert mod.__version__.split("+")[0] == pinned, (module, mod.__version__, pinned)


def test_keras_backend_is_torch():
    keras = require_keras_torch()
    assert keras.backend.backend() == "torch"
    assert os.environ["KERAS_BACKEND"] == "torch"
