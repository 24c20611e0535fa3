"""Sampling images at computed positions (`keras.ops.image`): map_coordinates,
affine_transform, perspective_transform, elastic_transform.

One sampler serves all four: nearest or linear interpolation at fractional positions, with
SciPy-style fill modes at the borders (as JAX's `map_coordinates`, which Keras uses on JAX).
It is built from differentiable ops, so gradients reach the image and the positions alike.
"""

from __future__ import annotations

import itertools

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor
from numen.ops import manipulation as shape_ops
from numen.ops import math as math_ops
from numen.ops.image_filters import gaussian_blur
from numen.ops.image_layout import choice, from_nhwc, images_in, spatial_axes, to_nhwc

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
INTERPOLATIONS = {"nearest": 0, "bilinear": 1}


def _mirror(xp, index, size):
    if size == 1:
        return xp.zeros_like(index)
    s = size - 1  # a triangular wave of half-period s
    return xp.abs((index + s) % (2 * s) - s)


def _fix(xp, index, size, mode):
    """Integer positions mapped into [0, size) by the fill mode."""
    if mode == "wrap":
        return index % size
    if mode == "mirror":
        return _mirror(xp, index, size)
    if mode == "reflect":
        return (_mirror(xp, 2 * index + 1, 2 * size + 1) - 1) // 2
    return xp.clip(index, 0, size - 1)  # 'nearest'; for 'constant' any valid index, masked


def _nodes(xp, c, order):
    """[(integer index, weight Tensor or None)] for one coordinate Tensor."""
    if order == 0:
        rounded = xp.sign(c.data) * xp.floor(xp.abs(c.data) + 0.5)  # half away from zero
        return [(rounded.astype(np.int64), None)]
    lower = xp.floor(c.data)
    upper = math_ops.subtract(c, Tensor(lower))
    index = lower.astype(np.int64)
    return [(index, math_ops.subtract(1.0, upper)), (index + 1, upper)]


def sample(x, coords, order, fill_mode="constant", fill_value=0.0, lead=()):
    """`x` interpolated at fractional positions.

    Args:
        x: Tensor; its first len(lead) axes are indexed exactly by `lead` (integer arrays),
            the next len(coords) axes at the fractional `coords` (Tensors of one shape S), and
            any remaining axes are kept whole.
        order: 0 (nearest, halves rounded away from zero) or 1 (linear).

    Returns:
        A Tensor of shape S + x.shape[len(lead) + len(coords):], in x's dtype.
    """
    xp = backend.xp_of(x.data)
    first = len(lead)
    rest = x.ndim - first - len(coords)
    fill = xp.asarray(fill_value).astype(x.data.dtype)
    per_axis = [_nodes(xp, c, order) for c in coords]
    total = None
    for combo in itertools.product(*per_axis):
        index, valid, weight = list(lead), None, None
        for axis, (idx, w) in enumerate(combo, start=first):
            size = x.shape[axis]
            index.append(_fix(xp, idx, size, fill_mode))
            if fill_mode == "constant":
                ok = (idx >= 0) & (idx < size)
                valid = ok if valid is None else valid & ok
            if w is not None:
                weight = w if weight is None else math_ops.multiply(weight, w)
        part = shape_ops.getitem(x, tuple(index))
        tail = (1,) * rest
        if valid is not None:
            part = math_ops.where(valid.reshape(valid.shape + tail), part, Tensor(fill))
        if weight is not None:
            part = math_ops.multiply(part, shape_ops.reshape(weight, weight.shape + tail))
        total = part if total is None else math_ops.add(total, part)
    if x.data.dtype.kind in "iub":
        rounded = xp.sign(total.data) * xp.floor(xp.abs(total.data) + 0.5)
        return Tensor(rounded.astype(x.data.dtype))
    return math_ops.cast(total, x.data.dtype.name)


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """`inputs` interpolated at `coordinates`, as `scipy.ndimage.map_coordinates`.

    Args:
        inputs: an array of rank N.
        coordinates: shape (N, ...): the position to read along each axis, per output element.
        order: 0 (nearest) or 1 (linear).
        fill_mode: how positions outside are read: 'constant' (`fill_value`), 'nearest',
            'wrap', 'mirror' or 'reflect'.

    Returns:
        A Tensor of shape coordinates.shape[1:], in the dtype of `inputs`.

    Raises:
        ValueError: on a bad `order`, `fill_mode` or coordinates shape.

    >>> map_coordinates(np.arange(4.0), [[0.5, 2.0]], order=1).numpy()
    array([0.5, 2. ])
    """
    x = as_tensor(inputs)
    if isinstance(coordinates, (list, tuple)):
        coordinates = shape_ops.stack([as_tensor(c) for c in coordinates])
    c = as_tensor(coordinates, like=x.data)
    if c.ndim < 2:
        raise ValueError(f"map_coordinates: `coordinates` must have rank 2 or more (N, ...), "
                         f"received shape {c.shape}")
    if c.shape[0] != x.ndim:
        raise ValueError(f"map_coordinates: `coordinates` must have {x.ndim} rows (the rank of "
                         f"`inputs` of shape {x.shape}), received shape {c.shape}")
    choice("map_coordinates", "fill_mode", fill_mode, FILL_MODES)
    choice("map_coordinates", "order", order, (0, 1))
    if c.data.dtype.kind != "f":
        c = math_ops.cast(c, "float32")
    rows = [shape_ops.getitem(c, i) for i in range(x.ndim)]
    return sample(x, rows, order, fill_mode, fill_value)


def _sample_images(x, data_format, ys, xs, interpolation, fill_mode, fill_value):
    """Images (rank 3/4) read at per-pixel positions ys, xs of shape (N, H', W')."""
    unbatched = x.ndim == 3
    x = to_nhwc(x, data_format)
    batch = backend.xp_of(x.data).arange(x.shape[0]).reshape(-1, 1, 1)
    y = sample(x, [ys, xs], INTERPOLATIONS[interpolation], fill_mode, fill_value, lead=(batch,))
    return from_nhwc(y, data_format, unbatched)


def _grid(height, width, dtype):
    cols, rows = np.meshgrid(np.arange(width, dtype=dtype), np.arange(height, dtype=dtype))
    return cols, rows


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Images warped by projective transforms.

    Args:
        transform: (8,) or (N, 8): [a0, a1, a2, b0, b1, b2, c0, c1] sends output pixel (x, y)
            to input point ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1.
        interpolation: 'nearest' or 'bilinear'.
        fill_mode: 'constant' (`fill_value`), 'nearest', 'wrap', 'mirror' or 'reflect'.

    Returns:
        Images of the input's shape and dtype.

    >>> affine_transform(np.ones((4, 4, 1)), [1, 0, 0, 0, 1, 0, 0, 0]).shape
    (4, 4, 1)
    """
    x, data_format = images_in("affine_transform", images, data_format)
    choice("affine_transform", "interpolation", interpolation, INTERPOLATIONS)
    choice("affine_transform", "fill_mode", fill_mode, FILL_MODES)
    t = as_tensor(transform, like=x.data)
    if t.ndim not in (1, 2) or t.shape[-1] != 8:
        raise ValueError(f"affine_transform: `transform` must have shape (8,) or (N, 8), "
                         f"received {t.shape}")
    if t.data.dtype.kind != "f":
        t = math_ops.cast(t, "float32")
    t = shape_ops.reshape(t, (-1, 8, 1, 1))
    h_ax, w_ax = spatial_axes(data_format)
    h, w = x.shape[h_ax], x.shape[w_ax]
    cols, rows = _grid(h, w, t.data.dtype)

    def coef(i):
        return shape_ops.getitem(t, (slice(None), i))

    def plane(i):  # t[i] * x + t[i + 1] * y + t[i + 2]
        return math_ops.add(math_ops.add(math_ops.multiply(coef(i), cols),
                                         math_ops.multiply(coef(i + 1), rows)), coef(i + 2))

    k = math_ops.add(math_ops.add(math_ops.multiply(coef(6), cols),
                                  math_ops.multiply(coef(7), rows)), 1.0)
    xs, ys = math_ops.divide(plane(0), k), math_ops.divide(plane(3), k)
    n = x.shape[0] if x.ndim == 4 else 1
    ys = shape_ops.broadcast_to(ys, (n, h, w))
    xs = shape_ops.broadcast_to(xs, (n, h, w))
    return _sample_images(x, data_format, ys, xs, interpolation, fill_mode,
                          fill_value)


def _homography(start, end):
    """The 8 coefficients sending each end point to its start point, per batch item."""
    sx, sy, ex, ey = start[..., 0], start[..., 1], end[..., 0], end[..., 1]
    zero, one = np.zeros_like(ex), np.ones_like(ex)
    rows_x = np.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], axis=-1)
    rows_y = np.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], axis=-1)
    a = np.concatenate([rows_x, rows_y], axis=1)
    b = np.concatenate([sx, sy], axis=-1)[..., None]
    return np.linalg.solve(a, b)[..., 0]


def _points(name, points):
    p = np.asarray(backend.to_numpy(getattr(points, "data", points)), dtype=np.float64)
    if p.ndim not in (2, 3) or p.shape[-2:] != (4, 2):
        raise ValueError(f"perspective_transform: `{name}` must have shape (4, 2) or (N, 4, 2), "
                         f"received {p.shape}")
    return p.reshape(-1, 4, 2)


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Images warped so that the 4 `start_points` (x, y) move to `end_points`.

    The corner points are constants here (no gradient reaches them); the images get one.

    >>> corners = np.array([[0, 0], [3, 0], [0, 3], [3, 3]], "float32")
    >>> perspective_transform(np.ones((4, 4, 1)), corners, corners).shape
    (4, 4, 1)
    """
    x, data_format = images_in("perspective_transform", images, data_format)
    choice("perspective_transform", "interpolation", interpolation, INTERPOLATIONS)
    start, end = _points("start_points", start_points), _points("end_points", end_points)
    if np.shape(getattr(start_points, "data", start_points)) != \
            np.shape(getattr(end_points, "data", end_points)):
        raise ValueError(f"perspective_transform: `start_points` and `end_points` must have the "
                         f"same shape, received {start.shape} and {end.shape}")
    t = _homography(start, end)[:, :, None, None].astype(np.float32)
    h_ax, w_ax = spatial_axes(data_format)
    h, w = x.shape[h_ax], x.shape[w_ax]
    cols, rows = _grid(h, w, np.float32)
    k = t[:, 6] * cols + t[:, 7] * rows + 1.0
    xs = (t[:, 0] * cols + t[:, 1] * rows + t[:, 2]) / k
    ys = (t[:, 3] * cols + t[:, 4] * rows + t[:, 5]) / k
    n = x.shape[0] if x.ndim == 4 else 1
    xp = backend.xp_of(x.data)
    ys, xs = (Tensor(xp.asarray(np.broadcast_to(a, (n, h, w)))) for a in (ys, xs))
    return _sample_images(x, data_format, ys, xs, interpolation,
                          "constant", fill_value)


def _generator(seed):
    if seed is None:
        return backend.rng()
    if hasattr(seed, "generator"):  # a keras.random.SeedGenerator: its own stream
        return seed.generator
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise TypeError(f"elastic_transform: `seed` must be None, an int or a SeedGenerator, "
                    f"received {seed!r}")


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Images displaced by a smooth random field: each pixel reads from its position plus
    `alpha` times Gaussian noise blurred with standard deviation `sigma`.

    The same int `seed` gives the same result; the field is not Keras's (random streams
    differ between backends), only its distribution is.

    >>> elastic_transform(np.ones((8, 8, 1), "float32"), seed=1).shape
    (8, 8, 1)
    """
    x, data_format = images_in("elastic_transform", images, data_format)
    choice("elastic_transform", "interpolation", interpolation, INTERPOLATIONS)
    choice("elastic_transform", "fill_mode", fill_mode, FILL_MODES)
    alpha, sigma = float(alpha), float(sigma)
    if sigma <= 0:
        raise ValueError(f"elastic_transform: `sigma` must be positive, received {sigma}")
    unbatched = x.ndim == 3
    nhwc = to_nhwc(x, data_format)
    n, h, w, _ = nhwc.shape
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.dtype(backend.floatx())
    noise = _generator(seed).standard_normal((n, h, w, 2)).astype(dtype) * dtype.type(sigma)
    size = int(6 * sigma) | 1
    field = gaussian_blur(noise, (size, size), (sigma, sigma), "channels_last").data
    cols, rows = _grid(h, w, dtype)
    xp = backend.xp_of(x.data)
    xs = Tensor(xp.asarray(cols + alpha * field[..., 0]).astype(dtype))
    ys = Tensor(xp.asarray(rows + alpha * field[..., 1]).astype(dtype))
    batch = xp.arange(n).reshape(-1, 1, 1)
    y = sample(nhwc, [ys, xs], INTERPOLATIONS[interpolation], fill_mode, fill_value,
               lead=(batch,))
    return from_nhwc(y, data_format, unbatched)
