"""Whatever the paths name, the run ends, every file gets checked once or gets one line, and `--fix`
never loses code: special files are never opened, a size limit holds, an exception while checking
one file (MemoryError included) costs only that file, unreadable folders are reported, fixes never
write through a symlink out of the checked folders nor over a file that changed, and file names that
are not one printable line are escaped."""

from __future__ import annotations

import builtins
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ce_lint import cli
from ce_lint.cli import runner
from ce_lint.config import Settings

from support import FIXTURES

GOOD = (FIXTURES / "CE201.py").read_text(encoding="utf-8")
GOOD_FINDINGS = 6
BUGGY = 'import keras\nmodel = keras.Sequential([keras.layers.Dense(1, activation="softmax")])\n'
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")


def run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ce_lint", "check", "--no-cache", "--isolated", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=timeout)


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if ": error:" in line]


def findings(result) -> int:
    return sum(1 for line in result.stdout.splitlines() if ": CE" in line)


@posix_only
@pytest.mark.parametrize("named", [False, True], ids=["found in a folder", "named"])
def test_a_fifo_is_never_opened(tmp_path: Path, named: bool) -> None:
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.py")
    result = run(*(["good.py", "pipe.py"] if named else ["."]), cwd=tmp_path, timeout=60)
    assert errors(result) == ["pipe.py: error: not a regular file"]
    assert findings(result) == GOOD_FINDINGS and result.returncode == 2


@posix_only
def test_a_link_to_a_device_is_never_read(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    os.symlink("/dev/zero", tmp_path / "zero.py")
    result = run(".", cwd=tmp_path, timeout=60)
    assert errors(result) == ["zero.py: error: not a regular file"] and "Traceback" not in result.stderr
    assert findings(result) == GOOD_FINDINGS and result.returncode == 2


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "big.py").write_text("import torch\n" + "# padding\n" * 250_000, encoding="utf-8")
    result = run(".", cwd=tmp_path)
    assert errors(result) == ["big.py: error: file too large to analyse (2,500,013 bytes; the limit, "
                              "max-file-size, is 2,000,000)"]
    assert findings(result) == GOOD_FINDINGS and result.returncode == 2


def test_a_notebook_made_large_by_its_outputs_is_analysed(tmp_path: Path) -> None:
    notebook = json.loads((FIXTURES / "notebooks" / "keras_mnist.ipynb").read_text(encoding="utf-8"))
    plot = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "A" * 3_000_000}}
    next(c for c in notebook["cells"] if c["cell_type"] == "code")["outputs"] = [plot]
    (tmp_path / "big.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (tmp_path / "huge.ipynb").write_text(json.dumps({**notebook, "pad": "A" * 51_000_000}), encoding="utf-8")
    result = run(".", cwd=tmp_path)
    assert errors(result) == [f"huge.ipynb: error: file too large to analyse ({(tmp_path / 'huge.ipynb').stat().st_size:,} "
                              "bytes; the limit, 25 times max-file-size for a notebook, is 50,000,000)"]
    assert findings(result) > 0 and "big.ipynb:cell" in result.stdout


def test_the_size_limit_is_a_setting(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.ce-lint]\nmax-file-size = 100\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "ce_lint", "check", "--no-cache", "."], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert errors(result) == [f"good.py: error: file too large to analyse ({len(GOOD.encode()):,} bytes; the limit, "
                              "max-file-size, is 100)"]
    (tmp_path / "pyproject.toml").write_text("[tool.ce-lint]\nmax-file-size = \"big\"\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "ce_lint", "check", "--no-cache", "."], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 2 and "'max-file-size' must be a number of bytes" in result.stderr


@pytest.mark.parametrize("failure", [MemoryError, RecursionError, lambda: KeyError("x")], ids=["memory", "recursion", "bug"])
def test_any_exception_while_reading_one_file_costs_only_that_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   failure) -> None:
    for name in ("a.py", "culprit.py", "z.py"):
        (tmp_path / name).write_text(GOOD, encoding="utf-8")
    real_open = io.open

    def opening(file, *args, **kwargs):
        handle = real_open(file, *args, **kwargs)
        if "culprit" in str(getattr(handle, "name", file)) or (isinstance(file, int) and _is_culprit(file)):
            handle.close()
            raise failure()
        return handle

    def _is_culprit(descriptor: int) -> bool:
        return os.path.basename(os.readlink(f"/proc/self/fd/{descriptor}")) == "culprit.py"

    monkeypatch.setattr(io, "open", opening)
    monkeypatch.setattr(builtins, "open", opening)
    paths = [str(tmp_path / n) for n in ("a.py", "culprit.py", "z.py")]
    outcomes = [cli.check_file(p, Settings()) for p in paths]
    assert [len(o.diagnostics) for o in outcomes] == [GOOD_FINDINGS, 0, GOOD_FINDINGS]
    [line] = outcomes[1].errors
    assert line.startswith(f"{paths[1]}: error: internal error: ") and outcomes[1].internal


def test_an_unreadable_folder_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "hidden.py").write_text(GOOD, encoding="utf-8")
    real_scandir, real_listdir = os.scandir, os.listdir

    def refuse(real):
        def guarded(path="."):  # root lists anything: refuse as the kernel would for others
            if os.path.basename(os.fspath(path)) == "secret":
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real(path)
        return guarded

    monkeypatch.setattr(os, "scandir", refuse(real_scandir))
    monkeypatch.setattr(os, "listdir", refuse(real_listdir))
    monkeypatch.chdir(tmp_path)
    code = cli.main(["check", "--no-cache", "--isolated", "--jobs", "1", "."])
    captured = capsys.readouterr()
    assert [line for line in captured.err.splitlines() if ": error:" in line] == ["secret: error: Permission denied"]
    assert captured.out.count(": CE") == GOOD_FINDINGS and code == 2


def test_a_file_named_several_ways_is_checked_once(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(GOOD, encoding="utf-8")
    result = run("a.py", "./a.py", ".", str(tmp_path / "a.py"), cwd=tmp_path)
    assert findings(result) == GOOD_FINDINGS
    assert f"Found {GOOD_FINDINGS} findings in 1 file." in result.stderr


# -- fixes never lose code --------------------------------------------------------------------------


@posix_only
def test_fix_never_writes_through_a_link_out_of_the_checked_folders(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "project").mkdir()
    (tmp_path / "outside" / "shared.py").write_text(BUGGY, encoding="utf-8")
    (tmp_path / "project" / "inside.py").write_text(BUGGY, encoding="utf-8")
    os.symlink("../outside/shared.py", tmp_path / "project" / "link.py")
    os.symlink("inside.py", tmp_path / "project" / "alias.py")
    result = run("--fix", "--unsafe-fixes", "project", cwd=tmp_path)
    assert (tmp_path / "outside" / "shared.py").read_text(encoding="utf-8") == BUGGY
    target = os.path.realpath(tmp_path / "outside" / "shared.py")
    assert errors(result) == [f"project/link.py: error: not fixed: it links to {target}, outside the checked folders"]
    assert "sigmoid" in (tmp_path / "project" / "inside.py").read_text(encoding="utf-8")  # a link inside is fine
    assert (tmp_path / "project" / "alias.py").is_symlink() and result.returncode == 2


def test_a_file_edited_while_it_is_fixed_keeps_the_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUGGY, encoding="utf-8")
    edited = BUGGY + "# the user's edit, saved meanwhile\n"
    real_check = runner.check_bytes

    def slow_check(*args, **kwargs):
        result = real_check(*args, **kwargs)
        path.write_text(edited, encoding="utf-8")
        return result

    monkeypatch.setattr(runner, "check_bytes", slow_check)
    outcome = cli.check_file(str(path), Settings(unsafe_fixes=True), "fix")
    assert path.read_text(encoding="utf-8") == edited
    assert outcome.errors == [f"{path}: error: not fixed: the file changed while it was being fixed; run again"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


def test_a_failed_rename_leaves_the_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ce_lint import files

    path = tmp_path / "train.py"
    path.write_text(BUGGY, encoding="utf-8")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cli.check_file(str(path), Settings(unsafe_fixes=True), "fix")
    assert path.read_text(encoding="utf-8") == BUGGY and sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


def test_a_disk_that_fills_up_mid_write_leaves_the_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit's 64 KiB tmpfs, simulated: the temporary file takes part of the bytes, then the disk is
    full. The original is untouched, nothing is left behind, and the run says so in one line."""
    import errno

    from ce_lint import files

    path = tmp_path / "train.py"
    original = BUGGY + "".join(f"def helper_{i}():\n    return {i}\n\n\n" for i in range(400))
    path.write_text(original, encoding="utf-8")
    real_fdopen = files.os.fdopen

    class Full:
        def __init__(self, handle) -> None:
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    def opening(fd, mode="r", *args, **kwargs):
        handle = real_fdopen(fd, mode, *args, **kwargs)
        return Full(handle) if "w" in mode else handle

    monkeypatch.setattr(files.os, "fdopen", opening)
    outcome = cli.check_file(str(path), Settings(unsafe_fixes=True), "fix")
    assert path.read_text(encoding="utf-8") == original
    assert outcome.errors == [f"{path}: error: cannot write the fixes (No space left on device); the file is unchanged"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


# -- names that are not one printable line ----------------------------------------------------------------


@posix_only
def test_a_newline_in_a_file_name_is_escaped(tmp_path: Path) -> None:
    (tmp_path / "two\nlines.py").write_text(BUGGY, encoding="utf-8")
    (tmp_path / "bad\nsyntax.py").write_text("import torch\ndef f(:\n", encoding="utf-8")
    result = run(".", cwd=tmp_path)
    assert result.stdout.splitlines() == [line for line in result.stdout.splitlines() if line.startswith("two\\nlines.py:2:")]
    assert findings(result) == 1
    assert errors(result) == ["bad\\nsyntax.py: error: syntax error at line 2, column 7: invalid syntax"]


@posix_only
@pytest.mark.skipif(sys.platform == "darwin", reason="APFS refuses file names that are not UTF-8")
def test_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.py")
    (tmp_path / name).write_text(BUGGY, encoding="utf-8")
    sarif = run("--output-format", "sarif", ".", cwd=tmp_path)
    assert sarif.returncode == 1, sarif.stderr
    [result] = json.loads(sarif.stdout)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "caf%E9.py"
    absolute = run("--output-format", "sarif", str(tmp_path), cwd=tmp_path)
    [result] = json.loads(absolute.stdout)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("/caf%E9.py")
    text = run(".", cwd=tmp_path)
    assert text.stdout.startswith("caf\\xe9.py:2:") and text.returncode == 1


# -- configuration and the environment ---------------------------------------------------------------------


def test_a_deeply_nested_pyproject_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.ce-lint]\nx = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    for args in (["."], ["--config", "pyproject.toml", "."]):
        result = subprocess.run([sys.executable, "-m", "ce_lint", "check", "--no-cache", *args], capture_output=True,
                                text=True, cwd=tmp_path, timeout=120)
        assert "Traceback" not in result.stderr and result.returncode in (1, 2), result.stderr
    assert result.stderr.strip().splitlines() == [
        "ce-lint: error: pyproject.toml: cannot read configuration: nested too deeply"]


KERAS_ACCURACY = ('import keras\nmodel = keras.Sequential([keras.layers.Dense(10, activation="softmax")])\n'
                  'model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])\n')


@pytest.mark.parametrize("metadata", ["Name: keras\nVersion: 2.2.0\n", "Name: keras\n"], ids=["stray", "no version"])
def test_metadata_in_the_current_folder_is_not_the_environment(tmp_path: Path, metadata: str) -> None:
    (tmp_path / "train.py").write_text(KERAS_ACCURACY, encoding="utf-8")
    expected = run("train.py", cwd=tmp_path)
    (tmp_path / "keras-2.2.0.dist-info").mkdir()
    (tmp_path / "keras-2.2.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\n" + metadata)
    again = run("train.py", cwd=tmp_path)
    assert (again.returncode, again.stdout, again.stderr) == (expected.returncode, expected.stdout, expected.stderr)


def test_metadata_without_a_version_is_no_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    from ce_lint import versions

    class NoVersion:
        version = None

    monkeypatch.setattr(metadata, "distributions", lambda **kwargs: iter([NoVersion()]))
    versions.installed.cache_clear()
    try:
        assert versions.installed("keras") is None
    finally:
        versions.installed.cache_clear()
