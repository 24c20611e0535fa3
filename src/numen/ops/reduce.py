"""Reductions over axes, each with its gradient."""

from __future__ import annotations

import builtins
import math

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.autodiff.replay import primitive
from numen.ops.broadcast import normalize_axis


def _expand(g, shape, axes, keepdims):
    """Re-insert reduced axes into gradient `g` so it broadcasts against `shape`."""
    if axes is None:
        return g.reshape((1,) * len(shape)) if not keepdims else g
    if not keepdims:
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return g


def sum(x, axis=None, keepdims=False):  # noqa: A001 - keras.ops spelling
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "sum")
    return primitive(_sum_kernel, (x,), "sum", axes=axes, keepdims=keepdims)


# Up to this many elements a gradient spread over a summed array is filled into a new array:
# a broadcast view costs ~6 us of Python set-up (nditer) against ~2 us to fill a small one.
_FILL_BELOW = 1 << 14


def _spread(xp, g, shape):
    """`g` (already shaped to broadcast) over `shape`: a new array when small, else a view."""
    if math.prod(shape) <= _FILL_BELOW:
        out = xp.empty(shape, dtype=g.dtype)
        out[...] = g
        return out
    return xp.broadcast_to(g, shape)


def _sum_kernel(arrays, needs, axes, keepdims):
    x = arrays[0]
    xp = backend.xp_of(x)

    def backward(gy):
        return (_spread(xp, _expand(gy, x.shape, axes, keepdims), x.shape),)

    return x.sum(axis=axes, keepdims=keepdims), backward


def divide_by(x, divisor: float):
    """`x / divisor` for a Python number `divisor` (a replayable kernel; the divisor is
    converted to `x`'s dtype first, as `ops.divide` converts a number operand)."""
    return primitive(_divide_by_kernel, (as_tensor(x),), "divide_by", divisor=divisor)


def _divide_by_kernel(arrays, needs, divisor):
    x = arrays[0]
    d = backend.xp_of(x).asarray(divisor, dtype=x.dtype)
    return x / d, lambda gy: (gy / d,)


def divided_sum(x, divisor: float):
    """`divide_by(sum(x), divisor)` as one kernel (a loss averaged over the batch): the same
    values, one recorded call instead of two."""
    return primitive(_divided_sum_kernel, (as_tensor(x),), "divided_sum", divisor=divisor)


def _divided_sum_kernel(arrays, needs, divisor):
    x = arrays[0]
    xp = backend.xp_of(x)
    total = x.sum()
    d = xp.asarray(divisor, dtype=total.dtype)

    def backward(gy):
        return (_spread(xp, gy / d, x.shape),)

    return total / d, backward


def mean(x, axis=None, keepdims=False):
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "mean")
    reduced = [x.shape[a] for a in (range(x.ndim) if axes is None else axes)]
    dtype = backend.floatx() if x.data.dtype.kind in "iub" else x.data.dtype
    xp = backend.xp_of(x.data)
    if 0 in reduced:
        # an empty axis: NaN, as in Keras (JAX) and NumPy, but without the RuntimeWarnings
        # ("Mean of empty slice", 0/0) NumPy would let through to the user
        shape = x.data.sum(axis=axes, keepdims=keepdims).shape
        y = xp.full(shape, float("nan"), dtype=dtype)
    else:
        y = x.data.mean(axis=axes, keepdims=keepdims).astype(dtype, copy=False)
    count = x.data.size // builtins.max(y.size, 1) if x.data.size else 1

    def backward(gy):
        g = _expand(gy, x.shape, axes, keepdims) / count
        return (xp.broadcast_to(g, x.shape),)

    return result(y, (x,), backward, "mean")


def _extreme(x, axis, keepdims, name):
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, name)
    y = getattr(x.data, name)(axis=axes, keepdims=keepdims)

    def backward(gy):
        ykeep = _expand(y, x.shape, axes, keepdims)
        mask = x.data == ykeep
        # Ties share the gradient equally, so the total matches the single-winner case.
        counts = mask.sum(axis=axes, keepdims=True)
        return (_expand(gy, x.shape, axes, keepdims) * mask / counts,)

    return result(y, (x,), backward, name)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return _extreme(x, axis, keepdims, "max")


def min(x, axis=None, keepdims=False):  # noqa: A001
    return _extreme(x, axis, keepdims, "min")


amax = max
amin = min


def var(x, axis=None, keepdims=False):
    x = as_tensor(x)
    centred = x - mean(x, axis=axis, keepdims=True)
    return mean(centred * centred, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    from numen.ops.math import sqrt

    return sqrt(var(x, axis=axis, keepdims=keepdims))


def prod(x, axis=None, keepdims=False):
    """Product over `axis`; the gradient is exact where some factors are zero."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "prod")
    y = x.data.prod(axis=axes, keepdims=keepdims)

    def backward(gy):
        xp = backend.xp_of(x.data)
        zero = x.data == 0
        n_zero = zero.sum(axis=axes, keepdims=True)
        # Product of the non-zero factors; d/dx_i is prod of the others, so with one zero only
        # that zero's slot gets a gradient, and with two or more every slot gets 0.
        nonzero_prod = xp.where(zero, 1, x.data).prod(axis=axes, keepdims=True)
        safe = xp.where(zero, 1, x.data)
        local = xp.where(n_zero == 0, nonzero_prod / safe,
                         xp.where((n_zero == 1) & zero, nonzero_prod, 0))
        return (_expand(gy, x.shape, axes, keepdims) * local,)

    return result(y, (x,), backward, "prod")


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) computed without overflow."""
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    axes = normalize_axis(axis, x.ndim, "logsumexp")
    m = x.data.max(axis=axes, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    e = xp.exp(x.data - m)
    s = e.sum(axis=axes, keepdims=True)
    ykeep = xp.log(s) + m
    y = ykeep if keepdims else ykeep.reshape(
        tuple(n for i, n in enumerate(x.shape) if axes is not None and i not in axes)
    )

    def backward(gy):
        return (_expand(gy, x.shape, axes, keepdims) * (e / s),)

    return result(y, (x,), backward, "logsumexp")


def argmax(x, axis=None, keepdims=False):
    """Index (int32, as Keras) of the largest value along `axis` (flattened when None)."""
    x = as_tensor(x)
    return Tensor(x.data.argmax(axis=axis, keepdims=keepdims).astype("int32"))


def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value along `axis` (of the flattened tensor when None)."""
    x = as_tensor(x)
    return Tensor(x.data.argmin(axis=axis, keepdims=keepdims).astype("int32"))


def all(x, axis=None, keepdims=False):  # noqa: A001
    return Tensor(as_tensor(x).data.all(axis=axis, keepdims=keepdims))


def any(x, axis=None, keepdims=False):  # noqa: A001
    return Tensor(as_tensor(x).data.any(axis=axis, keepdims=keepdims))


def cumsum(x, axis=None):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    if axis is None:
        from numen.ops.manipulation import reshape

        return cumsum(reshape(x, (-1,)), 0)
    y = xp.cumsum(x.data, axis=axis)

    def backward(gy):
        return (xp.flip(xp.cumsum(xp.flip(gy, axis), axis=axis), axis),)

    return result(y, (x,), backward, "cumsum")


def cumprod(x, axis=None):
    """Running product along `axis` (of the flattened tensor when None)."""
    x = as_tensor(x)
    if axis is None:
        from numen.ops.manipulation import reshape

        return cumprod(reshape(x, (-1,)), 0)
    xp = backend.xp_of(x.data)
    axis = normalize_axis(axis, x.ndim, "cumprod")[0]
    y = xp.cumprod(x.data, axis=axis)

    def backward(gy):
        # Exact for zeros too: d y_k / d x_i = prod_{j<=k, j!=i} x_j, summed over k >= i.
        n = x.shape[axis]
        xm = xp.moveaxis(x.data, axis, -1)
        gm = xp.moveaxis(gy, axis, -1)
        gx = xp.zeros_like(xm)
        for i in range(n):
            before = xm[..., :i].prod(axis=-1, keepdims=True)
            rest = xp.concatenate([xp.ones_like(xm[..., i : i + 1]), xm[..., i + 1 :]], -1)
            gx[..., i] = (gm[..., i:] * before * xp.cumprod(rest, axis=-1)).sum(axis=-1)
        return (xp.moveaxis(gx, -1, axis),)

    return result(y, (x,), backward, "cumprod")


def sort(x, axis=-1):
    """Values sorted ascending along `axis`; gradients return to where each value came from."""
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    order = xp.argsort(x.data, axis=axis, kind="stable")
    return _gather_along(x, order, axis, "sort")


def argsort(x, axis=-1):
    """Indices (int32, as Keras) that sort `x` ascending along `axis` (no gradient)."""
    x = as_tensor(x)
    return Tensor(backend.xp_of(x.data).argsort(x.data, axis=axis, kind="stable")
                  .astype("int32"))


def top_k(x, k, sorted=True):  # noqa: A002 - keras.ops spelling
    """The `k` largest values along the last axis and their indices.

    Returns:
        (values, indices (int32, as Keras)); values carry gradients back to the chosen
        positions.
    """
    x = as_tensor(x)
    if not 1 <= int(k) <= x.shape[-1]:
        raise ValueError(f"top_k: k must be in [1, {x.shape[-1]}], received {k}")
    xp = backend.xp_of(x.data)
    # Stable sort of -x: among ties, the lower index wins, as in Keras's backends.
    indices = xp.argsort(-x.data, axis=-1, kind="stable")[..., : int(k)]
    if not sorted:
        indices = xp.sort(indices, axis=-1)
    return _gather_along(x, indices, -1, "top_k"), Tensor(indices.astype("int32"))


def _gather_along(x, indices, axis, name):
    xp = backend.xp_of(x.data)
    y = xp.take_along_axis(x.data, indices, axis=axis)

    def backward(gy):
        g = xp.zeros(x.shape, dtype=gy.dtype)
        xp.put_along_axis(g, indices, gy, axis=axis)
        return (g,)

    return result(y, (x,), backward, name)
