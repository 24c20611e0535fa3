"""The Keras face of numen: code written for `from tensorflow import keras` (or
`import keras`) runs with `from numen import keras` where numen has the feature."""

from numen.autodiff import GradientTape
from numen.keras import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distribution,
    initializers,
    layers,
    legacy,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    tree,
    utils,
    wrappers,
)
from numen.layers import Input, InputSpec, KerasTensor, Layer
from numen.models import Model, Sequential
from numen.optimizers import Optimizer

__version__ = "3.0.0"

__all__ = [
    "GradientTape", "Input", "InputSpec", "KerasTensor", "Layer", "Model", "Optimizer",
    "Sequential", "activations", "backend", "callbacks", "config", "constraints",
    "datasets", "distribution", "initializers", "layers", "legacy", "losses", "metrics",
    "models", "ops", "optimizers", "random", "regularizers", "saving", "tree", "utils",
    "wrappers",
]
