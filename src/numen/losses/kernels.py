"""The common losses' per-sample values as replay kernels (autodiff/replay.py).

Each loss is one kernel of (y_true, y_pred), so a training step with it replays whole: no
Tensor per elementwise step, one pass for the gradient. The targets arrive as given (any
dtype, ranks already aligned) and are cast to the predictions' dtype inside the kernel, so a
replayed step reads each new batch of targets straight from the fed array. Gradients reach
the targets too when they need one (a loss between two model outputs).

The math is the composed definition in losses/functions.py, written out with its gradient:
probabilities are clipped to [epsilon, 1 - epsilon] and the gradient passes where they lie
inside that closed interval, as `ops.clip` does.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.ops.broadcast import unbroadcast


def _targets(t, p):
    return t if t.dtype == p.dtype else t.astype(p.dtype)


def _back_to(g, t):
    """The targets' gradient, unbroadcast to and in the dtype of the targets."""
    g = unbroadcast(g, t.shape)
    return g if g.dtype == t.dtype else g.astype(t.dtype)


def mean_error_kernel(arrays, needs, power):
    """mean(|y_pred - y_true| ** power) over the last axis, power 1 (MAE) or 2 (MSE)."""
    t0, p = arrays
    xp = backend.xp_of(p)
    d = p - _targets(t0, p)
    y = (xp.square(d) if power == 2 else xp.abs(d)).mean(axis=-1)
    k = d.shape[-1]

    def backward(gy):
        g = gy[..., None] * (2 * d if power == 2 else xp.sign(d)) / k
        g = g.astype(p.dtype, copy=False)
        return (_back_to(-g, t0) if needs[0] else None,
                unbroadcast(g, p.shape) if needs[1] else None)

    return y, backward


def categorical_kernel(arrays, needs, axis, smoothing, epsilon):
    """-sum(y_true * log(clip(y_pred / sum(y_pred)))) along `axis`, labels smoothed."""
    t0, p = arrays
    xp = backend.xp_of(p)
    t = _targets(t0, p)
    if smoothing:
        t = t * (1.0 - smoothing) + smoothing / p.shape[axis]
    s = p.sum(axis=axis, keepdims=True)
    q = p / s
    c = xp.clip(q, epsilon, 1.0 - epsilon)
    log_c = xp.log(c)
    y = -(t * log_c).sum(axis=axis)

    def backward(gy):
        g = xp.expand_dims(gy, axis)
        gt = gp = None
        if needs[0]:
            gt = _back_to(-log_c * g * (1.0 - smoothing), t0)
        if needs[1]:
            gq = -t / c * g * ((q >= epsilon) & (q <= 1.0 - epsilon))
            gp = (gq - (gq * q).sum(axis=axis, keepdims=True)) / s
        return gt, gp

    return y, backward


def sparse_categorical_kernel(arrays, needs, epsilon):
    """-log(clip(y_pred / sum(y_pred)))[label] over the last axis; labels already checked
    (int64, shaped like y_pred without its last axis)."""
    labels, p = arrays
    xp = backend.xp_of(p)
    p2 = p.reshape(-1, p.shape[-1])
    rows, picked = xp.arange(p2.shape[0]), labels.reshape(-1)
    s = p2.sum(axis=-1, keepdims=True)
    q = p2[rows, picked] / s[:, 0]
    c = xp.clip(q, epsilon, 1.0 - epsilon)
    y = -xp.log(c).reshape(labels.shape)

    def backward(gy):
        # Only the label's entry of the normalised probabilities reaches the loss.
        gq = -gy.reshape(-1) / c * ((q >= epsilon) & (q <= 1.0 - epsilon))
        gp = xp.broadcast_to((-gq * q)[:, None], p2.shape) / s
        gp[rows, picked] += gq / s[:, 0]
        return None, gp.reshape(p.shape)

    return y, backward


def binary_kernel(arrays, needs, axis, smoothing, epsilon, from_logits):
    """Binary cross-entropy averaged along `axis`, on probabilities or logits."""
    t0, p = arrays
    xp = backend.xp_of(p)
    t = _targets(t0, p)
    if smoothing:
        t = t * (1.0 - smoothing) + 0.5 * smoothing
    k = np.broadcast_shapes(t.shape, p.shape)[axis]
    if from_logits:
        v = xp.maximum(p, 0) - p * t + xp.log1p(xp.exp(-xp.abs(p)))
        y = v.mean(axis=axis)
    else:
        c = xp.clip(p, epsilon, 1.0 - epsilon)
        log_c, log_1c = xp.log(c), xp.log(1.0 - c)
        y = -(t * log_c + (1.0 - t) * log_1c).mean(axis=axis)

    def backward(gy):
        g = xp.expand_dims(gy, axis) / k
        gt = gp = None
        if from_logits:
            if needs[0]:
                gt = _back_to(-p * g * (1.0 - smoothing), t0)
            if needs[1]:
                e = xp.exp(-xp.abs(p))  # sigmoid(p) without overflow, split on the sign
                sig = xp.where(p >= 0, 1 / (1 + e), e / (1 + e))
                gp = unbroadcast(g * (sig - t), p.shape)
        else:
            if needs[0]:
                gt = _back_to(-(log_c - log_1c) * g * (1.0 - smoothing), t0)
            if needs[1]:
                inside = (p >= epsilon) & (p <= 1.0 - epsilon)
                gp = unbroadcast(-g * (t / c - (1.0 - t) / (1.0 - c)) * inside, p.shape)
        return gt, (None if gp is None else gp.astype(p.dtype, copy=False))

    return y, backward
