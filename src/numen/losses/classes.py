"""Loss objects: a loss function plus rank alignment, weighting, masking and a reduction."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import as_tensor
from numen.losses.functions import (
    _FUNCTIONS,
    REDUCTIONS,
    _as_pred,
    align_ranks,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    check_broadcastable,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from numen.losses.reduction import (
    _array,
    reduce_weighted_values,
)
from numen.naming import to_snake_case


# -- Loss objects --------------------------------------------------------------------------------
def _numen_code(fn) -> bool:
    """Whether `fn` is one of numen's own functions (not a user's)."""
    return getattr(fn, "__module__", "").split(".")[0] == "numen"


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

    def _loss_code(self):
        """The function whose code computes the loss values (a user's, or numen's own)."""
        return type(self).call

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.dtype is not None:
            y_pred = as_tensor(y_pred, self.dtype)
            y_true = as_tensor(y_true, self.dtype)
        else:
            if str(getattr(y_pred, "dtype", "")) == "float16":  # mixed precision: as Keras,
                y_pred = as_tensor(y_pred, backend.floatx())  # losses compute in floatx
            if hasattr(y_true, "dtype") and not _numen_code(self._loss_code()):
                # Keras hands a loss its labels in the loss's float dtype, whatever the data's
                # (int32 class ids arrive as float32). numen's own losses read labels as they
                # come, sparing a cast per step; a user's code sees what it would in Keras.
                # (Wrapped first, then cast by an op, so that a recorded step still reads each
                # batch's labels.)
                pred_dtype = str(getattr(y_pred, "dtype", ""))
                y_true = as_tensor(as_tensor(y_true), pred_dtype if pred_dtype.startswith(
                    ("float", "bfloat")) else backend.floatx())
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

    def _loss_code(self):
        return self.fn

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
