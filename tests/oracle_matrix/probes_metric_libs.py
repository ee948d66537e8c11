"""torchmetrics (CE401) and HuggingFace transformers (CE402) experiments. Tiny local BERT models,
nothing downloaded."""

import os

from watch import Stage

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _guarded(fn):
    with Stage() as s:
        value = fn()
    return {"value": value if s.error is None else None, "warnings": s.warnings, "error": s.error}


def experiments(spec):
    import torch

    def torchmetrics_tasks():
        """CE401: accuracy of a perfect multi-label predictor under each task, and task='binary' on 3 classes."""
        import torchmetrics as tm
        y = torch.tensor([[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]])
        probs = torch.sigmoid(torch.tensor([[3.0, -3, -3, 2], [-3, 2, 3, -3], [2, 3, -3, -3], [-3, -3, 3, 2]]))
        p2, t2 = torch.tensor([0.9, 0.2, 0.7, 0.4]), torch.tensor([1, 1, 0, 0])
        return {
            "multiclass on multi-hot": _guarded(lambda: tm.Accuracy(task="multiclass", num_classes=4)(probs, y).item()),
            "multilabel on multi-hot": _guarded(lambda: tm.Accuracy(task="multilabel", num_labels=4)(probs, y).item()),
            "multiclass, 2 classes, on sigmoid probabilities": _guarded(
                lambda: tm.Accuracy(task="multiclass", num_classes=2)(p2, t2).item()),
            "binary on sigmoid probabilities": _guarded(lambda: tm.Accuracy(task="binary")(p2, t2).item()),
            "binary on targets 0, 1, 2": _guarded(
                lambda: tm.Accuracy(task="binary")(torch.tensor([0.2, 0.7, 0.9]), torch.tensor([0, 1, 2])).item()),
        }

    def hf_problem_type():
        """CE402: the problem_type and loss transformers infers from num_labels and the labels' dtype."""
        import transformers as hf
        ids = torch.tensor([[1, 5, 7, 9, 2, 0], [1, 3, 3, 8, 2, 0], [1, 40, 11, 2, 0, 0], [1, 6, 6, 6, 6, 2]])

        def run(num_labels, labels, **kw):
            def go():
                torch.manual_seed(0)
                cfg = hf.BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                    intermediate_size=16, num_labels=num_labels, **kw)
                model = hf.BertForSequenceClassification(cfg).eval()
                try:
                    model(input_ids=ids, labels=labels)
                finally:
                    inferred = model.config.problem_type
                return inferred
            return _guarded(go)
        return {
            "num_labels=1, labels 0/1": run(1, torch.tensor([0, 1, 1, 0])),
            "num_labels=3, int multi-hot labels": run(3, torch.tensor([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])),
            "num_labels=3, float multi-hot labels": run(3, torch.tensor([[1.0, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])),
            "num_labels=3, int class ids, multi_label_classification": run(
                3, torch.tensor([0, 1, 2, 1]), problem_type="multi_label_classification"),
            "num_labels=3, long class ids": run(3, torch.tensor([0, 1, 2, 1])),
        }

    return [("torchmetrics_tasks", torchmetrics_tasks), ("hf_problem_type", hf_problem_type)]
