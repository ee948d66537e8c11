"""CE3xx reach NumPy-only and plain Python files through the textual gate, which still skips files without a
log of the kind."""

from __future__ import annotations

from ce_lint.config import Settings
from ce_lint.engine import GATE, lint

NUMPY_ONLY = """import numpy as np


def bce(y, p):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
"""


def test_numpy_only_file_is_checked() -> None:
    assert [d.code for d in lint(NUMPY_ONLY, "bce.py", Settings()).diagnostics] == ["CE303"]


PLAIN_PYTHON = """import math


def cross_entropy(y, p):
    return -sum(t * math.log(q) for t, q in zip(y, p))
"""


def test_plain_python_file_is_checked() -> None:
    assert [d.code for d in lint(PLAIN_PYTHON, "ce.py", Settings()).diagnostics] == ["CE303"]


def test_gate_still_skips_unrelated_logs() -> None:
    assert not GATE.search("import logging\nimport math\nprint(math.sqrt(2), logging.log(10, 'x'))\n")
    assert GATE.search("from scipy.special import expit\n")
    assert GATE.search("from math import log\n")


EXTREME_LITERALS = """import numpy as np

x = 1""" + "0" * 400 + """
print(np.log(x), np.log(np.arange(0, 1e300, 1e-300)), np.log(np.linspace(0, 1, 1e400)))
print(-np.sum(np.array([1, 0]) * np.log(np.exp(np.array([1e308, -1e308])))))
print(-np.sum(np.array([1, 0]) * np.log(np.array([1e308]) * 10)))
"""


def test_literals_beyond_floats_are_not_bounded_and_do_not_crash() -> None:
    result = lint(EXTREME_LITERALS, "extreme.py", Settings())
    assert result.errors == []
    assert [d.line for d in result.diagnostics] == [6]  # 1e308 * 10 overflows: as unknown as any unbounded value
