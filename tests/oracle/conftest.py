"""Shared set-up for the oracle tests (tests/oracle).

* Keras 3 must run on the torch backend: ``KERAS_BACKEND`` is set here, before any
  test module imports keras.
* Dependencies come from ``tests/oracle/requirements.txt`` (install torch==2.13.0 first).
  A missing dependency skips the module locally, but FAILS it when the ``CI``
  environment variable is set (see ``oracle_support.require``).
"""

import os
import sys

# Must happen before keras is imported anywhere in the session.
os.environ["KERAS_BACKEND"] = "torch"

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    # Every test in this folder is an oracle test, even one that forgot pytestmark.
    here = os.path.dirname(os.path.abspath(__file__))
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.oracle)


@pytest.fixture(autouse=True)
def _seed_everything():
    """Seed python, numpy, torch (and keras when loaded) before every test."""
    import random

    random.seed(0)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(0)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(0)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(0)
    yield
