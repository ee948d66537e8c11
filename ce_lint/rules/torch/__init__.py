"""PyTorch rules (CE2xx, CE901): what reaches each loss must be what the loss expects."""

from . import class_axis, losses, multilabel, precision  # noqa: F401  (they register their rules)
