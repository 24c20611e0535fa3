"""Products, differences and integrals of arrays: cross, inner, vdot, kron, trace, diff,
trapezoid and correlate. All are composed from differentiable ops, so gradients come free."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import as_tensor
from numen.ops import linalg, manipulation, math, reduce
from numen.ops.broadcast import normalize_axis
from numen.ops.statistics import promote, sum_dtype, to_float


def _along(x, axis, part):
    """`x[..., part, ...]` with `part` (a slice or int) applied on `axis`."""
    return manipulation.getitem(x, (slice(None),) * axis + (part,))


def diff(a, n=1, axis=-1):
    """The `n`-th discrete difference of `a` along `axis` (a[i + 1] - a[i], repeated).

    >>> diff(np.array([1.0, 4.0, 9.0])).numpy()
    array([3., 5.])
    """
    x = as_tensor(a)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int, received {n!r}")
    if x.ndim == 0:
        raise ValueError("diff: a must have at least one axis, received a scalar")
    axis = normalize_axis(axis, x.ndim, "diff")[0]
    for _ in range(int(n)):
        hi, lo = _along(x, axis, slice(1, None)), _along(x, axis, slice(None, -1))
        x = math.not_equal(hi, lo) if x.data.dtype.kind == "b" else hi - lo
    return x


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of `y` along `axis` by the trapezoidal rule, at sample points `x` (1-D along
    `axis` or `y`'s shape) or spaced `dx` apart.

    >>> trapezoid(np.array([1.0, 2.0, 3.0])).numpy()
    array(4.)
    """
    y = to_float(y)
    if y.ndim == 0:
        raise ValueError("trapezoid: y must have at least one axis, received a scalar")
    axis = normalize_axis(axis, y.ndim, "trapezoid")[0]
    mid = (_along(y, axis, slice(1, None)) + _along(y, axis, slice(None, -1))) * 0.5
    if x is None:
        return reduce.sum(mid, axis=axis) * dx
    x, mid = promote(x, mid, floating=True)
    if x.ndim == 1:
        if x.shape[0] != y.shape[axis]:
            raise ValueError(f"trapezoid: 1-D x must have {y.shape[axis]} points (y's axis "
                             f"{axis}), received {x.shape[0]}")
        step = manipulation.reshape(diff(x), tuple(-1 if i == axis else 1
                                                   for i in range(y.ndim)))
    else:
        step = diff(x, axis=axis)
    return reduce.sum(step * mid, axis=axis)


def inner(x1, x2):
    """Sum of products over the last axes of `x1` and `x2` (a plain product for scalars).

    >>> inner(np.array([1.0, 2.0]), np.array([3.0, 4.0])).numpy()
    array(11.)
    """
    a, b = promote(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"inner: the last axes of x1 {a.shape} and x2 {b.shape} must match")
    return linalg.tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 1]))


def vdot(x1, x2):
    """Dot product of `x1` and `x2` flattened (they must have the same number of values).

    >>> vdot(np.array([[1.0, 2.0]]), np.array([3.0, 4.0])).numpy()
    array(11.)
    """
    a, b = promote(x1, x2)
    if a.size != b.size:
        raise ValueError(f"vdot: x1 {a.shape} and x2 {b.shape} must have the same size")
    return linalg.tensordot(manipulation.reshape(a, (-1,)), manipulation.reshape(b, (-1,)), 1)


def kron(x1, x2):
    """Kronecker product: blocks of `x2`, each scaled by one element of `x1`.

    >>> kron(np.array([1.0, 10.0]), np.array([1.0, 2.0])).numpy()
    array([ 1.,  2., 10., 20.])
    """
    a, b = promote(x1, x2)
    nd = max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    # a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...) gives (a0, b0, a1, b1, ...).
    a = manipulation.reshape(a, tuple(n for s in sa for n in (s, 1)))
    b = manipulation.reshape(b, tuple(n for s in sb for n in (1, s)))
    return manipulation.reshape(a * b, tuple(p * q for p, q in zip(sa, sb)))


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along a diagonal of the 2-D slices spanned by `axis1` and `axis2` (above the main
    one for `offset` > 0, below for < 0).

    >>> trace(np.array([[1.0, 2.0], [3.0, 4.0]])).numpy()
    array(5.)
    """
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"trace: x must have at least 2 axes, received shape {x.shape}")
    a1 = normalize_axis(axis1, x.ndim, "trace")[0]
    a2 = normalize_axis(axis2, x.ndim, "trace")[0]
    if a1 == a2:
        raise ValueError(f"trace: axis1 and axis2 must differ, both are {a1}")
    moved = manipulation.moveaxis(x, [a1, a2], [x.ndim - 2, x.ndim - 1])
    n, m = moved.shape[-2:]
    rows = backend.asarray_like(np.arange(max(0, -offset), max(0, min(n, m - offset))), x.data)
    diagonal = manipulation.getitem(moved, (Ellipsis, rows, rows + offset))
    return math.cast(reduce.sum(diagonal, axis=-1), sum_dtype(x.data.dtype))


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of the 2- or 3-component vectors along `axisa` of `x1` and `axisb` of
    `x2` (both `axis` when given), put on `axisc`; two 2-vectors give the z component alone.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])).numpy()
    array([0., 0., 1.])
    """
    a, b = promote(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"cross: x1 and x2 must hold vectors, received shapes {a.shape} "
                         f"and {b.shape}")
    a = manipulation.moveaxis(a, normalize_axis(axisa, a.ndim, "cross")[0], a.ndim - 1)
    b = manipulation.moveaxis(b, normalize_axis(axisb, b.ndim, "cross")[0], b.ndim - 1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components, received "
                         f"{a.shape[-1]} and {b.shape[-1]}")
    ca = [_along_last(a, i) for i in range(3)]
    cb = [_along_last(b, i) for i in range(3)]
    z = _minus(_times(ca[0], cb[1]), _times(ca[1], cb[0]))
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return z
    xs = _minus(_times(ca[1], cb[2]), _times(ca[2], cb[1]))
    ys = _minus(_times(ca[2], cb[0]), _times(ca[0], cb[2]))
    c = manipulation.stack([xs, ys, z], axis=-1)
    return manipulation.moveaxis(c, c.ndim - 1, normalize_axis(axisc, c.ndim, "cross")[0])


def _along_last(t, i):
    # A missing third component stands for zero; None keeps it out of the products.
    return manipulation.getitem(t, (Ellipsis, i)) if i < t.shape[-1] else None


def _times(u, v):
    return None if u is None or v is None else u * v


def _minus(p, q):
    if q is None:
        return p
    return math.negative(q) if p is None else p - q


_CORRELATE_MODES = ("valid", "same", "full")


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors: out[k] = sum_n x1[n + k] * x2[n], over the
    overlaps named by `mode` ('valid': full overlap, 'same': the longer's length, 'full').

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0])).numpy()
    array([2., 3.])
    """
    a, b = promote(x1, x2, floating=True)
    if a.ndim != 1 or b.ndim != 1 or a.size == 0 or b.size == 0:
        raise ValueError(f"correlate: x1 and x2 must be non-empty and 1-D, received shapes "
                         f"{a.shape} and {b.shape}")
    if mode not in _CORRELATE_MODES:
        raise ValueError(f"correlate: mode must be one of {_CORRELATE_MODES}, "
                         f"received {mode!r}")
    n, m = a.shape[0], b.shape[0]
    padded = manipulation.pad(a, [(m - 1, m - 1)])
    starts = np.arange(n + m - 1)[:, None] + np.arange(m)
    windows = manipulation.getitem(padded, backend.asarray_like(starts, a.data))
    full = linalg.matmul(windows, b)
    if mode == "full":
        return full
    if mode == "valid":
        start, length = min(n, m) - 1, max(n, m) - min(n, m) + 1
    else:
        start, length = ((m - 1) // 2 if n >= m else n // 2), max(n, m)
    return manipulation.getitem(full, slice(start, start + length))
