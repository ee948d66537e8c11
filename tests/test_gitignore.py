"""ce-lint's reading of .gitignore files against git's own (`git check-ignore`), on patterns of every
kind gitignore(5) describes, in nested folders and in .git/info/exclude."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ce_lint.gitignore import GitIgnore

ROOT_RULES = """\
# a comment
*.ckpt
!keep.ckpt
/outputs
wandb/
logs/**/*.py
**/cache
doc/*.txt
a?c.py
[xy]z.py
[!q]r.py
\\#hash.py
trailing.py{spaces}
data/**
deep/**/leaf
""".format(spaces="   ")  # trailing spaces are not part of a pattern
NESTED_RULES = """\
*.tmp.py
/local.py
!important.tmp.py
sub/
"""
PATHS = ["model.ckpt", "keep.ckpt", "outputs/x.py", "src/outputs/x.py", "wandb/run/x.py", "src/wandb/x.py",
         "logs/a/b/x.py", "logs/x.py", "logs/x.txt", "a/cache/x.py", "cache/y.py", "doc/a.txt", "doc/sub/a.txt",
         "abc.py", "abbc.py", "xz.py", "zz.py", "ar.py", "qr.py", "#hash.py", "trailing.py", "data/x/y.py",
         "deep/leaf", "deep/a/b/leaf", "pkg/a.tmp.py", "pkg/important.tmp.py", "pkg/local.py", "pkg/inner/local.py",
         "pkg/sub/x.py", "pkg/sub", "excluded.py", "plain.py", "src/plain.py"]


def test_the_same_answers_as_git(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(ROOT_RULES)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / ".gitignore").write_text(NESTED_RULES)
    (tmp_path / ".git" / "info").mkdir(exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("excluded.py\n")
    for name in PATHS:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name != "pkg/sub":
            path.write_text("")
    git = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], input="\n".join(PATHS), cwd=tmp_path,
                         capture_output=True, text=True)
    expected = set(git.stdout.split("\n")) - {""}
    ignore = GitIgnore()
    found = {name for name in PATHS if ignore.ignored_within(str(tmp_path / name), (tmp_path / name).is_dir())}
    assert found == expected
    assert {"model.ckpt", "wandb/run/x.py", "pkg/a.tmp.py", "excluded.py"} <= found  # the test tests something
    assert not {"keep.ckpt", "plain.py", "pkg/important.tmp.py"} & found


def test_outside_a_repository_nothing_is_ignored(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.py\n")
    assert not GitIgnore().ignored_within(str(tmp_path / "a.py"), False)
