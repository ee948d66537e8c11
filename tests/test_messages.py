"""What every finding says, Ruff's way: a message of one short sentence (what is wrong and what
follows), what to do as a separate fix title, and the other places the message names as related
locations. Checked on every finding of every fixture, scripts and notebooks, under the Keras
versions whose messages differ; the version detail is on the rule pages (test_version_matrix.py
holds the pages and the messages to the matrix)."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from ce_lint.config import Settings
from ce_lint.core import check_bytes
from ce_lint.diagnostics import Diagnostic, FileError

from support import FIXTURES, ROOT

MAX_LENGTH = 120
VERSIONS = ("3", "3.4", "2.3", "2.2", "tf-2.1")  # each message variant appears under one of them
PATHS = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".py", ".ipynb") and not p.name.endswith(".fixed.py"))
LINE = re.compile(r"\b(?:cell (\d+), )?line (\d+)\b")


@lru_cache(maxsize=None)
def findings(version: str) -> tuple[Diagnostic, ...]:
    found = []
    for path in PATHS:
        try:
            found += check_bytes(path.read_bytes(), str(path.relative_to(ROOT)), Settings(select=("",),
                                 keras_version=version)).diagnostics
        except FileError:
            continue  # the deliberately broken notebooks
    return tuple(found)


def test_the_fixtures_report_every_rule() -> None:
    from ce_lint.rules import all_rules

    assert {d.code for v in VERSIONS for d in findings(v)} == {r.code for r in all_rules()}


@pytest.mark.parametrize("version", VERSIONS)
def test_messages_are_one_short_sentence(version: str) -> None:
    for d in findings(version):
        where = f"{d.path}:{d.line} {d.code}: {d.message}"
        assert len(d.message) <= MAX_LENGTH, where
        assert ";" not in d.message and ". " not in d.message and not d.message.endswith("."), where
        assert not re.search(r"\b(use|pass|remove)\b", d.message), where  # what to do is the fix title
        assert not re.search(r"(Keras|TF|tf\.keras|TensorFlow) ?[<>]=", d.message), where  # version detail: the page


@pytest.mark.parametrize("version", VERSIONS)
def test_every_finding_says_what_to_do_and_a_fix_is_titled(version: str) -> None:
    for d in findings(version):
        where = f"{d.path}:{d.line} {d.code}"
        assert d.fix_title, where
        if d.fix is not None:
            assert d.fix_title == d.fix.message, where
        assert "{" not in d.fix_title and len(d.fix_title) <= MAX_LENGTH, (where, d.fix_title)
        assert d.fix_title[0].isupper() and not d.fix_title.endswith("."), (where, d.fix_title)  # "Use ...", as Ruff


@pytest.mark.parametrize("version", VERSIONS)
def test_the_places_a_message_names_are_related_locations(version: str) -> None:
    named = 0
    for d in findings(version):
        related = {(r.cell, r.line) for r in d.related} | {(d.cell, d.line)}
        for cell, line in LINE.findall(d.message):
            named += 1
            assert (int(cell) if cell else None, int(line)) in related, (d.path, d.line, d.code, d.message, d.related)
        for r in d.related:
            assert r.message and r.path in (None, d.path) and (r.cell is None) == (d.cell is None), (d.path, d.line, r)
            assert (r.cell, r.line, r.col) != (d.cell, d.line, d.col), (d.path, d.line, d.code)
    assert named > 50


def _titles(version: str, path: str, code: str) -> set[str]:
    return {d.fix_title for d in findings(version) if d.path == path and d.code == code}


def test_what_to_do_is_what_the_targeted_version_runs() -> None:
    """The message is the same on every version; the help names what the configured Keras accepts."""
    logit = "fixtures/CE104.py"
    assert "Use keras.metrics.BinaryAccuracy(threshold=0.0)" in _titles("3", logit, "CE104")
    assert "Use a metric function that thresholds the logits at 0" in _titles("3.4", logit, "CE104")  # 3.0-3.4 refuse 0.0
    assert not any("keras.backend" in t for t in _titles("3", "fixtures/CE106.py", "CE106"))
    assert "Use a loss function calling keras.backend.binary_crossentropy(y_true, y_pred, from_logits=True)" in _titles(
        "2.2", "fixtures/CE106.py", "CE106")  # Keras < 2.3 has no loss classes
    for code, path, other in (("CE104", logit, "3.4"), ("CE106", "fixtures/CE106.py", "2.2")):
        messages = {v: {d.message for d in findings(v) if d.path == path and d.code == code} for v in ("3", other)}
        assert messages["3"] == messages[other], code
