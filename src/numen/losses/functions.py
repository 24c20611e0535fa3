"""Loss functions: (y_true, y_pred) -> one value per sample, with Keras's names and aliases."""

from __future__ import annotations

import math

import numpy as np

from numen import backend, ops
from numen.autodiff import Tensor, as_tensor
from numen.autodiff.replay import primitive
from numen.losses import kernels

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# -- input handling ------------------------------------------------------------------------------
def align_ranks(x1, x2, expand_rank_1: bool = True):
    """Make two Tensors' ranks equal when they differ by a trailing axis of size 1, as Keras does.

    The side with the extra axis is squeezed, except that a rank-1 partner is expanded instead
    (so (N,) against (N, 1) becomes (N, 1) against (N, 1)).
    """
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def flatten_hint(true_ndim: int, y_pred) -> str:
    """A hint for the usual cause of per-sample targets meeting a higher-rank prediction."""
    if y_pred.ndim > 2 and true_ndim < y_pred.ndim:
        return (f"; y_pred has rank {y_pred.ndim}: for one prediction per sample, add a Flatten "
                "(or global pooling) layer before the final Dense layer")
    return ""


def check_broadcastable(y_true, y_pred, name: str = "loss") -> None:
    """Raise a ValueError naming both shapes when (rank-aligned) y_true and y_pred cannot meet."""
    try:
        np.broadcast_shapes(tuple(y_true.shape), tuple(y_pred.shape))
    except ValueError:
        raise ValueError(
            f"{name}: y_true has shape {tuple(y_true.shape)} but y_pred has shape "
            f"{tuple(y_pred.shape)}, which do not broadcast together; expected targets shaped "
            f"like the predictions{flatten_hint(y_true.ndim, y_pred)}"
        ) from None


def _as_pred(y_pred) -> Tensor:
    y_pred = as_tensor(y_pred)
    if y_pred.data.dtype.kind != "f":
        y_pred = ops.cast(y_pred, backend.floatx())
    return y_pred


def _pair(y_true, y_pred, align: bool = True, cast: bool = True):
    """Both sides as Tensors, ranks aligned; y_true cast to y_pred's float dtype unless `cast`
    is False (the loss kernels cast inside, so that replay reads the fed targets)."""
    y_pred = _as_pred(y_pred)
    y_true = as_tensor(y_true, like=y_pred.data)  # targets follow the predictions
    if cast and y_true.data.dtype != y_pred.data.dtype:
        y_true = ops.cast(y_true, y_pred.dtype)
    if not align:
        return y_true, y_pred
    y_true, y_pred = align_ranks(y_true, y_pred)
    check_broadcastable(y_true, y_pred)
    return y_true, y_pred


def _clip_probs(p):
    eps = backend.epsilon()
    return ops.clip(p, eps, 1.0 - eps)


# -- regression ----------------------------------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)**2) over the last axis.

    >>> mean_squared_error([[0., 1.]], [[1., 1.]]).data
    array([0.5], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred, cast=False)
    return primitive(kernels.mean_error_kernel, (y_true, y_pred), "mean_squared_error", power=2)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred, cast=False)
    return primitive(kernels.mean_error_kernel, (y_true, y_pred), "mean_absolute_error", power=1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, epsilon)) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), backend.epsilon()))
    return 100.0 * ops.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))**2) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = backend.epsilon()
    first = ops.log(ops.maximum(y_pred, eps) + 1.0)
    second = ops.log(ops.maximum(y_true, eps) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


def huber(y_true, y_pred, delta: float = 1.0):
    """Quadratic for |error| <= delta, linear beyond, averaged over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    err = y_pred - y_true
    abs_err = ops.abs(err)
    quad = 0.5 * ops.square(err)
    lin = delta * abs_err - 0.5 * delta * delta
    return ops.mean(ops.where(abs_err.data <= delta, quad, lin), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis, finite for any error size."""
    y_true, y_pred = _pair(y_true, y_pred)
    d = y_pred - y_true
    # log(cosh(d)) = d + softplus(-2d) - log 2 never overflows, unlike cosh itself.
    return ops.mean(d + ops.softplus(-2.0 * d) - math.log(2.0), axis=-1)


def _l2_normalize(x, axis):
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(square_sum, backend.epsilon()))


def cosine_similarity(y_true, y_pred, axis: int = -1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred)) along `axis` (-1 means identical)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return -ops.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


# -- probabilistic -------------------------------------------------------------------------------
def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1):
    """Binary cross-entropy averaged over `axis`; labels smoothed towards 0.5.

    >>> float(binary_crossentropy([[1.0]], [[0.0]], from_logits=True).data[0])  # log 2
    0.6931...
    """
    y_true, y_pred = _pair(y_true, y_pred, cast=False)
    return primitive(kernels.binary_kernel, (y_true, y_pred), "binary_crossentropy", axis=axis,
                     smoothing=float(label_smoothing), epsilon=backend.epsilon(),
                     from_logits=bool(from_logits))


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1):
    """Cross-entropy between one-hot (or soft) targets and predictions along `axis`.

    Probabilities are renormalised to sum to one and clipped to [eps, 1 - eps] first.

    Raises:
        ValueError: y_true and y_pred differ in shape (integer labels need the sparse loss).
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False, cast=from_logits)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"categorical_crossentropy: y_true has shape {y_true.shape} but y_pred has shape "
            f"{y_pred.shape}; expected one-hot targets of the same shape (use "
            "sparse_categorical_crossentropy for integer labels)"
            f"{flatten_hint(y_true.ndim, y_pred)}"
        )
    if not from_logits:
        return primitive(kernels.categorical_kernel, (y_true, y_pred), "categorical_crossentropy",
                         axis=axis, smoothing=float(label_smoothing), epsilon=backend.epsilon())
    if label_smoothing:
        k = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / k
    return ops.softmax_cross_entropy(y_true, y_pred, axis=axis)


def _sparse_labels(y_true, y_pred, axis, ignore_class):
    """Integer labels shaped like y_pred without `axis`, plus the mask of counted entries."""
    labels = backend.to_numpy(y_true.data if isinstance(y_true, Tensor) else y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    shape, cut = tuple(y_pred.shape), axis % y_pred.ndim
    expected = shape[:cut] + shape[cut + 1:]
    if labels.shape != expected:
        raise ValueError(
            f"sparse_categorical_crossentropy: y_true has shape {labels.shape} but y_pred has "
            f"shape {y_pred.shape}; expected integer labels of shape {expected}"
            f"{flatten_hint(labels.ndim, y_pred)}"
        )
    if labels.dtype.kind == "f" and not np.array_equal(labels, np.round(labels)):
        raise ValueError("sparse_categorical_crossentropy: labels must be whole numbers, "
                         f"received {np.unique(labels[labels != np.round(labels)])[:10]}")
    labels = labels.astype(np.int64, copy=False)
    valid = None if ignore_class is None else labels != ignore_class
    if valid is not None:
        labels = np.where(valid, labels, 0)
    k = y_pred.shape[axis]
    # One pass for both ends: viewed as unsigned, a negative label is larger than any k.
    if labels.size and labels.view(np.uint64).max() >= k:
        bad = (labels < 0) | (labels >= k)
        raise ValueError(
            f"sparse_categorical_crossentropy: labels must lie in [0, {k - 1}] for {k} classes, "
            f"received out-of-range values {np.unique(labels[bad])[:10].tolist()}"
        )
    # Validated on the host above; used on the predictions' device below.
    labels = backend.asarray_like(labels, y_pred.data)
    return labels, None if valid is None else backend.asarray_like(valid, y_pred.data)


def _labels_kernel(arrays, needs, axis):
    labels, pred = arrays
    # The usual batch (int64 NumPy labels shaped like the predictions less their class axis,
    # all in range) is what `_sparse_labels` would return unchanged: check that alone.
    if type(labels) is np.ndarray and type(pred) is np.ndarray and labels.dtype == np.int64 \
            and axis in (-1, pred.ndim - 1) and labels.shape == pred.shape[:-1] and \
            (labels.size == 0 or labels.view(np.uint64).max() < pred.shape[-1]):
        return labels, _no_gradients
    labels, _ = _sparse_labels(labels, Tensor(pred), axis, None)
    return labels, _no_gradients


def _no_gradients(gy):
    return None, None


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1):
    """Cross-entropy between integer labels and predictions along `axis`.

    Entries whose label equals `ignore_class` get a loss of 0 (a Loss object also leaves them
    out of the average).

    Raises:
        ValueError: labels outside [0, num_classes) or of the wrong shape.
    """
    y_pred = _as_pred(y_pred)
    raw = y_true.data if isinstance(y_true, Tensor) else y_true
    last = axis in (-1, y_pred.ndim - 1)
    if ((from_logits or last) and ignore_class is None
            and isinstance(raw, backend.xp_of(y_pred.data).ndarray)):
        # Checked and converted inside a kernel, so a replayed training step checks each batch.
        labels = primitive(_labels_kernel, (Tensor(raw), Tensor(y_pred.data)), "sparse_labels",
                           axis=axis)
        if from_logits:
            return ops.sparse_softmax_cross_entropy(labels, y_pred, axis=axis)
        return primitive(kernels.sparse_categorical_kernel, (labels, y_pred),
                         "sparse_categorical_crossentropy", epsilon=backend.epsilon())
    labels, valid = _sparse_labels(y_true, y_pred, axis, ignore_class)
    if from_logits:
        out = ops.sparse_softmax_cross_entropy(labels, y_pred, axis=axis)
    else:
        if axis not in (-1, y_pred.ndim - 1):
            y_pred = ops.moveaxis(y_pred, axis, -1)
        p = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
        logp = ops.log(_clip_probs(p))
        out = -ops.sum(logp * ops.one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype), axis=-1)
    if valid is not None:
        out = out * Tensor(valid.astype(out.data.dtype))
    return out


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred)) over the last axis, both clipped to [eps, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    t = ops.clip(y_true, backend.epsilon(), 1.0)
    p = ops.clip(y_pred, backend.epsilon(), 1.0)
    return ops.sum(t * ops.log(t / p), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + eps)) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + backend.epsilon()), axis=-1)


# -- hinge ---------------------------------------------------------------------------------------
def _signed(y_true):
    # Keras turns {0, 1} labels into {-1, 1}; labels already in {-1, 1} stay as they are.
    d = y_true.data
    if ((d == 0) | (d == 1)).all():
        return 2.0 * y_true - 1.0
    return y_true


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)) over the last axis, labels in {-1, 1} or {0, 1}."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.maximum(1.0 - _signed(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)**2) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.square(ops.maximum(1.0 - _signed(y_true) * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) for one-hot y_true."""
    y_true, y_pred = _pair(y_true, y_pred)
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, 0.0)


# Keras's short aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy

# The built-in loss functions by name (configs and compile strings refer to them).
_FUNCTIONS = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, cosine_similarity, binary_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence, poisson, hinge,
    squared_hinge, categorical_hinge,
)}
