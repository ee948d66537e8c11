"""The cells of the version matrix: which framework, version and backend each one runs, and the
environment (Python version and pinned installs, in order) it runs in.

Pure data, importable from the normal test suite: the fast check of the committed table
(tests/test_version_matrix.py) reads the cell attributes to decide which cells a claim covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# TF 1.x/2.0-2.5 wheels were generated with protobuf 3; protobuf 4 breaks their import.
_PROTOBUF3 = "protobuf==3.20.3"


@dataclass(frozen=True)
class Env:
    python: str  # a pyenv version prefix: 3.7 -> the newest 3.7.x pyenv has
    steps: tuple[tuple[str, ...], ...]  # pip install arguments, one install per step, in order


ENVS: dict[str, Env] = {
    "tf1.15-keras1.2.2": Env("3.7", (("tensorflow-cpu==1.15.0", "keras==1.2.2", "numpy==1.18.5", "h5py==2.10.0",
                                      _PROTOBUF3),)),
    "tf1.15-keras2.2.4": Env("3.7", (("tensorflow-cpu==1.15.0", "keras==2.2.4", "numpy==1.18.5", "h5py==2.10.0",
                                      _PROTOBUF3),)),
    "tf1.15-keras2.3.1": Env("3.7", (("tensorflow-cpu==1.15.0", "keras==2.3.1", "numpy==1.18.5", "h5py==2.10.0",
                                      _PROTOBUF3),)),
    "tf2.1": Env("3.7", (("tensorflow-cpu==2.1.4", _PROTOBUF3),)),
    "tf2.2": Env("3.8", (("tensorflow-cpu==2.2.3", _PROTOBUF3),)),
    "tf2.3": Env("3.8", (("tensorflow-cpu==2.3.4", _PROTOBUF3),)),
    "tf2.4": Env("3.8", (("tensorflow-cpu==2.4.4", _PROTOBUF3),)),
    "tf2.5": Env("3.9", (("tensorflow-cpu==2.5.3", _PROTOBUF3),)),
    "tf2.15": Env("3.11", (("tensorflow-cpu==2.15.1",),)),
    "tf2.21": Env("3.12", (("tensorflow-cpu==2.21.0", "tf-keras==2.21.0", "keras==3.15.1"),)),
    "keras3-jax": Env("3.11", (("keras==3.15.1", "jax[cpu]==0.10.2"),)),
    "keras3.1-jax": Env("3.11", (("keras==3.1.1", "numpy==1.26.4", "jax[cpu]==0.4.24", "packaging==24.0"),)),
    "keras3.4-jax": Env("3.11", (("keras==3.4.1", "numpy==1.26.4", "jax[cpu]==0.4.30"),)),
    "keras3.5-jax": Env("3.11", (("keras==3.5.0", "numpy==1.26.4", "jax[cpu]==0.4.30"),)),
    "keras3.0-jax": Env("3.11", (("keras==3.0.5", "numpy==1.26.4", "jax[cpu]==0.4.24", "packaging==24.0"),)),
    # torch first and alone: 2.13.0 is a local CPU build; anything else downloads gigabytes.
    "torch2.13": Env("3.11", (("torch==2.13.0",),
                              ("keras==3.15.1", "torchmetrics==1.9.0", "transformers==4.57.6", "numpy==2.4.6"))),
}


@dataclass(frozen=True)
class Cell:
    id: str
    label: str  # as the tables show it
    env: str | None  # None: not run here, see `not_run`
    api: str = "keras"  # how the probes import Keras: keras, tf.keras or tf_keras
    backend: str = "tensorflow"
    keras: tuple[int, ...] = ()  # the version of the Keras that runs (tf.keras <= 2.5: TF's own version)
    keras_version: str | None = None  # what a user would give ce-lint as keras-version
    graph: bool = False  # tf.compat.v1.disable_eager_execution() before anything is built
    groups: tuple[str, ...] = ("keras",)  # probe groups run in this cell
    env_vars: dict[str, str] = field(default_factory=dict)
    not_run: str = ""  # why the cell can't run here

    @property
    def tf_backed(self) -> bool:
        return self.backend == "tensorflow"


_TORCH_GROUPS = ("keras", "torch", "numerics", "metric_libs")
CELLS: tuple[Cell, ...] = (
    Cell("keras-1.2.2", "Keras 1.2.2, TF 1.15", "tf1.15-keras1.2.2", keras=(1, 2, 2), keras_version="1.2.2"),
    Cell("keras-2.2.4", "Keras 2.2.4, TF 1.15", "tf1.15-keras2.2.4", keras=(2, 2, 4), keras_version="2.2.4"),
    Cell("keras-2.3.1", "Keras 2.3.1, TF 1.15", "tf1.15-keras2.3.1", keras=(2, 3, 1), keras_version="2.3.1"),
    Cell("tf.keras-1.15", "tf.keras, TF 1.15", "tf1.15-keras2.2.4", api="tf.keras", keras=(1, 15),
         keras_version="tf-1.15"),
    Cell("tf.keras-2.1", "tf.keras, TF 2.1", "tf2.1", api="tf.keras", keras=(2, 1), keras_version="tf-2.1"),
    Cell("tf.keras-2.2", "tf.keras, TF 2.2", "tf2.2", api="tf.keras", keras=(2, 2), keras_version="tf-2.2"),
    Cell("tf.keras-2.3", "tf.keras, TF 2.3", "tf2.3", api="tf.keras", keras=(2, 3), keras_version="tf-2.3"),
    Cell("tf.keras-2.4", "tf.keras, TF 2.4", "tf2.4", api="tf.keras", keras=(2, 4), keras_version="tf-2.4"),
    Cell("tf.keras-2.5", "tf.keras, TF 2.5", "tf2.5", api="tf.keras", keras=(2, 5), keras_version="tf-2.5"),
    Cell("tf.keras-2.15", "tf.keras 2.15 (Keras 2.15), TF 2.15", "tf2.15", api="tf.keras", keras=(2, 15),
         keras_version="tf-2.15"),
    Cell("tf.keras-2.15-graph", "tf.keras 2.15, TF1 graph mode", "tf2.15", api="tf.keras", keras=(2, 15),
         keras_version="tf-2.15", graph=True),
    Cell("tf-keras-2.21", "tf-keras 2.21, TF 2.21", "tf2.21", api="tf_keras", keras=(2, 21), keras_version="2.21"),
    Cell("tf-keras-2.21-graph", "tf-keras 2.21, TF1 graph mode", "tf2.21", api="tf_keras", keras=(2, 21),
         keras_version="2.21", graph=True),
    Cell("keras3-tensorflow", "Keras 3.15.1, TensorFlow 2.21", "tf2.21", keras=(3, 15, 1), keras_version="3",
         groups=("keras", "numerics"),
         env_vars={"KERAS_BACKEND": "tensorflow"}),
    Cell("keras3-tensorflow-graph", "Keras 3.15.1, TensorFlow 2.21, TF1 graph mode", "tf2.21", keras=(3, 15, 1),
         keras_version="3", graph=True, env_vars={"KERAS_BACKEND": "tensorflow"}),
    Cell("keras3-jax", "Keras 3.15.1, JAX 0.10.2", "keras3-jax", backend="jax", keras=(3, 15, 1), keras_version="3",
         groups=("keras", "numerics"), env_vars={"KERAS_BACKEND": "jax"}),
    Cell("keras3-numpy", "Keras 3.15.1, NumPy", "keras3-jax", backend="numpy", keras=(3, 15, 1), keras_version="3",
         env_vars={"KERAS_BACKEND": "numpy"}),
    Cell("keras3.0-jax", "Keras 3.0.5, JAX 0.4.24", "keras3.0-jax", backend="jax", keras=(3, 0, 5), keras_version="3.0",
         env_vars={"KERAS_BACKEND": "jax"}),
    Cell("keras3.1-jax", "Keras 3.1.1, JAX 0.4.24", "keras3.1-jax", backend="jax", keras=(3, 1, 1), keras_version="3.1",
         env_vars={"KERAS_BACKEND": "jax"}),
    Cell("keras3.4-jax", "Keras 3.4.1, JAX 0.4.30", "keras3.4-jax", backend="jax", keras=(3, 4, 1), keras_version="3.4",
         env_vars={"KERAS_BACKEND": "jax"}),
    Cell("keras3.5-jax", "Keras 3.5.0, JAX 0.4.30", "keras3.5-jax", backend="jax", keras=(3, 5, 0), keras_version="3.5",
         env_vars={"KERAS_BACKEND": "jax"}),
    Cell("keras3-torch", "Keras 3.15.1, PyTorch 2.13.0 CPU", "torch2.13", backend="torch", keras=(3, 15, 1),
         keras_version="3", groups=_TORCH_GROUPS, env_vars={"KERAS_BACKEND": "torch"}),
    Cell("torch-cuda", "PyTorch 2.13.0 on CUDA", None, backend="torch", groups=("torch",),
         not_run="no GPU on these machines: CUDA autocast and CUDA kernels are not run"),
    Cell("torch-older", "PyTorch < 2.13 (1.10, 2.0)", None, backend="torch", groups=("torch",),
         not_run="only the local torch 2.13.0 CPU build may be installed here (any other version downloads gigabytes)"),
)

BY_ID = {cell.id: cell for cell in CELLS}
