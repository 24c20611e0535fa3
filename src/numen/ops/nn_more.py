"""More of `keras.ops.nn`: the cross-entropies on tensors, layer and RMS normalization,
multi-hot encoding, PSNR and `in_top_k`.

The cross-entropies from logits reuse the fused, stable kernels of `numen.ops.nn`; those on
probabilities clip to [epsilon, 1 - epsilon] first, as Keras does. The rest are compositions
of differentiable primitives, so their gradients come for free.
"""

from __future__ import annotations

import warnings

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor
from numen.ops import manipulation as shape_ops
from numen.ops import math as m
from numen.ops import nn, reduce


def _float_pair(op, target, output):
    output = as_tensor(output)
    if output.data.dtype.kind != "f":
        output = m.cast(output, backend.floatx())
    target = as_tensor(target, like=output.data)
    if target.data.dtype != output.data.dtype:
        target = m.cast(target, output.data.dtype)
    if target.shape != output.shape:
        raise ValueError(f"{op}: `target` and `output` must have the same shape, received "
                         f"target.shape={target.shape} and output.shape={output.shape}")
    return target, output


def _clipped_log(x):
    eps = backend.epsilon()
    return m.log(m.clip(x, eps, 1.0 - eps))


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy between `target` and `output`.

    Args:
        target: the true values, same shape as `output`.
        output: probabilities, or logits when `from_logits` is True.
        from_logits: whether `output` holds logits.

    Returns:
        A tensor of the shape of `output` (no reduction).

    Raises:
        ValueError: if the shapes differ.

    >>> binary_crossentropy(np.array([0.0, 1.0]), np.array([0.1, 0.8])).shape
    (2,)
    """
    target, output = _float_pair("binary_crossentropy", target, output)
    if from_logits:
        return nn.sigmoid_cross_entropy(target, output)
    eps = backend.epsilon()
    p = m.clip(output, eps, 1.0 - eps)
    log_p, log_q = m.log(p), m.log(m.subtract(1.0, p))
    return m.negative(m.add(m.multiply(target, log_p),
                            m.multiply(m.subtract(1.0, target), log_q)))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot (or soft) `target` and `output` along `axis`.

    Without `from_logits`, `output` is first rescaled to sum to 1 along `axis`.

    Args:
        target: class probabilities, same shape as `output`.
        output: probabilities, or logits when `from_logits` is True.
        from_logits: whether `output` holds logits.
        axis: the class axis.

    Returns:
        A tensor of `output`'s shape without `axis`.

    Raises:
        ValueError: if the shapes differ or the inputs are scalars.

    >>> categorical_crossentropy(np.eye(2), np.array([[0.9, 0.1], [0.2, 0.8]])).shape
    (2,)
    """
    op = "categorical_crossentropy"
    target, output = _float_pair(op, target, output)
    if output.ndim < 1:
        raise ValueError(f"{op}: `target` and `output` must have rank >= 1, received shapes "
                         f"{target.shape} and {output.shape}")
    _check_axis(op, axis, output.ndim)
    if from_logits:
        return nn.softmax_cross_entropy(target, output, axis=axis)
    probs = m.divide(output, reduce.sum(output, axis=axis, keepdims=True))
    return m.negative(reduce.sum(m.multiply(target, _clipped_log(probs)), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer class `target` and `output` along `axis`.

    Args:
        target: integer classes, of `output`'s shape without its last axis (a trailing axis
            of size 1 is dropped).
        output: probabilities, or logits when `from_logits` is True.
        from_logits: whether `output` holds logits.
        axis: the class axis.

    Returns:
        A tensor of `target`'s shape.

    Raises:
        ValueError: if the shapes do not fit.

    >>> sparse_categorical_crossentropy(np.array([0, 1]), np.array([[0.9, 0.1], [0.2, 0.8]]))
    """
    op = "sparse_categorical_crossentropy"
    output = as_tensor(output)
    if output.data.dtype.kind != "f":
        output = m.cast(output, backend.floatx())
    idx = target.data if isinstance(target, Tensor) else target
    idx = backend.asarray_like(idx, output.data).astype(np.int32, copy=False)
    if idx.ndim == output.ndim and idx.ndim and idx.shape[-1] == 1:
        idx = idx[..., 0]
    if output.ndim < 1:
        raise ValueError(f"{op}: `output` must have rank >= 1, received shape {output.shape}")
    if idx.shape != output.shape[:-1]:
        raise ValueError(f"{op}: `target` must have the shape of `output` without its last "
                         f"axis, received target.shape={idx.shape} and "
                         f"output.shape={output.shape}")
    _check_axis(op, axis, output.ndim)
    if from_logits and axis % output.ndim == output.ndim - 1:
        return nn.sparse_softmax_cross_entropy(idx, output, axis=-1)
    if from_logits:
        log_p = nn.log_softmax(output, axis=axis)
    else:
        log_p = _clipped_log(m.divide(output, reduce.sum(output, axis=axis, keepdims=True)))
    picked = nn.one_hot(idx, output.shape[axis], axis=axis, dtype=output.data.dtype)
    return m.negative(reduce.sum(m.multiply(picked, log_p), axis=axis))


def _check_axis(op, axis, ndim):
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis must be an int in [{-ndim}, {ndim}), received {axis!r}")


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Integer labels encoded as multi-hot vectors: 1 at every class present.

    For inputs of rank >= 2 each row (axis 1 holds the labels of one sample) becomes one
    vector; a 1-D input becomes a single vector.

    Args:
        inputs: integer labels.
        num_classes: the number of classes (`num_tokens` is accepted as an alias).
        axis: where the class axis goes before the labels are merged.
        dtype: output dtype; None means `backend.floatx()`.
        sparse: must be False (numen has no sparse tensors).

    Raises:
        ValueError: without `num_classes`, or with sparse=True.

    >>> multi_hot(np.array([0, 4]), num_classes=5).numpy()
    array([1., 0., 0., 0., 1.], dtype=float32)
    """
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if kwargs:
        raise TypeError(f"multi_hot: unexpected keyword arguments {sorted(kwargs)}")
    if num_classes is None:
        raise ValueError("multi_hot: `num_classes` must be given, received None")
    x = inputs.data if isinstance(inputs, Tensor) else inputs
    x = backend.xp_of(x).asarray(x)
    if x.dtype.kind == "f":
        x = x.astype(np.int32)
    hot = nn.one_hot(x, num_classes, axis=axis, dtype=dtype, sparse=sparse).data
    return Tensor(hot.max(axis=1 if x.ndim > 1 else 0))


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio: 20 log10(max_val) - 10 log10(mean((x1 - x2)**2)).

    Args:
        x1, x2: tensors of the same shape (e.g. images).
        max_val: the largest possible value of a pixel.

    Returns:
        A scalar tensor, in decibels.

    Raises:
        ValueError: if the shapes differ.

    >>> float(psnr(np.ones(4), np.full(4, 0.9), 1.0))  # about 20.0
    """
    a, b = as_tensor(x1), as_tensor(x2)
    if a.shape != b.shape:
        raise ValueError(f"psnr: `x1` and `x2` must have the same shape, received {a.shape} "
                         f"and {b.shape}")
    mse = reduce.mean(m.square(m.subtract(a, b)))
    peak = as_tensor(max_val, like=b.data)
    if peak.data.dtype != b.data.dtype:
        peak = m.cast(peak, b.data.dtype)
    return m.subtract(m.multiply(m.log10(peak), 20.0), m.multiply(m.log10(mse), 10.0))


def in_top_k(targets, predictions, k):
    """Whether each target class is among the `k` largest predictions of its row.

    Ties count in the target's favour: its rank is 1 + the number of strictly larger scores.
    A NaN score at the target is never in the top `k`.

    Args:
        targets: integer classes, shape (batch,).
        predictions: scores, shape (batch, classes).
        k: how many of the top scores count.

    Returns:
        A boolean tensor of shape (batch,).

    >>> in_top_k(np.array([1]), np.array([[0.1, 0.5, 0.4]]), 1).numpy()
    array([ True])
    """
    preds = predictions.data if isinstance(predictions, Tensor) else predictions
    xp = backend.xp_of(preds)
    preds = xp.asarray(preds)
    idx = targets.data if isinstance(targets, Tensor) else targets
    idx = backend.asarray_like(idx, preds).astype(np.int64, copy=False)
    if preds.ndim < 1 or idx.shape != preds.shape[:-1]:
        raise ValueError("in_top_k: `targets` must have the shape of `predictions` without its "
                         f"last axis, received {idx.shape} and {preds.shape}")
    at_label = xp.take_along_axis(preds, idx[..., None], axis=-1)
    at_label = xp.where(xp.isnan(at_label), -xp.inf, at_label)
    rank = 1 + (preds > at_label).sum(axis=-1)
    return Tensor(rank <= k)


def _norm_axes(op, axis, ndim):
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for inputs of rank {ndim}, "
                             f"received axis={axis!r}")
    return tuple(sorted(a % ndim for a in axes))


def _compute(x):
    """`x` as a float tensor to compute in (at least float32), and its original dtype."""
    x = as_tensor(x)
    original = x.data.dtype.name
    if x.data.dtype.kind != "f" or x.data.dtype.itemsize < 4:
        x = m.cast(x, "float32")
    return x, original


def _along(v, x, axes):
    """A scale/offset `v` reshaped to broadcast against `x` on the normalized axes."""
    v = as_tensor(v, like=x.data)
    if v.data.dtype != x.data.dtype:
        v = m.cast(v, x.data.dtype)
    if v.ndim != x.ndim and axes != (x.ndim - 1,):
        v = shape_ops.reshape(v, tuple(x.shape[i] if i in axes else 1 for i in range(x.ndim)))
    return v


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, statistics over `axis` of each sample.

    Args:
        x: input tensor.
        gamma: optional scale, of the normalized axes' shape.
        beta: optional offset, of the normalized axes' shape.
        axis: int or sequence of ints to normalize over.
        epsilon: added to the variance; None means `backend.epsilon()`.
        rms_scaling: (keyword, deprecated as in Keras) divide by sqrt(var + epsilon) only,
            with no centering and no offset.

    Returns:
        A tensor of `x`'s shape and dtype.

    >>> layer_normalization(np.arange(5.0, dtype="float32"))  # about [-1.41, ..., 1.41]
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected keyword arguments {sorted(kwargs)}")
    if rms_scaling:
        warnings.warn("layer_normalization: rms_scaling=True is deprecated (it scales by the "
                      "variance, not the root mean square); use rms_normalization instead.",
                      stacklevel=2)
    eps = backend.epsilon() if epsilon is None else float(epsilon)
    x, original = _compute(x)
    axes = _norm_axes("layer_normalization", axis, x.ndim)
    if rms_scaling:
        inv = m.rsqrt(m.add(reduce.var(x, axis=axes, keepdims=True), eps))
        y = m.multiply(x, inv)
        if gamma is not None:
            y = m.multiply(y, _along(gamma, x, axes))
        return m.cast(y, original)
    mean = reduce.mean(x, axis=axes, keepdims=True)
    centered = m.subtract(x, mean)
    variance = reduce.mean(m.square(centered), axis=axes, keepdims=True)
    inv = m.rsqrt(m.add(variance, eps))
    if gamma is not None:
        inv = m.multiply(inv, _along(gamma, x, axes))
    y = m.multiply(centered, inv)
    if beta is not None:
        y = m.add(y, _along(beta, x, axes))
    return m.cast(y, original)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x**2) + epsilon) * scale, the mean over `axis` (Zhang & Sennrich, 2019).

    Args:
        x: input tensor.
        scale: optional scale, broadcast against `x`.
        axis: int or sequence of ints to normalize over.
        epsilon: added to the mean square; None means `backend.epsilon()`.

    Returns:
        A tensor of `x`'s shape and dtype.

    >>> rms_normalization(np.array([[3.0, 4.0]], dtype="float32"))  # [[0.85, 1.13]]
    """
    eps = backend.epsilon() if epsilon is None else float(epsilon)
    x, original = _compute(x)
    if x.ndim == 0:
        x = shape_ops.reshape(x, (1,))
    axes = _norm_axes("rms_normalization", axis, x.ndim)
    inv = m.rsqrt(m.add(reduce.mean(m.square(x), axis=axes, keepdims=True), eps))
    y = m.multiply(x, inv)
    if scale is not None:
        s = as_tensor(scale, like=x.data)
        y = m.multiply(y, s if s.data.dtype == x.data.dtype else m.cast(s, x.data.dtype))
    return m.cast(y, original)
