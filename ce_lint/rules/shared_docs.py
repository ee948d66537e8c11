"""Paragraphs that several rule pages share, written once: a docstring line holding only a name in
braces (`{keras-loss-paths}`) stands for its paragraph, and Rule.doc writes it in."""

from __future__ import annotations

PARAGRAPHS = {
    # Every Keras rule that reads a model's loss (rules/keras/common.outputs).
    "{keras-loss-paths}": """\
The loss may reach it through `compile()` (a string, function or object, by keyword or position,
through a variable, a one-item list, or a dict filled key by key: `cfg["loss"] = ...` then
`compile(**cfg)` or `loss=cfg["loss"]`), or be called outside it: `loss_fn(y, model(x))` in a
custom training loop under `GradientTape`, in a `train_step` override, in a GAN's helper
functions on a module-level loss object, or a loss function such as
`keras.losses.binary_crossentropy(y, model(x))`. A function of one's own that only returns a
Keras loss function of its two arguments, in order (`def loss(labels, logits): return
keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)`), is that loss.""",
    # ...and its output layer's activation.
    "{keras-output-paths}": """\
The output layer may be made by `functools.partial(Dense, ...)`; layers that keep their
input's values (a linear `Activation`, such as mixed precision's float32
`Activation("linear", dtype="float32")`, `Flatten`, `Reshape`, a `Lambda` that casts or reshapes)
keep the activation before them. Snippets that use Keras names without importing them are read as
Keras when the shape is unmistakable (no star import, nothing binds the names, two or more Keras
names, one of them Keras's own such as `Dense`, and a `compile()` given a loss).""",
}


def expand(doc: str) -> str:
    """The docstring (already dedented) with each shared paragraph's name replaced by the paragraph."""
    return "\n".join(PARAGRAPHS.get(line.strip(), line) for line in doc.split("\n"))
