"""Normalization helpers of `keras.ops`: moments and batch_normalization.

Both are compositions of differentiable primitives (mean, square, rsqrt, ...), so their
gradients come for free and stay exact; the layers in `numen.layers.normalization` use them.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import as_tensor
from numen.ops import manipulation as shape
from numen.ops import math as m
from numen.ops import reduce


def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (biased) variance of `x` over `axes`.

    Args:
        x: input tensor.
        axes: int or sequence of ints to reduce over.
        keepdims: keep the reduced axes with size 1.
        synchronized: accepted for Keras compatibility; numen runs on one device.

    Returns:
        (mean, variance), each a Tensor.

    >>> mean, var = moments(np.array([[1.0, 3.0]]), axes=[1])   # mean [2.], var [1.]
    """
    x = as_tensor(x)
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    half = backend.is_float_dtype(x.data.dtype) and x.data.dtype.itemsize < 4
    if half:  # 16-bit statistics overflow or round badly: compute in float32, as Keras does
        original, x = x.data.dtype.name, m.cast(x, "float32")
    mean = reduce.mean(x, axis=axes, keepdims=True)
    variance = reduce.mean(m.square(m.subtract(x, mean)), axis=axes, keepdims=keepdims)
    if not keepdims:
        mean = shape.squeeze(mean, axis=tuple(a % x.ndim for a in axes))
    if half:
        limit = float(np.finfo(np.float16).max) if original == "float16" else 3.3e38
        mean = m.cast(m.clip(mean, -limit, limit), original)
        variance = m.cast(m.clip(variance, -limit, limit), original)
    return mean, variance


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, with the statistics laid along
    `axis` of `x` (1-D `mean`/`variance`/`offset`/`scale` of size `x.shape[axis]`).

    >>> batch_normalization(x, mean, var, axis=-1)   # x of shape (batch, features)
    """
    x = as_tensor(x)
    axis = axis % x.ndim
    stat_shape = [1] * x.ndim
    stat_shape[axis] = x.shape[axis]

    def along(t):
        t = as_tensor(t)
        return t if t.ndim == x.ndim else t.reshape(tuple(stat_shape))

    inv = m.rsqrt(m.add(along(variance), epsilon))
    if scale is not None:
        inv = m.multiply(inv, along(scale))
    y = m.multiply(m.subtract(x, along(mean)), inv)
    if offset is not None:
        y = m.add(y, along(offset))
    return y
