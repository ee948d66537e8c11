"""CE3xx reach NumPy-only files through the textual gate, which still skips files without a log of the kind."""

from __future__ import annotations

from ce_lint.config import Settings
from ce_lint.engine import GATE, lint

NUMPY_ONLY = """import numpy as np


def bce(y, p):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
"""


def test_numpy_only_file_is_checked() -> None:
    assert [d.code for d in lint(NUMPY_ONLY, "bce.py", Settings()).diagnostics] == ["CE303"]


def test_gate_still_skips_unrelated_logs() -> None:
    assert not GATE.search("import math\nprint(math.log(2), logging.log(10, 'x'))\n")
    assert GATE.search("from scipy.special import expit\n")
