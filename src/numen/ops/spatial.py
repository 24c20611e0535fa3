"""Spatial rearrangements of `keras.ops.nn`: adaptive pooling, depth_to_space /
space_to_depth, and unfold / fold (im2col and col2im).

Adaptive pooling splits each spatial axis of length L into `out` windows, window i covering
[floor(i L / out), ceil((i + 1) L / out)), the split PyTorch and Keras use. Both poolings are
separable (a mean or max over a box is the mean or max over each of its axes in turn), so they
run one axis at a time and are composed from differentiable primitives. unfold and fold are
each other's adjoint, so each one's gradient is the other.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import as_tensor, result
from numen.ops import linalg, reduce
from numen.ops import manipulation as shape_ops
from numen.ops.convolution import data_format_of


def _adaptive_setup(op, inputs, output_size, data_format):
    x = as_tensor(inputs)
    nd = x.ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"{op}: expected inputs of rank 3, 4 or 5 (batch, spatial..., "
                         f"channels), received shape {x.shape}")
    if isinstance(output_size, (int, np.integer)):
        output_size = (int(output_size),) * nd
    sizes = tuple(int(s) for s in output_size)
    if len(sizes) != nd or any(s <= 0 for s in sizes):
        raise ValueError(f"{op}: output_size must be a positive int or {nd} positive ints for "
                         f"inputs of shape {x.shape}, received {output_size!r}")
    first = data_format_of(data_format) == "channels_first"
    spatial_axes = tuple(range(2, 2 + nd)) if first else tuple(range(1, 1 + nd))
    return x, sizes, spatial_axes


def _windows(length, out):
    starts = (np.arange(out) * length) // out
    ends = -((-np.arange(1, out + 1) * length) // out)
    return starts, ends


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Mean pooling to a fixed spatial `output_size`, window sizes chosen from the input.

    Args:
        inputs: (N, *spatial, C) for channels_last, (N, C, *spatial) for channels_first,
            with 1 to 3 spatial axes.
        output_size: an int or one int per spatial axis.
        data_format: 'channels_last' or 'channels_first'; None means the global setting.

    Returns:
        A tensor with the spatial axes resized to `output_size`.

    >>> adaptive_average_pool(np.ones((1, 5, 5, 2)), 2).shape
    (1, 2, 2, 2)
    """
    x, sizes, axes = _adaptive_setup("adaptive_average_pool", inputs, output_size, data_format)
    y = x
    for axis, out in zip(axes, sizes):
        length = y.shape[axis]
        starts, ends = _windows(length, out)
        weights = np.zeros((length, out), dtype=y.data.dtype)
        for i, (a, b) in enumerate(zip(starts, ends)):
            weights[a:b, i] = 1.0 / (b - a)
        w = backend.asarray_like(weights, y.data)
        # Contract the axis with the (length, out) averaging matrix; the new axis comes last.
        y = shape_ops.moveaxis(linalg.tensordot(y, w, axes=([axis], [0])), -1, axis)
    return y


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed spatial `output_size`, window sizes chosen from the input.

    Args:
        inputs: (N, *spatial, C) for channels_last, (N, C, *spatial) for channels_first,
            with 1 to 3 spatial axes.
        output_size: an int or one int per spatial axis.
        data_format: 'channels_last' or 'channels_first'; None means the global setting.

    Returns:
        A tensor with the spatial axes resized to `output_size`.

    >>> adaptive_max_pool(np.ones((1, 5, 5, 2)), 2).shape
    (1, 2, 2, 2)
    """
    x, sizes, axes = _adaptive_setup("adaptive_max_pool", inputs, output_size, data_format)
    y = x
    for axis, out in zip(axes, sizes):
        length = y.shape[axis]
        starts, ends = _windows(length, out)
        width = int((ends - starts).max())
        # Every window gathered to the widest size by repeating its last element (a repeat
        # changes no maximum), then reduced at once.
        idx = np.minimum(starts[:, None] + np.arange(width), ends[:, None] - 1)
        gathered = shape_ops.take(y, backend.asarray_like(idx.reshape(-1), y.data), axis=axis)
        split = y.shape[:axis] + (out, width) + y.shape[axis + 1:]
        y = reduce.max(shape_ops.reshape(gathered, split), axis=axis + 1)
    return y


def _block_check(op, x, block_size):
    x = as_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4D input (batch, height, width, channels or "
                         f"channels first), received shape {x.shape}")
    if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)) or (
            block_size < 2):
        raise ValueError(f"{op}: block_size must be an int >= 2, received {block_size!r}")
    return x, int(block_size)


def depth_to_space(x, block_size, data_format="channels_last"):
    """Channels moved into space: each pixel's C channels become a block_size x block_size
    patch of C / block_size**2 channels (pixel shuffle).

    Args:
        x: (N, H, W, C) for channels_last or (N, C, H, W) for channels_first.
        block_size: the side of each patch; C must be divisible by its square.
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> depth_to_space(np.ones((1, 2, 2, 8)), 2).shape
    (1, 4, 4, 2)
    """
    x, b = _block_check("depth_to_space", x, block_size)
    first = data_format_of(data_format) == "channels_first"
    n, h, w, c = (x.shape[0], *x.shape[2:], x.shape[1]) if first else x.shape
    if c % (b * b):
        raise ValueError(f"depth_to_space: the {c} channels are not divisible by "
                         f"block_size**2 = {b * b} (input shape {x.shape})")
    nc = c // (b * b)
    if first:
        y = shape_ops.reshape(x, (n, nc, b, b, h, w))
        y = shape_ops.transpose(y, (0, 1, 4, 2, 5, 3))
        return shape_ops.reshape(y, (n, nc, h * b, w * b))
    y = shape_ops.reshape(x, (n, h, w, b, b, nc))
    y = shape_ops.transpose(y, (0, 1, 3, 2, 4, 5))
    return shape_ops.reshape(y, (n, h * b, w * b, nc))


def space_to_depth(x, block_size, data_format="channels_last"):
    """Space moved into channels: each block_size x block_size patch becomes one pixel with
    block_size**2 times the channels (the inverse of `depth_to_space`).

    Args:
        x: (N, H, W, C) for channels_last or (N, C, H, W) for channels_first.
        block_size: the side of each patch; H and W must be divisible by it.
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> space_to_depth(np.ones((1, 4, 4, 2)), 2).shape
    (1, 2, 2, 8)
    """
    x, b = _block_check("space_to_depth", x, block_size)
    first = data_format_of(data_format) == "channels_first"
    n, h, w, c = (x.shape[0], *x.shape[2:], x.shape[1]) if first else x.shape
    if h % b or w % b:
        raise ValueError(f"space_to_depth: height {h} and width {w} must be divisible by "
                         f"block_size {b} (input shape {x.shape})")
    if first:
        y = shape_ops.reshape(x, (n, c, h // b, b, w // b, b))
        y = shape_ops.transpose(y, (0, 1, 3, 5, 2, 4))
        return shape_ops.reshape(y, (n, c * b * b, h // b, w // b))
    y = shape_ops.reshape(x, (n, h // b, b, w // b, b, c))
    y = shape_ops.transpose(y, (0, 1, 3, 2, 4, 5))
    return shape_ops.reshape(y, (n, h // b, w // b, c * b * b))


def _pair(op, value, name, minimum):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (int(value), int(value))
    try:
        out = tuple(int(v) for v in value)
    except TypeError:
        out = ()
    if len(out) != 2 or any(v < minimum for v in out):
        raise ValueError(f"{op}: `{name}` must be an int or a pair of ints >= {minimum}, "
                         f"received {value!r}")
    return out


def _patch_geometry(op, size, kernel_size, dilation, padding, stride):
    k = _pair(op, kernel_size, "kernel_size", 1)
    d = _pair(op, dilation, "dilation", 1)
    p = _pair(op, padding, "padding", 0)
    s = _pair(op, stride, "stride", 1)
    blocks = tuple((n + 2 * pi - di * (ki - 1) - 1) // si + 1
                   for n, ki, di, pi, si in zip(size, k, d, p, s))
    if any(b <= 0 for b in blocks):
        raise ValueError(f"{op}: kernel_size {k} with dilation {d} does not fit a spatial size "
                         f"of {tuple(size)} with padding {p}")
    return k, d, p, s, blocks


def _taps(k, d, s, blocks):
    """The slice of the padded image each kernel tap (i, j) reads, in row-major tap order."""
    for i in range(k[0]):
        for j in range(k[1]):
            yield (slice(i * d[0], i * d[0] + s[0] * (blocks[0] - 1) + 1, s[0]),
                   slice(j * d[1], j * d[1] + s[1] * (blocks[1] - 1) + 1, s[1]))


def _unfold_array(xp, x, k, d, p, s, blocks):
    n, c, h, w = x.shape
    xpad = xp.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1]))) if any(p) else x
    cols = xp.empty((n, c, k[0] * k[1], *blocks), dtype=x.dtype)
    for t, (rows, columns) in enumerate(_taps(k, d, s, blocks)):
        cols[:, :, t] = xpad[:, :, rows, columns]
    return cols.reshape(n, c * k[0] * k[1], blocks[0] * blocks[1])


def _fold_array(xp, cols, size, k, d, p, s, blocks):
    n = cols.shape[0]
    c = cols.shape[1] // (k[0] * k[1])
    cols = cols.reshape(n, c, k[0] * k[1], *blocks)
    out = xp.zeros((n, c, size[0] + 2 * p[0], size[1] + 2 * p[1]), dtype=cols.dtype)
    for t, (rows, columns) in enumerate(_taps(k, d, s, blocks)):
        out[:, :, rows, columns] += cols[:, :, t]
    return xp.ascontiguousarray(out[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]])


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of a channels-first image, flattened (im2col, as torch's Unfold).

    Args:
        x: (N, C, H, W).
        kernel_size / dilation / padding / stride: an int or a pair (height, width);
            `padding` zeros are added on both sides.

    Returns:
        (N, C * kh * kw, L), L the number of blocks; row c * kh * kw + i * kw + j holds
        channel c at kernel tap (i, j).

    >>> unfold(np.ones((1, 2, 4, 4)), kernel_size=2, stride=2).shape
    (1, 8, 4)
    """
    x = as_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"unfold: expected a 4D input (N, C, H, W), received shape {x.shape}")
    k, d, p, s, blocks = _patch_geometry("unfold", x.shape[2:], kernel_size, dilation, padding,
                                         stride)
    xp = backend.xp_of(x.data)
    y = _unfold_array(xp, x.data, k, d, p, s, blocks)
    size = x.shape[2:]
    return result(y, (x,), lambda gy: (_fold_array(xp, gy, size, k, d, p, s, blocks),),
                  "unfold")


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Flattened sliding blocks summed back into an image (col2im, the adjoint of `unfold`).

    Args:
        x: (N, C * kh * kw, L), laid out as `unfold` returns it.
        output_size: the image's (H, W), or an int for both.
        kernel_size / dilation / padding / stride: as given to `unfold`.

    Returns:
        (N, C, H, W); where blocks overlap, their values add up.

    >>> fold(np.ones((1, 8, 4)), output_size=4, kernel_size=2, stride=2).shape
    (1, 2, 4, 4)
    """
    x = as_tensor(x)
    if x.ndim != 3:
        raise ValueError(f"fold: expected a 3D input (N, C * kh * kw, L), received shape "
                         f"{x.shape}")
    size = _pair("fold", output_size, "output_size", 1)
    k, d, p, s, blocks = _patch_geometry("fold", size, kernel_size, dilation, padding, stride)
    taps = k[0] * k[1]
    if x.shape[1] % taps or x.shape[2] != blocks[0] * blocks[1]:
        raise ValueError(f"fold: expected shape (N, C * {taps}, {blocks[0] * blocks[1]}) for "
                         f"output_size {size} and kernel_size {k}, received {x.shape}")
    xp = backend.xp_of(x.data)
    y = _fold_array(xp, x.data, size, k, d, p, s, blocks)
    return result(y, (x,), lambda gy: (_unfold_array(xp, gy, k, d, p, s, blocks),), "fold")
