"""Shared plumbing for ops: turning inputs into Tensors and undoing broadcasting in gradients."""

from __future__ import annotations

import numpy as np

from numen import backend, dtypes
from numen.autodiff import Tensor, as_tensor


def pair(a, b) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as Tensors. A Python number is "weak" (as in Keras): it
    takes the other operand's dtype (a float meeting integers gives floatx); two arrays of
    different dtypes meet at Keras's `result_type`."""
    if not isinstance(a, (Tensor, int, float, bool)):
        a = as_tensor(a, like=b.data if isinstance(b, Tensor) else None)
    if not isinstance(b, (Tensor, int, float, bool)):
        b = as_tensor(b, like=a.data if isinstance(a, Tensor) else None)
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            return _promoted(a, b)
        dtype = _scalar_dtype(a, b)
        return _as_type(a, dtype), Tensor(backend.xp_of(a.data).asarray(b, dtype=dtype))
    if isinstance(b, Tensor):
        dtype = _scalar_dtype(b, a)
        return Tensor(backend.xp_of(b.data).asarray(a, dtype=dtype)), _as_type(b, dtype)
    return as_tensor(a), as_tensor(b)


def _promoted(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    # Mixed dtypes follow Keras's lattice (int32 with float32 is float32, not NumPy's float64).
    if a.data.dtype == b.data.dtype:
        return a, b
    dtype = np.dtype(dtypes.result_type(a.data.dtype.name, b.data.dtype.name))
    return _as_type(a, dtype), _as_type(b, dtype)


def _as_type(t: Tensor, dtype) -> Tensor:
    # An integer tensor meeting a Python float becomes floatx, as in Keras (not float64). A cast
    # of a float tensor stays on the gradient path.
    if t.data.dtype == dtype:
        return t
    if t.requires_grad:
        from numen.ops.math import cast

        return cast(t, dtype)
    return Tensor(t.data.astype(dtype))


def _scalar_dtype(t: Tensor, scalar) -> np.dtype:
    kind = t.data.dtype.kind
    if kind in "fc":
        return t.data.dtype
    if isinstance(scalar, float):
        return np.dtype(backend.floatx())
    if kind == "b" and not isinstance(scalar, bool):
        return np.dtype("int32")
    return t.data.dtype


def unbroadcast(g, shape: tuple):
    """Sum gradient `g` down to `shape`, undoing NumPy broadcasting."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def normalize_axis(axis, ndim: int, op: str):
    """`axis` (None, int or sequence) as None or a sorted tuple of non-negative ints."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of rank {ndim}")
        out.append(int(a) % max(ndim, 1))
    return tuple(sorted(out))
