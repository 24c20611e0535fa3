"""Normalization helpers of `keras.ops` (moments, batch_normalization) and the fused layer norm.

`moments` and `batch_normalization` are compositions of differentiable primitives (mean,
square, rsqrt, ...), so their gradients come for free and stay exact; the layers in
`numen.layers.normalization` use them. `layer_norm_trailing` is one replay kernel
(autodiff/replay.py) with a hand-written backward: LayerNormalization over the last axes is in
every transformer block, and as a composition it was ~16 eager ops each way and kept a model
from replaying.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import as_tensor
from numen.autodiff.replay import primitive
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


def layer_norm_trailing(x, gamma, beta, count, epsilon):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta` over the last `count` axes of `x`, as
    one kernel: the statistics in `x`'s dtype, in the order `moments` takes them.

    Args:
        x: a float Tensor of rank > count.
        gamma, beta: None or Tensors of shape `x.shape[-count:]`.
        count: how many trailing axes are normalized together.
        epsilon: a Python float added to the variance.

    >>> layer_norm_trailing(np.arange(4.0).reshape(2, 2), None, None, 1, 1e-3).shape
    (2, 2)
    """
    inputs = tuple(as_tensor(t) for t in (x, gamma, beta) if t is not None)
    return primitive(_layer_norm_kernel, inputs, "layer_normalization", count=int(count),
                     affine=(gamma is not None, beta is not None), epsilon=float(epsilon))


def _layer_norm_kernel(arrays, needs, count, affine, epsilon):
    x = arrays[0]
    xp = backend.xp_of(x)
    rest = list(arrays[1:])
    gamma = rest.pop(0).reshape(-1) if affine[0] else None
    beta = rest.pop(0).reshape(-1) if affine[1] else None
    features = int(np.prod(x.shape[x.ndim - count:]))
    x2 = x.reshape(-1, features)
    xc = x2 - x2.mean(axis=1, keepdims=True)
    inv = xp.square(xc).mean(axis=1, keepdims=True)
    inv += epsilon
    xp.sqrt(inv, out=inv)
    xp.divide(1, inv, out=inv)
    xhat = xc * inv
    if gamma is None and beta is None:
        y = xhat
    else:
        y = xhat * gamma if gamma is not None else xhat + beta
        if gamma is not None and beta is not None:
            y += beta
    if not any(needs):
        return y.reshape(x.shape), None

    def backward(gy):
        g2 = gy.reshape(-1, features)
        grads = []
        gxhat = g2 * gamma if gamma is not None else g2
        if needs[0]:
            # d/dx of the normalization: inv * (g - mean(g) - xhat * mean(g * xhat)) per row
            gx = gxhat - gxhat.mean(axis=1, keepdims=True)
            gx -= xhat * (gxhat * xhat).mean(axis=1, keepdims=True)
            gx *= inv
            grads.append(gx.reshape(x.shape))
        else:
            grads.append(None)
        if gamma is not None:
            grads.append((g2 * xhat).sum(axis=0).reshape(arrays[1].shape) if needs[1] else None)
        if beta is not None:
            grads.append(g2.sum(axis=0).reshape(arrays[-1].shape) if needs[-1] else None)
        return tuple(grads)

    return y.reshape(x.shape), backward
