"""From the raw observations of every cell to one table per rule: the columns a rule's claims
depend on, and what each cell showed there, in words. Pure and fast (no framework imported), so
`run.py --render` re-summarises committed observations without running anything.

The words are the single source of the rule pages' version tables (ce_lint/version_matrix.py
renders them) and of the fast test that checks messages against the matrix.
"""

from __future__ import annotations

from cells import BY_ID, CELLS
from words import accuracy_kind, accuracy_text, error, loss_text, num, stage_error, warnings  # noqa: F401


# --- one function per rule: (columns, cell observations -> values) --------------------------

def ce101(o):
    obs = o["softmax1_bce"]
    err = stage_error(obs, "build")
    if err:
        return [error(err)] * 4 + [warnings()]
    out = "always 1.0" if obs.get("outputs") == [1.0] and obs.get("outputs_after_fit") == [1.0] else str(obs.get("outputs"))
    fit_err = stage_error(obs, "fit")
    if fit_err:
        trained = weights = error(fit_err)
    else:
        losses = obs["losses"]
        trained = f"constant {num(losses[0])}" if len(set(losses)) == 1 else f"falls {num(losses[0])} → {num(losses[-1])}"
        weights = "never change" if obs["kernel_change"] == 0 else f"change (by {num(obs['kernel_change'])})"
    acc = obs.get("accuracy")
    if fit_err:
        accuracy = "—"
    elif acc and len(set(acc)) == 1 and abs(acc[0] - obs["positive_rate"]) < 1e-6:
        accuracy = f"stays at the positive rate {num(acc[0])}"
    else:
        accuracy = str(acc)
    stages = [("predict", obs.get("predict")), ("fit", obs.get("fit")), ("build", obs.get("build"))]
    warned = [name for name, stage in stages if warnings(stage, needle="axis has size 1") != "none"]
    warning = f"UserWarning at {', '.join(warned)}" if warned else "none"
    return [out, trained, weights, accuracy, warning]


def ce102(o):
    two = o["softmax2_bce_vs_cce"]
    err = stage_error(two.get("bce_run", {}), "build", "evaluate")
    pair = error(err) if err else ("equal" if two["equal"] else f"differ: {num(two['bce'])} vs {num(two['cce'])}")
    return [loss_text(o["softmax_bce"]), pair, accuracy_text(o["acc_softmax_bce"]),
            warnings(o["softmax_bce"].get("build"), o["softmax_bce"].get("evaluate"))]


def ce103(o):
    one = o["sigmoid1_cce"]
    err = stage_error(one, "build", "evaluate")
    single = error(err) if err else f"loss {num(one.get('loss'))}"
    fit_err = stage_error(one, "fit")
    moved = (error(fit_err) if fit_err and not err else "—" if err else
             "unchanged" if one.get("kernel_change") == 0 else f"move (by {num(one['kernel_change'])})")
    return [single, moved, warnings(one.get("build"), one.get("evaluate"), one.get("fit"), needle="num_classes > 1"),
            loss_text(o["sigmoid_cce"]), loss_text(o["relu_cce"])]


def ce104(o):
    logit = o["acc_logit"]
    logit_text = accuracy_text(logit)
    if "rounded" in " ".join(logit.get("accuracy_is") or []) and len(logit.get("accuracy_is")) == 1:
        logit_text = f"binary_accuracy on rounded logits: {num(logit.get('metric_value'))}"
    elif accuracy_kind(logit) == "binary":
        logit_text = f"binary_accuracy, threshold 0.5: {num(logit.get('metric_value'))}"
    if "metric_value" in logit:
        logit_text += f" (threshold 0: {num(logit['threshold_0_on_logits'])})"
    fix = o["fix_spellings"]
    zero = fix.get("BinaryAccuracy(threshold=0.0) on logits")
    fix_text = ("no BinaryAccuracy class" if not fix.get("BinaryAccuracy class") else
                error(zero) if isinstance(zero, str) else num(zero))
    return [accuracy_text(o["acc_softmax_bce"]) + " (right: 0.5)", accuracy_text(o["acc_uniform10"]),
            accuracy_text(o["acc_sigmoid_multihot"]) + " (per label all right)", logit_text, fix_text]


def ce105(o):
    def one(name, right):
        text = loss_text(o[name], right)
        return text
    stages = [o[n].get(s) for n in ("cce_logits_softmax", "bce_logits_sigmoid", "scce_logits_softmax")
              for s in ("build", "evaluate")]
    warned = warnings(*stages, needle="does not represent logits")
    note = "" if o["fix_spellings"].get("loss classes") else " (no loss classes: the backend function with from_logits=True)"
    return [one("cce_logits_softmax", "corrected (pre-softmax logits)") + note,
            one("bce_logits_sigmoid", "corrected (pre-sigmoid logits)"),
            one("scce_logits_softmax", "corrected (pre-softmax logits)"),
            "UserWarning \"… does not represent logits\"" if warned != "none" else "none"]


def ce106(o):
    bce = o["linear_bce"]
    err = stage_error(bce, "build")
    if err:
        return [error(err)] * 4 + ["—", "—"]
    caps = bce["capped_loss"]
    cap = f"{num(caps['y=1, logit -3'])} / {num(caps['y=0, logit 3'])}"
    grads = bce.get("zero_gradient")
    grad = (error(stage_error(bce, "fit")) if grads is None else
            ", ".join("0" if g else "≠0" for g in grads))
    cce = o["linear_cce"]
    cce_text = loss_text(cce, "correct (from_logits=True)")
    if not stage_error(cce, "build", "evaluate"):
        cce_text += f"; {num(cce.get('zero_sum_loss'))} when the outputs sum to 0"
    stages = [x.get(s) for x in (cce, o["linear_scce"], bce.get("evaluate_z", {})) for s in ("build", "evaluate")]
    classes = "available" if o["fix_spellings"].get("loss classes") else "no loss classes"
    return [cap, grad, cce_text, loss_text(o["linear_scce"], "correct (from_logits=True)"), warnings(*stages), classes]


def ce107(o):
    def fit(name):
        obs = o[name]
        err = stage_error(obs, "build", "fit")
        return error(err) if err else f"runs, loss {num((obs.get('loss') or [None])[0])}"
    return [fit("scce_onehot"), fit("cce_int"), fit("cce_int_column")]


def ce108(o):
    obs = o["multihot_softmax"]
    err = stage_error(obs, "build", "evaluate")
    if err:
        return [error(err)] * 3 + ["—"]
    return [f"{num(obs['loss'])} (floor 2·log 2 = {num(obs['floor'])})", num(obs.get("sigmoid_bce")),
            accuracy_text(obs), warnings(obs.get("build"), obs.get("evaluate"))]


def _value(entry) -> str:
    if entry.get("error"):
        return error(entry["error"])
    value = entry.get("value")
    if isinstance(value, list):
        return " / ".join(num(v) for v in value)
    return num(value) if not isinstance(value, (str, dict)) else str(value)


def _torch(o, name):
    return o.get(name, {})


def ce201(o):
    e = _torch(o, "ce_after_softmax")
    return [f"{num(e['margin +20']['softmax']['value'][0])} (logits: {num(e['margin +20']['logits']['value'][0])})",
            f"{num(e['margin -20']['softmax']['value'][0])} (logits: {num(e['margin -20']['logits']['value'][0])})",
            f"{num(e['margin -20']['softmax']['value'][1])} (logits: {num(e['margin -20']['logits']['value'][1])})",
            warnings(*[v for m in e.values() if isinstance(m, dict) for v in m.values()])]


def ce202(o):
    e = _torch(o, "nll_without_log")
    return [_value(e["probabilities"]), _value(e["logits"]), _value(e["log_softmax"]),
            warnings(e["probabilities"], e["logits"])]


def ce203(o):
    e = _torch(o, "bce_on_logits")
    return [_value(e["inside [0, 1]"]), _value(e["outside [0, 1]"])]


def ce204(o):
    e = _torch(o, "sigmoid_bce_with_logits")["sigmoid outputs"]
    low, high = e["value"]["y=1 range"]
    return [f"{num(low)} to {num(high)}", warnings(e)]


def ce205(o):
    e = _torch(o, "implicit_dim")
    return [warnings(*e.values()), ", ".join(f"{k}: dim {e[k]['value'][0]}" for k in sorted(e))]


def ce206(o):
    e = _torch(o, "multihot_cross_entropy")
    return [_value(e["loss"]), f"{_value(e['minimum'])} (2·log 2 = {num(e['floor'])})", warnings(e["loss"])]


def ce207(o):
    e = _torch(o, "single_logit_cross_entropy")
    return [f"loss {_value(e['targets 0'])} (loss / gradient)", _value(e["target 1"])]


def ce208(o):
    e = _torch(o, "elementwise_accuracy")
    return [num(e["element-wise"]), num(e["exact match"])]


def ce209(o):
    e = _torch(o, "bce_under_autocast")
    return [f"runs, loss in {_value(e['cpu autocast'])}", _value(e["AutocastCUDA kernel (called on CPU)"])]


def ce901(o):
    e = _torch(o, "bce_clamp")
    return [_value(e["BCELoss(sigmoid(40), 0)"]), _value(e["BCEWithLogitsLoss(40, 0)"])]


def _numerics(key):
    def rows(o):
        return {lib: [num(v[k]) for k in key] + [warnings(v)] for lib, v in o["underflow"].items() if lib != "seconds"}
    return rows


def ce401(o):
    e = _torch(o, "torchmetrics_tasks")
    return [_value(e["multiclass on multi-hot"]), _value(e["multilabel on multi-hot"]),
            _value(e["multiclass, 2 classes, on sigmoid probabilities"]), _value(e["binary on sigmoid probabilities"]),
            _value(e["binary on targets 0, 1, 2"])]


def ce402(o):
    e = _torch(o, "hf_problem_type")
    return [_value(e[k]) for k in ("num_labels=1, labels 0/1", "num_labels=3, int multi-hot labels",
                                   "num_labels=3, float multi-hot labels",
                                   "num_labels=3, int class ids, multi_label_classification",
                                   "num_labels=3, long class ids")]


# rule -> (probe group, columns, summariser, extra not-run cells)
RULES = {
    "CE101": ("keras", ["output", "loss over 3 epochs of SGD", "weights", "'accuracy'", "size-1 softmax warning"],
              ce101, ()),
    "CE102": ("keras", ["loss, 3 units (z = [[2, 0, -1], [.5, 1.5, -.5]])", "2 units: BCE vs categorical CE",
                        "'accuracy' (4 units, half the samples right)", "warnings"], ce102, ()),
    "CE103": ("keras", ["1 unit + CCE, targets (n, 1)", "1 unit: weights after 2 SGD steps", "1 unit: warning",
                        "3 sigmoid units + CCE", "3 relu units + CCE"], ce103, ()),
    "CE104": ("keras", ["softmax + BCE, one-hot, half right", "uniform 10-class softmax + BCE",
                        "sigmoid + BCE, multi-hot", "1 linear unit + BCE(from_logits=True), logits 0.3, 2, -1, -2",
                        "the fix, BinaryAccuracy(threshold=0.0), on those logits"],
              ce104, ()),
    "CE105": ("keras", ["softmax + CategoricalCrossentropy(from_logits=True)",
                        "sigmoid + BinaryCrossentropy(from_logits=True)",
                        "softmax + SparseCategoricalCrossentropy(from_logits=True)", "warning"], ce105, ()),
    "CE106": ("keras", ["BCE, one logit: loss at y=1, logit -3 / y=0, logit 3", "BCE: gradient at logits -3, 3, 0.4, 0.6",
                        "categorical CE", "sparse categorical CE", "warnings",
                        "the fix's loss classes (from_logits=True)"], ce106, ()),
    "CE107": ("keras", ["sparse CE, one-hot targets (8, 4)", "categorical CE, integer targets (8,)",
                        "categorical CE, integer targets (8, 1)"], ce107, ()),
    "CE108": ("keras", ["softmax + CCE on [1, 0, 0, 1], [0, 1, 1, 0] at its best", "sigmoid + BCE, same targets",
                        "'accuracy'", "warnings"], ce108, ()),
    "CE201": ("torch", ["CE of softmax, 10 classes, right by 20", "wrong by 20", "gradient norm, wrong by 20",
                        "warnings"], ce201, ()),
    "CE202": ("torch", ["NLL of softmax [3, 1, 0], target 0", "NLL of the logits", "NLL of log_softmax (right)",
                        "warnings"], ce202, ()),
    "CE203": ("torch", ["BCELoss, inputs in [0, 1]", "BCELoss, inputs 2.5 and -1"], ce203, ("torch-cuda",)),
    "CE204": ("torch", ["BCEWithLogitsLoss of a sigmoid, y = 1: loss range", "warnings"], ce204, ()),
    "CE205": ("torch", ["F.softmax(x) without dim", "axis it normalises"], ce205, ()),
    "CE206": ("torch", ["cross_entropy, multi-hot [1, 0, 0, 1]", "its minimum", "warnings"], ce206, ("torch-older",)),
    "CE207": ("torch", ["Linear(k, 1), class 0 targets", "a target 1"], ce207, ()),
    "CE208": ("torch", ["element-wise accuracy of predicting no label (10 labels, 1 true)", "exact match"], ce208, ()),
    "CE209": ("torch", ["BCELoss under CPU autocast (bfloat16)", "BCELoss through the AutocastCUDA kernel"], ce209,
              ("torch-cuda",)),
    "CE901": ("torch", ["BCELoss(sigmoid(40), 0)", "BCEWithLogitsLoss(40, 0)"], ce901, ()),
    "CE301": ("numerics", ["logit gap at which a float32 softmax probability is 0", "the same in float16",
                           "log(softmax) at gap 120", "warnings"],
              _numerics(["softmax gap where a probability is 0", "float16 softmax gap where a probability is 0",
                         "log(softmax) at gap 120"]), ()),
    "CE302": ("numerics", ["sigmoid(x) is 0 from x =", "1 - sigmoid(x) is 0 from x =", "warnings"],
              _numerics(["sigmoid(x) == 0 from x", "1 - sigmoid(x) == 0 from x"]), ()),
    "CE303": ("numerics", ["log(0) (numpy) / log(sigmoid(-200))", "warnings"], _numerics(["log(0)"]), ()),
    "CE401": ("metric_libs", ["Accuracy(task='multiclass') on multi-hot, perfect predictor", "task='multilabel'",
                              "task='multiclass', 2 classes, on probabilities", "task='binary', same",
                              "task='binary', targets 0, 1, 2"], ce401, ()),
    "CE402": ("metric_libs", ["num_labels=1, labels 0/1", "num_labels=3, int multi-hot", "num_labels=3, float multi-hot",
                              "int class ids with multi_label_classification", "long class ids"], ce402, ()),
}


def _label(cell, result, group):
    versions = result.get("versions", {})
    if group == "torch":
        return f"PyTorch {versions.get('torch', '?')}"
    if group == "metric_libs":
        return f"torchmetrics {versions.get('torchmetrics', '?')}, transformers {versions.get('transformers', '?')}"
    return cell.label


def _keras_does_not_run(o: dict) -> str | None:
    """Why Keras could not even evaluate the control model (softmax + CCE), if it could not."""
    err = stage_error(o.get("acc_softmax_cce", {}), "build", "evaluate")
    return err and f"does not run: {error(err)[len('raises '):]}"


def rules(cells: dict) -> dict:
    """rule code -> {"columns": [...], "rows": [{"cell", "label", "values" | "not_run"}]}."""
    out = {}
    for code, (group, columns, summarise, extra) in RULES.items():
        rows = []
        for cell in CELLS:
            result = cells.get(cell.id, {})
            if group not in cell.groups or (cell.env is None and cell.id not in extra):
                continue
            if result.get("status") != "ran":
                rows.append({"cell": cell.id, "label": cell.label,
                             "not_run": result.get("reason") or cell.not_run or "not run yet"})
                continue
            broken = _keras_does_not_run(result["observed"]) if group == "keras" else None
            if broken:
                rows.append({"cell": cell.id, "label": cell.label, "values": [broken] + ["—"] * (len(columns) - 1)})
                continue
            values = summarise(result["observed"])
            if isinstance(values, dict):  # one row per library in the cell
                for lib, vals in values.items():
                    label = f"{lib} {result['versions'].get(lib, '')}".strip()
                    if not any(r.get("label") == label for r in rows):
                        rows.append({"cell": cell.id, "label": label, "values": vals})
            else:
                rows.append({"cell": cell.id, "label": _label(cell, result, group), "values": values})
        out[code] = {"columns": columns, "rows": rows}
    return out


def _accepted(stages: list) -> str:
    ok = [not (s or {}).get("error") for s in stages]
    return "accepted" if all(ok) else "rejected" if not any(ok) else "partly accepted"


def facts(cells: dict) -> dict:
    """Per Keras cell that ran: how 'accuracy' was resolved and which Keras-1 markers run there,
    what ce-lint's version selection is checked against."""
    out = {}
    for cell in CELLS:
        result = cells.get(cell.id, {})
        if "keras" not in cell.groups or result.get("status") != "ran":
            continue
        o = result["observed"]
        kind = accuracy_kind(o["acc_softmax_bce"])
        markers = o["keras1_kwargs"]
        out[cell.id] = {
            "accuracy_from": {"binary": "the loss (binary_accuracy)", "categorical": "the shapes (categorical_accuracy)"}
            .get(kind, "does not run"),
            "keras1_layer_arguments": _accepted([v for k, v in markers.items() if k.startswith(("Dense", "Conv2D"))]),
            "fit_nb_epoch": _accepted([markers["fit(nb_epoch=)"]]),
        }
    return out


__all__ = ["rules", "facts", "RULES", "BY_ID", "accuracy_kind"]
