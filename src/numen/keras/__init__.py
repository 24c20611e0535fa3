"""The Keras face of numen: code written for `from tensorflow import keras` (or
`import keras`) runs with `from numen import keras` where numen has the feature."""

from numen.autodiff import GradientTape, Variable
from numen.autodiff.scopes import (
    RematScope,
    StatelessScope,
    SymbolicScope,
    name_scope,
    remat,
)
from numen.backend import device
from numen.dtype_policies import DTypePolicy, FloatDTypePolicy
from numen.initializers import Initializer
from numen.keras import (
    activations,
    applications,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distillation,
    distribution,
    dtype_policies,
    export,
    initializers,
    layers,
    legacy,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    quantizers,
    random,
    regularizers,
    saving,
    tree,
    utils,
    visualization,
    wrappers,
)
from numen.layers import Input, InputSpec, KerasTensor, Layer
from numen.layers.operation import Operation
from numen.losses import Loss
from numen.metrics import Metric
from numen.models import Model, Sequential
from numen.models.function import Function
from numen.optimizers import Optimizer
from numen.quantizers import Quantizer
from numen.regularizers import Regularizer

# The Keras API level numen follows (keras.version() in Keras returns its release).
__version__ = "3.15.1"


def version() -> str:
    """The Keras API version numen's `keras` face follows."""
    return __version__


__all__ = [
    "DTypePolicy", "FloatDTypePolicy", "Function", "GradientTape", "Initializer", "Input",
    "InputSpec", "KerasTensor", "Layer", "Loss", "Metric", "Model", "Operation", "Optimizer",
    "Quantizer", "Regularizer", "RematScope", "Sequential", "StatelessScope", "SymbolicScope",
    "Variable",
    "device", "name_scope", "remat", "version", "activations", "backend", "callbacks", "config",
    "applications",
    "constraints", "datasets", "distribution", "initializers", "layers", "legacy", "losses",
    "distillation",
    "metrics",
    "models", "ops", "optimizers", "random", "regularizers", "saving", "tree", "utils", "wrappers",
    "export", "dtype_policies", "mixed_precision", "quantizers",
    "preprocessing",
    "visualization",
]
