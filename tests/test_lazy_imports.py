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


# What a run that analyses nothing must not import (module names; a prefix covers its submodules).
_ANALYSIS = ("ce_lint.rules", "ce_lint.facts", "ce_lint.vocab", "libcst._nodes", "multiprocessing",
             "concurrent.futures", "importlib.metadata", "xml.etree", "tomllib", "ce_lint.output.sarif")
_CACHED_ONLY = ("ce_lint.core", "ce_lint.engine", "ce_lint.notebooks", "ce_lint.matching", "ce_lint.output.full")

_IMPORTS = """
import sys
from ce_lint.cli import main
code = main(sys.argv[1:])
print(code, *sorted(name for name in sys.modules if name.startswith(({names!r}))))
"""


def _loaded(args: list[str], cwd: Path, names: tuple[str, ...]) -> str:
    """The exit status, then every module loaded whose name starts with one of `names`."""
    result = subprocess.run([sys.executable, "-c", _IMPORTS.format(names=names), *args], cwd=cwd,
                            capture_output=True, text=True, timeout=120)
    return result.stdout.strip().splitlines()[-1]


def test_a_cached_or_gated_out_run_imports_no_analysis(tmp_path: Path) -> None:
    """With the platform's way of starting workers (fork on Linux): such files never need one."""
    (tmp_path / "plain.py").write_text("import os\nprint(os.getcwd())\n", encoding="utf-8")
    (tmp_path / "torch_but_nothing_to_find.py").write_text("import torch\nx = torch.zeros(3)\n", encoding="utf-8")
    (tmp_path / "model.py").write_bytes((ROOT / "fixtures" / "CE101.py").read_bytes())
    gated_out = ["check", "--isolated", "--output-format", "json", "plain.py", "torch_but_nothing_to_find.py"]
    assert _loaded(gated_out, tmp_path, _ANALYSIS) == "0"
    # A file that may hold a finding goes to a worker, which loads the rules as it starts; this process doesn't.
    analysed = _loaded(["check", "--isolated", "model.py"], tmp_path, ("ce_lint.rules", "concurrent.futures.process"))
    assert analysed == "1 concurrent.futures.process"
    cached = ["check", "--isolated", "--output-format", "json", "model.py", "plain.py", "torch_but_nothing_to_find.py"]
    assert _loaded(cached, tmp_path, _ANALYSIS + _CACHED_ONLY) == "1"
    assert _loaded(["check", "--isolated", "model.py"], tmp_path, _ANALYSIS + _CACHED_ONLY) == "1"  # concise
    assert _loaded(["version"], tmp_path, _ANALYSIS + _CACHED_ONLY + ("ce_lint.cache",)) == "0"


def test_flake8_ignores_by_default_exactly_the_rules_off_by_default() -> None:
    from ce_lint.flake8_plugin import OFF_BY_DEFAULT
    from ce_lint.rules import all_rules

    assert all(r.code.startswith(OFF_BY_DEFAULT) == (not r.default_enabled) for r in all_rules())


def test_the_flake8_plugin_loads_no_rule_for_a_file_without_ml_code() -> None:
    """flake8 imports every plugin in every run: ours costs the gate's words and one regular expression."""
    script = ("import sys\nfrom ce_lint.flake8_plugin import Flake8Plugin\n"
              "print(list(Flake8Plugin(None, 'a.py', ['import os\\n', 'print(os.sep)  # noqa: E501\\n']).run()),"
              " *sorted(m for m in sys.modules if m.startswith(('ce_lint', 'tomllib', 'dataclasses'))))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[] ce_lint ce_lint.catalog ce_lint.flake8_plugin ce_lint.gate", result.stderr


def test_outside_the_command_libcst_imports_as_usual() -> None:
    # In flake8's, pylint's or pylsp's process another plugin may import a libcst submodule first.
    script = ("import ce_lint.core, ce_lint.rules, ce_lint.flake8_plugin\n"
              "from libcst._nodes.expression import Name\nimport libcst\n"
              "print(libcst.parse_module('x = 1').code.strip(), libcst.Name is Name)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "x = 1 True", result.stderr


def test_unused_noqa_knows_every_rule_when_no_rule_is_loaded(tmp_path: Path) -> None:
    """In a file the gate keeps out only CE902 runs, and it still tells a known code from an unknown one."""
    (tmp_path / "plain.py").write_text("import os  # noqa: CE101, CE999\nprint(os.sep)\n", encoding="utf-8")
    args = ["check", "--isolated", "--no-cache", "--select", "CE902", "--output-format", "concise", "plain.py"]
    result = subprocess.run([sys.executable, "-m", "ce_lint", *args], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.stdout == "plain.py:1:12: CE902 [*] unused `noqa` directive (unknown: CE999)\n", result.stderr
