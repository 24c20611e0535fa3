"""Reductions that skip NaNs: each fills the NaNs with the reduction's neutral value through
`where`, so gradients come from the ops it is built from and NaN positions get none."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor
from numen.ops import math, reduce
from numen.ops.broadcast import normalize_axis
from numen.ops.statistics import check_q, quantile_op, sum_dtype, to_float


def _nan_mask(x: Tensor):
    """Where `x` is NaN, or None for a dtype that cannot hold NaN."""
    return backend.xp_of(x.data).isnan(x.data) if x.data.dtype.kind in "fc" else None


def _filled(x: Tensor, value):
    nan = _nan_mask(x)
    return x if nan is None else math.where(nan, value, x)


def _count(x: Tensor, axis, keepdims):
    """Non-NaN values per slice, as `x`'s dtype, and where that count is zero."""
    nan = _nan_mask(x)
    axes = normalize_axis(axis, x.ndim, "nan-reduction")
    count = (~nan).sum(axis=axes, keepdims=keepdims)
    xp = backend.xp_of(x.data)
    return Tensor(xp.maximum(count, 1).astype(x.data.dtype)), count == 0


def _nan_where(empty, y):
    return math.where(empty, float("nan"), y)


def nansum(x, axis=None, keepdims=False):
    """Sum over `axis` with NaNs counted as zero.

    >>> nansum(np.array([1.0, np.nan, 2.0])).numpy()
    array(3.)
    """
    x = as_tensor(x)
    y = reduce.sum(_filled(x, 0.0), axis=axis, keepdims=keepdims)
    return math.cast(y, sum_dtype(x.data.dtype))


def nanprod(x, axis=None, keepdims=False):
    """Product over `axis` with NaNs counted as one.

    >>> nanprod(np.array([2.0, np.nan, 3.0])).numpy()
    array(6.)
    """
    x = as_tensor(x)
    y = reduce.prod(_filled(x, 1.0), axis=axis, keepdims=keepdims)
    return math.cast(y, sum_dtype(x.data.dtype))


def nanmean(x, axis=None, keepdims=False):
    """Mean over `axis` of the values that are not NaN (NaN for an all-NaN slice).

    >>> nanmean(np.array([1.0, np.nan, 2.0])).numpy()
    array(1.5)
    """
    x = to_float(x)
    count, empty = _count(x, axis, keepdims)
    return _nan_where(empty, nansum(x, axis, keepdims) / count)


def nanvar(x, axis=None, keepdims=False):
    """Variance over `axis` of the values that are not NaN.

    >>> nanvar(np.array([1.0, np.nan, 3.0])).numpy()
    array(1.)
    """
    x = to_float(x)
    count, empty = _count(x, axis, keepdims)
    centred = math.where(_nan_mask(x), 0.0, x - nanmean(x, axis, keepdims=True))
    return _nan_where(empty, reduce.sum(centred * centred, axis, keepdims) / count)


def nanstd(x, axis=None, keepdims=False):
    """Standard deviation over `axis` of the values that are not NaN.

    >>> nanstd(np.array([1.0, np.nan, 3.0])).numpy()
    array(1.)
    """
    return math.sqrt(nanvar(x, axis, keepdims))


def _nan_extreme(x, axis, keepdims, name):
    x = as_tensor(x)
    nan = _nan_mask(x)
    pick = reduce.max if name == "nanmax" else reduce.min
    if nan is None:
        return pick(x, axis, keepdims)
    y = pick(_filled(x, float("-inf") if name == "nanmax" else float("inf")), axis, keepdims)
    axes = normalize_axis(axis, x.ndim, name)
    return _nan_where(nan.all(axis=axes, keepdims=keepdims), y)


def nanmax(x, axis=None, keepdims=False):
    """Largest value over `axis`, NaNs skipped (NaN for an all-NaN slice).

    >>> nanmax(np.array([1.0, np.nan, 2.0])).numpy()
    array(2.)
    """
    return _nan_extreme(x, axis, keepdims, "nanmax")


def nanmin(x, axis=None, keepdims=False):
    """Smallest value over `axis`, NaNs skipped (NaN for an all-NaN slice).

    >>> nanmin(np.array([1.0, np.nan, 2.0])).numpy()
    array(1.)
    """
    return _nan_extreme(x, axis, keepdims, "nanmin")


def _nan_arg(x, axis, keepdims, name):
    x = as_tensor(x)
    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: axis must be None or an int, received {axis!r}")
    if axis is not None:
        axis = normalize_axis(axis, x.ndim, name)[0]
    xp = backend.xp_of(x.data)
    nan = _nan_mask(x)
    data = x.data
    if nan is not None:
        data = xp.where(nan, -np.inf if name == "nanargmax" else np.inf, data)
    find = data.argmax if name == "nanargmax" else data.argmin
    idx = find(axis=axis, keepdims=keepdims)
    if nan is not None:
        idx = xp.where(nan.all(axis=axis, keepdims=keepdims), -1, idx)
    return Tensor(xp.asarray(idx, dtype="int32"))


def nanargmax(x, axis=None, keepdims=False):
    """Index (int32) of the largest non-NaN value along `axis` (-1 for an all-NaN slice).

    >>> nanargmax(np.array([1.0, np.nan, 2.0])).numpy()
    array(2, dtype=int32)
    """
    return _nan_arg(x, axis, keepdims, "nanargmax")


def nanargmin(x, axis=None, keepdims=False):
    """Index (int32) of the smallest non-NaN value along `axis` (-1 for an all-NaN slice).

    >>> nanargmin(np.array([1.0, np.nan, 0.5])).numpy()
    array(2, dtype=int32)
    """
    return _nan_arg(x, axis, keepdims, "nanargmin")


def _nan_cumulative(x, axis, dtype, name):
    x = as_tensor(x)
    # Unlike sums, running sums keep small integer dtypes; only booleans become int32.
    target = backend.standardize_dtype(dtype) if dtype is not None else (
        "int32" if x.data.dtype.kind == "b" else x.data.dtype.name)
    x = math.cast(_filled(x, 0.0 if name == "nancumsum" else 1.0), target)
    run = reduce.cumsum if name == "nancumsum" else reduce.cumprod
    if axis is not None:
        axis = normalize_axis(axis, x.ndim, name)[0]
    return math.cast(run(x, axis), target)


def nancumsum(x, axis=None, dtype=None):
    """Running sum along `axis` (of the flattened `x` when None), NaNs counted as zero.

    >>> nancumsum(np.array([1.0, np.nan, 2.0])).numpy()
    array([1., 1., 3.])
    """
    return _nan_cumulative(x, axis, dtype, "nancumsum")


def nancumprod(x, axis=None, dtype=None):
    """Running product along `axis` (of the flattened `x` when None), NaNs counted as one.

    >>> nancumprod(np.array([2.0, np.nan, 3.0])).numpy()
    array([2., 2., 6.])
    """
    return _nan_cumulative(x, axis, dtype, "nancumprod")


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """`quantile` of the values that are not NaN (NaN for an all-NaN slice).

    >>> nanquantile(np.array([1.0, np.nan, 3.0]), 0.5).numpy()
    array(2.)
    """
    q = check_q(q, "nanquantile", 1.0)
    return quantile_op(x, q, axis, method, keepdims, "nanquantile", ignore_nan=True)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """`percentile` of the values that are not NaN (NaN for an all-NaN slice).

    >>> nanpercentile(np.array([1.0, np.nan, 3.0]), 50).numpy()
    array(2.)
    """
    q = check_q(q, "nanpercentile", 100.0)
    return quantile_op(x, q, axis, method, keepdims, "nanpercentile", ignore_nan=True)


def nanmedian(x, axis=None, keepdims=False):
    """`median` of the values that are not NaN (NaN for an all-NaN slice).

    >>> nanmedian(np.array([1.0, np.nan, 3.0, 4.0])).numpy()
    array(3.)
    """
    return quantile_op(x, np.asarray(0.5), axis, "linear", keepdims, "nanmedian",
                       ignore_nan=True)
