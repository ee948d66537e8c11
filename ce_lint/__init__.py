"""ce-lint: static checks for how classifiers wire activations, losses and metrics."""

__version__ = "0.1.0"
