"""PyTorch and its ecosystem (Lightning, torchvision, timm): the symbols the analysis knows."""

from __future__ import annotations

from .symbols import (
    BCE,
    BCE_LOGITS,
    CROSS_ENTROPY,
    EXP,
    FLOAT,
    INT,
    LOG,
    LOG_SOFTMAX,
    MEAN,
    NLL,
    ROUND,
    SIGMOID,
    SOFTMAX,
    SOFTMIN,
    ArrayFunction,
    Conversion,
    Kind,
    Library,
    Member,
    Param,
    Range,
    Sampler,
    Spelling,
    TensorLoss,
)

NN = "torch.nn"
F = "torch.nn.functional"

LIBRARY = Library(
    "torch", roots=("torch",), gate=("torch", "cross_entropy"), arrays=True, traced=True,
    spellings=(Spelling("torch.nn.modules", NN, last_only=True, alone=False),  # torch.nn.modules.loss.BCELoss
               *(Spelling(root, "lightning", last_only=True, alone=False)
                 for root in ("pytorch_lightning", "lightning.pytorch", "lightning"))))

# How messages spell the usual aliases: `F.softmax`, `nn.Softmax`.
_SHORT = {F: "F", NN: "nn"}


def spelled(qname: str) -> str:
    """`torch.nn.functional.softmax` -> `F.softmax`, `torch.nn.Softmax` -> `nn.Softmax`."""
    for module, short in sorted(_SHORT.items(), key=lambda item: -len(item[0])):
        if qname.startswith(module + "."):
            return short + qname[len(module):]
    return qname


def _fn(kind: Kind, axis: Param | None = None, implicit_axis: bool = False) -> ArrayFunction:
    return ArrayFunction(kind, LIBRARY.name, axis, implicit_axis)


_DIM = Param(1, "dim")
INPUT = Param(0, "input")  # the tensor a function is applied to
ARRAY_FUNCTIONS = {
    f"{F}.softmax": _fn(SOFTMAX, _DIM, implicit_axis=True),
    f"{F}.log_softmax": _fn(LOG_SOFTMAX, _DIM, implicit_axis=True),
    f"{F}.softmin": _fn(SOFTMIN, _DIM, implicit_axis=True),
    "torch.softmax": _fn(SOFTMAX, _DIM),
    "torch.log_softmax": _fn(LOG_SOFTMAX, _DIM),
    "torch.special.softmax": _fn(SOFTMAX, _DIM),
    "torch.special.log_softmax": _fn(LOG_SOFTMAX, _DIM),
    "torch.sigmoid": _fn(SIGMOID),
    f"{F}.sigmoid": _fn(SIGMOID),
    "torch.special.expit": _fn(SIGMOID),
    "torch.log": _fn(LOG),
    "torch.exp": _fn(EXP),
    "torch.round": _fn(ROUND),
    "torch.mean": _fn(MEAN),
}
# Tensor methods that do the same (only torch tensors have them).
_METHOD_DIM = Param(0, "dim")
ARRAY_METHODS = {
    "softmax": _fn(SOFTMAX, _METHOD_DIM),
    "log_softmax": _fn(LOG_SOFTMAX, _METHOD_DIM),
    "sigmoid": _fn(SIGMOID),
    "log": _fn(LOG),
    "exp": _fn(EXP),
    "round": _fn(ROUND),
}


CROSS_ENTROPY_LOSS = TensorLoss(CROSS_ENTROPY, "logits", LIBRARY.name, "CrossEntropyLoss", "CrossEntropyLoss",
                                "cross_entropy")
NLL_LOSS = TensorLoss(NLL, "log-probabilities", LIBRARY.name, "NLLLoss", "NLLLoss", "nll_loss")
BCE_LOSS = TensorLoss(BCE, "probabilities", LIBRARY.name, "BCELoss", "BCELoss", "binary_cross_entropy")
BCE_WITH_LOGITS_LOSS = TensorLoss(BCE_LOGITS, "logits", LIBRARY.name, "BCEWithLogitsLoss", "BCEWithLogitsLoss",
                                  "binary_cross_entropy_with_logits")
LOSSES = (CROSS_ENTROPY_LOSS, NLL_LOSS, BCE_LOSS, BCE_WITH_LOGITS_LOSS)
CRITERIA = {f"{NN}.{loss.criterion}": loss for loss in LOSSES}
LOSS_FUNCTIONS = {f"{F}.{loss.function}": loss for loss in LOSSES}

LOG_SIGMOID = Member(F, "logsigmoid")
CLIP = Member("torch", "clamp")
CLAMP = "clamp"  # the method
RANGES = {
    "torch.arange": Range("step", stop=Param(1, "end")),
    "torch.linspace": Range("count", stop=Param(1, "end"), spacing=Param(2, "steps"), default=None),
}
_DISTRIBUTION = Sampler(Param(None, "logits"), distribution=True)
SAMPLERS = {
    "torch.multinomial": Sampler(INPUT),
    **{f"torch.distributions.{name}": _DISTRIBUTION
       for name in ("Categorical", "categorical.Categorical", "OneHotCategorical",
                    "one_hot_categorical.OneHotCategorical")},
}

# Labels: one-hot and argmax functions, conversions that keep their values.
ONE_HOT_FUNCTIONS = frozenset({f"{F}.one_hot"})
ARGMAX_FUNCTIONS = frozenset({"torch.argmax"})
CONVERSIONS = {
    "torch.tensor": Conversion(typed=True),
    "torch.as_tensor": Conversion(typed=True),
    "torch.from_numpy": Conversion(),
    "torch.LongTensor": Conversion(typed=True, dtype=INT),
    "torch.FloatTensor": Conversion(typed=True, dtype=FLOAT),
    "torch.IntTensor": Conversion(labels=False, typed=True, dtype=INT),
    "torch.DoubleTensor": Conversion(labels=False, typed=True, dtype=FLOAT),
}

# Modules (`torch.nn.X`), by name.
LINEAR = "Linear"
LINEAR_UNITS = Param(1, "out_features")
_MODULE_DIM = Param(0, "dim")
ACTIVATION_MODULES = {  # what they do to the tensor they are applied to (`dim` may be left out, deprecated)
    "Softmax": _fn(SOFTMAX, _MODULE_DIM, implicit_axis=True),
    "LogSoftmax": _fn(LOG_SOFTMAX, _MODULE_DIM, implicit_axis=True),
    "Softmin": _fn(SOFTMIN, _MODULE_DIM, implicit_axis=True),
    "Sigmoid": _fn(SIGMOID),
}
IDENTITY = "Identity"
PASS_MODULES = frozenset({"Dropout", IDENTITY, "AlphaDropout", "Dropout1d"})  # they return their input's values
SEQUENTIAL = "Sequential"


def module_name(qname: str) -> str | None:
    """`torch.nn.BCELoss` -> "BCELoss"."""
    return qname[len(NN) + 1:] if qname.startswith(NN + ".") and qname.count(".") == 2 else None


def activation_module(kind: Kind) -> str:
    """The module that applies an activation: "softmax" -> "Softmax"."""
    return next(name for name, fn in ACTIVATION_MODULES.items() if fn.kind == kind)


# Methods of modules that return the module itself (`model.to(device)`, `model.train()`).
MODULE_SELF_METHODS = frozenset({"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16",
                                 "requires_grad_", "type", "to_empty"})
FORWARD = "forward"
WRAPPERS = frozenset({f"{NN}.DataParallel", f"{NN}.parallel.DataParallel", f"{NN}.parallel.DistributedDataParallel",
                      "torch.compile"})  # they call the module's forward
WRAPPED = Param(0, "module")
NO_GRAD = frozenset({"torch.no_grad", "torch.inference_mode"})

# Mixed precision: autocast regions (and the argument naming their device; None: CUDA), gradient scalers.
MIXED_PRECISION: dict[str, Param | None] = {
    "torch.autocast": Param(0, "device_type"), "torch.amp.autocast": Param(0, "device_type"),
    "torch.cuda.amp.autocast": None,
    "torch.cuda.amp.GradScaler": None, "torch.amp.GradScaler": None, "torch.GradScaler": None}
AUTOCAST_DEVICE = "cuda"  # where binary_cross_entropy is refused (CPU autocast runs it in float32)
TRAINER = "lightning.Trainer"
TRAINER_PRECISION = Param(None, "precision")
HALF_PRECISION = (16, "16", "16-mixed")

# Pretrained model factories whose classification head users replace (`model.fc = nn.Linear(...)`).
PRETRAINED = ("torchvision.models.", "timm.create_model")
HEADS = ("fc", "classifier", "head")

# Element-wise accuracy: `(preds == y)`, `.eq(y)`, `.sum()`, `.mean()`, `/ y.numel()`.
EQ = "eq"
MEAN_METHOD = "mean"
ITEM = "item"
COUNTS = frozenset({"numel", "nelement"})
TO_INT = frozenset({"int", "long"})
TO_BOOL = "bool"

# -- label data: zero-filled label rows, datasets of (x, y) pairs and what iterates over them ----------

ZEROS_FUNCTIONS = frozenset({"torch.zeros"})
ARANGE_FUNCTIONS = frozenset({"torch.arange"})
PAIR_DATASETS = frozenset({"torch.utils.data.TensorDataset"})  # TensorDataset(x, y): (x, y) pairs
LOADERS = frozenset({"torch.utils.data.DataLoader"})  # batches of what its dataset holds
LOADER_DATASET = Param(0, "dataset")
GET_ITEM = "__getitem__"  # what a Dataset class gives for one sample
ITERABLE_WRAPPERS = frozenset({"tqdm.tqdm", "tqdm.auto.tqdm", "tqdm.notebook.tqdm"})  # iterate as what they wrap
