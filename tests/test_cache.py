"""The result cache: same answers as without it, never parses an unchanged file twice, survives
corrupt entries, parallel runs and folders it can't write, and stores nothing but JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ce_lint import cli
from ce_lint.cache import FOLDER, Cache
from ce_lint.config import Settings

from support import FIXTURES


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ce_lint", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("CE101.py", "CE201.py", "CE301.py"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    (tmp_path / "clean.py").write_text("import torch\nx = torch.zeros(3)\n", encoding="utf-8")
    (tmp_path / "broken.py").write_text("import torch\ndef f(:\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.ce-lint]\n", encoding="utf-8")
    return tmp_path


def entries(root: Path) -> list[Path]:
    return sorted((root / FOLDER).glob("*/*.json"))


def test_cached_run_reports_exactly_what_an_uncached_run_does(project: Path) -> None:
    uncached = run("check", "--no-cache", "--output-format", "json", ".", cwd=project)
    assert not (project / FOLDER).exists()
    cold = run("check", "--output-format", "json", ".", cwd=project)
    assert len(entries(project)) == 5  # one per file, the one that doesn't parse included
    warm = run("check", "--output-format", "json", ".", cwd=project)
    assert uncached.returncode == cold.returncode == warm.returncode == 2
    assert uncached.stdout == cold.stdout == warm.stdout
    assert uncached.stderr == cold.stderr == warm.stderr
    assert json.loads(warm.stdout)  # findings, fixes included


def test_a_hit_is_not_analysed_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, settings, path = Cache(project), Settings(), str(project / "CE101.py")
    first = cli.check_file(path, settings, cache=cache)
    monkeypatch.setattr("ce_lint.core.lint", lambda *a, **k: pytest.fail("a cached file was analysed"))
    second = cli.check_file(path, settings, cache=cache)
    assert second.diagnostics == first.diagnostics and second.diagnostics


def test_the_key_follows_content_path_settings_and_version(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, data = Cache(project), b"import torch\n"
    key = cache.key("a.py", data, Settings())
    assert key == Cache(project).key("a.py", data, Settings())
    assert key != cache.key("a.py", data + b"\n", Settings())
    assert key != cache.key("b.py", data, Settings())
    assert key != cache.key("a.py", data, Settings(ignore=("CE101",)))
    assert key != cache.key("a.py", data, Settings(keras_version="2.3"))
    monkeypatch.setattr("ce_lint.cache.__version__", "99.0")
    assert key != Cache(project).key("a.py", data, Settings())


def test_an_edit_is_seen(project: Path) -> None:
    first = run("check", "--output-format", "json", "CE101.py", cwd=project)
    (project / "CE101.py").write_text("import keras\n", encoding="utf-8")
    second = run("check", "--output-format", "json", "CE101.py", cwd=project)
    assert json.loads(first.stdout) and json.loads(second.stdout) == [] and second.returncode == 0


@pytest.mark.parametrize("damage", [b"", b"{", b"\x00\xff garbage", b'{"diagnostics": 3, "errors": []}',
                                    b'{"diagnostics": [{"path": "x"}], "errors": []}', b"[]"])
def test_a_corrupt_entry_is_a_miss_and_is_rewritten(project: Path, damage: bytes) -> None:
    expected = run("check", "--output-format", "json", "CE201.py", cwd=project)
    [entry] = entries(project)
    entry.write_bytes(damage)
    again = run("check", "--output-format", "json", "CE201.py", cwd=project)
    assert again.stdout == expected.stdout and again.stderr == expected.stderr
    assert json.loads(entry.read_bytes())["diagnostics"]


def test_parallel_runs_share_the_cache_safely(project: Path) -> None:
    for i in range(30):  # enough files for the process pool
        shutil.copy(FIXTURES / "CE201.py", project / f"copy_{i}.py")
    expected = run("check", "--no-cache", "--output-format", "json", ".", cwd=project).stdout
    command = [sys.executable, "-m", "ce_lint", "check", "--output-format", "json", "."]
    runs = [subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)]
    outputs = [r.communicate(timeout=300)[0] for r in runs]
    assert outputs == [expected] * 4
    assert len(entries(project)) == 35
    assert not list((project / FOLDER).glob("*/.*.tmp"))  # no temporary file left behind
    assert run("check", "--output-format", "json", ".", cwd=project).stdout == expected


def test_a_folder_it_cannot_write_only_costs_speed(project: Path) -> None:
    (project / FOLDER).write_text("not a folder", encoding="utf-8")
    result = run("check", "--output-format", "json", "CE201.py", cwd=project)
    assert result.returncode == 1 and json.loads(result.stdout)
    assert "Traceback" not in result.stderr


def test_the_cache_holds_only_json(project: Path) -> None:
    run("check", ".", cwd=project)
    stored = [p for p in (project / FOLDER).rglob("*") if p.is_file()]
    assert {p.name for p in stored} >= {".gitignore", "CACHEDIR.TAG"}
    for path in stored:
        if path.suffix == ".json":
            assert set(json.loads(path.read_bytes())) == {"key", "file", "diagnostics", "errors"}
        else:
            assert path.name in (".gitignore", "CACHEDIR.TAG")


def test_internal_errors_are_not_cached(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr("ce_lint.core.lint", broken)
    outcome = cli.check_file(str(project / "CE101.py"), Settings(), cache=Cache(project))
    assert outcome.internal and "internal error" in outcome.errors[0]
    assert entries(project) == []


def test_clean_removes_the_cache(project: Path) -> None:
    run("check", ".", cwd=project)
    assert (project / FOLDER).is_dir()
    result = run("clean", cwd=project)
    assert result.returncode == 0 and not (project / FOLDER).exists()
    assert "No cache" in run("clean", cwd=project).stderr


# -- a planted or damaged entry is a miss, never a crash nor a changed report --------------------------------


def _planted(record: dict) -> list:
    """Ways to tamper with a real entry of CE201.py."""
    finding = record["diagnostics"][0]

    def with_finding(**changes) -> dict:
        return {**record, "diagnostics": [{**finding, **changes}] + record["diagnostics"][1:]}

    return [
        with_finding(range=[1e999, 0, 1, 0]),  # OverflowError when made an int
        with_finding(range=[True, 0, 1, 0]),
        with_finding(range=[5, 0, 4, 0]),  # ends before it starts
        with_finding(range=[-1, 0, 1, 0]),
        with_finding(code="CE999"),  # KeyError in the JSON and SARIF writers
        with_finding(path="elsewhere.py"),  # a finding for another file
        with_finding(message="\x1b[2J\x1b[31mhijacked"),  # raw terminal escapes
        with_finding(severity="fatal"),
        with_finding(extra=1),
        with_finding(fix={"applicability": "safe", "message": "x", "edits": [["", 1, 0, 1]]}),
        {**record, "diagnostics": []},  # hides the findings (under another key)
        {**record, "errors": ["elsewhere.py: error: planted"]},
        {**record, "errors": ["CE201.py: error: two\nlines"]},
        {**record, "file": "/elsewhere/CE201.py"},
    ]


def test_a_planted_entry_is_a_miss(project: Path) -> None:
    expected = run("check", "--output-format", "json", "CE201.py", cwd=project)
    [entry] = entries(project)
    record = json.loads(entry.read_bytes())
    assert record["diagnostics"]
    for index, planted in enumerate(_planted(record)):
        if planted["diagnostics"] == [] and planted["errors"] == record["errors"]:
            planted["key"] = "0" * 64  # an entry saying "no findings" for another version: must not be taken for this one
        entry.write_text(json.dumps(planted), encoding="utf-8")
        again = run("check", "--output-format", "json", "CE201.py", cwd=project)
        assert (again.stdout, again.stderr, again.returncode) == (expected.stdout, expected.stderr, expected.returncode), index
        for fmt in ("text", "sarif"):
            entry.write_text(json.dumps(planted), encoding="utf-8")
            shown = run("check", "--output-format", fmt, "CE201.py", cwd=project)
            assert "Traceback" not in shown.stderr and "\x1b" not in shown.stdout and shown.returncode == 1, index


def test_a_deeply_nested_entry_is_a_miss(project: Path) -> None:
    expected = run("check", "--output-format", "json", "CE201.py", cwd=project)
    [entry] = entries(project)
    entry.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    again = run("check", "--output-format", "json", "CE201.py", cwd=project)
    assert (again.stdout, again.stderr) == (expected.stdout, expected.stderr)


def test_a_symlinked_cache_folder_is_never_followed(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "keep.txt").write_text("mine", encoding="utf-8")
    (project / FOLDER).symlink_to(elsewhere, target_is_directory=True)
    result = run("check", "--output-format", "json", ".", cwd=project)
    assert result.returncode == 2 and json.loads(result.stdout)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"], "entries were written through the link"
    clean = run("clean", cwd=project)
    assert clean.returncode == 0 and "Traceback" not in clean.stderr
    assert not (project / FOLDER).exists() and (elsewhere / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_a_symlinked_entry_is_never_read(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    expected = run("check", "--output-format", "json", "CE201.py", cwd=project)
    [entry] = entries(project)
    record = json.loads(entry.read_bytes())
    outside = tmp_path_factory.mktemp("outside") / "entry.json"
    outside.write_text(json.dumps({**record, "diagnostics": []}), encoding="utf-8")
    entry.unlink()
    entry.symlink_to(outside)
    again = run("check", "--output-format", "json", "CE201.py", cwd=project)
    assert again.stdout == expected.stdout


def test_edits_replace_the_entry_of_their_file(project: Path) -> None:
    cache, path = Cache(project), project / "CE201.py"
    source = path.read_text(encoding="utf-8")
    for i in range(30):
        path.write_text(source + f"\n# edit {i}\n", encoding="utf-8")
        assert cli.check_file(str(path), Settings(), cache=cache).diagnostics
    assert len(entries(project)) == 1


def test_a_run_over_a_folder_prunes_the_entries_of_files_that_are_gone(project: Path) -> None:
    run("check", ".", cwd=project)
    assert len(entries(project)) == 5
    (project / "CE301.py").unlink()
    (project / "clean.py").unlink()
    run("check", "CE101.py", cwd=project)  # naming files only: nothing is pruned
    assert len(entries(project)) == 5
    run("check", ".", cwd=project)
    assert len(entries(project)) == 3


def test_clean_that_fails_is_one_line(project: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture) -> None:
    run("check", ".", cwd=project)

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(shutil, "rmtree", refuse)
    monkeypatch.chdir(project)
    assert cli.main(["clean"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"ce-lint: error: cannot remove {project / FOLDER}: Permission denied"]
