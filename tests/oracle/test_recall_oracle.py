"""Oracle tests for what the recall work (issue 16) teaches the PyTorch and metric-library rules:
each idiom the analysis now follows does, on the real libraries, what the rule says.

torch 2.13.0+cpu, torchmetrics 1.9.0, transformers 4.57.6, pytorch-ignite 0.5.5, skorch 1.4.0,
lightning-fabric 2.6.6, accelerate 1.15.0 (tests/oracle/requirements.txt). Nothing is downloaded.

Not run here: DistributedDataParallel across processes (one gloo process stands for it), CUDA.
"""

import os
from collections import OrderedDict

import pytest

from oracle_support import require

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

torch = require("torch")
nn = torch.nn
F = torch.nn.functional

pytestmark = pytest.mark.oracle


class Softmaxed(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        self.fc = nn.Linear(6, classes)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)


# --------------------------------------------------------------------------------------------
# CE201: nn.Sequential's last module decides, however the Sequential is built
# --------------------------------------------------------------------------------------------


def test_CE201_sequential_built_from_a_list_an_ordered_dict_or_add_module_ends_in_its_last_module():
    layers = [nn.Linear(6, 8), nn.ReLU()]
    layers += [nn.Linear(8, 3)]
    layers.append(nn.Softmax(dim=1))
    ordered = nn.Sequential(OrderedDict([("fc", nn.Linear(6, 3)), ("probs", nn.Softmax(dim=1))]))
    added = nn.Sequential()
    added.add_module("fc", nn.Linear(6, 3))
    added.add_module("probs", nn.Softmax(dim=1))
    x = torch.randn(5, 6)
    for model in (nn.Sequential(*layers), ordered, added, nn.Sequential(nn.Linear(6, 6), *[nn.ReLU()] * 2,
                                                                       nn.Linear(6, 3), nn.Softmax(dim=1))):
        out = model(x)
        assert torch.allclose(out.sum(dim=1), torch.ones(5)) and (out > 0).all()  # probabilities, per row


# --------------------------------------------------------------------------------------------
# CE201: wrappers return a module whose call is the model's forward
# --------------------------------------------------------------------------------------------


def _same_output(wrapped, model, x):
    return torch.allclose(wrapped(x), model(x))


def test_CE201_dataparallel_compile_jit_and_syncbatchnorm_call_the_models_forward():
    model = Softmaxed().eval()
    x = torch.randn(3, 6)
    assert _same_output(nn.DataParallel(model), model, x)  # no GPU: the module itself runs
    assert _same_output(torch.compile(model=model, backend="eager"), model, x)
    assert _same_output(torch.jit.trace(model, x), model, x)
    assert _same_output(torch.jit.script(model), model, x)
    assert nn.SyncBatchNorm.convert_sync_batchnorm(model) is model  # no BatchNorm: the model itself


def test_CE201_distributed_data_parallel_calls_the_models_forward(tmp_path):
    dist = torch.distributed
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1)
    try:
        model = Softmaxed()
        x = torch.randn(3, 6)
        assert _same_output(nn.parallel.DistributedDataParallel(model), model, x)
    finally:
        dist.destroy_process_group()


def test_CE201_fully_sharded_data_parallel_calls_the_models_forward(tmp_path):
    import torch.distributed.device_mesh
    import torch.distributed.fsdp as fsdp

    dist = torch.distributed
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1)
    try:
        x = torch.randn(3, 6)
        model = Softmaxed()
        expected = model(x)
        mesh = torch.distributed.device_mesh.init_device_mesh("cpu", (1,))
        assert fsdp.fully_shard(model, mesh=mesh) is model  # FSDP2 shards the module in place
        assert torch.allclose(model(x), expected)
        if not torch.cuda.is_available():
            pytest.skip("FullyShardedDataParallel (FSDP1) needs an accelerator; fully_shard checked on CPU")
        model = Softmaxed().cuda()
        assert _same_output(fsdp.FullyShardedDataParallel(model), model, x.cuda())
    finally:
        dist.destroy_process_group()


def test_CE201_fabric_setup_returns_the_wrapped_model_and_optimizer_in_order():
    fabric_module = require("lightning_fabric")
    fabric = fabric_module.Fabric(accelerator="cpu", devices=1)
    model = Softmaxed()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    wrapped, opt = fabric.setup(model, optimizer)
    x = torch.randn(3, 6)
    assert _same_output(wrapped, model, x) and opt.optimizer is optimizer
    alone = fabric.setup_module(Softmaxed())
    assert torch.allclose(alone(x).sum(dim=1), torch.ones(3))


def test_CE201_accelerator_prepare_returns_what_it_is_given_in_order():
    accelerate = require("accelerate")
    accelerator = accelerate.Accelerator(cpu=True)
    model = Softmaxed()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(4, 6)), batch_size=2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    prepared_loader, prepared_model, prepared_opt = accelerator.prepare(loader, model, optimizer)
    x = torch.randn(3, 6)
    assert _same_output(prepared_model, model, x)
    assert isinstance(prepared_opt.optimizer, torch.optim.SGD) and len(list(prepared_loader)) == 2
    other = Softmaxed()
    single = accelerator.prepare(other)  # one argument: returned alone, not in a tuple
    assert isinstance(single, nn.Module) and _same_output(single, other, x)


# --------------------------------------------------------------------------------------------
# CE201/CE203/CE204: trainer libraries compute the loss on the model's output
# --------------------------------------------------------------------------------------------


def test_CE201_ignite_trainer_loss_is_the_criterion_of_the_models_output():
    engine = require("ignite.engine")
    model = Softmaxed()
    x, y = torch.randn(8, 6), torch.randint(0, 4, (8,))
    criterion = nn.CrossEntropyLoss()
    expected = criterion(model(x), y).item()
    trainer = engine.create_supervised_trainer(model, torch.optim.SGD(model.parameters(), lr=0.0), criterion)
    trainer.run([(x, y)], max_epochs=1)
    assert trainer.state.output == pytest.approx(expected, rel=1e-6)  # the loss of the softmaxed output
    assert expected > 1.0


def test_CE201_skorch_classifier_with_cross_entropy_feeds_the_module_output_to_the_criterion():
    skorch = require("skorch")
    net = skorch.NeuralNetClassifier(Softmaxed, criterion=nn.CrossEntropyLoss, max_epochs=0, train_split=None)
    net.initialize()
    x, y = torch.randn(8, 6), torch.randint(0, 4, (8,))
    y_pred = net.module_(x)
    assert net.get_loss(y_pred, y).item() == pytest.approx(nn.CrossEntropyLoss()(y_pred, y).item(), rel=1e-6)


def test_CE202_skorch_classifier_takes_the_log_before_nll_loss_so_a_softmax_module_is_right():
    skorch = require("skorch")
    net = skorch.NeuralNetClassifier(Softmaxed, max_epochs=0, train_split=None)  # default criterion: NLLLoss
    net.initialize()
    assert isinstance(net.criterion_, nn.NLLLoss)
    x, y = torch.randn(8, 6), torch.randint(0, 4, (8,))
    probs = net.module_(x)
    eps = torch.finfo(probs.dtype).eps
    assert net.get_loss(probs, y).item() == pytest.approx(F.nll_loss(torch.log(probs + eps), y).item(), rel=1e-6)


def test_CE204_skorch_binary_classifier_default_criterion_applies_the_sigmoid_itself():
    skorch = require("skorch")
    net = skorch.NeuralNetBinaryClassifier(nn.Linear(6, 1), max_epochs=0, train_split=None)
    net.initialize()
    assert isinstance(net.criterion_, nn.BCEWithLogitsLoss)


def test_CE203_ignite_trainer_with_bce_loss_on_raw_logits_fails_on_the_first_step():
    engine = require("ignite.engine")
    model = nn.Linear(6, 1)
    with torch.no_grad():
        model.bias.fill_(3.0)  # outputs above 1
    trainer = engine.create_supervised_trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), nn.BCELoss())
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        trainer.run([(torch.zeros(4, 6), torch.ones(4, 1))], max_epochs=1)


# --------------------------------------------------------------------------------------------
# CE203: fully-convolutional and upsampled heads are raw outputs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("head", ["conv", "conv_transpose", "interpolated"])
def test_CE203_conv_heads_into_bce_loss_fail_once_an_output_leaves_0_1(head):
    torch.manual_seed(0)
    x = torch.randn(2, 3, 8, 8) * 10
    if head == "conv":
        out = nn.Conv2d(3, 1, 1)(x)
    elif head == "conv_transpose":
        out = nn.ConvTranspose2d(3, 1, 2, stride=2)(x)
    else:
        out = F.interpolate(nn.Conv2d(3, 1, 1)(x), scale_factor=2, mode="bilinear", align_corners=False)
    assert out.min() < 0 or out.max() > 1
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        nn.BCELoss()(out, torch.zeros_like(out))
    nn.BCEWithLogitsLoss()(out, torch.zeros_like(out))  # the logits loss takes them


# --------------------------------------------------------------------------------------------
# CE205: dim=0 over a batch normalises each class across the samples
# --------------------------------------------------------------------------------------------


def test_CE205_softmax_dim0_over_a_batch_normalises_columns_not_rows():
    policy = nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=0))
    state = torch.randn(4)
    assert policy(state).sum().item() == pytest.approx(1.0)  # one state: a distribution over the actions
    batch = torch.stack([torch.randn(4) for _ in range(5)])
    probs = policy(batch)
    assert torch.allclose(probs.sum(dim=0), torch.ones(2))  # each action sums to 1 over the batch
    assert not torch.allclose(probs.sum(dim=1), torch.ones(5))  # rows are not distributions
    fixed = nn.Sequential(policy[0], nn.Softmax(dim=-1))
    assert fixed(state).sum().item() == pytest.approx(1.0)
    assert torch.allclose(fixed(batch).sum(dim=1), torch.ones(5))  # dim=-1: right for both


# --------------------------------------------------------------------------------------------
# CE208: cells counted over a loop inflate multi-label accuracy
# --------------------------------------------------------------------------------------------


def test_CE208_cells_summed_over_batches_score_a_silent_model_high():
    batches = []
    for _ in range(3):
        y = torch.zeros(10, 20)
        y[torch.arange(10), torch.randint(0, 20, (10,))] = 1  # one positive label in 20
        batches.append(y)
    correct = total = exact = samples = 0
    for y in batches:
        preds = (torch.sigmoid(torch.full((10, 20), -5.0)) > 0.5).float()  # never predicts a label
        correct += (preds == y).sum().item()
        total += y.numel()
        exact += (preds == y).all(dim=1).sum().item()
        samples += y.size(0)
    assert correct / total == pytest.approx(0.95)
    assert exact / samples == 0.0


def test_CE208_function_forms_shape_products_and_row_means_are_the_same_cell_average():
    y = torch.zeros(10, 20)
    y[torch.arange(10), torch.arange(10)] = 1
    probs = torch.sigmoid(torch.full((10, 20), -5.0))
    preds = probs.gt(0.5).float()
    assert torch.equal(preds, (probs > 0.5).float()) and torch.equal(torch.eq(preds, y), preds == y)
    cells = (preds == y).sum().item() / (y.size(0) * y.size(1))
    assert cells == (preds == y).sum().item() / (y.shape[0] * y.shape[1]) == pytest.approx(0.95)
    assert torch.mean((preds == y).float(), dim=1).mean().item() == pytest.approx(cells)
    per_label = (preds == y).float().mean(dim=0)  # one accuracy per label: not the cell average
    assert per_label.shape == (20,) and per_label[:10].eq(0.9).all() and per_label[10:].eq(1.0).all()


# --------------------------------------------------------------------------------------------
# CE401: binary metrics on class ids of more than two classes
# --------------------------------------------------------------------------------------------


def test_CE401_binary_metrics_on_class_ids_above_1_fail():
    tm = require("torchmetrics")
    ids = torch.tensor([0, 2, 1, 2])
    with pytest.raises(RuntimeError, match="Detected the following values in `preds`"):
        tm.functional.f1_score(ids, torch.tensor([0, 1, 1, 0]), task="binary")
    with pytest.raises(RuntimeError, match="Detected the following values in `preds`"):
        tm.functional.classification.binary_accuracy(ids, torch.tensor([0, 1, 1, 0]))
    two = torch.tensor([0, 1, 1, 0])  # the ids of two classes are 0/1: binary is right
    assert tm.functional.accuracy(two, two, task="binary").item() == 1.0


def test_CE401_binary_with_num_classes_ignores_it_and_fails_on_class_ids():
    tm = require("torchmetrics")
    metric = tm.Accuracy(task="binary", num_classes=3)
    assert type(metric).__name__ == "BinaryAccuracy"
    with pytest.raises(RuntimeError, match="Detected the following values in `target`"):
        metric(torch.tensor([0.1, 0.9, 0.4]), torch.tensor([0, 1, 2]))


# --------------------------------------------------------------------------------------------
# CE402: problem_type set after construction is what forward reads
# --------------------------------------------------------------------------------------------


def _config(hf, **kw):
    return hf.BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=16, num_labels=3, **kw)


@pytest.mark.parametrize("how", ["attribute", "update", "setattr", "model.config"])
def test_CE402_problem_type_set_after_construction_fails_on_class_ids(how):
    hf = require("transformers")
    torch.manual_seed(0)
    config = _config(hf)
    if how == "attribute":
        config.problem_type = "multi_label_classification"
    elif how == "update":
        config.update({"problem_type": "multi_label_classification"})
    elif how == "setattr":
        setattr(config, "problem_type", "multi_label_classification")  # noqa: B010 (the spelling under test)
    model = hf.BertForSequenceClassification(config).eval()
    if how == "model.config":
        model.config.problem_type = "multi_label_classification"
    ids = torch.tensor([[1, 5, 7, 2], [1, 3, 8, 2], [1, 4, 4, 2], [1, 6, 9, 2]])
    with pytest.raises(ValueError, match=r"Target size \(torch.Size\(\[4\]\)\) must be the same as input size"):
        model(input_ids=ids, labels=torch.tensor([0, 1, 2, 1]))
