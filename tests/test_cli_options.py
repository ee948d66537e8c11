"""The options and commands Ruff users type, each through the real command: standard input, the exit
options, statistics, fixes listed, files and settings shown, the report in a file, quiet, watch,
--add-noqa, every output format, colour, and the `rule`, `version` and `config` commands."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from support import ROOT

KERAS = """\
import keras

model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
"""  # CE104 at 4:98, with a safe fix
FIXED = KERAS.replace('["accuracy"]', "[keras.metrics.BinaryAccuracy(threshold=0.0)]")
BUGGY = """\
import keras

y = keras.utils.to_categorical(labels, 10)
model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x, y)
"""  # CE102 at 5:38, with an unsafe fix only


def ce_lint(*args: str, cwd: Path, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ce_lint", *args], capture_output=True, text=True, cwd=cwd,
                          input=stdin, timeout=300, env=env)


def project(tmp_path: Path) -> Path:
    (tmp_path / "a.py").write_text(KERAS)
    (tmp_path / "b.py").write_text(BUGGY)
    return tmp_path


# -- standard input ------------------------------------------------------------------------------------------


def test_stdin_is_checked_as_the_file_it_names(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint.per-file-ignores]\n"scripts/*" = ["CE102"]\n')
    result = ce_lint("check", "-", "--stdin-filename", "train.py", "--output-format", "json", cwd=tmp_path, stdin=BUGGY)
    found = [(d["filename"], d["code"]) for d in json.loads(result.stdout)]
    assert result.returncode == 1 and found == [("train.py", "CE102")]
    ignored = ce_lint("check", "--stdin-filename", "scripts/train.py", cwd=tmp_path, stdin=BUGGY)  # - implied
    assert ignored.returncode == 0, ignored.stdout
    plain = ce_lint("check", "-", cwd=tmp_path, stdin=BUGGY)
    assert plain.returncode == 1 and plain.stdout.startswith("-:5:")


def test_stdin_with_fix_writes_the_fixed_source_to_stdout(tmp_path: Path) -> None:
    result = ce_lint("check", "--fix", "-", "--stdin-filename", "train.py", cwd=tmp_path, stdin=KERAS + BUGGY[13:])
    assert result.stdout == FIXED + BUGGY[13:]
    assert "train.py:8:38: CE102" in result.stderr  # the finding left, on stderr
    assert result.returncode == 1
    clean = ce_lint("check", "--fix", "-", cwd=tmp_path, stdin="x = 1\n")
    assert clean.stdout == "x = 1\n" and clean.returncode == 0


def test_stdin_excluded_with_force_exclude_passes_through(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint]\nexclude = ["legacy"]\nforce-exclude = true\n')
    result = ce_lint("check", "--fix", "-", "--stdin-filename", "legacy/old.py", cwd=tmp_path, stdin=KERAS)
    assert result.stdout == KERAS and result.returncode == 0


# -- exit status and what is printed -------------------------------------------------------------------------


def test_exit_zero_and_exit_non_zero_on_fix(tmp_path: Path) -> None:
    project(tmp_path)
    assert ce_lint("check", "--no-cache", "--exit-zero", ".", cwd=tmp_path).returncode == 0
    (tmp_path / "b.py").unlink()
    assert ce_lint("check", "--fix", ".", cwd=tmp_path).returncode == 0  # all fixed: clean
    (tmp_path / "a.py").write_text(KERAS)
    assert ce_lint("check", "--fix", "--exit-non-zero-on-fix", ".", cwd=tmp_path).returncode == 1
    (tmp_path / "bad.py").write_text("def (:\n")
    assert ce_lint("check", "--no-cache", "--exit-zero", ".", cwd=tmp_path).returncode == 2  # errors stay errors


def test_statistics(tmp_path: Path) -> None:
    project(tmp_path)
    (tmp_path / "c.py").write_text(BUGGY)
    result = ce_lint("check", "--no-cache", "--statistics", ".", cwd=tmp_path)
    assert result.stdout.splitlines() == ["2\tCE102\t[ ] softmax-with-binary-crossentropy",
                                          "1\tCE104\t[*] ambiguous-accuracy"]
    as_json = json.loads(ce_lint("check", "--no-cache", "--statistics", "--output-format", "json", ".",
                                 cwd=tmp_path).stdout)
    assert as_json[0] == {"code": "CE102", "name": "softmax-with-binary-crossentropy", "count": 2, "fixable": False}


def test_show_fixes(tmp_path: Path) -> None:
    project(tmp_path)
    listed = ce_lint("check", "--no-cache", "--show-fixes", ".", cwd=tmp_path)
    assert "Fixable with --fix:\na.py:\n    1 x CE104 (ambiguous-accuracy)" in listed.stderr
    fixed = ce_lint("check", "--fix", "--show-fixes", ".", cwd=tmp_path)
    assert "Fixed 1 finding:\na.py:\n    1 x CE104 (ambiguous-accuracy)" in fixed.stderr


def test_show_files_and_show_settings(tmp_path: Path) -> None:
    project(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.ce-lint]\nignore = ["CE104"]\n')
    assert ce_lint("check", "--show-files", ".", cwd=tmp_path).stdout.split() == ["a.py", "b.py"]
    shown = ce_lint("check", "--show-settings", "a.py", cwd=tmp_path)
    assert shown.returncode == 0 and 'ignore = ["CE104"]' in shown.stdout and "respect-gitignore = true" in shown.stdout


def test_output_file_quiet_and_silent(tmp_path: Path) -> None:
    project(tmp_path)
    result = ce_lint("check", "--no-cache", "--output-format", "json", "--output-file", "out/report.json", ".",
                     cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == "" and "Found 2 findings" in result.stderr
    assert [d["code"] for d in json.loads((tmp_path / "out" / "report.json").read_text())] == ["CE104", "CE102"]
    quiet = ce_lint("check", "--no-cache", "-q", ".", cwd=tmp_path)
    assert quiet.returncode == 1 and quiet.stderr == "" and len(quiet.stdout.splitlines()) == 2
    silent = ce_lint("check", "--no-cache", "--silent", ".", cwd=tmp_path)
    assert (silent.returncode, silent.stdout, silent.stderr) == (1, "", "")


def test_add_noqa_adds_directives_that_silence_every_finding(tmp_path: Path) -> None:
    project(tmp_path)
    loss = 'loss="binary_crossentropy")'
    (tmp_path / "c.py").write_text(BUGGY.replace(loss, f"{loss}  # noqa: CE9"))
    (tmp_path / "d.py").write_text(BUGGY.replace(loss, 'loss=(\n    "binary_crossentropy"\n))'))
    result = ce_lint("check", "--add-noqa", ".", cwd=tmp_path)
    assert result.returncode == 0 and "Added 4 noqa directives." in result.stderr, result.stderr
    assert '["accuracy"])  # noqa: CE104\n' in (tmp_path / "a.py").read_text()
    assert '# noqa: CE9, CE102\n' in (tmp_path / "c.py").read_text()
    assert '"binary_crossentropy"  # noqa: CE102\n' in (tmp_path / "d.py").read_text()  # its own line in brackets
    after = ce_lint("check", "--no-cache", ".", cwd=tmp_path)
    assert after.returncode == 0, after.stdout
    again = ce_lint("check", "--add-noqa", ".", cwd=tmp_path)
    assert "Added 0 noqa directives." in again.stderr


def test_add_noqa_in_a_notebook_cell(tmp_path: Path) -> None:
    notebook = ROOT / "examples" / "train_buggy.ipynb"
    (tmp_path / "nb.ipynb").write_bytes(notebook.read_bytes())
    assert ce_lint("check", "--add-noqa", "nb.ipynb", cwd=tmp_path).returncode == 0
    assert ce_lint("check", "--no-cache", "nb.ipynb", cwd=tmp_path).returncode == 0
    cells = json.loads((tmp_path / "nb.ipynb").read_text())["cells"]
    assert any("# noqa: CE201" in "".join(c["source"]) for c in cells)


def test_watch_checks_again_when_a_file_changes(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    process = subprocess.Popen([sys.executable, "-m", "ce_lint", "check", "--watch", "--output-format", "concise", "."],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        time.sleep(2)
        (tmp_path / "a.py").write_text(BUGGY)
        output = ""
        os.set_blocking(process.stdout.fileno(), False)
        while "CE102" not in output and time.monotonic() < deadline:
            output += (process.stdout.read() or b"").decode()
            time.sleep(0.2)
        assert "a.py:5:" in output and "CE102" in output
    finally:
        process.send_signal(signal.SIGINT)
        stderr = process.communicate(timeout=30)[1].decode()
    assert process.returncode == 0 and "File change detected" in stderr and "Traceback" not in stderr



def test_watch_reads_a_changed_configuration_again(tmp_path: Path) -> None:
    """A configuration edited during a watch applies at once; a broken one is reported, and the watch goes on."""
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.ce-lint]\nignore = ["CE102"]\n')
    (tmp_path / "a.py").write_text(BUGGY)
    process = subprocess.Popen([sys.executable, "-m", "ce_lint", "check", "--watch", "--no-cache", "--output-format",
                                "concise", "."], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    output, errors = "", ""
    os.set_blocking(process.stdout.fileno(), False)
    os.set_blocking(process.stderr.fileno(), False)

    def wait_for(stream: str, text: str) -> None:
        nonlocal output, errors
        deadline = time.monotonic() + 60
        while text not in (output if stream == "out" else errors) and time.monotonic() < deadline:
            output += (process.stdout.read() or b"").decode()
            errors += (process.stderr.read() or b"").decode()
            time.sleep(0.2)

    try:
        wait_for("err", "Watching for file changes.")
        assert "CE102" not in output
        time.sleep(1)
        config.write_text('[tool.ce-lint]\nignore = "CE102"\n')  # not a list: an error, and no check
        wait_for("err", "ce-lint: error:")
        assert "ignore" in errors.split("ce-lint: error:")[-1]
        time.sleep(1)
        config.write_text('[tool.ce-lint]\nignore = ["CE104"]\n')
        wait_for("out", "CE102")
        assert "a.py:5:" in output and "CE102" in output
    finally:
        process.send_signal(signal.SIGINT)
        errors += process.communicate(timeout=30)[1].decode()
    assert process.returncode == 0 and "Traceback" not in errors


# -- output formats ---------------------------------------------------------------------------------------


def run_format(tmp_path: Path, fmt: str, *extra: str, env: dict[str, str] | None = None) -> str:
    project(tmp_path)
    result = ce_lint("check", "--no-cache", "--output-format", fmt, *extra, ".", cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    return result.stdout


def test_full_shows_the_source_the_range_and_the_fix_title(tmp_path: Path) -> None:
    out = run_format(tmp_path, "full")
    assert ("a.py:4:98: CE104 [*] " in out and "4 | model.compile(" in out and
            "  |" + " " * 98 + "^" * 10 + " CE104" in out and "= help: Use keras.metrics.BinaryAccuracy" in out), out
    assert "\033[" not in out


def test_full_prints_a_findings_title_and_related_lines_when_it_has_them(tmp_path: Path) -> None:
    from ce_lint.diagnostics import Diagnostic, Related, Severity
    from ce_lint.output.full import finding

    lines = BUGGY.splitlines(keepends=True)
    d = Diagnostic("b.py", 5, 38, 5, 59, "CE102", "binary cross-entropy on a softmax", Severity.ERROR,
                   fix_title="Use categorical_crossentropy", related=(Related("the softmax output", 4, 45, 4, 64),))
    text = finding(d, lambda path, cell: lines)
    assert "  = help: Use categorical_crossentropy" in text
    assert "  = related: b.py:4:46: the softmax output" in text and "4 | model = keras.Sequential" in text


def test_colour_on_a_terminal_only_and_as_the_environment_says(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    assert "\033[" not in run_format(tmp_path, "concise", env=env)
    assert "\033[1;31mCE104" in run_format(tmp_path, "concise", env={**env, "FORCE_COLOR": "1"})
    assert "\033[" not in run_format(tmp_path, "concise", env={**env, "FORCE_COLOR": "1", "NO_COLOR": "1"})
    if shutil.which("script") is None:
        pytest.skip("no `script` (util-linux) to give the command a terminal")
    script = subprocess.run(["script", "-qec", f"{sys.executable} -m ce_lint check --no-cache .", "/dev/null"],
                            capture_output=True, text=True, cwd=tmp_path, env={**env, "TERM": "xterm"}, timeout=300)
    assert "\033[" in script.stdout and "^^^" in script.stdout  # a terminal: full, in colour
    plain = subprocess.run(["script", "-qec", f"{sys.executable} -m ce_lint check --no-cache .", "/dev/null"],
                           capture_output=True, text=True, cwd=tmp_path, env={**env, "NO_COLOR": "1"}, timeout=300)
    assert "\033[" not in plain.stdout and "^^^" in plain.stdout


def test_concise_and_its_old_name(tmp_path: Path) -> None:
    assert run_format(tmp_path, "concise") == run_format(tmp_path, "text")
    assert run_format(tmp_path, "concise").splitlines()[0].startswith("a.py:4:98: CE104 [*] ")


def test_json_lines(tmp_path: Path) -> None:
    lines = [json.loads(line) for line in run_format(tmp_path, "json-lines").splitlines()]
    assert lines == json.loads(run_format(tmp_path, "json"))


def test_junit(tmp_path: Path) -> None:
    (tmp_path / "clean.py").write_text("x = 1\n")
    suites = ElementTree.fromstring(run_format(tmp_path, "junit"))
    assert suites.tag == "testsuites" and suites.get("failures") == "2" and suites.get("tests") == "3"
    by_name = {s.get("name"): s for s in suites}
    assert sorted(by_name) == ["a.py", "b.py", "clean.py"] and by_name["clean.py"].get("failures") == "0"
    case = by_name["b.py"].find("testcase")
    assert case.get("name") == "ce-lint.CE102" and case.get("line") == "5" and case.find("failure") is not None


def test_gitlab_code_quality(tmp_path: Path) -> None:
    report = json.loads(run_format(tmp_path, "gitlab"))
    severity = {"error": "major", "warning": "minor"}
    assert [(r["check_name"], r["location"]["path"], r["location"]["lines"]["begin"], r["severity"]) for r in report] \
        == [(d["code"], d["filename"], d["location"]["row"], severity[d["severity"]])
            for d in json.loads(run_format(tmp_path, "json"))]
    assert [r["location"]["lines"]["begin"] for r in report] == [4, 5]
    assert len({r["fingerprint"] for r in report}) == 2
    (tmp_path / "b.py").write_text("\n\n" + BUGGY)  # the finding moves: its fingerprint stays
    assert json.loads(run_format(tmp_path, "gitlab"))[1]["fingerprint"] == report[1]["fingerprint"]


def test_pylint_format(tmp_path: Path) -> None:
    assert run_format(tmp_path, "pylint").splitlines()[1].startswith("b.py:5: [CE102] binary_crossentropy")


def test_an_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    result = ce_lint("check", "--output-format", "xml", ".", cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice: 'xml'" in result.stderr


# -- the other commands -----------------------------------------------------------------------------------


def test_rule_all_and_json(tmp_path: Path) -> None:
    from ce_lint.rules import all_rules

    codes = [r.code for r in all_rules()]
    pages = ce_lint("rule", "--all", cwd=tmp_path).stdout
    assert [line[2:7] for line in pages.splitlines() if line.startswith("# CE")] == codes
    described = json.loads(ce_lint("rule", "--all", "--output-format", "json", cwd=tmp_path).stdout)
    assert [r["code"] for r in described] == codes and described[0]["explanation"].startswith("# CE101")
    one = json.loads(ce_lint("rule", "CE104", "--output-format", "json", cwd=tmp_path).stdout)
    assert one["name"] == "ambiguous-accuracy" and one["fix"] == "safe or unsafe"
    assert ce_lint("rule", cwd=tmp_path).returncode == 2 and ce_lint("rule", "CE999", cwd=tmp_path).returncode == 2


def test_version_and_config(tmp_path: Path) -> None:
    from ce_lint import __version__

    assert ce_lint("version", cwd=tmp_path).stdout == f"ce-lint {__version__}\n"
    assert json.loads(ce_lint("version", "--output-format", "json", cwd=tmp_path).stdout) == {"version": __version__}
    described = ce_lint("config", "respect-gitignore", cwd=tmp_path)
    assert described.returncode == 0 and described.stdout.startswith("respect-gitignore (bool): ")
    assert "Default: true" in described.stdout
    as_json = json.loads(ce_lint("config", "max-file-size", "--output-format", "json", cwd=tmp_path).stdout)
    assert as_json["default"] == 2_000_000
    listed = ce_lint("config", cwd=tmp_path).stdout
    assert "force-exclude" in listed and "extend" in listed
    assert ce_lint("config", "colour", cwd=tmp_path).returncode == 2
