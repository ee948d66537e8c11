"""The whole benchmark corpus (about 5,000 files of six pinned PyPI packages, see benchmarks/corpus.py),
checked as users check it: no crash, no traceback, every file checked, and no finding that lacks a
reviewed verdict in benchmarks/real_code_verdicts.toml (a new one is either a new true bug to record or
a false positive to fix), and no reviewed finding that is no longer reported (a true bug lost). The first
run downloads the wheels (about 20 MB)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus import CORPUS, fetch  # noqa: E402


def test_the_real_corpus_is_checked_without_errors_and_every_finding_is_reviewed(tmp_path: Path) -> None:
    folders = [str(f) for f in fetch()]
    result = subprocess.run([sys.executable, "-m", "ce_lint", "check", "--isolated", "--no-cache", "--select", "ALL",
                             "--output-format", "json", *folders], capture_output=True, text=True, cwd=tmp_path,
                            timeout=1500)
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if ": error:" in line] == []
    assert result.returncode in (0, 1)
    root = CORPUS / "src"
    found = {f"{Path(d['filename']).relative_to(root)}:{d['location']['row']}:{d['code']}"
             for d in json.loads(result.stdout)}
    verdicts = tomllib.loads((ROOT / "benchmarks" / "real_code_verdicts.toml").read_text(encoding="utf-8"))
    assert found - set(verdicts) == set(), "new findings on real code: review them (benchmarks/real_code_findings.py)"
    assert all(verdicts[key]["verdict"] == "true bug" for key in found)
    assert set(verdicts) - found == set(), "reviewed findings no longer reported: a lost true bug, or a stale verdict"
