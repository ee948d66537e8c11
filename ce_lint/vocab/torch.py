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
                 for root in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric", "lightning")),
               Spelling("skorch", "skorch", last_only=True, alone=False)))  # skorch.classifier.NeuralNetClassifier

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
SUM_FUNCTIONS = frozenset({"torch.sum"})
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
_DISTRIBUTION = Sampler(Param(None, "logits"), distribution=True, probs=Param(0, "probs"))
_DIM = Param(1, "dim")
SAMPLERS = {
    "torch.multinomial": Sampler(INPUT),
    **{f"torch.distributions.{name}": _DISTRIBUTION
       for name in ("Categorical", "categorical.Categorical", "OneHotCategorical",
                    "one_hot_categorical.OneHotCategorical")},
    **{f"torch.distributions.{name}": Sampler(Param(2, "logits"), distribution=True, probs=Param(1, "probs"))
       for name in ("Multinomial", "multinomial.Multinomial")},  # Multinomial(total_count, probs, logits)
    "torch.argsort": Sampler(INPUT),
    "torch.topk": Sampler(INPUT, pair=True),
    "torch.sort": Sampler(INPUT, pair=True),
    "torch.max": Sampler(INPUT, pair=True, needs=_DIM),
    "torch.min": Sampler(INPUT, pair=True, needs=_DIM),
}
# The same as tensor methods (on the receiver): `probs.multinomial(1)`, `log_p.max(dim=-1)`.
_METHOD_DIM = Param(0, "dim")
TENSOR_SAMPLERS = {
    "multinomial": Sampler(INPUT),
    "topk": Sampler(INPUT, pair=True),
    "sort": Sampler(INPUT, pair=True),
    "max": Sampler(INPUT, pair=True, needs=_METHOD_DIM),
    "min": Sampler(INPUT, pair=True, needs=_METHOD_DIM),
}
UNIQUE_METHODS = frozenset({"multinomial", "topk"})  # no other array library has them: a tensor's, whatever it is
PAIR_INDICES = ("indices", 1)  # `.indices`, `[1]`: the indices of a (values, indices) pair

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
# Layers whose output is as raw as a Linear's (logits of unknown width: the class axis of a conv is dim 1).
RAW_MODULES = frozenset({"Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
                         "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
                         "LazyConvTranspose3d", "Bilinear"})
RAW_FUNCTIONS = frozenset({f"{F}.{name}" for name in ("linear", "bilinear", "conv1d", "conv2d", "conv3d",
                                                       "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")})
# Resampling and reshaping keep what the values are (raw stays raw, probabilities stay probabilities).
RESAMPLE_MODULES = frozenset({"Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d", "Flatten", "Unflatten"})
RESAMPLE_FUNCTIONS = frozenset({f"{F}.interpolate", f"{F}.upsample", f"{F}.upsample_bilinear",
                                f"{F}.upsample_nearest"})
# torch.flatten(x, 1), torch.squeeze(x, 1): the tensor methods of the same names (arrays.RESHAPES) as functions.
RESHAPE_FUNCTIONS = frozenset({f"torch.{name}" for name in ("reshape", "permute", "transpose", "flatten", "squeeze",
                                                            "unsqueeze")})
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
ADD_MODULE = "add_module"  # Sequential.add_module(name, module): appended last
ADD_MODULE_ARG = Param(1, "module")
SEQUENTIAL_GROWS = frozenset({"append", "extend", "insert"})  # like a list's (they return the Sequential)


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
_MODULE = Param(0, "module")
WRAPPERS = {  # they return a module that calls the wrapped module's forward (or the module itself)
    f"{NN}.DataParallel": _MODULE, f"{NN}.parallel.DataParallel": _MODULE,
    f"{NN}.parallel.DistributedDataParallel": _MODULE, f"{NN}.SyncBatchNorm.convert_sync_batchnorm": _MODULE,
    "torch.compile": Param(0, "model"), "torch.jit.script": Param(0, "obj"), "torch.jit.trace": Param(0, "func"),
    "torch.distributed.fsdp.FullyShardedDataParallel": _MODULE, "torch.distributed.fsdp.fully_shard": _MODULE,
}
# Objects whose methods return the modules (and optimizers, loaders) they are given, wrapped, in order:
# one argument gives it alone, several a tuple (Fabric.setup, Accelerator.prepare).
SETUP_METHODS = {"lightning.Fabric": frozenset({"setup", "setup_module"}),
                 "accelerate.Accelerator": frozenset({"prepare", "prepare_model", "unwrap_model"})}
WRAPPED_MODULE = "module"  # DataParallel(model).module, DDP's: the model itself
TO_NUMPY = "numpy"  # probs.cpu().numpy(): the same values, as a NumPy array
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
MEAN_DIM = "dim"  # (preds == y).float().mean(dim=1): a share per sample
ITEM = "item"
COUNTS = frozenset({"numel", "nelement"})
COUNT_FUNCTIONS = frozenset({"torch.numel"})
# y.size(0) * y.size(1), y.shape[0] * y.shape[1], len(y) * y.shape[1]: the cells of a (batch, labels) tensor.
SIZE = "size"
SHAPE = "shape"
LEN = "len"
# probs.gt(0.5), torch.eq(preds, y): the comparison operators as methods and functions.
COMPARISONS = {"eq": "Equal", "gt": "GreaterThan", "ge": "GreaterThanEqual", "greater": "GreaterThan",
               "greater_equal": "GreaterThanEqual"}
COMPARE_FUNCTIONS = {"torch." + name: op for name, op in COMPARISONS.items()}
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

TO_NUMBER = frozenset({"builtins.float", "builtins.int"})  # float(correct): still the same count

# Picking a class per row (argmax, max, topk, gather) over dim 1 shows a tensor is (batch, classes).
CLASS_PICKS = {"argmax": Param(0, "dim"), "max": Param(0, "dim"), "topk": Param(1, "dim"), "gather": Param(0, "dim")}
PICK_AXIS = "axis"  # NumPy's name for it: probs.numpy().argmax(axis=1)
CLASS_PICK_FUNCTIONS = {"torch.argmax": Param(1, "dim"), "torch.max": Param(1, "dim"), "torch.topk": Param(2, "dim"),
                        "torch.gather": Param(1, "dim")}
MAX = "max"  # `values, indices = probs.max(dim=1)`: the indices are class ids
# Functions that stack samples into a batch (a new first axis).
STACKS = frozenset({"torch.stack", "torch.vstack"})

# Trainer libraries that compute `criterion(model(x), y)` themselves.
IGNITE_TRAINER = "ignite.engine.create_supervised_trainer"
IGNITE_MODEL, IGNITE_LOSS = Param(0, "model"), Param(2, "loss_fn")
IGNITE_MODEL_TRANSFORM = Param(None, "model_transform")  # applied to the model's output before the loss
IGNITE_MODEL_FN = Param(None, "model_fn")  # replaces `model(x)`
SKORCH_MODULE = Param(0, "module")
SKORCH_CRITERION = Param(None, "criterion")
SKORCH_MODULE_PARAMS = "module__"  # `module__hidden=64` is the module's `hidden=64`
# skorch's nets and their criterion: where it is given, and the default (None: required).
SKORCH_NETS: dict[str, tuple[Param, TensorLoss | None]] = {
    "skorch.NeuralNet": (Param(1, "criterion"), None),
    "skorch.NeuralNetClassifier": (SKORCH_CRITERION, NLL_LOSS),
    "skorch.NeuralNetBinaryClassifier": (SKORCH_CRITERION, BCE_WITH_LOGITS_LOSS),
}
SKORCH_LOGS_FOR_NLL = "skorch.NeuralNetClassifier"  # get_loss: log(y_pred + eps) before an NLLLoss
