"""Reshaping, indexing, joining and splitting, each with its gradient."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.autodiff.replay import primitive


def reshape(x, new_shape):
    x = as_tensor(x)
    shape = (new_shape,) if isinstance(new_shape, int) else tuple(
        -1 if n is None else int(n) for n in new_shape
    )
    try:
        return primitive(_reshape_kernel, (x,), "reshape", shape=shape)
    except ValueError as exc:
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} values) "
            f"into shape {shape}"
        ) from exc


def _reshape_kernel(arrays, needs, shape):
    x = arrays[0]
    return x.reshape(shape), lambda gy: (gy.reshape(x.shape),)


def transpose(x, axes=None):
    """Permute axes (reverse them when `axes` is None); negative axes count from the end."""
    x = as_tensor(x)
    if axes is not None:
        axes = tuple(int(a) % x.ndim for a in axes)
        if sorted(axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the "
                             f"{x.ndim} axes of a tensor of shape {x.shape}")
    y = x.data.transpose(axes)
    inverse = None if axes is None else tuple(int(i) for i in np.argsort(axes))
    return result(y, (x,), lambda gy: (gy.transpose(inverse),), "transpose")


def moveaxis(x, source, destination):
    """Move axes `source` to positions `destination`, keeping the others in order."""
    x = as_tensor(x)
    src = [int(a) % x.ndim for a in ((source,) if isinstance(source, int) else source)]
    dst = [int(a) % x.ndim for a in
           ((destination,) if isinstance(destination, int) else destination)]
    order = [a for a in range(x.ndim) if a not in src]
    for d, s_ in sorted(zip(dst, src)):
        order.insert(d, s_)
    return transpose(x, order)


def swapaxes(x, axis1, axis2):
    x = as_tensor(x)
    order = list(range(x.ndim))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return transpose(x, order)


def expand_dims(x, axis):
    x = as_tensor(x)
    y = backend.xp_of(x.data).expand_dims(x.data, axis)
    return reshape(x, y.shape)


def squeeze(x, axis=None):
    x = as_tensor(x)
    y = backend.xp_of(x.data).squeeze(x.data, axis)
    return reshape(x, y.shape)


def flatten(x):
    """Keep the first (batch) axis and flatten the rest."""
    x = as_tensor(x)
    return reshape(x, (x.shape[0], -1))


def broadcast_to(x, shape):
    from numen.ops.broadcast import unbroadcast

    x = as_tensor(x)
    y = backend.xp_of(x.data).broadcast_to(x.data, tuple(shape))
    return result(y, (x,), lambda gy: (unbroadcast(gy, x.shape),), "broadcast_to")


def _index_data(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def getitem(x, index):
    x = as_tensor(x)
    index = _index_data(index)
    y = x.data[index]
    xp = backend.xp_of(x.data)

    def backward(gy):
        g = xp.zeros(x.shape, dtype=gy.dtype)
        backend.scatter_add(g, index, gy) if _is_advanced(index) else g.__setitem__(index, gy)
        return (g,)

    return result(y, (x,), backward, "getitem")


def _is_advanced(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(hasattr(p, "shape") or isinstance(p, list) for p in parts)


def take(x, indices, axis=None):
    """Elements of `x` at integer `indices` along `axis` (gradients summed at repeats)."""
    x = as_tensor(x)
    idx = indices.data if isinstance(indices, Tensor) else indices
    idx = backend.asarray_like(idx, x.data)
    xp = backend.xp_of(x.data)
    if axis is None:
        return take(reshape(x, (-1,)), idx, 0)
    axis = axis % x.ndim
    y = xp.take(x.data, idx, axis=axis)

    def backward(gy):
        g = xp.zeros(x.shape, dtype=gy.dtype)
        moved = xp.moveaxis(g, axis, 0)
        gmoved = xp.moveaxis(gy, tuple(range(axis, axis + idx.ndim)), tuple(range(idx.ndim)))
        backend.scatter_add(moved, idx, gmoved)
        return (g,)

    return result(y, (x,), backward, "take")


def concatenate(xs, axis=0):
    xs = [as_tensor(x) for x in xs]
    xp = backend.xp_of(*[x.data for x in xs])
    try:
        y = xp.concatenate([x.data for x in xs], axis=axis)
    except ValueError as exc:
        raise ValueError(
            f"concatenate: shapes {[x.shape for x in xs]} cannot be joined on axis {axis}"
        ) from exc
    bounds = np.cumsum([x.shape[axis] for x in xs])[:-1]

    def backward(gy):
        return tuple(xp.split(gy, bounds.tolist(), axis=axis))

    return result(y, tuple(xs), backward, "concatenate")


def stack(xs, axis=0):
    xs = [expand_dims(x, axis) for x in xs]
    return concatenate(xs, axis=axis)


def split(x, indices_or_sections, axis=0):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    pieces = xp.split(x.data, indices_or_sections, axis=axis)
    out, start = [], 0
    for p in pieces:
        sl = [slice(None)] * x.ndim
        sl[axis] = slice(start, start + p.shape[axis])
        out.append(getitem(x, tuple(sl)))
        start += p.shape[axis]
    return out


def tile(x, repeats):
    x = as_tensor(x)
    if isinstance(repeats, Tensor):  # computed repeats, e.g. from ops.shape: values, not graph
        repeats = backend.to_numpy(repeats.data).tolist()
    reps = (int(repeats),) if np.ndim(repeats) == 0 else tuple(int(r) for r in repeats)
    xp = backend.xp_of(x.data)
    y = xp.tile(x.data, reps)
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    reps = (1,) * (len(shape) - len(reps)) + reps

    def backward(gy):
        split_shape = []
        for r, n in zip(reps, shape):
            split_shape += [r, n]
        g = gy.reshape(split_shape).sum(axis=tuple(range(0, 2 * len(shape), 2)))
        return (g.reshape(x.shape),)

    return result(y, (x,), backward, "tile")


def repeat(x, repeats, axis=None):
    x = as_tensor(x)
    if axis is None:
        return repeat(reshape(x, (-1,)), repeats, 0)
    axis = axis % x.ndim
    xp = backend.xp_of(x.data)
    y = xp.repeat(x.data, repeats, axis=axis)
    if not isinstance(repeats, int):
        idx = np.repeat(np.arange(x.shape[axis]), repeats)
        return take(x, idx, axis)

    def backward(gy):
        shape = x.shape[:axis] + (x.shape[axis], repeats) + x.shape[axis + 1 :]
        return (gy.reshape(shape).sum(axis=axis + 1),)

    return result(y, (x,), backward, "repeat")


_INDEX_PAD_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(x, pad_width, mode="constant", constant_values=None):
    """`x` padded on each axis by (before, after) widths.

    Args:
        pad_width: an int, one (before, after) pair for every axis, or one pair per axis.
        mode: 'constant' (filled with `constant_values`, default 0), or 'edge', 'reflect',
            'symmetric', 'wrap', which copy values of `x` (their gradients flow back to them).
    """
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    except ValueError as exc:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of rank {x.ndim}"
                         ) from exc
    if (widths < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative, received {pad_width!r}")
    widths = tuple((int(lo), int(hi)) for lo, hi in widths)
    if mode == "constant":
        fill = 0 if constant_values is None else constant_values
        y = xp.pad(x.data, widths, mode="constant", constant_values=fill)
        crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return result(y, (x,), lambda gy: (gy[crop],), "pad")
    if mode not in _INDEX_PAD_MODES:
        raise ValueError(f"pad: mode must be 'constant' or one of {_INDEX_PAD_MODES}, "
                         f"received {mode!r}")
    if constant_values not in (None, 0):
        raise ValueError(f"pad: constant_values is only used with mode='constant', "
                         f"received {constant_values!r} with mode={mode!r}")
    # Pad a table of flat positions the same way: each output element names its source.
    source = np.pad(np.arange(x.size).reshape(x.shape), widths, mode=mode)
    source = backend.xp_of(x.data).asarray(source)
    y = x.data.reshape(-1)[source]

    def backward(gy):
        g = xp.zeros(x.size, dtype=gy.dtype)
        backend.scatter_add(g, source.reshape(-1), gy.reshape(-1))
        return (g.reshape(x.shape),)

    return result(y, (x,), backward, "pad")


def flip(x, axis=None):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    return result(xp.flip(x.data, axis), (x,), lambda gy: (xp.flip(gy, axis),), "flip")
