"""Notebooks as first-class inputs of the command: the code cells as one module, IPython's syntax
masked without moving anything, Ruff's positions (`path.ipynb:cell N:LINE:COL`), one error line for a
cell or a file that can't be read while the rest is still checked, suppression and configuration as
for any file, and fixes that change only the edited cells' sources."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ce_lint.notebooks import ipynb
from ce_lint.notebooks.magics import mask
from support import NOTEBOOKS, ROOT, notebook_markers

MARKED = ["keras_mnist.ipynb", "torch_cells.ipynb", "fixable.ipynb", "numpy_from_scratch.ipynb"]


def ce_lint(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ce_lint", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def findings(*paths: str, cwd: Path = ROOT, options: tuple[str, ...] = ()) -> list[dict]:
    run = ce_lint("check", "--no-cache", "--output-format", "json", "--keras-version", "3", *options, *paths, cwd=cwd)
    assert run.returncode in (0, 1, 2), run.stderr
    assert "Traceback" not in run.stderr
    return json.loads(run.stdout)


def notebook(cells: list[str], language: str = "python") -> str:
    """A small nbformat 4.5 notebook, written as nbformat writes one (1-space indent, sorted keys)."""
    return json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {},
                                  "outputs": [], "source": source.splitlines(keepends=True)}
                                 for i, source in enumerate(cells)],
                       "metadata": {"kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"}},
                       "nbformat": 4, "nbformat_minor": 5}, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


MODEL = 'import keras\nmodel = keras.Sequential([keras.layers.Dense(10, activation="softmax")])'
COMPILE = 'model.compile(optimizer="adam", loss="binary_crossentropy")'


# -- what is found, and where ---------------------------------------------------------------------


@pytest.mark.parametrize("name", MARKED)
def test_marked_notebooks(name: str) -> None:
    path = NOTEBOOKS / name
    expected, near = notebook_markers(path)
    got = {(d["cell"], d["location"]["row"], d["code"]) for d in findings(str(path))}
    assert got == expected
    assert not got & near
    assert expected


def test_text_output_is_ruffs_notebook_form() -> None:
    run = ce_lint("check", "--no-cache", str(NOTEBOOKS / "keras_mnist.ipynb"))
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"{NOTEBOOKS / 'keras_mnist.ipynb'}:cell 9:4:10: CE102 binary_crossentropy on the "
                               "10-unit softmax output (cell 7, line 5) ")
    assert lines[1].startswith(f"{NOTEBOOKS / 'keras_mnist.ipynb'}:cell 15:5:32: CE101 ")


def test_json_adds_the_cell_and_counts_rows_in_it() -> None:
    (ce102,) = [d for d in findings(str(NOTEBOOKS / "keras_mnist.ipynb")) if d["code"] == "CE102"]
    assert ce102["cell"] == 9
    assert ce102["location"] == {"row": 4, "column": 10} and ce102["end_location"] == {"row": 4, "column": 31}
    assert ce102["filename"].endswith("keras_mnist.ipynb")
    (script,) = findings(str(ROOT / "examples" / "train_buggy.py"), options=("--select", "CE102"))
    assert script["cell"] is None
    assert [(r["cell"], r["location"]["row"], r["message"]) for r in ce102["related"]] == [
        (7, 5, "the 10-unit softmax output")]
    (ce401,) = [d for d in findings(str(NOTEBOOKS / "fixable.ipynb")) if d["code"] == "CE401"]
    assert [(e["cell"], e["location"]["row"]) for e in ce401["fix"]["edits"]] == [(5, 3), (2, 5)]


def test_the_model_in_one_cell_is_seen_by_the_compile_in_another(tmp_path: Path) -> None:
    path = tmp_path / "split.ipynb"
    path.write_text(notebook([MODEL, "# the data would come here", COMPILE]))
    (finding,) = findings(str(path))
    assert (finding["cell"], finding["location"]["row"], finding["code"]) == (3, 1, "CE102")
    assert "(cell 1, line 2)" in finding["message"]


MAGICS = [
    "%matplotlib inline",
    "%load_ext autoreload\n%autoreload 2",
    "!pip install -q tensorflow",
    "!!ls",
    "files = !ls -la data/",
    "out, err = %sx ls",
    "model?",
    "??keras.Sequential",
    "keras.layers.Dense??",
    "%time x = 1",
    "%timeit -n 10 -r 3 sum(range(10))",
    "%prun -q sorted([3, 1, 2])",
    "%config InlineBackend.figure_format = 'retina'",
    "for i in range(2):\n    !echo $i\n    %time print(i)",
    "if True:\n    %ls",
    "%cd /tmp \\\n    && ls",
    "/print 'auto-called'",
    'text = """\n%not a magic inside a string\n!nor this\n"""',
    "values = [1,\n  2]  # a comment?",
    "print('why?')  # or this?",
]


@pytest.mark.parametrize("source", MAGICS)
def test_masking_keeps_every_line_and_column_and_parses(source: str) -> None:
    masked = mask(source)
    assert masked is not None
    assert [len(line) for line in masked.splitlines()] == [len(line) for line in source.splitlines()]
    ast.parse(masked)
    for original, new in zip(source.splitlines(), masked.splitlines()):
        if original.lstrip().startswith(("values", "print", "text", "for", "if", "2]")) or not original.strip("\"#!%"):
            assert new == original


def test_masking_keeps_python_that_magics_run() -> None:
    assert mask("%time model.fit(x, y)") == "_____;model.fit(x, y)"
    assert mask("%timeit -n 5 f(x)") == "____________;f(x)"
    assert mask("files = !ls") == "files = ___"
    assert mask('text = """\n!not shell\n"""') == 'text = """\n!not shell\n"""'
    assert mask("%%time\nmodel.fit(x)") == "0     \nmodel.fit(x)"
    for magic in ("%%bash", "%%writefile train.py", "%%html", "%%javascript", "%%sql", "%%unknown_magic"):
        assert mask(f"{magic}\nimport keras") is None


def test_magics_around_model_and_loss_code_hide_nothing(tmp_path: Path) -> None:
    path = tmp_path / "magics.ipynb"
    path.write_text(notebook([
        "%matplotlib inline\n!pip install -q keras\n" + MODEL + "\nmodel.summary?",
        "%%time\n" + COMPILE + "\nhistory = !ls",
        "%%capture log\n" + COMPILE.replace("model.", "model2 = model\nmodel2."),
        "%time " + COMPILE,
        "%%writefile other.py\n" + MODEL + "\n" + COMPILE,
        "%%bash\necho " + COMPILE,
    ]))
    got = {(d["cell"], d["location"]["row"], d["code"]) for d in findings(str(path))}
    assert got == {(2, 2, "CE102"), (3, 3, "CE102"), (4, 1, "CE102")}
    assert next(d for d in findings(str(path)) if d["cell"] == 4)["location"]["column"] == 44


def test_a_cell_that_does_not_parse_is_one_line_and_the_others_are_still_checked() -> None:
    path = NOTEBOOKS / "torch_cells.ipynb"
    run = ce_lint("check", "--no-cache", str(path))
    assert run.returncode == 2
    assert run.stderr.splitlines()[0] == f"{path}: error: cell 4: syntax error at line 2, column 26: '(' was never closed"
    assert f"{path}:cell 3:9:16: CE201 softmax before CrossEntropyLoss (cell 6, line 5)" in run.stdout
    assert f"{path}:cell 8:" in run.stdout


@pytest.mark.parametrize(("name", "status", "stderr"), [
    ("empty.ipynb", 0, "All checks passed (1 file)."),
    ("r_kernel.ipynb", 0, "r_kernel.ipynb: note: skipped: the notebook's language is R, not Python"),
    ("nbformat3.ipynb", 2, "nbformat3.ipynb: error: nbformat 3 is not supported: ce-lint reads nbformat 4 notebooks"),
    ("broken_json.ipynb", 2, "broken_json.ipynb: error: not a valid notebook: Expecting value: line 9 column 1"),
])
def test_notebooks_that_are_not_checked_say_so_in_one_line(name: str, status: int, stderr: str) -> None:
    run = ce_lint("check", "--no-cache", str(NOTEBOOKS / name))
    assert run.returncode == status
    assert stderr in run.stderr and run.stdout == ""
    assert len([line for line in run.stderr.splitlines() if ": error: " in line or ": note: " in line]) == (name != "empty.ipynb")


def test_outputs_are_never_read_as_code(tmp_path: Path) -> None:
    source = json.loads(notebook(["import keras\nprint('done')"]))
    source["cells"][0]["outputs"] = [{"name": "stdout", "output_type": "stream",
                                      "text": [COMPILE + "\n", MODEL, 'saved to "C:\\runs\\" ]}{\\', "\\"]},
                                     {"data": {"text/plain": ["def f(:"]}, "metadata": {}, "output_type": "display_data"}]
    (tmp_path / "out.ipynb").write_text(json.dumps(source, indent=1))
    run = ce_lint("check", "--no-cache", str(tmp_path / "out.ipynb"))
    assert run.returncode == 0, run.stdout + run.stderr
    text = (tmp_path / "out.ipynb").read_text()
    (tmp_path / "cut.ipynb").write_text(text[:text.index('"def f(:"') + 5])  # outputs cut short
    run = ce_lint("check", "--no-cache", str(tmp_path / "cut.ipynb"))
    assert run.returncode == 2 and run.stderr.count(": error: not a valid notebook: ") == 1


# -- suppression and configuration --------------------------------------------------------------


def test_noqa_on_a_cell_line(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    for comment, left in (("  # noqa", 0), ("  # noqa: CE102", 0), ("  # noqa: CE101", 1)):
        path.write_text(notebook([MODEL, COMPILE + comment]))
        assert len(findings(str(path))) == left, comment


def test_per_file_ignores_exclude_include_and_checkpoints(tmp_path: Path) -> None:
    (tmp_path / "nbs" / ".ipynb_checkpoints").mkdir(parents=True)
    for where in ("nbs/train.ipynb", "nbs/.ipynb_checkpoints/train-checkpoint.ipynb", "other.ipynb"):
        (tmp_path / where).write_text(notebook([MODEL, COMPILE]))
    (tmp_path / "script.py").write_text(MODEL + "\n" + COMPILE + "\n")

    def files(config: str) -> set[str]:
        (tmp_path / "pyproject.toml").write_text("[tool.ce-lint]\n" + config)
        return {d["filename"] for d in findings(".", cwd=tmp_path)}

    assert files("") == {"nbs/train.ipynb", "other.ipynb", "script.py"}
    assert files('[tool.ce-lint.per-file-ignores]\n"nbs/*.ipynb" = ["CE102"]\n') == {"other.ipynb", "script.py"}
    assert files('exclude = ["other.ipynb"]\n') == {"nbs/train.ipynb", "script.py"}
    assert files('include = ["*.py"]\n') == {"script.py"}
    assert files('include = ["*.py"]\nextend-include = ["*.ipynb"]\n') == {"nbs/train.ipynb", "other.ipynb", "script.py"}


def test_the_cache_treats_a_notebook_like_any_file(tmp_path: Path) -> None:
    shutil.copy(NOTEBOOKS / "keras_mnist.ipynb", tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.ce-lint]\n")
    first = ce_lint("check", "--output-format", "json", ".", cwd=tmp_path)
    assert list((tmp_path / ".ce_lint_cache").glob("*/*.json"))
    again = ce_lint("check", "--output-format", "json", ".", cwd=tmp_path)
    assert again.stdout == first.stdout and json.loads(again.stdout)[0]["cell"] == 9


def test_sarif_and_github_point_at_the_notebook_and_name_the_cell() -> None:
    path = NOTEBOOKS / "keras_mnist.ipynb"
    lines = path.read_text(encoding="utf-8").splitlines()
    sarif = json.loads(ce_lint("check", "--no-cache", "--output-format", "sarif", str(path)).stdout)
    from pydantic_sarif.model import StaticAnalysisResultsFormatSarifVersion210JsonSchema as SarifLog

    SarifLog.model_validate(sarif)
    result = sarif["runs"][0]["results"][0]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("keras_mnist.ipynb")
    assert result["message"]["text"].startswith("cell 9, line 4, column 10: binary_crossentropy on the 10-unit")
    assert 'loss=\\"binary_crossentropy\\"' in lines[location["region"]["startLine"] - 1]
    [related] = result["relatedLocations"]  # the softmax output, two cells up
    assert related["message"]["text"] == "cell 7, line 5: the 10-unit softmax output"
    assert 'activation=\\"softmax\\"' in lines[related["physicalLocation"]["region"]["startLine"] - 1]
    assert result["properties"]["fixTitle"] == "Use categorical_crossentropy"
    github = ce_lint("check", "--no-cache", "--output-format", "github", str(path)).stdout.splitlines()[0]
    assert github.startswith(f"::warning title=ce-lint (CE102),file={path},line={location['region']['startLine']}::"
                             "cell 9, line 4, column 10: binary_crossentropy")


# -- fixes --------------------------------------------------------------------------------------


def _outside_sources(data: bytes) -> str:
    """The file's text with every cell's source value cut out."""
    _, file = ipynb.read(data)
    text, kept, at = file.text, [], 0
    for source in file.sources:
        if source is not None:
            kept.append(text[at:source.start])
            at = source.end
    return "".join(kept) + text[at:]


def test_fix_round_trip(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    path = tmp_path / "fixable.ipynb"
    original = (NOTEBOOKS / "fixable.ipynb").read_bytes()
    path.write_bytes(original)
    before = findings(str(path))
    assert {d["code"] for d in before} == {"CE101", "CE105", "CE401"}

    diff = ce_lint("check", "--diff", "--unsafe-fixes", str(path))
    assert diff.returncode == 1 and path.read_bytes() == original
    headers = [line for line in diff.stdout.splitlines() if line.startswith("+++ ")]
    assert headers == [f"+++ b/{path}:cell {n}" for n in (2, 3, 4, 5)]
    assert "+from torchmetrics.classification import MultilabelAccuracy" in diff.stdout  # in cell 2, with the imports

    run = ce_lint("check", "--fix", "--unsafe-fixes", str(path))
    assert run.returncode == 0 and "Fixed 3 findings." in run.stderr, run.stdout + run.stderr
    fixed = path.read_bytes()
    nbformat.validate(nbformat.reads(fixed.decode("utf-8"), as_version=4))
    assert findings(str(path)) == []
    assert _outside_sources(fixed) == _outside_sources(original), "only the edited sources change"
    assert fixed.endswith(b"}\n") and "carnet sert aux tests".encode() in fixed and "🔧".encode() in fixed
    old_cells, new_cells = json.loads(original)["cells"], json.loads(fixed)["cells"]
    assert [c["source"] for c in old_cells][:1] == [c["source"] for c in new_cells][:1]
    assert new_cells[1]["source"][-2:] == ["from torchmetrics.classification import MulticlassAccuracy\n",
                                           "from torchmetrics.classification import MultilabelAccuracy"]
    assert 'activation="sigmoid"' in "".join(new_cells[3]["source"])
    assert new_cells[4]["source"][0] == "%%time\n"
    assert ce_lint("check", "--fix", "--unsafe-fixes", str(path)).returncode == 0
    assert path.read_bytes() == fixed, "a second fix changes nothing"


def test_safe_fixes_only_and_noqa_lines_untouched(tmp_path: Path) -> None:
    path = tmp_path / "fixable.ipynb"
    original = (NOTEBOOKS / "fixable.ipynb").read_text(encoding="utf-8")
    path.write_text(original.replace("# expect: CE101", "# noqa: CE101"), encoding="utf-8")
    run = ce_lint("check", "--fix", str(path))
    assert "Fixed 1 finding." in run.stderr
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert "from_logits=False" in "".join(cells[2]["source"])
    assert 'Dense(1, activation="softmax")])  # noqa: CE101' in "".join(cells[3]["source"])
    ce_lint("check", "--fix", "--unsafe-fixes", str(path))
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert 'Dense(1, activation="softmax")])  # noqa: CE101' in "".join(cells[3]["source"])


def test_an_import_goes_first_when_the_fixed_code_comes_before_the_imports() -> None:
    """The import a fix needs goes after the first run of imports, unless the fixed code comes first:
    then on a new first line of the first code cell (after its cell magic)."""
    from ce_lint.core import _Cells
    from ce_lint.diagnostics import Applicability, Edit, Fix
    from ce_lint.notebooks import Cell, Notebook

    cells = _Cells(Notebook([Cell(1, "markdown", "# title"), Cell(2, "code", "%%time\nx = 1"),
                             Cell(3, "code", "y = F.relu(x)\nimport torch"), Cell(4, "code", "z = F.relu(y)")]))
    needs = Edit("import torch.nn.functional as F\n", 1, 0, 1, 0)
    late = cells.placed(Fix(Applicability.UNSAFE, "use F", (Edit("F.gelu", 3, 4, 3, 10), needs)))
    assert late.edits[-1] == Edit("import torch.nn.functional as F\n", 2, 0, 2, 0)
    fixed, count = cells.apply([late])
    assert count == 1 and [c.source for c in fixed.notebook.cells][1:3] == [
        "%%time\nimport torch.nn.functional as F\nx = 1", "y = F.gelu(x)\nimport torch"]
    after = cells.placed(Fix(Applicability.UNSAFE, "use F", (Edit("F.gelu", 5, 4, 5, 10), needs)))
    assert after.edits[-1] == Edit("\nimport torch.nn.functional as F", 4, 12, 4, 12)


def test_fix_keeps_how_the_file_writes_json(tmp_path: Path) -> None:
    """Two-space indentation, escaped non-ASCII, CRLF line breaks and a source that is one string
    (all valid nbformat) are kept as they were."""
    nb = json.loads(notebook(["# é\n" + MODEL, 'model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))']))
    nb["cells"][1]["source"] = "".join(nb["cells"][1]["source"])
    text = json.dumps(nb, indent=2, ensure_ascii=True).replace("\n", "\r\n")
    path = tmp_path / "styled.ipynb"
    path.write_bytes(text.encode())
    assert ce_lint("check", "--fix", str(path)).returncode == 0
    fixed = path.read_bytes().decode()
    assert fixed == text.replace("from_logits=True", "from_logits=False")


def test_the_readme_s_first_example_is_what_the_command_prints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.splitlines()
    assert command == "$ ce-lint check examples/"
    run = ce_lint("check", "--no-cache", "examples/")
    assert run.stdout.splitlines() + run.stderr.splitlines() == shown
    assert any(":cell " in line for line in shown)


# -- never a crash, never a moved column --------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

_LINES = st.lists(st.sampled_from(["%time x = 1", "!ls", "x = !ls", "obj?", "??obj", "%%time", "%%bash", "  %cd ..",
                                   "for i in y:", "    !echo", "'''", '"""', "(", ")", "x = 1 \\", "# ?", "a = b % c",
                                   "print('%s' % x)", "y = [", "]", "\t%matplotlib"]) | st.text(max_size=20), max_size=12)


@settings(max_examples=300, deadline=None)
@given(_LINES, st.sampled_from(["\n", "\r\n"]))
def test_masking_never_moves_anything(lines: list[str], newline: str) -> None:
    import re

    source = newline.join(lines)
    masked = mask(source)
    if masked is not None:
        assert [len(x) for x in re.split(r"\r\n|\r|\n", masked)] == [len(x) for x in re.split(r"\r\n|\r|\n", source)]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_are_a_notebook_or_one_error(data: bytes) -> None:
    from ce_lint.diagnostics import FileError

    try:
        ipynb.read(data)
    except FileError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINES.map("\n".join), min_size=1, max_size=4))
def test_any_cells_are_checked_or_reported_never_a_crash(cells: list[str]) -> None:
    from ce_lint.config import Settings
    from ce_lint.core import check_bytes

    data = notebook(["import keras\n" + MODEL] + cells + [COMPILE]).encode()
    report = check_bytes(data, "fuzz.ipynb", Settings(keras_version="3"))
    assert not report.internal
    assert all(d.cell is not None and d.line >= 1 for d in report.diagnostics)
    fixed = check_bytes(data, "fuzz.ipynb", Settings(keras_version="3"), "fix", unsafe=True)
    if fixed.data is not None:
        json.loads(fixed.data)


@pytest.mark.parametrize("indent", [None, 0, 1, 2, 4])
def test_rewriting_sources_keeps_the_file_s_layout(indent: int | None) -> None:
    """Empty, one-line and many-line sources, in any json.dumps layout: the result is what the
    same writer would have written."""
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
             for source in ([], ["x = 1"], ["a\n", "b\n", "c"], "one = 'string'")]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    _, file = ipynb.read(json.dumps(nb, indent=indent).encode())
    new = {1: "p = 1\nq = 2", 2: "y = 2", 3: "a\nB\nc", 4: "two = 2\nlines = 2"}
    for cell, source in zip(cells, new.values()):
        cell["source"] = source.splitlines(keepends=True) if isinstance(cell["source"], list) else source
    assert file.rewrite(new).decode() == json.dumps(nb, indent=indent)
