"""Losses as functions (one value per sample) and as Loss objects (weighted, then reduced).

A loss function maps (y_true, y_pred) to one value per sample: the last axis is averaged or
summed away. A Loss object aligns the ranks of its inputs, applies sample weights (and the mask
an `ignore_class` produces) and reduces to a scalar, with Keras 3's names and defaults.
"""

from __future__ import annotations

import math
import re

import numpy as np

from numen import backend, ops
from numen.autodiff import Tensor, as_tensor

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


def _pair(y_true, y_pred, align: bool = True):
    """Both sides as Tensors of y_pred's float dtype, ranks aligned."""
    y_pred = _as_pred(y_pred)
    y_true = as_tensor(y_true)
    if y_true.data.dtype != y_pred.data.dtype:
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
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.abs(y_pred - y_true), axis=-1)


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
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        return ops.mean(ops.sigmoid_cross_entropy(y_true, y_pred), axis=axis)
    p = _clip_probs(y_pred)
    bce = y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p)
    return -ops.mean(bce, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1):
    """Cross-entropy between one-hot (or soft) targets and predictions along `axis`.

    Probabilities are renormalised to sum to one and clipped to [eps, 1 - eps] first.

    Raises:
        ValueError: y_true and y_pred differ in shape (integer labels need the sparse loss).
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"categorical_crossentropy: y_true has shape {y_true.shape} but y_pred has shape "
            f"{y_pred.shape}; expected one-hot targets of the same shape (use "
            "sparse_categorical_crossentropy for integer labels)"
            f"{flatten_hint(y_true.ndim, y_pred)}"
        )
    if label_smoothing:
        k = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / k
    if from_logits:
        return ops.softmax_cross_entropy(y_true, y_pred, axis=axis)
    p = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
    return -ops.sum(y_true * ops.log(_clip_probs(p)), axis=axis)


def _sparse_labels(y_true, y_pred, axis, ignore_class):
    """Integer labels shaped like y_pred without `axis`, plus the mask of counted entries."""
    labels = backend.to_numpy(y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true))
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    expected = tuple(int(d) for d in np.delete(np.array(y_pred.shape), axis % y_pred.ndim))
    if labels.shape != expected:
        raise ValueError(
            f"sparse_categorical_crossentropy: y_true has shape {labels.shape} but y_pred has "
            f"shape {y_pred.shape}; expected integer labels of shape {expected}"
            f"{flatten_hint(labels.ndim, y_pred)}"
        )
    if labels.dtype.kind == "f" and not np.array_equal(labels, np.round(labels)):
        raise ValueError("sparse_categorical_crossentropy: labels must be whole numbers, "
                         f"received {np.unique(labels[labels != np.round(labels)])[:10]}")
    labels = labels.astype(np.int64)
    valid = None if ignore_class is None else labels != ignore_class
    if valid is not None:
        labels = np.where(valid, labels, 0)
    k = y_pred.shape[axis]
    bad = (labels < 0) | (labels >= k)
    if bad.any():
        raise ValueError(
            f"sparse_categorical_crossentropy: labels must lie in [0, {k - 1}] for {k} classes, "
            f"received out-of-range values {np.unique(labels[bad])[:10].tolist()}"
        )
    return labels, valid


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1):
    """Cross-entropy between integer labels and predictions along `axis`.

    Entries whose label equals `ignore_class` get a loss of 0 (a Loss object also leaves them
    out of the average).

    Raises:
        ValueError: labels outside [0, num_classes) or of the wrong shape.
    """
    y_pred = _as_pred(y_pred)
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


# -- weighting and reduction ---------------------------------------------------------------------
def _array(x, dtype):
    return np.asarray(backend.to_numpy(x.data if isinstance(x, Tensor) else x), dtype=dtype)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduce already weighted `values` to a scalar ('none'/None keeps them)."""
    values = as_tensor(values)
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = float(np.sum(sample_weight))
    else:
        divisor = float(values.size)
    return total / divisor if divisor else total * 0.0


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size"):
    """Weight `values` by `sample_weight` (and a validity `mask`), then reduce, as Keras does.

    With 'sum_over_batch_size'/'mean', masked-out entries do not count towards the divisor.

    Raises:
        ValueError: sample_weight's shape does not broadcast against the loss values.
    """
    values = as_tensor(values)
    dtype = values.data.dtype
    sw = None if sample_weight is None else _array(sample_weight, dtype)
    if mask is not None:
        m = np.asarray(mask, dtype=dtype)
        if reduction in ("mean", "sum_over_batch_size"):
            valid = m.sum()
            m = m * (m.size / valid if valid else 0.0)
        if sw is not None:
            m_t, sw_t = align_ranks(Tensor(m), Tensor(sw))
            sw = m_t.data * sw_t.data
        else:
            sw = m
    if sw is not None:
        values, sw_t = align_ranks(values, Tensor(sw))
        sw = sw_t.data
        # Per-sample weights against per-timestep values: line up the leading (batch) axes.
        if 0 < sw.ndim < values.ndim and sw.shape == values.shape[:sw.ndim]:
            sw = sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim))
        try:
            np.broadcast_shapes(values.shape, sw.shape)
        except ValueError:
            raise ValueError(
                f"sample_weight has shape {sw.shape}, which does not broadcast against the loss "
                f"values of shape {values.shape}; expected one weight per sample (or per "
                "timestep)"
            ) from None
        values = values * Tensor(sw)
    return reduce_values(values, sw, reduction)


# -- Loss objects --------------------------------------------------------------------------------
def to_snake_case(name: str) -> str:
    """Keras's class-name-to-snake-case rule: 'KLDivergence' -> 'kl_divergence'."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning per-sample values.

    Args:
        name: shown in logs and configs (default: the class name in snake case).
        reduction: 'sum_over_batch_size' (default), 'sum', 'mean', 'mean_with_sample_weight'
            or None/'none'.
        dtype: dtype the inputs are cast to; None keeps y_pred's float dtype.

    >>> MeanSquaredError()([[0.0], [1.0]], [[1.0], [1.0]]).data
    array(0.5, dtype=float32)
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, "
                             f"received {reduction!r}")
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = None if dtype is None else backend.standardize_dtype(dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def compute_mask(self, y_true, y_pred):
        """Which loss values count (None: all of them)."""
        return None

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.dtype is not None:
            y_pred = as_tensor(y_pred, self.dtype)
            y_true = as_tensor(y_true, self.dtype)
        values = self.call(y_true, y_pred)
        mask = self.compute_mask(y_true, y_pred)
        return reduce_weighted_values(values, sample_weight, mask, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A Loss made from any function of (y_true, y_pred) plus keyword arguments for it."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "loss"), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self.fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_pred = _as_pred(y_pred)
        y_true, y_pred = align_ranks(as_tensor(y_true), y_pred)
        if self.fn is not categorical_crossentropy:  # it checks shapes itself, with a hint
            check_broadcastable(y_true, y_pred, self.name)
        return self.fn(y_true, y_pred, **self.fn_kwargs)

    def get_config(self) -> dict:
        config = {**super().get_config(), **self.fn_kwargs}
        if type(self) is LossFunctionWrapper:
            config["fn"] = getattr(self.fn, "__name__", str(self.fn))
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if "fn" in config:
            config["fn"] = _FUNCTIONS[config["fn"]]
        return cls(**config)


class MeanSquaredError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction, name, dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction, name, dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class CosineSimilarity(LossFunctionWrapper):
    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


class Huber(LossFunctionWrapper):
    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


class BinaryCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Integer-label cross-entropy; entries labelled `ignore_class` are left out of the mean."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class)

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.fn_kwargs)

    def compute_mask(self, y_true, y_pred):
        ignore = self.fn_kwargs["ignore_class"]
        if ignore is None:
            return None
        labels = _array(y_true, None)
        if labels.ndim == len(np.shape(_array(y_pred, None))) and labels.shape[-1] == 1:
            labels = labels[..., 0]
        return labels != ignore


class KLDivergence(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction, name, dtype)


class Hinge(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction, name, dtype)


class CategoricalHinge(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction, name, dtype)


# -- lookup --------------------------------------------------------------------------------------
_FUNCTIONS = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, cosine_similarity, binary_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence, poisson, hinge,
    squared_hinge, categorical_hinge,
)}
_ALIASES = {"mse": mean_squared_error, "MSE": mean_squared_error, "mae": mean_absolute_error,
            "MAE": mean_absolute_error, "mape": mean_absolute_percentage_error,
            "MAPE": mean_absolute_percentage_error, "msle": mean_squared_logarithmic_error,
            "MSLE": mean_squared_logarithmic_error, "kld": kl_divergence, "KLD": kl_divergence,
            "bce": binary_crossentropy, "BCE": binary_crossentropy, "logcosh": log_cosh,
            "kullback_leibler_divergence": kl_divergence}
_CLASSES = {cls.__name__: cls for cls in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge,
    SquaredHinge, CategoricalHinge,
)}
# The Loss class that stands for each built-in function, so compiled losses log Keras's names.
_CLASS_OF_FUNCTION = {
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError, huber: Huber,
    log_cosh: LogCosh, cosine_similarity: CosineSimilarity,
    binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy, kl_divergence: KLDivergence,
    poisson: Poisson, hinge: Hinge, squared_hinge: SquaredHinge,
    categorical_hinge: CategoricalHinge,
}


def _lookup(name: str):
    return _FUNCTIONS.get(name) or _ALIASES.get(name) or _CLASSES.get(name)


def get(identifier):
    """A loss from a name ('mse', 'binary_crossentropy', 'BinaryCrossentropy'), a config dict,
    a Loss (class or instance) or any function of (y_true, y_pred); None gives None.

    Raises:
        ValueError: an unknown name (the message lists the valid ones).
        TypeError: anything else.

    >>> get("mse") is mean_squared_error
    True
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _CLASSES.get(name)
        if cls is None:
            raise ValueError(f"Unknown loss class {name!r} in config; expected one of "
                             f"{sorted(_CLASSES)}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        found = _lookup(identifier)
        if found is None:
            valid = sorted({*_FUNCTIONS, *_ALIASES, *_CLASSES} - {"Loss", "LossFunctionWrapper"})
            raise ValueError(f"Unknown loss {identifier!r}; expected one of {valid}, a Loss or "
                             "a callable")
        return found() if isinstance(found, type) else found
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"loss must be a string, a config dict, a Loss or a callable, received "
                    f"{identifier!r} of type {type(identifier).__name__}")


def as_loss_object(identifier) -> Loss:
    """Whatever `get` accepts, as a Loss object: built-in functions become their Loss class,
    other functions are wrapped (named after the string given, else the function)."""
    loss = get(identifier)
    if isinstance(loss, Loss):
        return loss
    cls = _CLASS_OF_FUNCTION.get(loss)
    if cls is not None:
        obj = cls()
        if isinstance(identifier, str):
            obj.name = identifier
        return obj
    name = identifier if isinstance(identifier, str) else getattr(loss, "__name__", "loss")
    return LossFunctionWrapper(loss, name=name)


def serialize(loss) -> dict | str:
    """A Loss object as Keras's {'module', 'class_name', 'config'} dict; a function as its name."""
    if isinstance(loss, Loss) and type(loss).__name__ in _CLASSES:
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    return getattr(loss, "__name__", str(loss))


def deserialize(config):
    """The inverse of `serialize`."""
    return get(config)
