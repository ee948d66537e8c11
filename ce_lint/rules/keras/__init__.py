"""Keras and tf.keras rules (CE1xx): output activation, loss, metrics and targets must agree."""

from . import accuracy, activations, logits, targets  # noqa: F401  (they register their rules)
