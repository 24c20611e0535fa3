"""Applying sample weights and masks to per-sample loss values, and reducing them as Keras
does."""

from __future__ import annotations

import numpy as np

from numen import backend, ops
from numen.autodiff import Tensor, as_tensor
from numen.losses.functions import align_ranks
from numen.ops import reduce as reduce_ops


# -- weighting and reduction ---------------------------------------------------------------------
def _array(x, dtype):
    return np.asarray(backend.to_numpy(x.data if isinstance(x, Tensor) else x), dtype=dtype)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduce already weighted `values` to a scalar ('none'/None keeps them)."""
    values = as_tensor(values)
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    if reduction == "sum":
        return ops.sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = float(np.sum(sample_weight))
    else:
        divisor = float(values.size)
    return reduce_ops.divided_sum(values, divisor) if divisor else ops.sum(values) * 0.0


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
        m = _array(mask, dtype)
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
        values = values * Tensor(backend.asarray_like(sw, values.data))
    return reduce_values(values, sw, reduction)
