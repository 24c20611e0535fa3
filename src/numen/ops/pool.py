"""Max and average pooling (N-D, channels-last inside), each with its gradient.

Both walk the pool window one tap at a time over strided views of the input — a loop over
taps (4 for a 2x2 pool), never over pixels — so no window copy is made; with compiled kernels
on, the 1-D and 2-D max pools' forward reads each window once (numen/kernels/image.py). Max
pooling routes the gradient to the first tap holding the maximum (ties resolve as in
PyTorch). Average pooling with padding 'same' divides by the number of real (unpadded)
values, as Keras does.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from numen import backend, kernels
from numen.autodiff import as_tensor
from numen.autodiff.replay import primitive
from numen.ops import manipulation as shape_ops
from numen.ops.convolution import data_format_of, int_tuple, same_pads, tap_slices
from numen.ops.scratch import scratch


def _geometry(op, x, pool_size, strides, padding):
    nd = x.ndim - 2
    if nd < 1:
        raise ValueError(f"{op}: expected inputs of rank >= 3 (batch, spatial..., channels), "
                         f"received shape {x.shape}")
    pool = int_tuple(pool_size, nd, "pool_size", op)
    strides = pool if strides is None else int_tuple(strides, nd, "strides", op)
    pad = padding.lower() if isinstance(padding, str) else padding
    if pad not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', received {padding!r}")
    sizes = x.shape[1:-1]
    if pad == "valid":
        pads = [(0, 0)] * nd
    else:
        pads = [same_pads(n, k, s) for n, k, s in zip(sizes, pool, strides)]
    out = tuple((n + lo + hi - k) // s + 1 for n, (lo, hi), k, s in zip(sizes, pads, pool,
                                                                       strides))
    if any(o <= 0 for o in out):
        raise ValueError(f"{op}: pool_size {pool} does not fit inputs of shape {x.shape} with "
                         f"padding={padding!r}")
    return pool, strides, pads, out, _crop(pads, x.shape)


def _crop(pads, shape):
    return (slice(None),) + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, shape[1:-1])) + (
        slice(None),)


_COMPILED_FLOATS = (np.dtype("float32"), np.dtype("float64"))


def _lowest(xp, dtype):
    return -xp.inf if backend.is_float_dtype(dtype) else xp.iinfo(dtype).min


def _pad(xp, a, pads, value):
    if all(p == (0, 0) for p in pads):
        return a
    return xp.pad(a, [(0, 0), *pads, (0, 0)], constant_values=value)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Maximum over each pool window.

    Args:
        inputs: (N, *spatial, C) for channels_last, (N, C, *spatial) for channels_first.
        pool_size / strides: an int or one per spatial axis; strides default to pool_size.
        padding: 'valid' or 'same'.

    >>> max_pool(np.arange(16.0).reshape(1, 4, 4, 1), 2).shape
    (1, 2, 2, 1)
    """
    x = as_tensor(inputs)
    if data_format_of(data_format) == "channels_first":
        y = max_pool(shape_ops.moveaxis(x, 1, -1), pool_size, strides, padding, "channels_last")
        return shape_ops.moveaxis(y, -1, 1)
    pool, strides, pads, _, _ = _geometry("max_pool", x, pool_size, strides, padding)
    return primitive(_max_pool_kernel, (x,), "max_pool", pool=pool, strides=strides,
                     pads=tuple(pads))


@functools.lru_cache(maxsize=256)
def _plan(x_shape, pool, strides, pads):
    """Pool geometry worked out once per shape: output shape, the taps' input slices, the
    crop back to the unpadded input, whether windows are disjoint and tile the input."""
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x_shape[1:-1], pads))
    out = tuple((n - k) // s + 1 for n, k, s in zip(padded, pool, strides))
    taps = tuple(index for _, index in tap_slices(pool, out, strides, (1,) * len(pool)))
    disjoint = all(s >= k for s, k in zip(strides, pool))
    # Windows tile the padded input exactly: every gradient cell is written, none twice.
    tiled = disjoint and all((o - 1) * s + k == n for o, s, k, n in
                             zip(out, strides, pool, padded))
    return (x_shape[0], *out, x_shape[-1]), taps, _crop(pads, x_shape), disjoint, tiled


def _max_pool_kernel(arrays, needs, pool, strides, pads):
    x = arrays[0]
    xp = backend.xp_of(x)
    out_shape, taps, crop, disjoint, tiled = _plan(x.shape, pool, strides, pads)
    xpad = _pad(xp, x, pads, _lowest(xp, x.dtype)) if any(map(any, pads)) else x
    y = scratch(xp, out_shape, x.dtype)
    if len(pool) <= 2 and kernels.enabled() and type(x) is np.ndarray and \
            x.dtype in _COMPILED_FLOATS:
        from numen.kernels import image

        if len(pool) == 1:  # one row high
            image.max_pool(xpad[:, None], (1, *pool), (1, *strides), y[:, None])
        else:
            image.max_pool(xpad, pool, strides, y)
    else:
        xp.copyto(y, xpad[taps[0]])
        for index in taps[1:]:
            xp.maximum(y, xpad[index], out=y)
    if not any(needs):
        return y, None

    def backward(gy):
        # The winning tap is found again here rather than stored: the first tap equal to the
        # maximum takes the gradient, so ties resolve like PyTorch's. The last tap needs no
        # comparison: it wins wherever no earlier tap did.
        gx = scratch(xp, xpad.shape, gy.dtype, zero=not tiled)
        hit, free = scratch(xp, out_shape, bool), None
        for i, index in enumerate(taps):
            if i == len(taps) - 1 and free is not None:
                hit = free
            else:
                xp.equal(xpad[index], y, out=hit)
                if free is None:
                    free = xp.logical_not(hit, out=scratch(xp, out_shape, bool))
                else:
                    hit &= free
                    free ^= hit
            if disjoint:  # windows do not overlap: write in place, no read-modify-write
                xp.multiply(gy, hit, out=gx[index])
            else:
                gx[index] += gy * hit
        return (gx[crop],)

    return y, backward


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Mean over each pool window (padding excluded from the count).

    Args:
        inputs: (N, *spatial, C) for channels_last, (N, C, *spatial) for channels_first.
        pool_size / strides: an int or one per spatial axis; strides default to pool_size.
        padding: 'valid' or 'same'.

    >>> average_pool(np.ones((1, 4, 4, 1)), 2).shape
    (1, 2, 2, 1)
    """
    x = as_tensor(inputs)
    if data_format_of(data_format) == "channels_first":
        y = average_pool(shape_ops.moveaxis(x, 1, -1), pool_size, strides, padding,
                         "channels_last")
        return shape_ops.moveaxis(y, -1, 1)
    pool, strides, pads, _, _ = _geometry("average_pool", x, pool_size, strides, padding)
    return primitive(_average_pool_kernel, (x,), "average_pool", pool=pool, strides=strides,
                     pads=tuple(pads))


def _average_pool_kernel(arrays, needs, pool, strides, pads):
    x = arrays[0]
    xp = backend.xp_of(x)
    out_shape, taps, crop, disjoint, tiled = _plan(x.shape, pool, strides, pads)
    xpad = _pad(xp, x, pads, 0)
    dtype = x.dtype if backend.is_float_dtype(x.dtype) else backend.floatx()
    y = scratch(xp, out_shape, dtype)
    xp.copyto(y, xpad[taps[0]], casting="unsafe")
    for index in taps[1:]:
        y += xpad[index]
    if all(p == (0, 0) for p in pads):
        count = math.prod(pool)
    else:
        ones = _pad(xp, xp.ones((1, *x.shape[1:-1], 1), dtype=y.dtype), pads, 0)
        count = sum(ones[index] for index in taps)
    y /= count

    def backward(gy):
        g = gy / count
        gx = scratch(xp, xpad.shape, gy.dtype, zero=not tiled)
        for index in taps:
            if disjoint:
                gx[index] = g
            else:
                gx[index] += g
        return (gx[crop],)

    return y, backward
