"""The pylint plugin, driven through pylint itself: the command's findings, pylint's ids and symbols."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ce_lint.pylint_plugin import msgid
from ce_lint.rules import all_rules
from support import ROOT

TEMPLATE = "{path}\t{line}\t{column}\t{msg_id}\t{symbol}\t{msg}"


def pylint(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pylint", "--load-plugins=ce_lint.pylint_plugin",
                           f"--msg-template={TEMPLATE}", "--score=n", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def rows(output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.splitlines() if line.count("\t") == 5]


def test_ids_follow_the_codes() -> None:
    assert msgid("CE101") == "W7101" and msgid("CE205") == "W7205" and msgid("CE901") == "W7901"


def test_pylint_reports_what_the_command_reports() -> None:
    ids = ",".join(msgid(r.code) for r in all_rules())
    run = pylint("--disable=all", f"--enable={ids}", "--keras-version=3", "fixtures")
    from_pylint = {(path, int(line), int(col) + 1, msg) for path, line, col, _id, _symbol, msg in rows(run.stdout)}
    cli = subprocess.run([sys.executable, "-m", "ce_lint", "check", "--output-format", "json", "--extend-select", "CE",
                          "--keras-version", "3", "--exclude", "notebooks", "fixtures"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    from_cli = {(d["filename"], d["location"]["row"], d["location"]["column"], f'{d["code"]} {d["message"]}')
                for d in json.loads(cli.stdout)}
    assert from_pylint == from_cli
    assert all(symbol == next(r.name for r in all_rules() if msgid(r.code) == mid)
               for _p, _l, _c, mid, symbol, _m in rows(run.stdout))


def test_symbols_suppress_and_default_off_rules_stay_off(tmp_path: Path) -> None:
    source = (ROOT / "fixtures" / "CE901.py").read_text()
    (tmp_path / "a.py").write_text(source)
    default = pylint(str(tmp_path / "a.py"))  # pylint's defaults: every default-on message
    assert not any(r[3] == "W7901" for r in rows(default.stdout))  # off unless asked for
    assert any(r[0].endswith("a.py") for r in rows(default.stdout))
    asked = pylint("--disable=all", "--enable=W7901", str(tmp_path / "a.py"))
    assert any(r[3] == "W7901" for r in rows(asked.stdout))
    (tmp_path / "a.py").write_text(source.replace("criterion = nn.BCELoss()  # expect: CE901[unsafe]",
                                                  "criterion = nn.BCELoss()  # pylint: disable=prefer-bce-with-logits"))
    silenced = pylint("--disable=all", "--enable=W7901", str(tmp_path / "a.py"))
    assert len(rows(silenced.stdout)) == len(rows(asked.stdout)) - 1


def test_pylint_run_again_in_one_process_reports_again(tmp_path: Path) -> None:
    """An editor integration or a test runner runs pylint many times in one process; each run reports
    the file's findings, also after the file changes."""
    import io

    from pylint.lint import Run
    from pylint.reporters.text import TextReporter

    path = tmp_path / "a.py"
    path.write_text((ROOT / "fixtures" / "CE201.py").read_text())

    def messages() -> list[str]:
        out = io.StringIO()
        Run(["--load-plugins=ce_lint.pylint_plugin", "--disable=all", "--enable=W7201", "--score=n",
             "--msg-template={msg_id} {line}", str(path)], reporter=TextReporter(out), exit=False)
        return [line for line in out.getvalue().splitlines() if line.startswith("W7201 ")]

    first = messages()
    assert first and [messages() for _ in range(3)] == [first] * 3
    path.write_text(path.read_text() + "\nloss = nn.CrossEntropyLoss()(torch.softmax(x, dim=1), y)\n")
    assert len(messages()) == len(first) + 1
