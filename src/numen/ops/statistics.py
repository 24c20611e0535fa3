"""Statistics over tensors: quantiles, weighted averages, spreads, correlations, distances and
counts. Most compose differentiable ops; quantiles are one op with their own backward."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.ops import linalg, manipulation, math, reduce
from numen.ops.broadcast import normalize_axis

_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def to_float(x) -> Tensor:
    """`x` as a Tensor of a floating dtype: integer and boolean inputs become floatx."""
    x = as_tensor(x)
    return x if x.data.dtype.kind == "f" else math.cast(x, backend.floatx())


def promote(a, b, floating=False) -> tuple[Tensor, Tensor]:
    """Both operands cast to one dtype as Keras promotes them (an int meeting a float takes
    the float; two ints follow NumPy). With `floating`, an all-integer pair becomes floatx."""
    a, b = as_tensor(a), as_tensor(b)
    da, db = a.data.dtype, b.data.dtype
    floats = [d for d in (da, db) if d.kind == "f"]
    if floats:
        dtype = np.result_type(*floats)
    elif floating:
        dtype = np.dtype(backend.floatx())
    else:
        dtype = np.result_type(da, db)
    return math.cast(a, dtype.name), math.cast(b, dtype.name)


def sum_dtype(dtype) -> str:
    """The dtype Keras gives a sum of `dtype`: booleans and small ints widen to (u)int32."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b" or (dtype.kind == "i" and dtype.itemsize < 4):
        return "int32"
    if dtype.kind == "u" and dtype.itemsize < 4:
        return "uint32"
    return dtype.name


def check_q(q, name, scale):
    q = np.asarray(backend.to_numpy(q.data if isinstance(q, Tensor) else q), dtype="float64")
    if q.ndim > 1:
        raise ValueError(f"{name}: q must be a number or a 1-D sequence, received shape {q.shape}")
    if np.any(q < 0) or np.any(q > scale) or np.any(np.isnan(q)):
        raise ValueError(f"{name}: q must lie in [0, {scale}], received {q.tolist()}")
    return q / scale


def quantile_op(x, q, axis, method, keepdims, name, ignore_nan):
    """The `q`-quantiles (fractions in [0, 1]) of `x` over `axis`; with `ignore_nan`, NaNs are
    left out (an all-NaN slice gives NaN), otherwise a slice holding a NaN gives NaN.

    The result has shape q.shape + the kept axes (reduced axes kept as 1 with `keepdims`).
    Each output mixes two sorted values; the gradient goes back to where those came from.
    """
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"{name}: method must be one of {_QUANTILE_METHODS}, "
                         f"received {method!r}")
    x = to_float(x)
    xp = backend.xp_of(x.data)
    axes = normalize_axis(axis, x.ndim, name)
    axes = tuple(range(x.ndim)) if axes is None else axes
    kept = [i for i in range(x.ndim) if i not in axes]
    perm = kept + list(axes)
    kept_shape = tuple(x.shape[i] for i in kept)
    xt = x.data.transpose(perm).reshape(kept_shape + (-1,))
    m = xt.shape[-1]
    if m == 0:
        raise ValueError(f"{name}: cannot take a quantile over an empty axis of shape {x.shape}")
    order = xp.argsort(xt, axis=-1, kind="stable")  # NaNs sort last
    srt = xp.take_along_axis(xt, order, axis=-1)
    nan = xp.isnan(xt)
    n = (m - nan.sum(axis=-1, keepdims=True)) if ignore_nan else xp.full(kept_shape + (1,), m)
    qa = xp.asarray(q, dtype=xt.dtype).reshape(q.shape + (1,) * (len(kept_shape) + 1))
    pos = qa * (xp.maximum(n, 1) - 1).astype(xt.dtype)
    lo = xp.floor(pos)
    frac = pos - lo
    lo = lo.astype(np.int64)
    hi = xp.minimum(lo + 1, xp.maximum(n - 1, 0))
    w = {"linear": frac, "lower": xp.zeros_like(frac), "higher": (frac > 0).astype(xt.dtype),
         "midpoint": xp.where(frac > 0, 0.5, 0.0).astype(xt.dtype),
         "nearest": (frac > 0.5).astype(xt.dtype)}[method]
    full = q.shape + kept_shape + (m,)
    srt_b = xp.broadcast_to(srt, full)
    v_lo = xp.take_along_axis(srt_b, xp.broadcast_to(lo, pos.shape), axis=-1)
    v_hi = xp.take_along_axis(srt_b, xp.broadcast_to(hi, pos.shape), axis=-1)
    y = (1 - w) * v_lo + w * v_hi
    empty = (n == 0) if ignore_nan else nan.any(axis=-1, keepdims=True)
    y = xp.where(empty, xp.asarray(np.nan, dtype=xt.dtype), y)[..., 0]
    out_shape = q.shape + (tuple(1 if i in axes else s for i, s in enumerate(x.shape))
                           if keepdims else kept_shape)

    def backward(gy):
        g = xp.where(empty[..., 0], 0, gy.reshape(y.shape))[..., None]
        # Flat positions in the (kept..., m) layout of the sources of the two mixed values.
        base = xp.arange(int(np.prod(kept_shape, dtype=np.int64))).reshape(kept_shape + (1,))
        gt = xp.zeros(int(np.prod(kept_shape, dtype=np.int64)) * m, dtype=gy.dtype)
        order_b = xp.broadcast_to(order, full)
        for idx, weight in ((lo, 1 - w), (hi, w)):
            src = xp.take_along_axis(order_b, xp.broadcast_to(idx, pos.shape), axis=-1)
            flat = xp.broadcast_to(base * m + src, pos.shape)
            backend.scatter_add(gt, flat.reshape(-1), (g * weight).reshape(-1))
        gt = gt.reshape(tuple(x.shape[i] for i in perm))
        return (gt.transpose(tuple(int(i) for i in np.argsort(perm))),)

    return result(y.reshape(out_shape), (x,), backward, name)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles (q in [0, 1]) of `x` over `axis` (all of `x` when None).

    `method` ('linear', 'lower', 'higher', 'midpoint', 'nearest') picks how a quantile between
    two values is formed. A sequence `q` puts its axis first in the result. Differentiable.

    >>> quantile(np.array([1.0, 2.0, 3.0, 4.0]), 0.5).numpy()
    array(2.5)
    """
    q = check_q(q, "quantile", 1.0)
    return quantile_op(x, q, axis, method, keepdims, "quantile", ignore_nan=False)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """`quantile` with `q` in percent ([0, 100]).

    >>> percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50).numpy()
    array(2.5)
    """
    q = check_q(q, "percentile", 100.0)
    return quantile_op(x, q, axis, method, keepdims, "percentile", ignore_nan=False)


def median(x, axis=None, keepdims=False):
    """The middle value of `x` over `axis` (the mean of the two middle ones for an even count).

    >>> median(np.array([3.0, 1.0, 2.0])).numpy()
    array(2.)
    """
    return quantile_op(x, np.asarray(0.5), axis, "linear", keepdims, "median", ignore_nan=False)


def average(x, axis=None, weights=None):
    """Mean of `x` over `axis`, each value counted `weights` times (a plain mean when None).

    Args:
        weights: the shape of `x`, or 1-D along a single int `axis`.

    >>> average(np.array([1.0, 2.0]), weights=np.array([3.0, 1.0])).numpy()
    array(1.25)
    """
    if weights is None:
        return reduce.mean(to_float(x), axis=axis)
    x, w = promote(x, weights, floating=True)
    if w.shape != x.shape:
        if not isinstance(axis, (int, np.integer)):
            raise ValueError(f"average: weights of shape {w.shape} differ from x's shape "
                             f"{x.shape}, so axis must be one int, received axis={axis!r}")
        axis = normalize_axis(axis, x.ndim, "average")[0]
        if w.ndim != 1 or w.shape[0] != x.shape[axis]:
            raise ValueError(f"average: weights must have x's shape {x.shape} or be 1-D of "
                             f"length {x.shape[axis]} (axis {axis}), received {w.shape}")
        w = manipulation.reshape(w, tuple(-1 if i == axis else 1 for i in range(x.ndim)))
    total = reduce.sum(w * x, axis=axis)
    scale = reduce.sum(manipulation.broadcast_to(w, x.shape), axis=axis)
    return total / scale


def ptp(x, axis=None, keepdims=False):
    """Range (max - min) of `x` over `axis`.

    >>> ptp(np.array([4.0, 1.0, 7.0])).numpy()
    array(6.)
    """
    x = as_tensor(x)
    if x.data.dtype.kind == "b":
        raise TypeError("ptp: x must be numeric, received a boolean tensor")
    return reduce.max(x, axis, keepdims) - reduce.min(x, axis, keepdims)


def corrcoef(x):
    """Pearson correlation coefficients between the rows (variables) of a 1-D or 2-D `x`.

    >>> corrcoef(np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])).numpy()
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    x = to_float(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"corrcoef: x must be 1-D or 2-D (rows are variables), "
                         f"received shape {x.shape}")
    rows = manipulation.reshape(x, (1, -1)) if x.ndim == 1 else x
    centred = rows - reduce.mean(rows, axis=1, keepdims=True)
    cov = linalg.matmul(centred, manipulation.transpose(centred))
    k = backend.asarray_like(np.arange(cov.shape[0]), cov.data)
    sd = math.sqrt(manipulation.getitem(cov, (k, k)))
    c = cov / manipulation.reshape(sd, (-1, 1)) / manipulation.reshape(sd, (1, -1))
    c = math.clip(c, -1.0, 1.0)
    return manipulation.reshape(c, ()) if x.ndim == 1 else c


def cdist(x, y):
    """Euclidean distances between the rows of `x` (..., n, d) and of `y` (..., m, d).

    >>> cdist(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])).numpy()
    array([[5.]])
    """
    x, y = promote(x, y, floating=True)
    if x.ndim < 2 or y.ndim < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(f"cdist: x and y must have rank >= 2 and the same last axis, "
                         f"received shapes {x.shape} and {y.shape}")
    d = manipulation.expand_dims(x, -2) - manipulation.expand_dims(y, -3)
    return math.sqrt(reduce.sum(d * d, axis=-1))


def histogram(x, bins=10, range=None):  # noqa: A002 - keras.ops spelling
    """Counts of the values of 1-D `x` in `bins` equal-width bins over `range` (the data's
    min and max when None), and the bins' edges; both float (no gradient).

    >>> histogram(np.array([0.0, 1.0, 1.0, 2.0]), bins=2)[0].numpy()
    array([1., 3.])
    """
    x = as_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"histogram: x must be 1-D, received shape {x.shape}")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise TypeError(f"histogram: bins must be a positive int, received {bins!r}")
    if range is not None and (len(range) != 2 or range[0] > range[1]):
        raise ValueError(f"histogram: range must be (min, max) with min <= max, "
                         f"received {range!r}")
    xp = backend.xp_of(x.data)
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.dtype(backend.floatx())
    data = x.data.astype(dtype)
    if range is None:
        range = (float(data.min()), float(data.max())) if data.size else (0.0, 1.0)
    counts, edges = xp.histogram(data, bins=int(bins), range=tuple(float(r) for r in range))
    return Tensor(counts.astype(dtype)), Tensor(edges.astype(dtype))


def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative integer occurs in `x` (1-D, or 2-D counted row by row);
    with `weights`, their sums instead. Negative values are ignored.

    >>> bincount(np.array([0, 2, 2])).numpy()
    array([1, 0, 2], dtype=int32)
    """
    if sparse:
        raise ValueError("bincount: sparse=True is not supported (numen has no sparse tensors)")
    x = as_tensor(x)
    if x.data.dtype.kind not in "iub":
        raise TypeError(f"bincount: x must hold integers, received dtype {x.dtype}")
    if x.ndim not in (1, 2):
        raise ValueError(f"bincount: x must be 1-D or 2-D, received shape {x.shape}")
    xp = backend.xp_of(x.data)
    ids = x.data.astype(np.int64)
    length = max(int(ids.max()) + 1 if ids.size else 0, int(minlength))
    rows = ids.reshape(-1, ids.shape[-1]) if x.ndim == 2 else ids.reshape(1, -1)
    keep = rows >= 0
    flat = (xp.arange(rows.shape[0])[:, None] * length + xp.where(keep, rows, 0))
    out_shape = (length,) if x.ndim == 1 else (rows.shape[0], length)
    if weights is None:
        counts = xp.bincount(flat[keep], minlength=rows.shape[0] * length)
        return Tensor(counts.reshape(out_shape).astype("int32"))
    w = as_tensor(weights)
    if w.shape != x.shape:
        raise ValueError(f"bincount: weights must have x's shape {x.shape}, received {w.shape}")
    dtype = "int32" if w.data.dtype.kind == "b" else w.data.dtype.name
    y = xp.zeros(rows.shape[0] * length, dtype=dtype)
    backend.scatter_add(y, flat[keep], w.data.reshape(rows.shape)[keep].astype(dtype))

    def backward(gy):
        g = gy.reshape(-1)[flat] * keep
        return (g.reshape(w.shape).astype(w.data.dtype),)

    return result(y.reshape(out_shape), (w,), backward, "bincount")


def count_nonzero(x, axis=None):
    """Number of non-zero values of `x` over `axis` (int32).

    >>> count_nonzero(np.array([0.0, 1.5, 2.0])).numpy()
    array(2, dtype=int32)
    """
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "count_nonzero")
    return Tensor((x.data != 0).sum(axis=axes).astype("int32"))
