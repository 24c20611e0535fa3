"""Neural-network functions: activations, softmax family and fused cross-entropies.

Primitives here have hand-written gradients where that is cheaper or more stable than
composing them; the rest are compositions and get their gradient for free.
"""

from __future__ import annotations

import math

import numpy as np

from numen import backend, kernels
from numen.autodiff import Tensor, as_tensor, result
from numen.autodiff.replay import primitive
from numen.ops import math as m
from numen.ops import reduce
from numen.ops.broadcast import unbroadcast


def _floating(x):
    """`x` as a Tensor, integer and boolean inputs converted to floatx as Keras's activations
    do (their math is meaningless in integers)."""
    x = as_tensor(x)
    return x if backend.is_float_dtype(x.data.dtype) else m.cast(x, backend.floatx())


def relu(x):
    return primitive(_relu_kernel, (as_tensor(x),), "relu")


def _relu_kernel(arrays, needs):
    x = arrays[0]
    return backend.xp_of(x).maximum(x, 0), lambda gy: (gy * (x > 0),)


def relu6(x):
    x = _floating(x)
    y = backend.xp_of(x.data).clip(x.data, 0, 6)
    return result(y, (x,), lambda gy: (gy * ((x.data > 0) & (x.data < 6)),), "relu6")


def leaky_relu(x, negative_slope=0.2):
    x = _floating(x)
    xp = backend.xp_of(x.data)
    pos = x.data > 0
    y = xp.where(pos, x.data, x.data * negative_slope).astype(x.data.dtype, copy=False)
    slope = xp.where(pos, 1.0, negative_slope).astype(x.data.dtype, copy=False)
    return result(y, (x,), lambda gy: (gy * slope,), "leaky_relu")


def elu(x, alpha=1.0):
    x = _floating(x)
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
    return primitive(_sigmoid_kernel, (_floating(x),), "sigmoid")


def _sigmoid_kernel(arrays, needs):
    x = arrays[0]
    xp = backend.xp_of(x)
    # exp of a non-positive number never overflows: split on the sign.
    e = xp.exp(-xp.abs(x))
    y = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
    return y, lambda gy: (gy * y * (1 - y),)


def hard_sigmoid(x):
    """relu6(x + 3) / 6, Keras 3's definition."""
    x = _floating(x)
    return m.divide(relu6(m.add(x, 3.0)), 6.0)


def hard_silu(x):
    x = _floating(x)
    return m.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def silu(x):
    x = _floating(x)
    return m.multiply(x, sigmoid(x))


swish = silu


def softplus(x):
    x = _floating(x)
    xp = backend.xp_of(x.data)
    y = xp.logaddexp(x.data, 0).astype(x.data.dtype, copy=False)
    s = sigmoid(Tensor(x.data)).data
    return result(y, (x,), lambda gy: (gy * s,), "softplus")


def softsign(x):
    x = _floating(x)
    return m.divide(x, m.add(m.abs(x), 1.0))


def mish(x):
    return m.multiply(x, m.tanh(softplus(x)))


def gelu(x, approximate=True):
    """Gaussian error linear unit; Keras 3 defaults to the tanh approximation."""
    x = _floating(x)
    xp = backend.xp_of(x.data)
    xd = x.data
    if approximate:
        c = math.sqrt(2 / math.pi)
        inner = c * (xd + 0.044715 * xd**3)
        t = xp.tanh(inner)
        y = 0.5 * xd * (1 + t)
        dy = 0.5 * (1 + t) + 0.5 * xd * (1 - t * t) * c * (1 + 3 * 0.044715 * xd * xd)
    else:
        erf_v = m._erf_values(xd / math.sqrt(2))
        y = 0.5 * xd * (1 + erf_v)
        dy = 0.5 * (1 + erf_v) + xd * xp.exp(-0.5 * xd * xd) / math.sqrt(2 * math.pi)
    y = y.astype(xd.dtype, copy=False)
    return result(y, (x,), lambda gy: (gy * dy,), "gelu")


def exponential(x):
    return m.exp(x)


def linear(x):
    return as_tensor(x)


def softmax(x, axis=-1):
    return primitive(_softmax_kernel, (_floating(x),), "softmax", axis=axis)


def _softmax_kernel(arrays, needs, axis):
    x = arrays[0]
    e = backend.xp_of(x).exp(x - x.max(axis=axis, keepdims=True))
    y = e / e.sum(axis=axis, keepdims=True)

    def backward(gy):
        return ((gy - (gy * y).sum(axis=axis, keepdims=True)) * y,)

    return y, backward


def log_softmax(x, axis=-1):
    x = _floating(x)
    xp = backend.xp_of(x.data)
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(gy):
        return (gy - xp.exp(y) * gy.sum(axis=axis, keepdims=True),)

    return result(y, (x,), backward, "log_softmax")


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer tensor `x` encoded as one-hot vectors laid along `axis` (Keras's signature).

    Negative or out-of-range indices give all-zero vectors, as in Keras.

    Args:
        x: integer indices, any shape.
        num_classes: length of each one-hot vector.
        axis: where the new axis of size `num_classes` goes in the output.
        dtype: output dtype; None means `backend.floatx()`.
        sparse: must be False (numen has no sparse tensors).

    >>> one_hot(np.array([1, 0]), 3).numpy()
    array([[0., 1., 0.],
           [1., 0., 0.]], dtype=float32)
    """
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported (numen has no sparse tensors), "
                         "received sparse=True")
    idx = x.data if isinstance(x, Tensor) else x
    xp = backend.xp_of(idx)
    idx = xp.asarray(idx)
    if idx.dtype.kind not in "iub":
        idx = idx.astype(np.int64)
    num_classes = int(num_classes)
    rank = idx.ndim + 1
    if not -rank <= axis < rank:
        raise ValueError(f"one_hot: axis must be in [{-rank}, {rank}) for inputs of rank "
                         f"{idx.ndim}, received axis={axis}")
    out = idx[..., None] == xp.arange(num_classes)
    out = out.astype(backend.standardize_dtype(dtype) if dtype else backend.floatx())
    if axis % rank != rank - 1:
        out = xp.moveaxis(out, -1, axis)
    return Tensor(out)


def dropout_scaled(x, rate: float, shape: tuple, generator=None):
    """`x` with a fraction `rate` of entries zeroed and the rest scaled by 1 / (1 - rate).

    The keep-mask of shape `shape` (broadcast against `x`) is drawn from `generator`, or from
    backend.rng() at call time when None, each time the op runs, replayed runs included.
    """
    return primitive(_dropout_kernel, (as_tensor(x),), "dropout", rate=rate, shape=shape,
                     generator=generator)


def _dropout_kernel(arrays, needs, rate, shape, generator):
    x = arrays[0]
    keep = (generator or backend.rng()).random(shape, dtype=np.float32) >= rate
    mask = backend.to_device(keep.astype(x.dtype) / (1 - rate))
    y = x * mask

    def backward(gy):
        g = gy * mask
        return (g if g.shape == x.shape else unbroadcast(g, x.shape),)

    return y, backward


def sparse_softmax_cross_entropy(labels, logits, axis=-1):
    """-log softmax(logits)[label] per sample, fused for stability and speed."""
    logits = as_tensor(logits)
    idx = labels.data if isinstance(labels, Tensor) else labels
    idx = backend.asarray_like(idx, logits.data).astype(np.int64, copy=False)
    return primitive(_sparse_xent_kernel, (Tensor(idx), logits), "sparse_softmax_cross_entropy",
                     axis=axis)


def _sparse_xent_kernel(arrays, needs, axis):
    idx, logits = arrays
    xp = backend.xp_of(logits)
    if axis in (-1, logits.ndim - 1) and _compiled_xent_fits(xp, logits, idx):
        done = _compiled_sparse_xent(idx, logits)
        if done is not None:
            return done
    z = xp.moveaxis(logits, axis, -1) if axis not in (-1, logits.ndim - 1) else logits
    # Rows of classes, picked by plain integer indexing (take_along_axis costs more here).
    z2 = z.reshape(-1, z.shape[-1])
    rows, picked = xp.arange(z2.shape[0]), idx.reshape(-1)
    shifted = z2 - z2.max(axis=-1, keepdims=True)
    logp = shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))
    y = -logp[rows, picked].reshape(idx.shape)

    def backward(gy):
        g = xp.exp(logp)
        g[rows, picked] -= 1
        g *= gy.reshape(-1, 1)
        g = g.reshape(z.shape)
        return None, (xp.moveaxis(g, -1, axis) if z is not logits else g)

    return y, backward


def _compiled_xent_fits(xp, logits, idx) -> bool:
    return (xp is np and kernels.enabled() and logits.dtype in _COMPILED_FLOATS
            and logits.ndim > 0 and logits.shape[-1] > 0 and logits.flags.c_contiguous
            and idx.dtype == np.int64)


_COMPILED_FLOATS = (np.dtype("float32"), np.dtype("float64"))


def _compiled_sparse_xent(idx, logits):
    """`_sparse_xent_kernel` on the last axis as two compiled passes (numen.kernels.losses),
    or None when a label is out of range (the NumPy path then does what it does)."""
    from numen.kernels import losses as compiled

    z2 = logits.reshape(-1, logits.shape[-1])
    picked = idx.reshape(-1)
    loss = np.empty(z2.shape[0], dtype=logits.dtype)
    probs = np.empty_like(z2)
    if compiled.sparse_xent_forward(z2, picked, loss, probs) >= 0:
        return None

    def backward(gy):
        g = np.empty_like(probs)
        compiled.sparse_xent_backward(probs, picked, gy.reshape(-1), g)
        return None, g.reshape(logits.shape)

    return loss.reshape(idx.shape), backward


def softmax_cross_entropy(labels, logits, axis=-1):
    """-sum(labels * log_softmax(logits)) over `axis`, fused."""
    logits = as_tensor(logits)
    labels = as_tensor(labels, like=logits.data)
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
    logits = as_tensor(logits)
    labels = as_tensor(labels, like=logits.data)
    xp = backend.xp_of(logits.data)
    z, t = logits.data, labels.data
    y = xp.maximum(z, 0) - z * t + xp.log1p(xp.exp(-xp.abs(z)))

    def backward(gy):
        s = sigmoid(Tensor(z)).data
        g_labels = unbroadcast(-gy * z, labels.shape) if labels.requires_grad else None
        return g_labels, unbroadcast(gy * (s - t), logits.shape)

    return result(y.astype(z.dtype, copy=False), (labels, logits), backward, "sigmoid_xent")


def normalize(x, axis=-1, order=2, epsilon=None):
    """`x` divided by its `order`-norm along `axis`, the norm floored at `epsilon`.

    Args:
        epsilon: the smallest norm divided by; None means `backend.epsilon()` (as Keras).
    """
    x = _floating(x)
    eps = backend.epsilon() if epsilon is None else float(epsilon)
    if order == 2:
        norm = m.sqrt(m.maximum(reduce.sum(m.square(x), axis=axis, keepdims=True), eps * eps))
    else:
        total = reduce.sum(m.abs(x) ** float(order), axis=axis, keepdims=True)
        norm = m.maximum(total, eps**order) ** (1.0 / order)
    return m.divide(x, norm)


# -- further Keras 3 activations, composed from the primitives above ----------------------
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), finite for any x."""
    return m.negative(softplus(m.negative(x)))


def hard_tanh(x):
    """x clipped to [-1, 1]."""
    return m.clip(x, -1.0, 1.0)


def celu(x, alpha=1.0):
    """max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)."""
    x = _floating(x)
    neg = m.multiply(m.expm1(m.divide(m.minimum(x, 0.0), alpha)), alpha)
    return m.add(relu(x), neg)


def glu(x, axis=-1):
    """Gated linear unit: the first half of `axis` times sigmoid of the second half."""
    from numen.ops import manipulation as shape

    x = _floating(x)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: axis {axis} must have an even size, received shape {x.shape}")
    a, b = shape.split(x, 2, axis=axis)
    return m.multiply(a, sigmoid(b))


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    x = as_tensor(x)
    return m.where(m.greater(m.abs(x), threshold), x, 0.0)


def soft_shrink(x, threshold=0.5):
    """x moved `threshold` towards 0, and 0 inside [-threshold, threshold]."""
    x = _floating(x)
    return m.subtract(x, m.clip(x, -threshold, threshold))


def tanh_shrink(x):
    """x - tanh(x)."""
    x = _floating(x)
    return m.subtract(x, m.tanh(x))


def threshold(x, threshold, default_value):
    """x where x > threshold, else `default_value`.

    The result keeps `x`'s dtype, except that integer `x` with a float `default_value` gives
    floatx (as in Keras).
    """
    x = as_tensor(x)
    if x.data.dtype.kind != "f" and isinstance(default_value, float):
        x = _floating(x)
    fill = backend.asarray_like(np.asarray(default_value, dtype=x.data.dtype), x.data)
    return m.where(m.greater(x, threshold), x, fill)


def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2, a smooth relu."""
    x = _floating(x)
    return m.multiply(m.add(x, m.sqrt(m.add(m.square(x), float(b)))), 0.5)


def sparse_plus(x):
    """0 below -1, (x + 1)**2 / 4 on (-1, 1), x from 1 on."""
    x = _floating(x)
    mid = m.multiply(m.square(m.add(m.clip(x, -1.0, 1.0), 1.0)), 0.25)
    return m.where(m.greater_equal(x, 1.0), x, mid)


def sparse_sigmoid(x):
    """0 below -1, (x + 1) / 2 on [-1, 1], 1 above."""
    return m.multiply(m.add(m.clip(x, -1.0, 1.0), 1.0), 0.5)


def sparsemax(x, axis=-1):
    """Euclidean projection of `x` onto the probability simplex along `axis`."""
    x = _floating(x)
    xp = backend.xp_of(x.data)
    z = xp.moveaxis(x.data, axis, -1)
    zs = -xp.sort(-z, axis=-1)
    k = xp.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cums = xp.cumsum(zs, axis=-1)
    support = 1 + k * zs > cums
    k_z = support.sum(axis=-1, keepdims=True)
    tau = (xp.take_along_axis(cums, k_z - 1, axis=-1) - 1) / k_z.astype(z.dtype)
    y = xp.maximum(z - tau, 0)
    on = (y > 0).astype(z.dtype)

    def backward(gy):
        g = xp.moveaxis(gy, axis, -1)
        mean_on = (g * on).sum(axis=-1, keepdims=True) / on.sum(axis=-1, keepdims=True)
        return (xp.moveaxis(on * (g - mean_on), -1, axis),)

    return result(xp.moveaxis(y, -1, axis), (x,), backward, "sparsemax")
