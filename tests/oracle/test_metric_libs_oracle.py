"""Oracle tests for the metric-library rules CE401 (torchmetrics 1.9.0) and CE402
(HuggingFace transformers 4.57.6), FACTS.md section 7, plus torchmetrics' view of CE208.

HF models are tiny, randomly initialised ``BertConfig`` models built locally: nothing is
downloaded (``HF_HUB_OFFLINE=1`` is set before transformers is imported).

Not run here:
* torchmetrics "task= required since 0.11" history: FACTS.md F7 (third-party reports; only
  1.9.0 installed). The ``normalize_logits_if_needed`` decision on GPU (F7: "decided per
  update() call on CPU") -- no GPU; ``utilities/compute.py`` L201-235.
* transformers ``problem_type`` persisted through ``save_pretrained``: shown on the in-memory
  config (``config.to_dict()``) only, no files written.
"""

import os

import pytest

from oracle_support import Recorder, require

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

torch = require("torch")
F = torch.nn.functional

pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module")
def tm():
    return require("torchmetrics")


@pytest.fixture(scope="module")
def hf():
    return require("transformers")


# --------------------------------------------------------------------------------------------
# CE401 torchmetrics-task-mismatch (F7 torchmetrics)
# --------------------------------------------------------------------------------------------


def test_CE401_multiclass_task_on_multihot_targets_is_silently_zero(tm):
    y = torch.tensor([[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]])
    z = torch.tensor([[3.0, -3, -3, 2], [-3, 2, 3, -3], [2, 3, -3, -3], [-3, -3, 3, 2]])
    probs = torch.sigmoid(z)  # a perfect multi-label predictor
    with Recorder() as rec:
        wrong = tm.Accuracy(task="multiclass", num_classes=4)(probs, y)
    right = tm.Accuracy(task="multilabel", num_labels=4)(probs, y)
    assert wrong.item() == 0.0
    assert right.item() == 1.0
    assert not rec.texts()


def test_CE401_multiclass_two_classes_on_sigmoid_probabilities_is_zero_binary_is_half(tm):
    p = torch.tensor([0.9, 0.2, 0.7, 0.4])
    t = torch.tensor([1, 1, 0, 0])
    assert tm.Accuracy(task="multiclass", num_classes=2)(p, t).item() == 0.0
    assert tm.Accuracy(task="binary")(p, t).item() == pytest.approx(0.5)


def test_CE401_binary_task_rejects_three_classes(tm):
    msg = (
        r"Detected the following values in `target`: tensor\(\[0, 1, 2\]\) "
        r"but expected only the following values \[0, 1\]"
    )
    with pytest.raises(RuntimeError, match=msg):
        tm.Accuracy(task="binary")(torch.tensor([0.2, 0.7, 0.9]), torch.tensor([0, 1, 2]))


def test_CE401_binary_task_on_class_columns_fails_the_shape_check(tm):
    # the page's words: an output of C columns fails the shape check against class ids
    with pytest.raises(RuntimeError, match="Predictions and targets are expected to have the same shape"):
        tm.Accuracy(task="binary")(torch.rand(4, 3), torch.tensor([0, 1, 2, 1]))


def test_CE401_wrapper_micro_vs_class_macro_default_average(tm):
    from torchmetrics.classification import MulticlassAccuracy

    t = torch.tensor([0] * 8 + [1, 2])
    p = torch.zeros(10, dtype=torch.long)  # always predict class 0
    wrapper = tm.Accuracy(task="multiclass", num_classes=3)(p, t)
    klass = MulticlassAccuracy(num_classes=3)(p, t)
    assert wrapper.item() == pytest.approx(0.80)  # average='micro'
    assert klass.item() == pytest.approx(1 / 3, abs=1e-4)  # average='macro'


def test_CE401_logits_inside_unit_interval_are_thresholded_as_probabilities(tm):
    from torchmetrics.classification import BinaryAccuracy

    logits = torch.tensor([0.3, 0.8, 0.9, 0.6])  # all positive logits: all predict class 1
    t = torch.tensor([1, 1, 1, 1])
    assert BinaryAccuracy()(logits, t).item() == pytest.approx(0.75)  # 0.3 <= 0.5 counted 0
    assert BinaryAccuracy()(torch.sigmoid(logits), t).item() == 1.0
    # one value outside [0,1] in the same update() flips the decision: sigmoid applied
    assert BinaryAccuracy()(torch.cat([logits, torch.tensor([1.5])]), torch.ones(5, dtype=torch.long)).item() == 1.0


def test_CE401_task_is_required(tm):
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'task'"):
        tm.Accuracy()


def test_CE208_torchmetrics_multilabel_f1_exposes_useless_model(tm):
    from torchmetrics.classification import MultilabelF1Score, MultilabelExactMatch

    y = torch.tensor([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]])
    pred = torch.zeros(4, 5)
    assert (pred.round() == y).float().mean().item() == pytest.approx(0.8)
    assert MultilabelF1Score(num_labels=5)(pred, y).item() == 0.0
    assert MultilabelExactMatch(num_labels=5)(pred, y).item() == 0.0


# --------------------------------------------------------------------------------------------
# CE402 hf-problem-type-mismatch (F7 HuggingFace)
# --------------------------------------------------------------------------------------------


def _bert(hf, num_labels, **kw):
    torch.manual_seed(0)
    cfg = hf.BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        num_labels=num_labels,
        **kw,
    )
    return hf.BertForSequenceClassification(cfg).eval()


TARGET_SIZE_MSG = r"Target size \(torch.Size\(\[4\]\)\) must be the same as input size \(torch.Size\(\[4, 3\]\)\)"
IDS = torch.tensor([[1, 5, 7, 9, 2, 0], [1, 3, 3, 8, 2, 0], [1, 40, 11, 2, 0, 0], [1, 6, 6, 6, 6, 2]])


def test_CE402_num_labels_1_with_class_labels_trains_mse_regression(hf):
    model = _bert(hf, 1)
    assert model.config.problem_type is None
    labels = torch.tensor([0, 1, 1, 0])
    out = model(input_ids=IDS, labels=labels)
    assert model.config.problem_type == "regression"
    assert out.logits.shape == (4, 1)
    assert out.loss.item() == pytest.approx(F.mse_loss(out.logits.squeeze(), labels.float()).item(), rel=1e-6)
    # persisted in the config (would be saved with the model)
    assert model.config.to_dict()["problem_type"] == "regression"


def test_CE402_int_multihot_labels_inferred_single_label_and_fail(hf):
    model = _bert(hf, 3)
    labels = torch.tensor([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])  # MultiLabelBinarizer int
    with pytest.raises(ValueError, match=r"Expected input batch_size \(4\) to match target batch_size \(12\)"):
        model(input_ids=IDS, labels=labels)
    assert model.config.problem_type == "single_label_classification"


def test_CE402_float_multihot_labels_inferred_multilabel_correctly(hf):
    model = _bert(hf, 3)
    labels = torch.tensor([[1.0, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])
    out = model(input_ids=IDS, labels=labels)
    assert model.config.problem_type == "multi_label_classification"
    assert out.loss.item() == pytest.approx(F.binary_cross_entropy_with_logits(out.logits, labels).item(), rel=1e-6)


def test_CE402_float_one_hot_with_two_labels_trains_bce_not_softmax_ce(hf):
    model = _bert(hf, 2)
    with torch.no_grad():  # move the logits away from 0, where BCE and CE both equal log 2
        model.classifier.bias.copy_(torch.tensor([2.0, -1.0]))
    labels = torch.tensor([[1.0, 0], [0, 1], [1, 0], [0, 1]])
    out = model(input_ids=IDS, labels=labels)
    assert model.config.problem_type == "multi_label_classification"
    bce = F.binary_cross_entropy_with_logits(out.logits, labels).item()
    ce = F.cross_entropy(out.logits, labels.argmax(-1)).item()
    assert out.loss.item() == pytest.approx(bce, rel=1e-6)
    assert abs(out.loss.item() - ce) > 0.3  # not the softmax CE of the same logits


def test_CE402_integer_class_ids_with_multilabel_problem_type_fail(hf):
    model = _bert(hf, 3, problem_type="multi_label_classification")
    with pytest.raises(ValueError, match=TARGET_SIZE_MSG):
        model(input_ids=IDS, labels=torch.tensor([0, 1, 2, 1]))


@pytest.mark.parametrize("dtype", [torch.int16, torch.float32], ids=["int16", "float"])
def test_CE402_non_long_class_ids_inferred_multilabel_and_fail(hf, dtype):
    model = _bert(hf, 3)
    with pytest.raises(ValueError, match=TARGET_SIZE_MSG):
        model(input_ids=IDS, labels=torch.tensor([0, 1, 2, 1], dtype=dtype))
    assert model.config.problem_type == "multi_label_classification"


def test_CE402_control_long_class_ids_single_label_cross_entropy(hf):
    model = _bert(hf, 3)
    labels = torch.tensor([0, 1, 2, 1])
    out = model(input_ids=IDS, labels=labels)
    assert model.config.problem_type == "single_label_classification"
    assert out.loss.item() == pytest.approx(F.cross_entropy(out.logits, labels).item(), rel=1e-6)
