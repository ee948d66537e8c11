"""How messages name what the facts record (the facts keep no words of their own)."""

from __future__ import annotations

from ..facts.metrics import Evidence
from ..facts.targets import Target

_ORIGINS = {"literal": "literal labels", "one_hot_sum": "one_hot(...).sum()", "eye_rows": "np.eye(...)[labels]",
            "rows": "ones set row by row"}


def shown_by(target: Target) -> str:
    """What shows a target's encoding: "to_categorical", "LabelEncoder", "mnist.load_data()"..."""
    origin = target.origin
    if origin.kind == "dataset":
        return f"{origin.name}.load_data()"
    return _ORIGINS.get(origin.kind, origin.name)


def evidence(found: Evidence) -> str:
    """A call that shows the labels are classes: "accuracy_score", 'load_dataset("imdb")'..."""
    if found.kind == "hf_metric":
        return f'{found.loader}("{found.name}")'
    if found.kind == "dataset":
        return f'load_dataset("{found.name}")'
    return found.name
