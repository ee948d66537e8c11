"""The committed version matrix (docs/version-matrix.json, from `python tests/oracle_matrix/run.py`)
against the code: its tables are rendered from its observations, it covers every cell, every
version-dependent claim of a message holds on exactly the cells it names, and the version ce-lint
assumes for a file (keras-version, the installed distributions, the Keras-1 and graph-mode
markers) gives the behaviour the matrix observed there. Fast: nothing is run but ce-lint."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Callable

import pytest

from ce_lint import version_matrix, versions
from ce_lint.config import Settings
from ce_lint.docs import pages
from ce_lint.engine import lint
from ce_lint.rules import all_rules
from support import ROOT

sys.path.insert(0, str(ROOT / "tests" / "oracle_matrix"))
import cells as matrix_cells  # noqa: E402
import summarise  # noqa: E402

MATRIX = json.loads(version_matrix.MATRIX_JSON.read_text(encoding="utf-8"))
RAN = {c.id: c for c in matrix_cells.CELLS if MATRIX["cells"].get(c.id, {}).get("status") == "ran"}
KERAS = [c for c in RAN.values() if "keras" in c.groups]
RUNS_KERAS = [c for c in KERAS if MATRIX["facts"][c.id]["accuracy_from"] != "does not run"]


def observed(cell, experiment: str) -> dict:
    return MATRIX["cells"][cell.id]["observed"][experiment]


# --- the file is complete, current and the source of every table ---------------------------

def test_every_cell_is_in_the_matrix_with_its_current_pins() -> None:
    assert list(MATRIX["cells"]) == [c.id for c in matrix_cells.CELLS]
    for cell in matrix_cells.CELLS:
        entry = MATRIX["cells"][cell.id]
        if cell.env is None:
            assert entry["status"] == "not run" and entry["reason"] == cell.not_run
            continue
        assert entry["status"] == "ran", f"{cell.id}: {entry.get('reason')}"
        pins = [p for step in matrix_cells.ENVS[cell.env].steps for p in step]
        assert entry["pins"] == pins, f"{cell.id}: pins changed since the run; re-run tests/oracle_matrix/run.py"
        errors = {k: v["probe_error"] for k, v in entry["observed"].items() if "probe_error" in v}
        allowed = cell.graph and cell.keras >= (3,)  # Keras 3 refuses graph mode: that is the observation
        assert not errors or allowed, (cell.id, errors)


def test_summaries_are_derived_from_the_observations() -> None:
    assert summarise.rules(MATRIX["cells"]) == MATRIX["rules"], "re-render: python tests/oracle_matrix/run.py --render"
    assert summarise.facts(MATRIX["cells"]) == MATRIX["facts"]


def test_matrix_page_and_rule_pages_are_rendered_from_it() -> None:
    assert version_matrix.MATRIX_PAGE.read_text(encoding="utf-8") == version_matrix.render_page(), \
        "regenerate with `python -m ce_lint.docs`"
    rendered = pages()
    for rule in all_rules():
        section = version_matrix.rule_section(rule.code)
        assert bool(section) == (rule.code in MATRIX["rules"] and bool(MATRIX["rules"][rule.code]["rows"]))
        assert section in rendered[f"{rule.code}.md"]
        # the version tables come from the matrix only, never from a docstring
        assert "| version / backend" not in rule.doc and "| set-up |" not in rule.doc, rule.code


def test_every_rule_with_framework_behaviour_has_rows() -> None:
    for rule in all_rules():
        if rule.code != "CE902":  # unused-noqa: no framework behaviour
            assert MATRIX["rules"][rule.code]["rows"], rule.code


# --- the claims of the messages, on the cells they name -------------------------------------

def standalone(c) -> bool:  # multi-backend Keras 1.x-2.3 ("Keras <= 2.3")
    return c.api == "keras" and c.keras < (3,)


def tf_keras_upto(version):
    return lambda c: c.api == "tf.keras" and c.keras <= version and not c.graph


def tf_backed_from_2_4(c) -> bool:  # tf.keras >= 2.4, tf-keras, Keras 3 on TensorFlow
    return c.backend == "tensorflow" and (c.keras >= (3,) or (c.api != "keras" and c.keras >= (2, 4)))


def keras3_not_tf(c) -> bool:
    return c.keras >= (3,) and c.backend != "tensorflow"


def either(*tests):
    return lambda c: any(t(c) for t in tests)


def matches(experiment: str, formula: str):
    return lambda c: formula in (observed(c, experiment).get("matches") or [])


def raises(*experiments: str, stages=("build", "evaluate", "fit")):
    return lambda c: all(summarise.stage_error(observed(c, e), *stages) for e in experiments)


def accuracy(experiment: str, kind: str):
    return lambda c: summarise.accuracy_kind(observed(c, experiment)) == kind


@dataclass(frozen=True)
class Claim:
    code: str
    snippet: str  # code whose message makes the claim
    words: str  # the claim, as the message words it
    scope: Callable  # the cells the words name
    holds: Callable  # what the matrix must show on them
    exclusive: bool = True  # and must not show on the other cells
    keras_version: str = "3"  # what the snippet is linted with


SOFTMAX_BCE = """import keras
model = keras.Sequential([keras.layers.Dense({n}, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
"""
ONE_UNIT_CCE = """import keras
model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
"""
SIGMOID_CCE = ONE_UNIT_CCE.replace("Dense(1,", "Dense(3,")
MULTILABEL = SOFTMAX_BCE.format(n=5).replace("softmax", "sigmoid")
LOGIT = """import keras
model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
"""
FROM_LOGITS = """import keras
model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
"""
LINEAR_BCE = """import keras
model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="binary_crossentropy")
"""
LINEAR_CCE = LINEAR_BCE.replace("Dense(1)", "Dense(3)").replace("binary_", "categorical_")
LABELS = """import keras
from keras.utils import to_categorical
y = to_categorical([0, 2, 1, 2])
model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit([[0.0], [1.0], [2.0], [3.0]], y)
"""
MULTIHOT = """import keras
from sklearn.preprocessing import MultiLabelBinarizer
y = MultiLabelBinarizer().fit_transform([["a", "b"], ["b"], ["a", "c"]])
model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit([[0.0], [1.0], [2.0]], y)
"""
SOFTMAX_ONE = """import keras
model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy")
"""

# What the messages claim. A message is true on every version the project targets, so a claim names
# every cell, except where the message is only reported for the versions it names (CE104's
# loss-based resolution, reported only where ce-lint assumes it).
CLAIMS = [
    Claim("CE101", SOFTMAX_ONE, "always outputs 1.0, whatever the input", lambda c: True,
          lambda c: observed(c, "softmax1_bce")["outputs"] == [1.0]),
    Claim("CE102", SOFTMAX_BCE.format(n=2), "trains differently per Keras version and backend", lambda c: True,
          either(lambda c: observed(c, "softmax2_bce_vs_cce")["equal"],
                 matches("softmax_bce", "sigmoid BCE on the pre-softmax logits"))),
    Claim("CE103", ONE_UNIT_CCE, "is meaningless: the loss is 0 or fit() fails", lambda c: True, either(
        lambda c: isinstance(loss := observed(c, "sigmoid1_cce").get("loss"), float) and loss < 1e-6,
        raises("sigmoid1_cce", stages=("evaluate",)))),
    Claim("CE103", SIGMOID_CCE, "the loss misreads outputs that are not a softmax", lambda c: True, either(
        matches("sigmoid_cce", "softmax CE of the pre-sigmoid logits"),
        matches("sigmoid_cce", "CE of the sigmoids renormalised by their sum"))),
    Claim("CE103", SIGMOID_CCE.replace("sigmoid", "relu"), "the loss misreads outputs that are not a softmax",
          lambda c: True, matches("relu_cce", "CE of the outputs renormalised by their sum")),
    Claim("CE104", SOFTMAX_BCE.format(n=10), "resolves to binary_accuracy on the targeted Keras",
          either(standalone, tf_keras_upto((2, 1)), lambda c: c.graph), accuracy("acc_softmax_bce", "binary"),
          keras_version="2.3"),
    Claim("CE104", SOFTMAX_BCE.format(n=10), "a useless model scores (N-1)/N",
          either(standalone, tf_keras_upto((2, 1)), lambda c: c.graph),
          lambda c: observed(c, "acc_uniform10").get("metric_value") == 0.9, keras_version="2.3"),
    Claim("CE104", MULTILABEL, "resolves to a misleading metric in every Keras version", lambda c: True,
          either(accuracy("acc_sigmoid_multihot", "categorical"), accuracy("acc_sigmoid_multihot", "binary"))),
    Claim("CE104", LOGIT, "resolves to binary accuracy, which reads the logits as probabilities", lambda c: True,
          lambda c: observed(c, "acc_logit")["accuracy_is"] in (["binary_accuracy"],
                                                                ["binary_accuracy (rounded outputs)"])),
    Claim("CE105", FROM_LOGITS, "Keras applies the softmax twice or ignores the flag", lambda c: True,
          either(matches("cce_logits_softmax", "double softmax"),
                 matches("cce_logits_softmax", "corrected (pre-softmax logits)"))),
    Claim("CE106", LINEAR_BCE, "clips the logits to [0, 1]: beyond it they get no gradient",
          lambda c: c.backend != "numpy",  # NumPy has no gradients
          lambda c: observed(c, "linear_bce").get("zero_gradient") == [True, True, False, False]),
    Claim("CE106", LINEAR_CCE, "renormalises and clips the logits as probabilities", lambda c: True,
          matches("linear_cce", "CE of the outputs renormalised by their sum, clipped")),
    Claim("CE107", LABELS, "fit() fails", lambda c: True, raises("scce_onehot", "cce_int", "cce_int_column")),
    Claim("CE108", MULTIHOT, "the labels compete for one unit of probability", lambda c: True,
          lambda c: observed(c, "multihot_softmax")["loss"] >= observed(c, "multihot_softmax")["floor"] - 1e-6),
]


def warned(experiment: str, needle: str):
    return lambda c: needle in json.dumps(observed(c, experiment))


OLD_RESOLUTION = either(standalone, tf_keras_upto((2, 1)), lambda c: c.graph)

# Version claims of the rule pages' prose (snippet None: the words are looked up in the page): the
# detail the messages leave out.
PAGE_CLAIMS = [
    Claim("CE101", None, "Keras >= 3.1 warns when the softmax runs", lambda c: c.keras >= (3, 1),
          warned("softmax1_bce", "This axis has size 1")),
    Claim("CE101", None, "on TensorFlow-backed Keras >= 2.4 `binary_crossentropy` trains the pre-softmax logit",
          tf_backed_from_2_4, lambda c: observed(c, "softmax1_bce")["kernel_change"] > 0),
    Claim("CE102", None, "Keras 3 on torch/JAX/NumPy, Keras <= 2.3 and tf.keras <= 2.3 optimise the mean of N binary "
          "log-losses on the coupled softmax probabilities (with exactly two units and one-hot targets that happens "
          "to equal categorical cross-entropy)",
          either(keras3_not_tf, standalone, tf_keras_upto((2, 3))), lambda c: observed(c, "softmax2_bce_vs_cce")["equal"]),
    Claim("CE102", None, "TensorFlow-backed Keras >= 2.4 trains the pre-softmax logits as N independent sigmoids",
          tf_backed_from_2_4, matches("softmax_bce", "sigmoid BCE on the pre-softmax logits")),
    Claim("CE103", None, "the loss is constant (about 0)", lambda c: not OLD_RESOLUTION(c),
          lambda c: isinstance(loss := observed(c, "sigmoid1_cce").get("loss"), float) and loss < 1e-6),
    Claim("CE103", None, "Keras <= 2.3, tf.keras <= 2.1 and TF1 graph mode refuse (n, 1) targets in `fit()` instead",
          OLD_RESOLUTION, raises("sigmoid1_cce", stages=("evaluate",))),
    Claim("CE103", None, "TensorFlow-backed Keras >= 2.4 instead trains the pre-sigmoid logits of a sigmoid as if "
          "they were softmax logits", tf_backed_from_2_4, matches("sigmoid_cce", "softmax CE of the pre-sigmoid logits")),
    Claim("CE103", None, "the probability path renormalises them by their sum", lambda c: not tf_backed_from_2_4(c),
          matches("sigmoid_cce", "CE of the sigmoids renormalised by their sum")),
    Claim("CE103", None, "On a sigmoid or relu output the values do not sum to 1", lambda c: True,
          matches("relu_cce", "CE of the outputs renormalised by their sum")),
    Claim("CE104", None, "`categorical_accuracy` compares the argmax of the prediction with the *first* positive "
          "label (tf.keras >= 2.2, Keras 3)", lambda c: not OLD_RESOLUTION(c),
          accuracy("acc_sigmoid_multihot", "categorical")),
    Claim("CE104", None, "older versions and TF1 graph mode average element-wise matches", OLD_RESOLUTION,
          accuracy("acc_sigmoid_multihot", "binary")),
    Claim("CE104", None, "Keras <= 2.3 rounds them", standalone,
          lambda c: observed(c, "acc_logit")["accuracy_is"] == ["binary_accuracy (rounded outputs)"]),
    Claim("CE104", None, "tf.keras and Keras 3 threshold them at 0.5", lambda c: not standalone(c),
          lambda c: observed(c, "acc_logit")["accuracy_is"] == ["binary_accuracy"]),
    Claim("CE105", None, "On Keras 3 with the torch, JAX or NumPy backend, Keras <= 2.3 and tf.keras <= 2.3 the "
          "activation is then applied twice", either(keras3_not_tf, standalone, tf_keras_upto((2, 3))),
          matches("cce_logits_softmax", "double softmax")),
    Claim("CE105", None, "(silently in TF 2.4, with a `UserWarning` since TF 2.5)", tf_backed_from_2_4,
          matches("cce_logits_softmax", "corrected (pre-softmax logits)")),
    Claim("CE105", None, "with a `UserWarning` since TF 2.5",
          lambda c: tf_backed_from_2_4(c) and not (c.api == "tf.keras" and c.keras == (2, 4)),
          lambda c: "does not represent logits" in json.dumps(observed(c, "cce_logits_softmax"))),
    Claim("CE106", None, "No version warns", lambda c: True, lambda c: all(
        summarise.warnings(observed(c, e).get("build"), observed(c, e).get("evaluate")) == "none"
        for e in ("linear_cce", "linear_scce")), exclusive=False),
    Claim("CE107", None, "`fit()` stops with a shape error in every Keras version and backend", lambda c: True,
          raises("scce_onehot", "cce_int", "cce_int_column")),
]


@pytest.mark.parametrize("claim", PAGE_CLAIMS, ids=lambda c: f"{c.code}: {c.words[:50]}")
def test_page_claim_holds_on_the_cells_it_names(claim: Claim) -> None:
    doc = next(r.doc for r in all_rules() if r.code == claim.code)
    assert claim.words in " ".join(doc.split()), f"the {claim.code} page no longer says: {claim.words}"
    for cell in RUNS_KERAS:
        if claim.scope(cell):
            assert claim.holds(cell), f"{cell.id} contradicts the {claim.code} page: {claim.words}"
        elif claim.exclusive:
            assert not claim.holds(cell), f"{cell.id} shows it too, but the {claim.code} page does not name it"


TORCH = next(c for c in RAN.values() if "torch" in c.groups)
UNDERFLOW = {lib: row for c in RAN.values() if "numerics" in c.groups for lib, row in observed(c, "underflow").items()}


def torch_value(experiment: str, *keys: str):
    entry = observed(TORCH, experiment)
    for key in keys:
        entry = entry[key]
    return entry


def near(value, target: float, within: float) -> bool:
    return isinstance(value, float) and abs(value - target) <= within


# Claims of the pages of the rules with one version (torch 2.13.0, torchmetrics 1.9.0, transformers
# 4.57.6) or none (numerics): words in the page -> what the matrix observed there.
SINGLE_VERSION_CLAIMS = [
    ("CE201", "for 10 classes it can't go below 1.46", lambda: near(torch_value(
        "ce_after_softmax", "margin +20", "softmax", "value")[0], 1.4612, 1e-3)),
    ("CE203", "`RuntimeError: all elements of input should be between 0 and 1`", lambda: torch_value(
        "bce_on_logits", "outside [0, 1]", "error") == "RuntimeError: all elements of input should be between 0 and 1"),
    ("CE204", "it never goes below 0.31", lambda: near(torch_value(
        "sigmoid_bce_with_logits", "sigmoid outputs", "value", "y=1 range")[0], 0.3133, 1e-3)),
    ("CE207", "`IndexError: Target 1 is out of bounds`", lambda: torch_value(
        "single_logit_cross_entropy", "target 1", "error").startswith("IndexError: Target 1 is out of bounds")),
    ("CE209", "CPU autocast runs it in float32 without error", lambda: torch_value(
        "bce_under_autocast", "cpu autocast", "value") == "torch.float32"),
    ("CE209", "`RuntimeError: torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast`",
     lambda: "unsafe to autocast" in torch_value("bce_under_autocast", "AutocastCUDA kernel (called on CPU)", "error")),
    ("CE301", "about 104 below the largest one in NumPy and PyTorch", lambda: all(
        near(UNDERFLOW[lib]["softmax gap where a probability is 0"], 104, 0.5) for lib in ("numpy", "torch"))),
    ("CE301", "about 87 in TensorFlow and JAX", lambda: all(
        near(UNDERFLOW[lib]["softmax gap where a probability is 0"], 87, 1) for lib in ("tensorflow", "jax"))),
    ("CE301", "about 17 in float16", lambda: near(UNDERFLOW["torch"]["float16 softmax gap where a probability is 0"], 17, 1)),
    ("CE302", "exactly 0 below about x = -88.7 (-87.4 in TensorFlow and JAX)", lambda: all(
        near(UNDERFLOW[lib]["sigmoid(x) == 0 from x"], -88.7, 0.15) for lib in ("numpy", "torch")) and all(
        near(UNDERFLOW[lib]["sigmoid(x) == 0 from x"], -87.4, 0.15) for lib in ("tensorflow", "jax"))),
    ("CE302", "exactly 0 from about x = 17", lambda: all(
        near(row["1 - sigmoid(x) == 0 from x"], 17, 0.5) for row in UNDERFLOW.values())),
    ("CE901", "clamps", lambda: torch_value("bce_clamp", "BCELoss(sigmoid(40), 0)", "value") == 100.0),
]


@pytest.mark.parametrize("code,words,holds", SINGLE_VERSION_CLAIMS, ids=lambda x: x if isinstance(x, str) else "")
def test_single_version_page_claims_hold(code: str, words: str, holds) -> None:
    doc = " ".join(next(r.doc for r in all_rules() if r.code == code).split())
    assert words in doc, f"the {code} page no longer says: {words}"
    assert holds(), f"the matrix contradicts the {code} page: {words}"


def messages(code: str, source: str, keras_version: str = "3") -> list[str]:
    result = lint(source, "claim.py", Settings(select=(code,), keras_version=keras_version))
    return [d.message for d in result.diagnostics if d.code == code]


def test_claims_name_only_cells_the_matrix_ran() -> None:
    for claim in CLAIMS:
        assert any(claim.scope(c) for c in RUNS_KERAS), claim.words


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: f"{c.code}: {c.words[:50]}")
def test_message_claim_holds_on_the_cells_it_names(claim: Claim) -> None:
    assert any(claim.words in m for m in messages(claim.code, claim.snippet, claim.keras_version)), \
        f"the {claim.code} message no longer says: {claim.words}"
    for cell in RUNS_KERAS:
        if claim.scope(cell):
            assert claim.holds(cell), f"{cell.id} contradicts {claim.code}: {claim.words}"
        elif claim.exclusive:
            assert not claim.holds(cell), f"{cell.id} shows it too, but {claim.code} does not name it: {claim.words}"


# --- the version ce-lint assumes gives the behaviour observed --------------------------------

IMPORTS = {"keras": "import keras\n", "tf.keras": "from tensorflow import keras\n", "tf_keras": "import tf_keras as keras\n"}
GRAPH = "import tensorflow as tf\ntf.compat.v1.disable_eager_execution()\n"


def _module(cell, body: str) -> str:
    return IMPORTS[cell.api] + (GRAPH if cell.graph else "") + body.split("\n", 1)[1]


def _installed(cell):
    pins = dict(line.lower().split("==", 1) for line in MATRIX["cells"][cell.id]["installed"] if "==" in line)
    return lambda package: versions._parse(pins[package]) if package in pins else None


@pytest.mark.parametrize("how", ["keras-version", "installed"])
@pytest.mark.parametrize("cell", RUNS_KERAS, ids=lambda c: c.id)
def test_assumed_accuracy_resolution_is_the_observed_one(cell, how, monkeypatch) -> None:
    if how == "installed":
        monkeypatch.setattr(versions, "installed", _installed(cell))
    version = cell.keras_version if how == "keras-version" else None
    flagged = messages("CE104", _module(cell, SOFTMAX_BCE.format(n=4)), version)
    assert bool(flagged) == (summarise.accuracy_kind(observed(cell, "acc_softmax_bce")) == "binary")


@pytest.mark.parametrize("cell", KERAS, ids=lambda c: c.id)
def test_keras1_markers_run_only_where_the_loss_decides(cell) -> None:
    # ce-lint reads them as the old resolution whatever keras-version says (versions.loss_based_accuracy)
    facts = MATRIX["facts"][cell.id]
    if "accepted" in (facts["keras1_layer_arguments"], facts["fit_nb_epoch"]):
        assert facts["accuracy_from"].startswith("the loss"), cell.id
    for body in ("model = keras.Sequential([keras.layers.Dense(output_dim=4, activation='softmax')])\n",
                 "model = keras.Sequential([keras.layers.Dense(4, activation='softmax')])\nmodel.fit(x, y, nb_epoch=2)\n"):
        compiled = "model.compile(optimizer='sgd', loss='binary_crossentropy', metrics=['accuracy'])\n"
        source = IMPORTS[cell.api] + body + compiled
        assert messages("CE104", source, cell.keras_version), body


@pytest.mark.parametrize("cell", RUNS_KERAS, ids=lambda c: c.id)
def test_fixes_offered_for_a_version_run_there(cell) -> None:
    spellings = observed(cell, "fix_spellings")
    source = _module(cell, LOGIT)
    fixes = [d.fix for d in lint(source, "fix.py", Settings(select=("CE104",), keras_version=cell.keras_version)).diagnostics]
    assert bool(fixes and fixes[0]) == (spellings.get("BinaryAccuracy(threshold=0.0) on logits") == 1.0), cell.id
    fixes = [d.fix for d in lint(_module(cell, LINEAR_BCE), "fix.py",
                                 Settings(select=("CE106",), keras_version=cell.keras_version)).diagnostics]
    assert bool(fixes and fixes[0]) == bool(spellings["loss classes"]), cell.id
