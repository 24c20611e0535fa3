"""Rearranging the elements of a tensor: flips, rolls, rotations, diagonals, grids, windows.

All are composed from differentiable ops (reshape, transpose, flip, take, getitem, multiply),
so their gradients need no code of their own; `view` reinterprets bits and has none.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.ops.manipulation import (
    broadcast_to,
    concatenate,
    flip,
    getitem,
    moveaxis,
    reshape,
    stack,
    take,
    transpose,
)
from numen.ops.math import multiply


def ravel(x):
    """`x` flattened to one dimension.

    >>> ravel(zeros((2, 3))).shape
    (6,)
    """
    return reshape(x, (-1,))


def copy(x):
    """A new tensor with the values of `x` (its own storage); the gradient passes through.

    >>> copy([1.0, 2.0]).numpy().tolist()  # [1.0, 2.0]
    """
    x = as_tensor(x)
    return result(x.data.copy(), (x,), lambda gy: (gy,), "copy")


def view(x, dtype=None):
    """The bits of `x` read as `dtype` (no conversion; no gradient). The last axis grows or
    shrinks when the item sizes differ.

    >>> view(ones((1,), dtype="float32"), "int32").numpy().tolist()  # [1065353216]
    """
    x = as_tensor(x)
    if dtype is None:
        return Tensor(x.data.copy())
    dtype = backend.standardize_dtype(dtype)
    try:
        return Tensor(x.data.view(dtype))
    except ValueError as exc:
        raise ValueError(f"view: cannot view a {x.dtype} tensor of shape {x.shape} as "
                         f"{dtype}: {exc}") from exc


def _rank_at_least(x, rank, op):
    if x.ndim < rank:
        raise ValueError(f"{op}: x must have at least {rank} dimensions, received shape "
                         f"{x.shape}")


def fliplr(x):
    """`x` with the order of its columns (axis 1) reversed.

    >>> fliplr([[1, 2]]).numpy().tolist()  # [[2, 1]]
    """
    x = as_tensor(x)
    _rank_at_least(x, 2, "fliplr")
    return flip(x, 1)


def flipud(x):
    """`x` with the order of its rows (axis 0) reversed.

    >>> flipud([1, 2]).numpy().tolist()  # [2, 1]
    """
    x = as_tensor(x)
    _rank_at_least(x, 1, "flipud")
    return flip(x, 0)


def roll(x, shift, axis=None):
    """Elements shifted by `shift` places along `axis`, those leaving one end coming back at
    the other; with `axis` None the flattened tensor is rolled and the shape kept.

    >>> roll([1, 2, 3], 1).numpy().tolist()  # [3, 1, 2]
    """
    x = as_tensor(x)
    if axis is None:
        return reshape(roll(reshape(x, (-1,)), shift, 0), x.shape)
    shifts = np.atleast_1d(np.asarray(shift, dtype=np.int64))
    axes = np.atleast_1d(np.asarray(axis, dtype=np.int64))
    try:
        shifts, axes = np.broadcast_arrays(shifts, axes)
    except ValueError as exc:
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} must have matching "
                         "lengths") from exc
    y = x
    for s, a in zip(shifts.tolist(), axes.tolist()):
        if not -x.ndim <= a < x.ndim:
            raise ValueError(f"roll: axis {a} is out of range for a tensor of shape {x.shape}")
        n = x.shape[a]
        if n:
            y = take(y, (np.arange(n) - s) % n, axis=a)
    return y


def rot90(array, k=1, axes=(0, 1)):
    """`array` rotated by 90 degrees `k` times in the plane of `axes`, from the first axis
    towards the second.

    >>> rot90([[1, 2], [3, 4]]).numpy().tolist()  # [[2, 4], [1, 3]]
    """
    x = as_tensor(array)
    axes = tuple(int(a) for a in axes)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must be two axes, received {axes!r}")
    _rank_at_least(x, 2, "rot90")
    a0, a1 = (a % x.ndim for a in axes)
    if a0 == a1 or not all(-x.ndim <= a < x.ndim for a in axes):
        raise ValueError(f"rot90: axes {axes!r} must be two different axes of a tensor of "
                         f"shape {x.shape}")
    k = int(k) % 4
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, a0), a1)
    order = list(range(x.ndim))
    order[a0], order[a1] = order[a1], order[a0]
    if k == 1:
        return transpose(flip(x, a1), order)
    return flip(transpose(x, order), a1)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal `offset` of the planes spanned by `axis1` and `axis2`, as a last axis.

    >>> diagonal([[1, 2], [3, 4]]).numpy().tolist()  # [1, 4]
    """
    x = as_tensor(x)
    _rank_at_least(x, 2, "diagonal")
    for name, a in (("axis1", axis1), ("axis2", axis2)):
        if not -x.ndim <= a < x.ndim:
            raise ValueError(f"diagonal: {name}={a} is out of range for a tensor of shape "
                             f"{x.shape}")
    a1, a2 = axis1 % x.ndim, axis2 % x.ndim
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, both are {axis1}")
    moved = moveaxis(x, (a1, a2), (-2, -1))
    rows, cols = moved.shape[-2:]
    offset = int(offset)
    length = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    i = np.arange(length)
    rows_at = backend.asarray_like(i - min(offset, 0), x.data)
    cols_at = backend.asarray_like(i + max(offset, 0), x.data)
    return getitem(moved, (Ellipsis, rows_at, cols_at))


def diag(x, k=0):
    """From a 1-D `x`, a square matrix with `x` on diagonal `k`; from a 2-D `x`, its
    diagonal `k`.

    >>> diag([1, 2]).numpy().tolist()  # [[1, 0], [0, 2]]
    """
    x = as_tensor(x)
    k = int(k)
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ValueError(f"diag: x must be 1-D or 2-D, received shape {x.shape}")
    n = x.shape[0] + abs(k)
    # Each output element names its source in [x, 0]: position len(x) is the zero.
    source = np.full((n, n), x.shape[0], dtype=np.int64)
    i = np.arange(x.shape[0])
    source[i - min(k, 0), i + max(k, 0)] = i
    padded = concatenate([x, Tensor(backend.xp_of(x.data).zeros((1,), x.data.dtype))], 0)
    return take(padded, source, axis=0)


def diagflat(x, k=0):
    """A square matrix with the flattened `x` on diagonal `k`.

    >>> diagflat([[1, 2]]).numpy().tolist()  # [[1, 0], [0, 2]]
    """
    return diag(ravel(x), k)


def vander(x, N=None, increasing=False):  # noqa: N803 - Keras's argument name
    """The Vandermonde matrix of a 1-D `x`: column j holds x ** (N - 1 - j) (x ** j when
    `increasing`); `N` columns, len(x) by default.

    >>> vander([2, 3], 3).numpy().tolist()  # [[4, 2, 1], [9, 3, 1]]
    """
    x = as_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be 1-D, received shape {x.shape}")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise ValueError(f"vander: N must be non-negative, received {N}")
    # Repeated products rather than power(): exact for integers, and the gradient at x = 0
    # stays finite.
    columns, p = [], Tensor(backend.xp_of(x.data).ones(x.shape, x.data.dtype))
    for j in range(n):
        columns.append(p)
        if j + 1 < n:
            p = x if j == 0 else multiply(p, x)
    if not columns:
        return Tensor(backend.xp_of(x.data).zeros((x.shape[0], 0), x.data.dtype))
    y = stack(columns, axis=1)
    return y if increasing else flip(y, 1)


def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D coordinate vectors: one tensor per input, each of the grid's
    shape. `indexing='xy'` swaps the first two grid axes (Cartesian), 'ij' does not.

    >>> [g.shape for g in meshgrid([1, 2], [3, 4, 5])]  # [(3, 2), (3, 2)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', received {indexing!r}")
    xs = [as_tensor(v) for v in x]
    for v in xs:
        if v.ndim != 1:
            raise ValueError(f"meshgrid: each input must be 1-D, received shape {v.shape}")
    lengths = [v.shape[0] for v in xs]
    if indexing == "xy" and len(xs) >= 2:
        lengths[0], lengths[1] = lengths[1], lengths[0]
    grids = []
    for i, v in enumerate(xs):
        place = i if indexing == "ij" or len(xs) < 2 or i > 1 else 1 - i
        shape = [1] * len(xs)
        shape[place] = v.shape[0]
        grids.append(broadcast_to(reshape(v, shape), lengths))
    return grids


def extract_sequences(x, sequence_length, sequence_stride):
    """Overlapping frames of the last axis: `sequence_length` values every `sequence_stride`
    values, giving shape x.shape[:-1] + (num_frames, sequence_length).

    >>> extract_sequences(arange(6.0), 4, 2).numpy().tolist()
    [[0.0, 1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0]]
    """
    x = as_tensor(x)
    _rank_at_least(x, 1, "extract_sequences")
    length, stride = int(sequence_length), int(sequence_stride)
    if length <= 0 or stride <= 0:
        raise ValueError(f"extract_sequences: sequence_length and sequence_stride must be "
                         f"positive, received {sequence_length} and {sequence_stride}")
    n = x.shape[-1]
    if length > n:
        raise ValueError(f"extract_sequences: sequence_length {length} is longer than the "
                         f"last axis ({n}) of a tensor of shape {x.shape}")
    frames = (n - length) // stride + 1
    index = np.arange(frames)[:, None] * stride + np.arange(length)[None, :]
    return take(x, index, axis=-1)
