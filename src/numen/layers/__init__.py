"""Layers (the `keras.layers` namespace): one file per family, re-exported here."""

from numen.layers.activation import ELU, PReLU, ReLU, LeakyReLU, Softmax
from numen.layers.base import InputSpec, Layer
from numen.layers.core import (
    Activation,
    Dense,
    Dropout,
    Flatten,
    Identity,
    Input,
    InputLayer,
    Lambda,
    Reshape,
)
from numen.layers.symbolic import KerasTensor

__all__ = [
    "ELU", "Activation", "Dense", "Dropout", "Flatten", "Identity", "Input", "InputLayer",
    "InputSpec", "KerasTensor", "Lambda", "Layer", "LeakyReLU", "PReLU", "ReLU", "Reshape",
    "Softmax",
]
