"""The words the matrix tables use for an observation: numbers, errors, warnings, which formula a
loss matched, which accuracy a value identifies."""

from __future__ import annotations

# Warnings that are about the probes' own scaffolding, never about the mistake under test.
_SCAFFOLDING = ("OMP_NUM_THREADS", "state_updates", "input_shape", "input_dim", "Update your", "nb_epoch",
                "attention_mask", "overflow encountered", "divide by zero", "layer.add_weight",
                "`layer.updates`", "Model.updates", "TensorFlow Addons", "Not all inputs", "unused")


def num(x) -> str:
    if isinstance(x, str):
        return {"nan": "NaN", "inf": "inf", "-inf": "-inf"}.get(x, x)
    if x is None:
        return "—"
    if x == 0:
        return "0"
    return f"{x:.4g}" if abs(x) >= 1e-3 else f"{x:.1e}"


def error(text: str, limit: int = 90) -> str:
    kind, _, message = text.partition(": ")
    if message.startswith(kind + ": "):  # TF repeats the kind inside the message
        message = message[len(kind) + 2:]
    message = message if len(message) <= limit else message[:limit].rsplit(" ", 1)[0] + " …"
    return f"raises {kind} ({message})" if message else f"raises {kind}"


def warnings(*stages, needle: str | None = None) -> str:
    """The warnings the stages emitted (only those containing `needle` if given), kind first."""
    found = []
    for stage in stages:
        for text in (stage or {}).get("warnings", []):
            if any(s in text for s in _SCAFFOLDING) or (needle and needle not in text):
                continue
            kind = text.split(":", 1)[0]
            kind = "logged warning" if kind == "log" else kind
            if kind not in found:
                found.append(kind)
    return ", ".join(found) if found else "none"


def stage_error(obs: dict, *names: str) -> str | None:
    if "probe_error" in obs:
        return obs["probe_error"]
    for name in names:
        err = (obs.get(name) or {}).get("error")
        if err:
            return err
    return None


def loss_text(obs: dict, right: str | None = None) -> str:
    """'<formula>: <value>' for an evaluate_case observation, or its error."""
    err = stage_error(obs, "build", "evaluate")
    if err:
        return error(err)
    matched = obs.get("matches") or ["none of the candidate formulas"]
    text = f"{matched[0]}: {num(obs.get('loss'))}"
    if right and right in (obs.get("candidates") or {}) and right not in matched:
        text += f" (right: {num(obs['candidates'][right])})"
    return text


_ACCURACY_WORDS = {"binary_accuracy": "binary_accuracy", "binary_accuracy (rounded outputs)": "binary_accuracy, rounded",
                   "categorical_accuracy": "categorical_accuracy", "sparse_categorical_accuracy":
                   "sparse_categorical_accuracy"}


def accuracy_text(obs: dict) -> str:
    err = stage_error(obs, "build", "evaluate")
    if err:
        return error(err)
    kinds = obs.get("accuracy_is") or []
    kind = kinds[0] if len(kinds) == 1 else next((k for k in kinds if "rounded" not in k), "unidentified metric")
    return f"{_ACCURACY_WORDS.get(kind, kind)}: {num(obs.get('metric_value'))}"


def accuracy_kind(obs: dict) -> str | None:
    """binary / categorical / sparse: the accuracy family the value identifies, for the checks."""
    kinds = obs.get("accuracy_is") or []
    return kinds[0].split("_")[0] if kinds else None
