"""Reverse-mode automatic differentiation: Tensor, Variable, the backward pass, tapes."""

from numen.autodiff.graph import enable_grad, gradients, is_recording, no_grad, result
from numen.autodiff.tape import GradientTape, grad
from numen.autodiff.tensor import Tensor, Variable, as_tensor, data_of

__all__ = [
    "GradientTape",
    "Tensor",
    "Variable",
    "as_tensor",
    "data_of",
    "enable_grad",
    "grad",
    "gradients",
    "is_recording",
    "no_grad",
    "result",
]
