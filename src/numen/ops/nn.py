"""Neural-network functions: activations, softmax family and fused cross-entropies.

Primitives here have hand-written gradients where that is cheaper or more stable than
composing them; the rest are compositions and get their gradient for free.
"""

from __future__ import annotations

import math

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.ops import math as m
from numen.ops import reduce


def relu(x):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    y = xp.maximum(x.data, 0)
    return result(y, (x,), lambda gy: (gy * (x.data > 0),), "relu")


def relu6(x):
    x = as_tensor(x)
    y = backend.xp_of(x.data).clip(x.data, 0, 6)
    return result(y, (x,), lambda gy: (gy * ((x.data > 0) & (x.data < 6)),), "relu6")


def leaky_relu(x, negative_slope=0.2):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    pos = x.data > 0
    y = xp.where(pos, x.data, x.data * negative_slope).astype(x.data.dtype, copy=False)
    slope = xp.where(pos, 1.0, negative_slope).astype(x.data.dtype, copy=False)
    return result(y, (x,), lambda gy: (gy * slope,), "leaky_relu")


def elu(x, alpha=1.0):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    pos = x.data > 0
    em1 = xp.expm1(xp.minimum(x.data, 0))
    y = xp.where(pos, x.data, alpha * em1).astype(x.data.dtype, copy=False)
    return result(y, (x,), lambda gy: (gy * xp.where(pos, 1, alpha * (em1 + 1)),), "elu")


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def selu(x):
    return m.multiply(elu(x, _SELU_ALPHA), _SELU_SCALE)


def sigmoid(x):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    # exp of a non-positive number never overflows: split on the sign.
    e = xp.exp(-xp.abs(x.data))
    y = xp.where(x.data >= 0, 1 / (1 + e), e / (1 + e)).astype(x.data.dtype, copy=False)
    return result(y, (x,), lambda gy: (gy * y * (1 - y),), "sigmoid")


def hard_sigmoid(x):
    """relu6(x + 3) / 6, Keras 3's definition."""
    x = as_tensor(x)
    return m.divide(relu6(m.add(x, 3.0)), 6.0)


def hard_silu(x):
    return m.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def silu(x):
    x = as_tensor(x)
    return m.multiply(x, sigmoid(x))


swish = silu


def softplus(x):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    y = xp.logaddexp(x.data, 0).astype(x.data.dtype, copy=False)
    s = sigmoid(Tensor(x.data)).data
    return result(y, (x,), lambda gy: (gy * s,), "softplus")


def softsign(x):
    x = as_tensor(x)
    return m.divide(x, m.add(m.abs(x), 1.0))


def mish(x):
    return m.multiply(x, m.tanh(softplus(x)))


def gelu(x, approximate=True):
    """Gaussian error linear unit; Keras 3 defaults to the tanh approximation."""
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    xd = x.data
    if approximate:
        c = math.sqrt(2 / math.pi)
        inner = c * (xd + 0.044715 * xd**3)
        t = xp.tanh(inner)
        y = 0.5 * xd * (1 + t)
        dy = 0.5 * (1 + t) + 0.5 * xd * (1 - t * t) * c * (1 + 3 * 0.044715 * xd * xd)
    else:
        from math import erf

        erf_v = np.vectorize(erf, otypes=[xd.dtype])(backend.to_numpy(xd) / math.sqrt(2))
        erf_v = backend.xp_of(xd).asarray(erf_v)
        y = 0.5 * xd * (1 + erf_v)
        dy = 0.5 * (1 + erf_v) + xd * xp.exp(-0.5 * xd * xd) / math.sqrt(2 * math.pi)
    y = y.astype(xd.dtype, copy=False)
    return result(y, (x,), lambda gy: (gy * dy,), "gelu")


def exponential(x):
    return m.exp(x)


def linear(x):
    return as_tensor(x)


def softmax(x, axis=-1):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    e = xp.exp(x.data - x.data.max(axis=axis, keepdims=True))
    y = e / e.sum(axis=axis, keepdims=True)

    def backward(gy):
        return ((gy - (gy * y).sum(axis=axis, keepdims=True)) * y,)

    return result(y, (x,), backward, "softmax")


def log_softmax(x, axis=-1):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(gy):
        return (gy - xp.exp(y) * gy.sum(axis=axis, keepdims=True),)

    return result(y, (x,), backward, "log_softmax")


def one_hot(indices, num_classes, dtype=None):
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    xp = backend.xp_of(idx)
    out = xp.zeros(idx.shape + (num_classes,), dtype=dtype or backend.floatx())
    xp.put_along_axis(out, idx.astype(np.int64)[..., None], 1, axis=-1)
    return Tensor(out)


def sparse_softmax_cross_entropy(labels, logits, axis=-1):
    """-log softmax(logits)[label] per sample, fused for stability and speed."""
    logits = as_tensor(logits)
    idx = labels.data if isinstance(labels, Tensor) else np.asarray(labels)
    idx = idx.astype(np.int64, copy=False)
    xp = backend.xp_of(logits.data)
    z = xp.moveaxis(logits.data, axis, -1) if axis not in (-1, logits.ndim - 1) else logits.data
    shifted = z - z.max(axis=-1, keepdims=True)
    lse = xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))
    logp = shifted - lse
    y = -xp.take_along_axis(logp, idx[..., None], axis=-1)[..., 0]

    def backward(gy):
        g = xp.exp(logp)
        xp.put_along_axis(g, idx[..., None], xp.take_along_axis(g, idx[..., None], -1) - 1, -1)
        g = g * gy[..., None]
        if z is not logits.data:
            g = xp.moveaxis(g, -1, axis)
        return (g,)

    return result(y, (logits,), backward, "sparse_softmax_cross_entropy")


def softmax_cross_entropy(labels, logits, axis=-1):
    """-sum(labels * log_softmax(logits)) over `axis`, fused."""
    labels, logits = as_tensor(labels), as_tensor(logits)
    xp = backend.xp_of(logits.data)
    shifted = logits.data - logits.data.max(axis=axis, keepdims=True)
    logp = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
    y = -(labels.data * logp).sum(axis=axis)

    def backward(gy):
        gyk = xp.expand_dims(gy, axis)
        lsum = labels.data.sum(axis=axis, keepdims=True)
        g_logits = gyk * (xp.exp(logp) * lsum - labels.data)
        g_labels = -gyk * logp if labels.requires_grad else None
        return g_labels, g_logits

    return result(y, (labels, logits), backward, "softmax_cross_entropy")


def sigmoid_cross_entropy(labels, logits):
    """Element-wise binary cross-entropy on logits: max(z,0) - z*y + log(1 + exp(-|z|))."""
    labels, logits = as_tensor(labels), as_tensor(logits)
    xp = backend.xp_of(logits.data)
    z, t = logits.data, labels.data
    y = xp.maximum(z, 0) - z * t + xp.log1p(xp.exp(-xp.abs(z)))

    def backward(gy):
        s = sigmoid(Tensor(z)).data
        g_labels = -gy * z if labels.requires_grad else None
        return g_labels, gy * (s - t)

    return result(y.astype(z.dtype, copy=False), (labels, logits), backward, "sigmoid_xent")


def normalize(x, axis=-1, order=2, epsilon=1e-12):
    """x divided by its `order`-norm along `axis`."""
    x = as_tensor(x)
    if order != 2:
        norm = reduce.sum(m.abs(x) ** order, axis=axis, keepdims=True) ** (1.0 / order)
    else:
        norm = m.sqrt(m.maximum(reduce.sum(m.square(x), axis=axis, keepdims=True), epsilon**2))
    return m.divide(x, norm)
