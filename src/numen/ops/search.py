"""Finding positions and members: partitions, sorted insertion points, bins, unique values,
membership and non-zero indices. None of these are differentiable; indices are int32."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor
from numen.ops.broadcast import normalize_axis


def _int32(a) -> Tensor:
    return Tensor(backend.xp_of(a).asarray(a).astype("int32"))


def argpartition(x, kth, axis=-1):
    """Indices that partition `x` along `axis` around its `kth` smallest value.

    The first kth + 1 indices point at the kth + 1 smallest values in ascending order (ties
    by position); the others follow in their original order.

    >>> argpartition(np.array([3.0, 1.0, 2.0, 0.5]), 1).numpy()
    array([3, 1, 0, 2], dtype=int32)
    """
    x = as_tensor(x)
    axis = normalize_axis(axis, x.ndim, "argpartition")[0]
    n = x.shape[axis]
    if isinstance(kth, bool) or not isinstance(kth, (int, np.integer)) or not -n <= kth < n:
        raise ValueError(f"argpartition: kth must be an int in [{-n}, {n}) for an axis of "
                         f"length {n}, received {kth!r}")
    kth = int(kth) % n
    xp = backend.xp_of(x.data)
    moved = xp.moveaxis(x.data, axis, -1)
    bottom = xp.argsort(moved, axis=-1, kind="stable")[..., : kth + 1]
    taken = xp.zeros(moved.shape, dtype=np.int8)
    xp.put_along_axis(taken, bottom, 1, axis=-1)
    rest = xp.argsort(taken, axis=-1, kind="stable")[..., : n - kth - 1]
    order = xp.concatenate([bottom, rest], axis=-1)
    return _int32(xp.moveaxis(order, -1, axis))


def searchsorted(sorted_sequence, values, side="left"):
    """Where each of `values` would be inserted into the 1-D ascending `sorted_sequence` to
    keep it sorted ('left': before equal values, 'right': after them).

    >>> searchsorted(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.5])).numpy()
    array([1, 2], dtype=int32)
    """
    seq, values = as_tensor(sorted_sequence), as_tensor(values)
    if seq.ndim != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D, received shape {seq.shape}")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', received {side!r}")
    xp = backend.xp_of(seq.data)
    return _int32(xp.searchsorted(seq.data, values.data, side=side))


def digitize(x, bins):
    """Index of the bin of 1-D monotonic `bins` each value of `x` falls in (bins[i-1] <= x <
    bins[i] for ascending bins).

    >>> digitize(np.array([0.5, 1.5, 3.0]), np.array([1.0, 2.0])).numpy()
    array([0, 1, 2], dtype=int32)
    """
    x, bins = as_tensor(x), as_tensor(bins)
    if bins.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-D, received shape {bins.shape}")
    return _int32(backend.xp_of(x.data).digitize(x.data, bins.data))


def unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
           return_counts=False, axis=None, size=None, fill_value=None):
    """The distinct values of `x` in ascending order (or distinct slices along `axis`).

    Args:
        sorted: accepted for Keras's signature; the values always come sorted.
        return_index / return_inverse / return_counts: also return (int32) where each value
            first occurs, each element's position in the result, and each value's count.
        size: pad (with `fill_value`, default the smallest value) or cut the result to this
            length, giving a fixed shape; padded counts are 0.

    Returns:
        The values, or a tuple of the values and the requested extras in that order.

    >>> unique(np.array([3, 1, 3, 2])).numpy()
    array([1, 2, 3])
    """
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    if axis is not None:
        axis = normalize_axis(axis, x.ndim, "unique")[0]
    if size is not None and (isinstance(size, bool) or not isinstance(size, (int, np.integer))
                             or size < 0):
        raise ValueError(f"unique: size must be None or a non-negative int, received {size!r}")
    if x.size == 0 and size:
        raise ValueError("unique: cannot pad the result of an empty x to a size")
    values, index, inverse, counts = xp.unique(x.data, return_index=True, return_inverse=True,
                                               return_counts=True, axis=axis)
    inverse = inverse.reshape(x.shape if axis is None else (-1,))
    if size is not None:
        values, index, counts = _to_size(xp, values, index, counts, axis or 0, int(size),
                                         fill_value)
    out = [Tensor(values)]
    for wanted, extra in ((return_index, index), (return_inverse, inverse),
                          (return_counts, counts)):
        if wanted:
            out.append(_int32(extra))
    return out[0] if len(out) == 1 else tuple(out)


def _to_size(xp, values, index, counts, axis, size, fill_value):
    found = values.shape[axis]
    if found >= size:
        cut = (slice(None),) * axis + (slice(0, size),)
        return values[cut], index[:size], counts[:size]
    pad = size - found
    if fill_value is None:
        filler = xp.take(values, xp.zeros(pad, dtype=np.int64), axis=axis)
    else:
        shape = list(values.shape)
        shape[axis] = pad
        filler = xp.full(shape, fill_value, dtype=values.dtype)
    values = xp.concatenate([values, filler], axis=axis)
    index = xp.concatenate([index, xp.full(pad, int(index[0]), dtype=index.dtype)])
    counts = xp.concatenate([counts, xp.zeros(pad, dtype=counts.dtype)])
    return values, index, counts


def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of `x1` occurs in `x2` (the opposite with `invert`).

    >>> isin(np.array([1, 2, 3]), np.array([2, 5])).numpy()
    array([False,  True, False])
    """
    x1, x2 = as_tensor(x1), as_tensor(x2)
    xp = backend.xp_of(x1.data)
    return Tensor(xp.isin(x1.data, x2.data, assume_unique=assume_unique, invert=invert))


def nonzero(x):
    """Indices (a tuple of int32 tensors, one per axis) of the non-zero elements of `x`.

    >>> nonzero(np.array([0, 4, 0, 5]))[0].numpy()
    array([1, 3], dtype=int32)
    """
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("nonzero: x must have at least one axis, received a scalar")
    return tuple(_int32(i) for i in backend.xp_of(x.data).nonzero(x.data))
