"""Real training code (example, tutorial, notebook, test and lab folders of the PyPI packages pinned in
benchmarks/training_corpus.py), checked as a user checks it: every rule, notebooks as notebooks. Every
finding and every file that can't be checked has a reviewed verdict in benchmarks/training_verdicts.toml
and every verdict still has its finding, so a new false positive or a lost true positive shows up as a
diff in review. The first run downloads the archives (about 75 MB)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from training_findings import KINDS, error_key, key, load_verdicts  # noqa: E402
from training_corpus import fetch  # noqa: E402


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], set[str], str]:
    """{finding key: code}, the keys of the files that could not be checked, and stderr."""
    folders = [str(f) for f in fetch()]
    result = subprocess.run([sys.executable, "-m", "ce_lint", "check", "--isolated", "--no-cache", "--select", "ALL",
                             "--output-format", "json", *folders], capture_output=True, text=True,
                            cwd=tmp_path_factory.mktemp("run"), timeout=1500)
    assert result.returncode in (1, 2), result.stderr
    found = {key(d["filename"], d["location"]["row"], d["code"], d["cell"]): d["code"]
             for d in json.loads(result.stdout)}
    errors = {error_key(line) for line in result.stderr.splitlines() if ": error: " in line}
    return found, errors, result.stderr


def test_every_finding_and_unreadable_file_of_the_training_corpus_has_a_verdict(checked) -> None:
    found, errors, stderr = checked
    assert "Traceback" not in stderr and "internal error" not in stderr
    verdicts = load_verdicts()
    reviewed = {k for k, v in verdicts.items() if v.get("verdict", "UNREVIEWED") != "UNREVIEWED"}
    unreviewed = sorted({*found, *errors} - reviewed)  # new findings: true bugs to record or false positives
    stale = sorted(set(verdicts) - {*found, *errors})  # a true positive lost, or a false positive fixed
    assert (unreviewed, stale) == ([], []), \
        "`python benchmarks/training_findings.py --update` adds a stub to benchmarks/training_verdicts.toml for " \
        "each finding without a verdict (read the code, judge it) and removes the stale verdicts"
    assert all(verdicts[k]["verdict"] in KINDS and verdicts[k]["why"] for k in found)
    assert all(verdicts[k]["verdict"] == "bad input" for k in errors)


def test_each_false_positive_names_its_root_cause() -> None:
    """The report lists each false positive with its cause (and a minimal reproduction where there is
    one), for whoever fixes the analysis; a fixed one fails the test above until its verdict goes."""
    verdicts = load_verdicts()
    assert [k for k, v in verdicts.items() if v["verdict"] == "false positive" and not v.get("cause")] == []
