"""One golden-value case: a function of the keras module and arrays, run by Keras and by numen.

The case module never imports Keras or numen: `fn(keras, *inputs)` receives whichever `keras`
runs it, so the very same code produces Keras's values and numen's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np


@dataclasses.dataclass
class Case:
    """fn(keras, *inputs) -> array or nested tuple/list/dict of arrays.

    inputs: one spec per positional array, each `spec(rng) -> np.ndarray` (see f32, pos, ints).
    grad: indices of the inputs to differentiate by, True for every floating input, or ().
        The scalar differentiated is sum(out * cotangent(out.shape)) over floating outputs.
    rtol/atol: float32 tolerances, as Keras's own tests use for float32.
    check_dtype: whether each output's dtype must equal Keras's.
    """

    name: str
    fn: Callable
    inputs: Sequence[Callable] = ()
    grad: Sequence[int] | bool = ()
    rtol: float = 1e-5
    atol: float = 1e-5
    check_dtype: bool = True

    def grad_indices(self, arrays):
        if self.grad is True:
            return [i for i, a in enumerate(arrays) if np.issubdtype(a.dtype, np.floating)]
        return list(self.grad or ())


def f32(*shape, scale=1.0):
    return lambda rng: (rng.standard_normal(shape) * scale).astype("float32")


def f64(*shape):
    return lambda rng: rng.standard_normal(shape).astype("float64")


def pos(*shape, low=0.5, high=2.0):
    return lambda rng: rng.uniform(low, high, shape).astype("float32")


def unit(*shape):
    """Strictly inside (-1, 1): for arcsin, arctanh, erfinv and the like."""
    return lambda rng: rng.uniform(-0.9, 0.9, shape).astype("float32")


def ints(*shape, low=0, high=10, dtype="int32"):
    return lambda rng: rng.integers(low, high, shape).astype(dtype)


def bools(*shape):
    return lambda rng: rng.random(shape) > 0.5


def const(value, dtype=None):
    return lambda rng: np.asarray(value, dtype=dtype)


def leaves(structure) -> list:
    """Arrays of a nested output in a fixed order (dicts by sorted key)."""
    if isinstance(structure, dict):
        return [a for k in sorted(structure) for a in leaves(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [a for s in structure for a in leaves(s)]
    return [structure]


def cotangent(shape) -> np.ndarray:
    """A fixed, non-uniform weighting of an output, so every element's gradient differs."""
    n = int(np.prod(shape)) if shape else 1
    return np.cos(np.arange(n, dtype="float64") * 0.7 + 0.3).reshape(shape)


def is_float(a) -> bool:
    dtype = getattr(a, "dtype", None)
    return dtype is not None and np.issubdtype(np.dtype(str(dtype)), np.floating)


def make_inputs(case: Case, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [spec(rng) for spec in case.inputs]
