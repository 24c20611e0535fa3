"""Reading and writing parts of a tensor by position: slices, gathers along an axis, choices
between tensors, and flat positions turned into coordinates."""

from __future__ import annotations

import builtins

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.ops.creation import convert_to_tensor
from numen.ops.joining import common_dtype
from numen.ops.manipulation import broadcast_to, getitem
from numen.ops.math import cast, where


def get_item(x, key):
    """`x[key]` with NumPy indexing (ints, slices, None, Ellipsis, index arrays, masks).

    >>> get_item([[1, 2], [3, 4]], 1).numpy().tolist()  # [3, 4]
    """
    return getitem(x, key)


def _window(x, start_indices, shape, op):
    start = [int(s) for s in np.asarray(_host(start_indices)).reshape(-1)]
    if len(start) != x.ndim:
        raise ValueError(f"{op}: start_indices must name one start per axis of a tensor of "
                         f"shape {x.shape}, received {len(start)}")
    sizes = [int(n) for n in np.asarray(_host(shape)).reshape(-1)]
    if len(sizes) != x.ndim:
        raise ValueError(f"{op}: shape must give one size per axis of a tensor of shape "
                         f"{x.shape}, received {tuple(sizes)}")
    window = []
    for s, n, dim in zip(start, sizes, x.shape):
        n = dim - s if n == -1 else n
        # As in XLA, a window that would run past the end is moved back inside.
        s = builtins.min(builtins.max(s, 0), builtins.max(dim - n, 0))
        if n < 0 or n > dim:
            raise ValueError(f"{op}: a window of shape {tuple(sizes)} does not fit in a "
                             f"tensor of shape {x.shape}")
        window.append(builtins.slice(s, s + n))
    return tuple(window)


def _host(v):
    if isinstance(v, Tensor):
        return backend.to_numpy(v.data)
    if isinstance(v, (list, tuple)):
        return [_host(i) for i in v]
    return backend.to_numpy(v) if hasattr(v, "shape") else v


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's name
    """The block of `inputs` of size `shape` starting at `start_indices` (-1 in `shape`:
    to the end of that axis).

    >>> slice([[1, 2, 3], [4, 5, 6]], (0, 1), (2, 2)).numpy().tolist()  # [[2, 3], [5, 6]]
    """
    x = as_tensor(inputs)
    return getitem(x, _window(x, start_indices, shape, "slice"))


def slice_update(inputs, start_indices, updates):
    """`inputs` with the block starting at `start_indices` replaced by `updates` (cast to the
    dtype of `inputs`). Gradients reach both.

    >>> slice_update(zeros((3,)), (1,), ones((2,))).numpy().tolist()  # [0.0, 1.0, 1.0]
    """
    x = as_tensor(inputs)
    u = cast(as_tensor(updates), x.dtype)
    if u.ndim != x.ndim:
        raise ValueError(f"slice_update: updates of shape {u.shape} must have the rank of "
                         f"inputs, shape {x.shape}")
    window = _window(x, start_indices, u.shape, "slice_update")
    y = x.data.copy()
    y[window] = u.data

    def backward(gy):
        gx = gy.copy()
        gx[window] = 0
        return gx, gy[window]

    return result(y, (x, u), backward, "slice_update")


def take_along_axis(x, indices, axis=None):
    """Values of `x` picked along `axis` by `indices`, which broadcasts against `x` on the
    other axes (`axis` None: from the flattened `x`). Gradients add up at repeated picks.

    >>> take_along_axis([[10, 20, 30]], [[2, 0]], axis=1).numpy().tolist()  # [[30, 10]]
    """
    x = as_tensor(x)
    idx = indices.data if isinstance(indices, Tensor) else indices
    idx = backend.asarray_like(idx, x.data)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"take_along_axis: indices must be integers, received dtype "
                        f"{idx.dtype}")
    if axis is None:
        if idx.ndim != 1:
            raise ValueError(f"take_along_axis: with axis=None indices must be 1-D, received "
                             f"shape {tuple(idx.shape)}")
        return getitem(x.reshape(-1), idx)
    if idx.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices of shape {tuple(idx.shape)} must have the "
                         f"rank of x, shape {x.shape}")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"take_along_axis: axis {axis} is out of range for a tensor of shape "
                         f"{x.shape}")
    axis = axis % x.ndim
    others = [(a, b) for i, (a, b) in enumerate(zip(x.shape, idx.shape)) if i != axis]
    try:
        common = np.broadcast_shapes(tuple(a for a, _ in others), tuple(b for _, b in others))
    except ValueError as exc:
        raise ValueError(f"take_along_axis: indices of shape {tuple(idx.shape)} do not "
                         f"broadcast against x of shape {x.shape} off axis {axis}") from exc
    x_shape, idx_shape = list(common), list(common)
    x_shape.insert(axis, x.shape[axis])
    idx_shape.insert(axis, idx.shape[axis])
    x = broadcast_to(x, x_shape) if tuple(x_shape) != x.shape else x
    xp = backend.xp_of(x.data)
    idx = xp.broadcast_to(idx, idx_shape)
    grid = list(xp.ix_(*[xp.arange(n) for n in idx_shape]))
    grid[axis] = idx
    return getitem(x, tuple(grid))


def select(condlist, choicelist, default=0):
    """Element-wise, the value from the first choice whose condition holds, else `default`.

    >>> select([[True, False], [False, True]], [[1, 2], [3, 4]]).numpy().tolist()  # [1, 4]
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist and choicelist must have the same length, "
                         f"received {len(condlist)} and {len(choicelist)}")
    if not condlist:
        raise ValueError("select: condlist must hold at least one condition")
    choices = [convert_to_tensor(c) for c in choicelist]
    scalar = isinstance(default, (bool, int, float))
    default = default if scalar else convert_to_tensor(default)
    dtype = common_dtype(choices + ([] if scalar else [default]), [default] if scalar else [])
    y = convert_to_tensor(default, dtype=dtype) if scalar else cast(default, dtype)
    for cond, choice in zip(reversed(condlist), reversed(choices)):
        cond = as_tensor(cond)
        y = where(cast(cond, "bool"), cast(choice, dtype), y)
    return y


def unravel_index(indices, shape):
    """The coordinates in a tensor of `shape` of flat positions `indices`, one int32 tensor
    per axis.

    >>> [c.numpy().tolist() for c in unravel_index([1, 5], (2, 3))]  # [[0, 1], [1, 2]]
    """
    idx = indices.data if isinstance(indices, Tensor) else indices
    xp = backend.xp_of(idx) if hasattr(idx, "shape") else backend.xp()
    idx = xp.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: indices must be integers, received dtype {idx.dtype}")
    shape = tuple(int(n) for n in shape)
    size = int(np.prod(shape))
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= size):
        raise ValueError(f"unravel_index: indices must lie in [0, {size}) for shape {shape}")
    out, rest = [], idx.astype(np.int64)
    for n in reversed(shape):
        out.append((rest % n).astype(np.int32))
        rest = rest // n
    return tuple(Tensor(c) for c in reversed(out))
