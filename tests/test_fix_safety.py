"""What a fix writes runs: an added import goes after the shebang, the encoding line, the docstring
and `from __future__` imports, only when the code lacks it (comments and strings don't count), in the
file's own newline; no fix output has an undefined name pyflakes didn't see before; and no fix
touches a line whose `# noqa` covers its code."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from ce_lint.config import Settings
from ce_lint.core import fix_text as fix
from ce_lint.engine import lint
from support import FIXTURES, undefined_names

SETTINGS = Settings(keras_version="3")  # the default rules: CE902 would remove an unused noqa
IMPORT = "from torchmetrics.classification import MultilabelAccuracy"
# A CE401 finding whose fix renames a class that the module must then import.
TAGGER = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchmetrics.classification import MulticlassAccuracy


class Tagger(nn.Module):
    def __init__(self, n_tags=8):
        super().__init__()
        self.head = nn.Linear(128, n_tags)

    def forward(self, x):
        return self.head(x)


tagger = Tagger()
tag_acc = MulticlassAccuracy(num_classes=8)


def tagger_step(x, tags):
    logits = tagger(x)
    loss = F.binary_cross_entropy_with_logits(logits, tags)
    tag_acc.update(torch.sigmoid(logits), tags)
    return loss
'''


def fixed(source: str) -> str:
    new, count = fix(source, "x.py", SETTINGS, unsafe=True)
    assert count > 0, "no fix was applied"
    compile(new, "x.py", "exec")
    assert undefined_names(new) <= undefined_names(source), "the fix uses an unbound name"
    return new


def test_the_import_goes_after_a_shebang_and_an_encoding_line() -> None:
    source = "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n# café\nSEED = 1\n" + TAGGER
    new = fixed(source)
    assert new.startswith("#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n" + IMPORT + "\n")
    assert new.encode("latin-1").decode("latin-1") == new


@pytest.mark.parametrize("docstring", ['"""Tagging."""', '"""Tagging""" " model."', '("Tagging"\n "model.")',
                                       "r'Tagging.'", '"""Tagging."""\nfrom __future__ import annotations'])
def test_the_import_goes_after_the_docstring_and_future_imports(docstring: str) -> None:
    source = f"{docstring}\nSEED = 1\n" + TAGGER
    new = fixed(source)
    assert new.startswith(f"{docstring}\n{IMPORT}\nSEED = 1\n")
    cst.parse_module(new)


def test_the_import_goes_after_the_leading_imports() -> None:
    new = fixed(TAGGER)
    assert new.startswith(TAGGER.split("\n\n\n")[0] + f"\n{IMPORT}\n")


@pytest.mark.parametrize("mention", [f"# {IMPORT}\n", f'NOTE = "{IMPORT}"\n', f'"""Use {IMPORT}."""\n'])
def test_an_import_in_a_comment_or_a_string_is_not_an_import(mention: str) -> None:
    new = fixed(mention + TAGGER)
    assert new.count(IMPORT) == 2 and "MultilabelAccuracy" not in undefined_names(new)


def test_an_import_that_is_there_is_not_added_again() -> None:
    source = TAGGER.replace("import MulticlassAccuracy", "import MulticlassAccuracy, MultilabelAccuracy")
    assert fixed(source).count("MultilabelAccuracy") == 2


def test_no_fix_when_the_name_is_bound_to_something_else() -> None:
    source = TAGGER + "\n\nMultilabelAccuracy = None\n"
    [finding] = [d for d in lint(source, "x.py", SETTINGS).diagnostics if d.code == "CE401"]
    assert finding.fix is None


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=repr)
def test_inserted_lines_use_the_file_newline(newline: str) -> None:
    source = TAGGER.replace("\n", newline)
    new = fixed(source)
    assert f"{IMPORT}{newline}" in new
    assert new.replace(newline, "") == new.replace(newline, "").replace("\n", "").replace("\r", ""), \
        "a line break other than the file's"


# -- no fix edits a line its code is suppressed on --------------------------------------------------------


def test_a_multi_line_fix_leaves_a_suppressed_line_alone() -> None:
    source = (FIXTURES / "CE108.py").read_text(encoding="utf-8")
    protected = '    model.compile(optimizer="adam", loss="categorical_crossentropy")\n'
    assert protected in source
    source = source.replace(protected, protected.rstrip("\n") + "  # noqa: CE108\n", 1)
    new, _ = fix(source, "x.py", SETTINGS, unsafe=True)
    assert protected.rstrip("\n") + "  # noqa: CE108\n" in new
    assert 'keras.layers.Dense(len(mlb.classes_), activation="softmax")' in new, "half of the fix was applied"
    finding = next(d for d in lint(source, "x.py", SETTINGS).diagnostics if d.code == "CE108")
    assert finding.line == 11 and finding.fix is None


def test_another_code_on_the_line_does_not_block_the_fix() -> None:
    source = (FIXTURES / "CE108.py").read_text(encoding="utf-8")
    protected = '    model.compile(optimizer="adam", loss="categorical_crossentropy")\n'
    source = source.replace(protected, protected.rstrip("\n") + "  # noqa: CE101\n", 1)
    new, _ = fix(source, "x.py", SETTINGS, unsafe=True)
    assert 'loss="binary_crossentropy")  # noqa: CE101' in new


# -- every fixture's fixes, through pyflakes ---------------------------------------------------------------


SOURCES = sorted(p for p in FIXTURES.glob("CE*.py") if not p.name.endswith(".fixed.py")) + sorted(
    (FIXTURES / "clean").glob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_fix_leaves_an_undefined_name(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    new, _ = fix(source, str(path), SETTINGS, unsafe=True)
    assert undefined_names(new) <= undefined_names(source)
