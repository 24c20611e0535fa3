"""numen: deep learning with the Keras workflow on a small, readable autodiff engine.

>>> from numen import keras
>>> model = keras.Sequential([keras.layers.Dense(1, input_shape=[3])])
"""

from numen import (
    activations,
    backend,
    callbacks,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    ops,
    optimizers,
    regularizers,
)
from numen.autodiff import GradientTape, Tensor, Variable, grad, no_grad
from numen.backend import device
from numen.layers import Input
from numen.models import Model, Sequential

__version__ = "0.1.0"

__all__ = [
    "GradientTape", "Input", "Model", "Sequential", "Tensor", "Variable", "activations",
    "backend", "callbacks", "constraints", "device", "grad", "initializers", "layers", "losses",
    "metrics", "no_grad", "ops", "optimizers", "regularizers",
]
