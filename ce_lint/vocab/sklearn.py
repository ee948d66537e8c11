"""scikit-learn: label encoders, classification metrics, train_test_split."""

from __future__ import annotations

from dataclasses import dataclass

from .symbols import INT, INTEGER, MULTI_HOT, ONE_HOT, ONE_HOT_OR_BINARY, DType, Encoding, Library

SKLEARN = "sklearn"
LIBRARY = Library(SKLEARN, roots=(SKLEARN,), gate=())  # it matters only beside a framework


@dataclass(frozen=True)
class Encoder:
    encoding: Encoding  # of what fit_transform/transform return
    dtype: DType | None = None  # of what they return, where it matters (integer multi-hot rows)


_PREPROCESSING = f"{SKLEARN}.preprocessing"
ENCODERS = {
    "LabelEncoder": Encoder(INTEGER, INT),
    "OrdinalEncoder": Encoder(INTEGER, INT),
    "LabelBinarizer": Encoder(ONE_HOT_OR_BINARY),
    "OneHotEncoder": Encoder(ONE_HOT),
    "MultiLabelBinarizer": Encoder(MULTI_HOT, INT),
}
ENCODE = frozenset({"fit_transform", "transform"})
FIT = "fit"  # returns the encoder itself: `LabelEncoder().fit(names).transform(names)`


def encoder_name(qname: str) -> str | None:
    """`sklearn.preprocessing._label.LabelEncoder` -> "LabelEncoder", for the encoders above."""
    if not qname.startswith(_PREPROCESSING + "."):
        return None
    name = qname.rsplit(".", 1)[-1]
    return name if name in ENCODERS else None


CLASSIFICATION_METRICS = frozenset(f"{SKLEARN}.metrics.{name}" for name in (
    "accuracy_score", "f1_score", "precision_score", "recall_score", "classification_report", "confusion_matrix",
    "balanced_accuracy_score", "precision_recall_fscore_support"))


def is_train_test_split(qname: str) -> bool:
    """`sklearn.model_selection.train_test_split`: its results are its arrays, each split in two."""
    return qname.startswith(SKLEARN + ".") and qname.endswith("train_test_split")
