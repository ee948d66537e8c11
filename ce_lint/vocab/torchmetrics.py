"""torchmetrics: classification metrics, their tasks and default averages (torchmetrics 1.9.0)."""

from __future__ import annotations

from .symbols import Library

TORCHMETRICS = "torchmetrics"
LIBRARY = Library(TORCHMETRICS, roots=(TORCHMETRICS,), gate=(TORCHMETRICS,))

TASKS = ("binary", "multiclass", "multilabel")
# The class forms: `MulticlassAccuracy` is `Accuracy` for task="multiclass".
TASK_PREFIXES = {"Binary": "binary", "Multiclass": "multiclass", "Multilabel": "multilabel"}
# ... and the functional forms: `binary_f1_score` is `f1_score` for task="binary" (its class count third).
FUNCTIONAL_TASK_PREFIXES = {"binary_": "binary", "multiclass_": "multiclass", "multilabel_": "multilabel"}
# Wrappers whose `average` default is "micro" while their Multiclass*/Multilabel* classes default to "macro".
MICRO_WRAPPERS = frozenset({"Accuracy", "F1Score", "FBetaScore", "HammingDistance", "NegativePredictiveValue",
                            "Precision", "Recall", "Specificity", "StatScores"})
COLLECTION = "MetricCollection"
FUNCTIONAL = ".functional."  # in the qualified names of the functional forms
CLASSIFICATION = f"{TORCHMETRICS}.classification"  # where a fix imports a class form from
COUNT = {"multilabel": "num_labels", "multiclass": "num_classes"}  # the class count each task takes
CALLS = frozenset({"update", "forward", "__call__"})  # that feed a metric
SELF_METHODS = frozenset({"to", "cuda", "cpu", "clone", "set_dtype", "float", "double", "half", "train", "eval"})
