"""libcst is most of ce-lint's start-up: a run whose files are all cached or gated out never loads
it, and neither does reading the rule table (ce_lint/__init__.py defers it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import ROOT

_RUN = """
import multiprocessing
import sys
multiprocessing.set_start_method("spawn")  # so that a few files are checked in this process
from ce_lint.cli import main
code = main(sys.argv[1:])
from ce_lint.rules import all_rules
all_rules()
print("libcst loaded" if "libcst._nodes.base" in sys.modules else "libcst not loaded", code)
"""


def _run(args: list[str], cwd: Path) -> str:
    result = subprocess.run([sys.executable, "-c", _RUN, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    return result.stdout.strip().splitlines()[-1]


def test_cached_and_gated_out_files_never_load_libcst(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text("import os\nprint(os.getcwd())\n", encoding="utf-8")
    (tmp_path / "torch_but_nothing_to_find.py").write_text("import torch\nx = torch.zeros(3)\n", encoding="utf-8")
    (tmp_path / "model.py").write_bytes((ROOT / "fixtures" / "CE101.py").read_bytes())
    args = ["check", "--isolated", "--no-cache", "plain.py", "torch_but_nothing_to_find.py"]
    assert _run(args, tmp_path) == "libcst not loaded 0"
    assert _run(["check", "--isolated", "model.py"], tmp_path) == "libcst loaded 1"  # fills the cache
    assert _run(["check", "--isolated", "model.py", "plain.py"], tmp_path) == "libcst not loaded 1"


def test_flake8_ignores_by_default_exactly_the_rules_off_by_default() -> None:
    from ce_lint.flake8_plugin import OFF_BY_DEFAULT
    from ce_lint.rules import all_rules

    assert all(r.code.startswith(OFF_BY_DEFAULT) == (not r.default_enabled) for r in all_rules())


def test_the_flake8_plugin_loads_no_rule_for_a_file_without_ml_code() -> None:
    script = ("import sys\nfrom ce_lint.flake8_plugin import Flake8Plugin\n"
              "print(list(Flake8Plugin(None, 'a.py', ['import os\\n', 'print(os.sep)  # noqa: E501\\n']).run()),"
              " 'ce_lint.rules' in sys.modules, 'ce_lint.core' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[] False False", result.stderr


def test_outside_the_command_libcst_imports_as_usual() -> None:
    # In flake8's, pylint's or pylsp's process another plugin may import a libcst submodule first.
    script = ("import ce_lint.core, ce_lint.rules, ce_lint.flake8_plugin\n"
              "from libcst._nodes.expression import Name\nimport libcst\n"
              "print(libcst.parse_module('x = 1').code.strip(), libcst.Name is Name)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "x = 1 True", result.stderr
